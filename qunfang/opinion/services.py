"""What people do in opinion monitoring: edit schemes, handle alerts, send and answer
supervision tickets (督办), keep the rumour-debunk library. Each function checks the actor's
right at the object's region, writes in one transaction and leaves an audit row."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from opinion_engine.errors import SchemeSyntaxError
from opinion_engine.schemes import SchemeSet
from opinion_engine.types import Scheme as EngineScheme
from qunfang.core.audit import audit_record
from qunfang.opinion.models import (
    Debunk,
    OpinionAlert,
    Post,
    Scheme,
    Source,
    Ticket,
    TicketStep,
)
from qunfang.org.access import can, scope_for
from qunfang.org.models import Department, Membership, Region
from qunfang.org.roles import Capability


def _require(actor, capability: str, code: str) -> None:
    if not can(actor, capability, code):
        raise PermissionDenied


def scheme_check(expression: str) -> None:
    """Raise ValidationError with a Chinese message and the 1-based position of a syntax error."""
    if not expression.strip():
        raise ValidationError("表达式不能为空")
    try:
        SchemeSet([EngineScheme(id="check", name="check", expression=expression)])
    except SchemeSyntaxError as error:
        raise ValidationError(
            f"第 {error.position + 1} 个字符处：{error.args[0]}",
            params={"position": error.position},
        ) from None


def scheme_save(
    *,
    actor,
    region: Region,
    name: str,
    expression: str,
    category: str = "",
    is_active: bool = True,
    scheme: Scheme | None = None,
    request=None,
) -> Scheme:
    _require(actor, Capability.MANAGE_OPINION, region.code)
    if scheme is not None:
        _require(actor, Capability.MANAGE_OPINION, scheme.region.code)
    scheme_check(expression)
    creating = scheme is None
    scheme = scheme or Scheme()
    scheme.region, scheme.name, scheme.expression = region, name.strip(), expression.strip()
    scheme.category, scheme.is_active, scheme.updated_by = category, is_active, actor
    try:
        with transaction.atomic():
            scheme.save()
            audit_record(
                action="create" if creating else "update",
                actor=actor,
                target=f"opinion.Scheme:{scheme.pk}",
                region_code=region.code,
                request=request,
                detail={"name": scheme.name, "expression": scheme.expression},
            )
    except IntegrityError:
        raise ValidationError("本区域已有同名方案") from None
    return scheme


def scheme_test(expression: str, *, sample: str = "", posts=()) -> dict:
    """Try an expression: does the sample text match, and which of `posts` (id, text) match.
    Returns {"error", "position"} for a bad expression instead of raising."""
    try:
        scheme_set = SchemeSet([EngineScheme(id="t", name="t", expression=expression)])
    except SchemeSyntaxError as error:
        return {
            "ok": False,
            "error": f"第 {error.position + 1} 个字符处：{error.args[0]}",
            "position": error.position,
        }
    matched = [pk for pk, text in posts if scheme_set.match(text)]
    return {
        "ok": True,
        "sample_matches": bool(sample) and bool(scheme_set.match(sample)),
        "sample_words": scheme_set.explain(sample, "t") if sample else [],
        "matched_ids": matched,
        "tested": len(posts),
    }


def source_create(
    *,
    actor,
    region: Region,
    name: str,
    platform: str,
    account="",
    url="",
    feed_url="",
    request=None,
) -> tuple[Source, str]:
    """A new source and its push token (shown once)."""
    _require(actor, Capability.MANAGE_OPINION, region.code)
    source = Source(
        region=region,
        name=name.strip(),
        platform=platform,
        account=account,
        url=url,
        feed_url=feed_url,
    )
    token = source.issue_token()
    try:
        with transaction.atomic():
            source.save()
            audit_record(
                action="create",
                actor=actor,
                target=f"opinion.Source:{source.pk}",
                region_code=region.code,
                request=request,
            )
    except IntegrityError:
        raise ValidationError("本区域已有同名信息源") from None
    return source, token


def source_rotate_token(*, actor, source: Source, request=None) -> str:
    _require(actor, Capability.MANAGE_OPINION, source.region.code)
    token = source.issue_token()
    with transaction.atomic():
        source.save(update_fields=["token_hash", "updated_at"])
        audit_record(
            action="update",
            actor=actor,
            target=f"opinion.Source:{source.pk}",
            region_code=source.region.code,
            request=request,
            detail={"token": "rotated"},
        )
    return token


def alert_dismiss(*, actor, alert: OpinionAlert, request=None) -> OpinionAlert:
    _require(actor, Capability.MANAGE_OPINION, alert.region_code)
    if alert.status != OpinionAlert.Status.OPEN:
        raise ValidationError("该预警已处理")
    with transaction.atomic():
        alert.status = OpinionAlert.Status.DISMISSED
        alert.handled_by, alert.handled_at = actor, timezone.now()
        alert.save()
        audit_record(
            action="update",
            actor=actor,
            target=f"opinion.OpinionAlert:{alert.pk}",
            region_code=alert.region_code,
            request=request,
            detail={"status": "dismissed"},
        )
    return alert


def owner_choices(department: Department):
    """Who may own a ticket of `department`: active members of it, or of its region's tree."""
    from django.contrib.auth import get_user_model

    code = department.region.code
    user_ids = Membership.objects.filter(is_active=True, region__code__startswith=code).values(
        "user_id"
    )
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")


