"""Writes of publicity work. Each service checks that the actor runs publicity at the region
(MANAGE_PUBLICITY), validates, stores and audits in one transaction, and raises a
ValidationError keyed by field with a Chinese message for bad input, writing nothing.

`announcement_publish` is the entry point other modules call (the opinion module publishes a
rumour debunk through it); see its docstring for the contract.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.errors import FieldErrors, clean_text
from qunfang.core.models import AuditEvent
from qunfang.org.access import can
from qunfang.org.models import Region
from qunfang.org.roles import Capability
from qunfang.publicity.models import (
    Announcement,
    AnnouncementChannel,
    AnnouncementSeries,
    Article,
    Channel,
    ExpertBroadcast,
    MaterialDistribution,
    MaterialKind,
    PressItem,
    PressLevel,
)

SERIES_NAME_REQUIRED = gettext_noop("请填写公告系列名称。")
SERIES_ELSEWHERE = gettext_noop("公告系列《{series}》属于{region}，只能以该单位名义发布。")
TITLE_REQUIRED = gettext_noop("请填写标题。")
NUMBER_INVALID = gettext_noop("期号应为正整数。")
NUMBER_TAKEN = gettext_noop(
    "《{series}》第{number}号已于{date}发布，期号不能重复；下一期应为第{next}号。"
)
ISSUED_IN_FUTURE = gettext_noop("发布时间不能晚于现在。")
CHANNELS_REQUIRED = gettext_noop("请至少选择一个发布渠道。")
CHANNEL_UNKNOWN = gettext_noop("未知的发布渠道：{channel}。")
CHANNEL_ALREADY_SENT = gettext_noop("该公告已于{date}通过{channel}发布。")
SENT_BEFORE_ISSUE = gettext_noop("发出时间不能早于公告发布时间。")
OUTLET_REQUIRED = gettext_noop("请填写媒体名称。")
URL_INVALID = gettext_noop("链接应为 http:// 或 https:// 开头的完整网址。")
LEVEL_INVALID = gettext_noop("请选择媒体级别（中央、省级、市级、县级）。")
DATE_IN_FUTURE = gettext_noop("日期不能晚于今天。")
ACCOUNT_REQUIRED = gettext_noop("请填写公众号或平台名称。")
COUNT_INVALID = gettext_noop("请填写不小于 0 的整数。")
KIND_INVALID = gettext_noop("请选择材料类别。")
QUANTITY_INVALID = gettext_noop("数量应为正整数，不能为 0、负数或小数。")
TOPIC_REQUIRED = gettext_noop("请填写直播主题。")
EXPERT_REQUIRED = gettext_noop("请填写专家姓名。")
PLATFORM_REQUIRED = gettext_noop("请填写播出平台。")


def _is_count(value: object, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _require(actor, region: Region) -> None:
    if not can(actor, Capability.MANAGE_PUBLICITY, region.code):
        raise PermissionDenied


def _audit(actor, action: str, obj, region: Region, **detail) -> None:
    audit_record(
        action=action,
        actor=actor,
        target=f"{obj._meta.verbose_name} {obj}",
        region_code=region.code,
        detail={"model": obj._meta.label, "pk": obj.pk, **detail},
    )


# --- announcements (公告, 第N号) --------------------------------------------------------------


def series_next_number(series: AnnouncementSeries) -> int:
    """The number the next issue of `series` should carry: one more than the highest so far."""
    highest = series.announcements.aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


@transaction.atomic
def series_get_or_create(*, actor, region: Region, name: str) -> AnnouncementSeries:
    _require(actor, region)
    name = clean_text(name)
    if not name:
        raise ValidationError({"series": _(SERIES_NAME_REQUIRED)})
    series, created = AnnouncementSeries.objects.get_or_create(region=region, name=name[:100])
    if created:
        _audit(actor, AuditEvent.Action.CREATE, series, region)
    return series


def _channel_times(
    channels: Iterable[str] | Mapping[str, dt.datetime | None], issued_at: dt.datetime
) -> dict[str, dt.datetime]:
    if isinstance(channels, Mapping):
        pairs = [(key, when or issued_at) for key, when in channels.items()]
    else:
        pairs = [(key, issued_at) for key in channels]
    return dict(pairs)


@transaction.atomic
def announcement_publish(
    *,
    actor,
    region: Region,
    series: AnnouncementSeries | str,
    title: str,
    body: str,
    channels: Iterable[str] | Mapping[str, dt.datetime | None],
    source_label: str = "",
    number: int | None = None,
    issued_at: dt.datetime | None = None,
) -> Announcement:
    """Publish one numbered announcement and record the channels it went out on.

    actor: the user publishing; must hold MANAGE_PUBLICITY at `region` (else PermissionDenied).
    region: the issuing unit's region (a district HQ's announcements sit at the district).
    series: an AnnouncementSeries of `region`, or a series name (created at `region` if new),
        e.g. "疫情防控指挥部通告" or "辟谣公告".
    title, body: the text; the title is required.
    channels: channel keys from publicity.models.Channel ("tv", "radio", "loudspeaker",
        "new_media", "poster"), or a mapping key → datetime sent (None = `issued_at`).
        At least one. "loudspeaker" also creates a 村村响 programme (broadcast.Programme) that
        plays the announcement in `region` every day at broadcast.services.DEFAULT_SCHEDULE.
    source_label: where the text came from when another module publishes, e.g. "舆情辟谣".
    number: the issue number (第N号); None takes the next free number of the series.
    issued_at: when it was issued; None means now. Not in the future.

    Returns the Announcement. Bad input (a duplicate number, no channel, an unknown channel,
    a series of another region…) raises ValidationError keyed by field with a Chinese message
    and writes nothing; the duplicate-number message names the next free number.
    The announcement and each programme are audited as CREATE rows.
    """
    _require(actor, region)
    issued_at = issued_at or timezone.now()
    errors = FieldErrors()
    if isinstance(series, str):
        series = series_get_or_create(actor=actor, region=region, name=series)
    if series.region_id != region.pk:
        errors.add(
            "series",
            _(SERIES_ELSEWHERE).format(series=series.name, region=series.region.display_name),
        )
    else:
        # Lock the series so that two publishers cannot take the same number; the second
        # waits here and then sees the first one's issue.
        AnnouncementSeries.objects.select_for_update().get(pk=series.pk)
    title = clean_text(title)
    if not title:
        errors.add("title", _(TITLE_REQUIRED))
    if issued_at > timezone.now() + dt.timedelta(minutes=1):
        errors.add("issued_at", _(ISSUED_IN_FUTURE))
    times = _channel_times(channels, issued_at)
    if not times:
        errors.add("channels", _(CHANNELS_REQUIRED))
    for key, sent_at in times.items():
        if key not in Channel.values:
            errors.add("channels", _(CHANNEL_UNKNOWN).format(channel=key))
        elif sent_at < issued_at:
            errors.add("channels", _(SENT_BEFORE_ISSUE))
    if number is not None and not _is_count(number, 1):
        errors.add("number", _(NUMBER_INVALID))
    elif "series" in errors.by_field:
        pass
    elif number is None:
        number = series_next_number(series)
    else:
        taken = series.announcements.filter(number=number).first()
        if taken is not None:
            errors.add(
                "number",
                _(NUMBER_TAKEN).format(
                    series=series.name,
                    number=number,
                    date=timezone.localtime(taken.issued_at).date().isoformat(),
                    next=series_next_number(series),
                ),
            )
    errors.raise_any()
    announcement = Announcement.objects.create(
        series=series,
        region=region,
        number=number,
        title=title[:200],
        body=clean_text(body),
        issued_at=issued_at,
        source_label=clean_text(source_label)[:100],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(
        actor,
        AuditEvent.Action.CREATE,
        announcement,
        region,
        channels=sorted(times),
        source=announcement.source_label,
    )
    for key, sent_at in times.items():
        _send(actor, announcement, key, sent_at)
    return announcement


def _send(actor, announcement: Announcement, channel: str, sent_at: dt.datetime) -> None:
    AnnouncementChannel.objects.create(announcement=announcement, channel=channel, sent_at=sent_at)
    if channel == Channel.LOUDSPEAKER:
        # Imported here: broadcast depends on publicity (Programme → Announcement), not back.
        from qunfang.broadcast.services import programme_from_announcement

        programme_from_announcement(actor=actor, announcement=announcement, sent_at=sent_at)


@transaction.atomic
def announcement_add_channel(
    *, actor, announcement: Announcement, channel: str, sent_at: dt.datetime | None = None
) -> AnnouncementChannel:
    """Record that an announcement also went out on `channel` (once per channel)."""
    _require(actor, announcement.region)
    sent_at = sent_at or timezone.now()
    if channel not in Channel.values:
        raise ValidationError({"channel": _(CHANNEL_UNKNOWN).format(channel=channel)})
    existing = announcement.channels.filter(channel=channel).first()
    if existing is not None:
        raise ValidationError(
            {
                "channel": _(CHANNEL_ALREADY_SENT).format(
                    date=timezone.localtime(existing.sent_at).strftime("%Y-%m-%d %H:%M"),
                    channel=existing.get_channel_display(),
                )
            }
        )
    if sent_at < announcement.issued_at:
        raise ValidationError({"sent_at": _(SENT_BEFORE_ISSUE)})
    _send(actor, announcement, channel, sent_at)
    _audit(actor, AuditEvent.Action.UPDATE, announcement, announcement.region, channel=channel)
    return announcement.channels.get(channel=channel)


# --- press, articles, materials, expert broadcasts ---------------------------------------------


def _not_future(errors: FieldErrors, field: str, day: dt.date) -> None:
    if day > timezone.localdate():
        errors.add(field, _(DATE_IN_FUTURE))


@transaction.atomic
def press_item_record(
    *,
    actor,
    region: Region,
    outlet: str,
    level: str,
    title: str,
    published_on: dt.date,
    url: str = "",
) -> PressItem:
    _require(actor, region)
    errors = FieldErrors()
    if not clean_text(outlet):
        errors.add("outlet", _(OUTLET_REQUIRED))
    if level not in PressLevel.values:
        errors.add("level", _(LEVEL_INVALID))
    if not clean_text(title):
        errors.add("title", _(TITLE_REQUIRED))
    _not_future(errors, "published_on", published_on)
    if clean_text(url):
        # Only web links: the list page renders the link, so javascript: must never get in.
        try:
            URLValidator(schemes=["http", "https"])(clean_text(url))
        except ValidationError:
            errors.add("url", _(URL_INVALID))
    errors.raise_any()
    item = PressItem.objects.create(
        region=region,
        outlet=clean_text(outlet)[:100],
        level=level,
        title=clean_text(title)[:200],
        published_on=published_on,
        url=clean_text(url),
        created_by=actor,
    )
    _audit(actor, AuditEvent.Action.CREATE, item, region)
    return item


def _article_counts(errors: FieldErrors, reads: object, reprints: object) -> None:
    if not _is_count(reads):
        errors.add("reads", _(COUNT_INVALID))
    if not _is_count(reprints):
        errors.add("reprints", _(COUNT_INVALID))


@transaction.atomic
def article_record(
    *,
    actor,
    region: Region,
    account: str,
    title: str,
    published_on: dt.date,
    reads: int = 0,
    reprints: int = 0,
    reprinted_by: str = "",
) -> Article:
    _require(actor, region)
    errors = FieldErrors()
    if not clean_text(account):
        errors.add("account", _(ACCOUNT_REQUIRED))
    if not clean_text(title):
        errors.add("title", _(TITLE_REQUIRED))
    _not_future(errors, "published_on", published_on)
    _article_counts(errors, reads, reprints)
    errors.raise_any()
    article = Article.objects.create(
        region=region,
        account=clean_text(account)[:100],
        title=clean_text(title)[:200],
        published_on=published_on,
        reads=reads,
        reprints=reprints,
        reprinted_by=clean_text(reprinted_by)[:200],
        created_by=actor,
    )
    _audit(actor, AuditEvent.Action.CREATE, article, region)
    return article


@transaction.atomic
def article_update_counts(
    *, actor, article: Article, reads: int, reprints: int, reprinted_by: str = ""
) -> Article:
    """Reads and reprints keep growing after publication; the latest figures replace the old."""
    _require(actor, article.region)
    errors = FieldErrors()
    _article_counts(errors, reads, reprints)
    errors.raise_any()
    before = {"reads": article.reads, "reprints": article.reprints}
    article.reads, article.reprints = reads, reprints
    article.reprinted_by = clean_text(reprinted_by)[:200] or article.reprinted_by
    article.save(update_fields=["reads", "reprints", "reprinted_by", "updated_at"])
    _audit(
        actor,
        AuditEvent.Action.UPDATE,
        article,
        article.region,
        before=before,
        after={"reads": reads, "reprints": reprints},
    )
    return article


@transaction.atomic
def material_record(
    *,
    actor,
    region: Region,
    kind: str,
    quantity: int,
    distributed_on: dt.date,
    title: str = "",
) -> MaterialDistribution:
    _require(actor, region)
    errors = FieldErrors()
    if kind not in MaterialKind.values:
        errors.add("kind", _(KIND_INVALID))
    if not _is_count(quantity, 1):
        errors.add("quantity", _(QUANTITY_INVALID))
    _not_future(errors, "distributed_on", distributed_on)
    errors.raise_any()
    material = MaterialDistribution.objects.create(
        region=region,
        kind=kind,
        title=clean_text(title)[:200],
        quantity=quantity,
        distributed_on=distributed_on,
        created_by=actor,
    )
    _audit(actor, AuditEvent.Action.CREATE, material, region)
    return material


@transaction.atomic
def expert_broadcast_record(
    *,
    actor,
    region: Region,
    topic: str,
    expert: str,
    aired_on: dt.date,
    platform: str,
    viewers: int = 0,
    expert_org: str = "",
) -> ExpertBroadcast:
    _require(actor, region)
    errors = FieldErrors()
    if not clean_text(topic):
        errors.add("topic", _(TOPIC_REQUIRED))
    if not clean_text(expert):
        errors.add("expert", _(EXPERT_REQUIRED))
    if not clean_text(platform):
        errors.add("platform", _(PLATFORM_REQUIRED))
    if not _is_count(viewers):
        errors.add("viewers", _(COUNT_INVALID))
    _not_future(errors, "aired_on", aired_on)
    errors.raise_any()
    show = ExpertBroadcast.objects.create(
        region=region,
        topic=clean_text(topic)[:200],
        expert=clean_text(expert)[:100],
        expert_org=clean_text(expert_org)[:100],
        aired_on=aired_on,
        platform=clean_text(platform)[:200],
        viewers=viewers,
        created_by=actor,
    )
    _audit(actor, AuditEvent.Action.CREATE, show, region)
    return show
