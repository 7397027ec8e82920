"""Public-opinion monitoring (舆情监测) as the district publicity group runs it: sources it
patrols, the posts found there with the engine's analysis, monitoring schemes, events, alerts,
supervision tickets (督办单) sent to a department until answered, and the rumour-debunk library.

Scoping: every row carries the code of the region it belongs to (`region_code`, copied from its
Region so that the feed filters on one indexed column without a join).
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Department, Region


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class RiskCategory(models.TextChoices):
    RUMOUR = "rumour", _("谣言")
    INCITING = "inciting", _("煽动")
    GATHERING = "gathering", _("号召聚集")
    ANTI_GOVERNMENT = "anti_government", _("攻击党和政府")
    NEGATIVE = "negative", _("负面")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("负面")
    NEUTRAL = "neutral", _("中性")
    POSITIVE = "positive", _("正面")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_debunk_key() -> str:
    """Debunks added here get a fresh key; the seed library keeps its own ids."""
    return f"qf-{uuid.uuid4().hex[:12]}"


class Source(TimeStampedModel):
    """Where posts come from: a platform account or site, pushed by a crawler, polled as RSS, or
    uploaded as a file. The push token is shown once and kept only as its SHA-256."""

    SCOPE_PATH = "region__code"

    class Platform(models.TextChoices):
        WEIBO = "weibo", _("微博")
        WECHAT = "wechat", _("微信公众号")
        FORUM = "forum", _("论坛/贴吧")
        LOCAL_APP = "local_app", _("本地App")
        NEWS = "news", _("新闻网站")
        VIDEO = "video", _("短视频")
        OTHER = "other", _("其他")

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=12, choices=Platform.choices)
    account = models.CharField(_("账号"), max_length=100, blank=True)
    url = models.URLField(_("网址"), max_length=500, blank=True)
    feed_url = models.URLField(_("RSS/Atom 地址"), max_length=500, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # Health counters, updated with F() by the ingest service.
    received = models.PositiveIntegerField(_("收到条数"), default=0)
    accepted = models.PositiveIntegerField(_("入库条数"), default=0)
    duplicates = models.PositiveIntegerField(_("重复条数"), default=0)
    rejected_batches = models.PositiveIntegerField(_("拒收批次"), default=0)
    last_received_at = models.DateTimeField(_("最近收到"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    last_error_at = models.DateTimeField(_("错误时间"), null=True, blank=True)
    last_polled_at = models.DateTimeField(_("最近抓取"), null=True, blank=True)

    class Meta:
        verbose_name = _("信息源")
        verbose_name_plural = _("信息源")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="opinion_source_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def issue_token(self) -> str:
        """A new push token; the caller shows it once. Saving is the caller's job."""
        token = "qf_" + secrets.token_urlsafe(32)
        self.token_hash = token_digest(token)
        return token