def _next_number(year: int) -> str:
    last = (
        Ticket.objects.filter(number__startswith=f"{year}-")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{year}-{(int(last.split('-')[1]) + 1) if last else 1:04d}"


def ticket_create(
    *,
    actor,
    department: Department,
    owner,
    title: str,
    detail: str = "",
    deadline: dt.datetime,
    post: Post | None = None,
    alert: OpinionAlert | None = None,
    request=None,
) -> Ticket:
    """Send a supervision ticket (督办单). The ticket lives in the department's region."""
    code = department.region.code
    _require(actor, Capability.MANAGE_OPINION, code)
    if not scope_for(actor).covers(code):
        raise PermissionDenied
    if not owner_choices(department).filter(pk=owner.pk).exists():
        raise ValidationError("承办人不属于该承办部门所在区域")
    if deadline <= timezone.now():
        raise ValidationError("办理时限必须晚于现在")
    if not title.strip():
        raise ValidationError("请填写督办事项")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    number=_next_number(timezone.localdate().year),
                    region_code=code,
                    title=title.strip()[:200],
                    detail=detail.strip(),
                    post=post,
                    alert=alert,
                    department=department,
                    owner=owner,
                    deadline=deadline,
                    created_by=actor,
                )
                TicketStep.objects.create(
                    ticket=ticket, action=TicketStep.Action.CREATED, actor=actor, note=detail
                )
                if alert is not None:
                    OpinionAlert.objects.filter(pk=alert.pk).update(
                        status=OpinionAlert.Status.ESCALATED,
                        handled_by=actor,
                        handled_at=timezone.now(),
                    )
                audit_record(
                    action="create",
                    actor=actor,
                    target=f"opinion.Ticket:{ticket.pk}",
                    region_code=code,
                    request=request,
                    detail={"number": ticket.number, "owner": owner.get_username()},
                )
                return ticket
        except IntegrityError:  # two tickets took the same number at once: take the next
            continue
    raise ValidationError("督办单号分配冲突，请重试")


def can_reply(user, ticket: Ticket) -> bool:
    return ticket.owner_id == user.pk and ticket.status == Ticket.Status.OPEN


def can_close(user, ticket: Ticket) -> bool:
    return ticket.status == Ticket.Status.REPLIED and (
        ticket.created_by_id == user.pk or can(user, Capability.MANAGE_OPINION, ticket.region_code)
    )


def ticket_reply(*, actor, ticket: Ticket, reply: str, request=None) -> Ticket:
    if ticket.owner_id != actor.pk:
        raise PermissionDenied
    if ticket.status != Ticket.Status.OPEN:
        raise ValidationError("该督办单当前不需要回复")
    if not reply.strip():
        raise ValidationError("请填写回复内容")
    return _step(ticket, actor, TicketStep.Action.REPLIED, reply.strip(), request)


def ticket_return(*, actor, ticket: Ticket, note: str, request=None) -> Ticket:
    if not can_close(actor, ticket):
        raise (
            PermissionDenied
            if ticket.status == Ticket.Status.REPLIED
            else ValidationError("只有已回复的督办单可以退回")
        )
    if not note.strip():
        raise ValidationError("请写明退回原因")
    return _step(ticket, actor, TicketStep.Action.RETURNED, note.strip(), request)


def ticket_close(*, actor, ticket: Ticket, note: str = "", request=None) -> Ticket:
    if ticket.status != Ticket.Status.REPLIED:
        raise ValidationError("督办单尚未回复，不能办结")
    if not can_close(actor, ticket):
        raise PermissionDenied
    return _step(ticket, actor, TicketStep.Action.CLOSED, note.strip(), request)


def _step(ticket: Ticket, actor, action: str, note: str, request) -> Ticket:
    now = timezone.now()
    with transaction.atomic():
        # Lock the row: a reply and a close racing must not both win.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != ticket.status:
            raise ValidationError("督办单状态已变化，请刷新后重试")
        if action == TicketStep.Action.REPLIED:
            locked.status, locked.reply, locked.replied_at = Ticket.Status.REPLIED, note, now
        elif action == TicketStep.Action.RETURNED:
            locked.status = Ticket.Status.OPEN
        elif action == TicketStep.Action.CLOSED:
            locked.status, locked.closed_at = Ticket.Status.CLOSED, now
        locked.save()
        TicketStep.objects.create(ticket=locked, action=action, actor=actor, note=note, at=now)
        audit_record(
            action="update",
            actor=actor,
            target=f"opinion.Ticket:{locked.pk}",
            region_code=locked.region_code,
            request=request,
            detail={"step": action, "number": locked.number},
        )
    return locked


def debunk_save(
    *,
    actor,
    region: Region,
    claim: str,
    rebuttal: str = "",
    source: str = "",
    authority: str = "",
    published_on: dt.date | None = None,
    url: str = "",
    variants: list[str] | None = None,
    debunk: Debunk | None = None,
    request=None,
) -> Debunk:
    _require(actor, Capability.MANAGE_OPINION, region.code)
    if not claim.strip():
        raise ValidationError("请填写谣言内容")
    creating = debunk is None
    debunk = debunk or Debunk()
    debunk.region, debunk.claim, debunk.rebuttal = region, claim.strip(), rebuttal.strip()
    debunk.source, debunk.authority, debunk.published_on = source, authority, published_on
    debunk.url = url
    debunk.variants = phrasings(variants)
    with transaction.atomic():
        debunk.save()
        audit_record(
            action="create" if creating else "update",
            actor=actor,
            target=f"opinion.Debunk:{debunk.pk}",
            region_code=region.code,
            request=request,
        )
    return debunk


def phrasings(values: object) -> list[str]:
    """A debunk's other phrasings as stored: the non-empty strings of a list, stripped.

    Anything else (a number, an object, a list of numbers, as a JSON box could hold) reads as
    no phrasings, so one bad row cannot stop the engine from loading the rumour library."""
    if not isinstance(values, list | tuple):
        return []
    return [value.strip() for value in values if isinstance(value, str) and value.strip()]


DEBUNK_SERIES = "辟谣公告"
DEBUNK_CHANNELS = ("new_media", "loudspeaker")


def debunk_publish(
    *, actor, debunk: Debunk, region: Region, channels=DEBUNK_CHANNELS, request=None
):
    """Publish a debunk as a numbered announcement of `region`'s 辟谣公告 series, on new media
    and the village loudspeakers (which schedules it as a 村村响 programme)."""
    from qunfang.publicity import services as publicity

    _require(actor, Capability.MANAGE_OPINION, region.code)
    _require(actor, Capability.MANAGE_PUBLICITY, region.code)
    if debunk.announced_at is not None:
        raise ValidationError("该辟谣已发布为通告")
    body = f"网传：{debunk.claim}\n真相：{debunk.rebuttal or '请以权威发布为准。'}"
    if debunk.authority or debunk.source:
        body += f"\n来源：{debunk.authority or debunk.source}"
    with transaction.atomic():
        announcement = publicity.announcement_publish(
            actor=actor,
            region=region,
            series=DEBUNK_SERIES,
            title=f"辟谣：{debunk.claim[:60]}",
            body=body,
            channels=list(channels),
            source_label="舆情辟谣",
        )
        debunk.announced_at = timezone.now()
        debunk.announcement_label = str(announcement)[:200]
        debunk.save(update_fields=["announced_at", "announcement_label", "updated_at"])
        audit_record(
            action="update",
            actor=actor,
            target=f"opinion.Debunk:{debunk.pk}",
            region_code=region.code,
            request=request,
            detail={"published": str(announcement)},
        )
    return announcement