class SourceRejection(models.Model):
    """A refused push batch or feed poll, so a source's health view can say what went wrong."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="rejections")
    at = models.DateTimeField(default=timezone.now)
    status = models.PositiveSmallIntegerField(_("状态码"))
    reason = models.CharField(_("原因"), max_length=500)
    items = models.PositiveIntegerField(_("条数"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["source", "-at"], name="opinion_rejection_recent")]

    def __str__(self) -> str:
        return f"{self.status} {self.reason[:40]}"


class Scheme(TimeStampedModel):
    """A monitoring scheme (监测方案): a boolean keyword expression over region, event and
    exclusion words, e.g. `(泽州 OR 晋城) AND (疫情 OR 确诊) NOT 演习`."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("方案名称"), max_length=100)
    expression = models.TextField(_("表达式"))
    category = models.CharField(
        _("风险类别"), max_length=20, choices=RiskCategory.choices, blank=True
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("监测方案")
        verbose_name_plural = _("监测方案")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="opinion_scheme_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Debunk(TimeStampedModel):
    """A debunked rumour (辟谣): the claim, the rebuttal, who said so and when."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=40, unique=True, editable=False, default=new_debunk_key)
    claim = models.TextField(_("谣言内容"))
    rebuttal = models.TextField(_("辟谣说明"), blank=True)
    source = models.CharField(_("辟谣来源"), max_length=200, blank=True)
    authority = models.CharField(_("发布机构"), max_length=100, blank=True)
    published_on = models.DateField(_("辟谣日期"), null=True, blank=True)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    # Other common phrasings of the claim: the engine matches on them too, people see `claim`.
    variants = models.JSONField(_("其他说法"), default=list, blank=True)
    announced_at = models.DateTimeField(_("已发布为通告"), null=True, blank=True)
    announcement_label = models.CharField(_("通告"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("辟谣")
        verbose_name_plural = _("辟谣库")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.claim[:40]


class Event(TimeStampedModel):
    """Related posts grouped by the engine's clusterer; the timeline is counted from its posts."""

    SCOPE_PATH = "region_code"

    key = models.CharField(max_length=64, unique=True, editable=False)
    region_code = models.CharField(max_length=15, db_index=True)
    label = models.CharField(_("事件"), max_length=100)
    keywords = models.JSONField(_("关键词"), default=list)
    first_seen = models.DateTimeField(_("首次出现"), null=True)
    last_seen = models.DateTimeField(_("最近出现"), null=True)
    post_count = models.PositiveIntegerField(_("帖子数"), default=0)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-last_seen", "-id"]
        indexes = [models.Index(fields=["region_code", "-last_seen"], name="opinion_event_recent")]

    def __str__(self) -> str:
        return self.label


class Post(models.Model):
    """One post as found, with the engine's analysis. (source, external_id) is unique, so the
    same post pushed twice is stored once."""

    SCOPE_PATH = "region_code"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="posts")
    external_id = models.CharField(_("原帖编号"), max_length=100)
    # The most specific region the post concerns inside its source's region, else the source's.
    region_code = models.CharField(_("区域"), max_length=15)
    text = models.TextField(_("内容"))
    author = models.CharField(_("作者"), max_length=100, blank=True)
    url = models.URLField(_("原文链接"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    received_at = models.DateTimeField(_("入库时间"), default=timezone.now)
    sentiment = models.CharField(_("情感"), max_length=10, choices=Sentiment.choices, blank=True)
    emotion = models.CharField(_("情绪"), max_length=10, blank=True)
    epidemic = models.BooleanField(_("涉疫"), default=False)
    local = models.BooleanField(_("涉本地"), default=False)
    concerns = models.JSONField(_("涉及区域"), default=list)
    rumour_score = models.FloatField(_("谣言概率"), default=0.0)
    risk_score = models.FloatField(_("风险分"), default=0.0)
    risk_level = models.CharField(_("风险等级"), max_length=6, choices=RiskLevel.choices)
    # ",rumour,inciting," so that one category filters with a plain LIKE on every database.
    risk_categories = models.CharField(_("风险类别"), max_length=100, blank=True)
    reasons = models.JSONField(_("研判理由"), default=list)
    fingerprint = models.BigIntegerField(default=0)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    debunk = models.ForeignKey(
        Debunk, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    debunk_similarity = models.FloatField(default=0.0)
    event_key = models.CharField(max_length=64, blank=True, db_index=True)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    schemes = models.ManyToManyField(Scheme, through="PostScheme", related_name="posts")

    class Meta:
        verbose_name = _("帖文")
        verbose_name_plural = _("帖文")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="opinion_post_unique_external_id"
            )
        ]
        indexes = [
            # The feed: newest first, within a region subtree or for the whole district.
            models.Index(
                fields=["region_code", "-published_at", "-id"], name="opinion_post_region"
            ),
            models.Index(fields=["-published_at", "-id"], name="opinion_post_recent"),
            models.Index(
                fields=["risk_level", "-published_at"],
                name="opinion_post_risky",
                condition=~Q(risk_level="low"),
            ),
            models.Index(fields=["event", "published_at"], name="opinion_post_event"),
            models.Index(fields=["debunk"], name="opinion_post_debunk"),
            models.Index(fields=["external_id"], name="opinion_post_external"),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.risk_categories.split(",") if c]


class PostScheme(models.Model):
    """A post matched a scheme. Time and region are copied so that the feed's scheme filter and
    the volume-spike check read this table alone."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()
    region_code = models.CharField(max_length=15)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "scheme"], name="opinion_postscheme_unique")
        ]
        indexes = [
            models.Index(fields=["scheme", "-published_at"], name="opinion_postscheme_recent")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}:{self.scheme_id}"


class OpinionAlert(TimeStampedModel):
    """A post whose risk is high, or a scheme whose volume jumps: someone must look at it."""

    SCOPE_PATH = "region_code"

    class Kind(models.TextChoices):
        RISK = "risk", _("高风险帖文")
        SPIKE = "spike", _("声量突增")

    class Status(models.TextChoices):
        OPEN = "open", _("待研判")
        ESCALATED = "escalated", _("已转督办")
        DISMISSED = "dismissed", _("已排除")

    kind = models.CharField(_("类型"), max_length=6, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    region_code = models.CharField(max_length=15)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scheme = models.ForeignKey(
        Scheme, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    window_start = models.DateTimeField(null=True, blank=True)
    level = models.CharField(_("等级"), max_length=6, choices=RiskLevel.choices)
    summary = models.CharField(_("摘要"), max_length=300)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("舆情预警")
        verbose_name_plural = _("舆情预警")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One spike alert per scheme and hour, however many batches arrive in it.
            models.UniqueConstraint(
                fields=["scheme", "window_start"],
                condition=Q(kind="spike"),
                name="opinion_alert_one_spike_per_window",
            ),
            models.UniqueConstraint(
                fields=["post"], condition=Q(kind="risk"), name="opinion_alert_one_per_post"
            ),
        ]
        indexes = [models.Index(fields=["region_code", "status"], name="opinion_alert_open")]


class Ticket(TimeStampedModel):
    """A supervision ticket (督办单): sent to a department and an owner with a deadline, answered,
    then closed (or sent back for another answer)."""

    SCOPE_PATH = "region_code"

    class Status(models.TextChoices):
        OPEN = "open", _("待回复")
        REPLIED = "replied", _("已回复")
        CLOSED = "closed", _("已办结")

    number = models.CharField(_("督办单号"), max_length=20, unique=True)
    region_code = models.CharField(max_length=15, db_index=True)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("督办要求"), blank=True)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    alert = models.ForeignKey(
        OpinionAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("承办部门"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        on_delete=models.PROTECT,
        related_name="opinion_tickets",
    )
    deadline = models.DateTimeField(_("办理时限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default="open")
    reply = models.TextField(_("回复"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def overdue(self) -> bool:
        """Not answered by the deadline (a reply stops the clock)."""
        return self.status == self.Status.OPEN and self.deadline < timezone.now()


class TicketStep(models.Model):
    """Every step of a ticket, in order: created, replied, returned, closed."""

    class Action(models.TextChoices):
        CREATED = "created", _("交办")
        REPLIED = "replied", _("回复")
        RETURNED = "returned", _("退回重办")
        CLOSED = "closed", _("办结")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"
