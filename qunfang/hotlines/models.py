"""Hotlines run by the Youth League (共青团): the 12355 青少年服务台 psychological line and the
24-hour minors' rescue line (未成年人救助服务热线), the counsellors' shifts, the call log and the
child-in-danger escalations handed to civil affairs.

Callers' phone numbers are stored encrypted (core.crypto) next to a masked copy and a blind
index, as in residents.Person; the counsellor's notes are encrypted too and read only on the
call's own page, which audits the read. Lists never decrypt.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region
from qunfang.relief.models import CareArrangement

# Project choices: one shift lasts at most 24 hours; a call at most 10 hours.
MAX_SHIFT_HOURS = 24
MAX_CALL_MINUTES = 600


class Line(TimeStampedModel):
    """A hotline number and the region that runs it (团市委 runs the city's 12355)."""

    SCOPE_PATH = "region__code"

    class Kind(models.TextChoices):
        PSYCHOLOGICAL = "psychological", _("心理咨询热线（12355）")
        MINORS_RESCUE = "minors_rescue", _("未成年人救助服务热线")
        OTHER = "other", _("其他热线")

    region = models.ForeignKey(
        Region, verbose_name=_("开通区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("热线名称"), max_length=100)
    number = models.CharField(_("号码"), max_length=20)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    hours = models.CharField(_("服务时间"), max_length=50, default="24小时")
    opened_on = models.DateField(_("开通日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("热线")
        verbose_name_plural = _("热线")
        ordering = ["region__code", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "number"],
                name="hotline_unique_number",
                violation_error_message=_("本区域已登记这个热线号码。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"


class Shift(TimeStampedModel):
    """A counsellor on duty on one line from `starts_at` to `ends_at`. `region` is where the
    counsellor works (their membership), so that the shift is scoped with them."""

    SCOPE_PATH = "region__code"

    line = models.ForeignKey(
        Line, verbose_name=_("热线"), on_delete=models.PROTECT, related_name="shifts"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("值班咨询师"),
        on_delete=models.PROTECT,
        related_name="hotline_shifts",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("值班")
        verbose_name_plural = _("值班")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="hotline_shift_ends_after_start",
                violation_error_message=_("结束时间应晚于开始时间。"),
            )
        ]
        indexes = [models.Index(fields=["counsellor", "starts_at"])]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.counsellor} {start:%m-%d %H:%M}–{end:%H:%M}"


class Call(TimeStampedModel):
    """One call taken on a line. `region` is the place the call concerns (the caller's town or
    village when known), which decides who may see it."""

    SCOPE_PATH = "region__code"

    class CallerType(models.TextChoices):
        MINOR = "minor", _("未成年人本人")
        PARENT = "parent", _("家长/监护人")
        TEACHER = "teacher", _("教师")
        NEIGHBOUR = "neighbour", _("邻居/知情人")
        ADULT = "adult", _("其他成年人")
        ANONYMOUS = "anonymous", _("未透露身份")

    class Topic(models.TextChoices):
        EPIDEMIC_ANXIETY = "epidemic_anxiety", _("疫情焦虑恐慌")
        STUDY = "study", _("学业与网课压力")
        FAMILY = "family", _("亲子与家庭关系")
        EMOTION = "emotion", _("情绪困扰")
        UNATTENDED = "unattended", _("无人监护")
        SAFETY = "safety", _("人身安全与侵害")
        POLICY = "policy", _("政策咨询")
        OTHER = "other", _("其他")

    class Risk(models.TextChoices):
        LOW = "low", _("低")
        MEDIUM = "medium", _("中")
        HIGH = "high", _("高")
        CRITICAL = "critical", _("紧急")

    class Action(models.TextChoices):
        COUNSELLED = "counselled", _("倾听疏导")
        INFORMED = "informed", _("提供信息")
        REFERRED = "referred", _("转介专业机构")
        ESCALATED = "escalated", _("转民政救助")
        POLICE = "police", _("报警")
        OTHER = "other", _("其他")

    line = models.ForeignKey(
        Line, verbose_name=_("热线"), on_delete=models.PROTECT, related_name="calls"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("来电所涉区域"), on_delete=models.PROTECT, related_name="+"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接听人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("来电时间"))
    duration_minutes = models.PositiveIntegerField(_("通话时长（分钟）"))
    caller_type = models.CharField(_("来电人"), max_length=12, choices=CallerType.choices)
    caller_phone = models.CharField(_("来电号码（密文）"), max_length=120, blank=True)
    caller_phone_index = models.CharField(_("来电号码索引"), max_length=64, blank=True)
    caller_phone_masked = models.CharField(_("来电号码"), max_length=20, blank=True)
    topic = models.CharField(_("主题"), max_length=20, choices=Topic.choices)
    risk = models.CharField(_("风险等级"), max_length=10, choices=Risk.choices)
    action = models.CharField(_("处置方式"), max_length=12, choices=Action.choices)
    notes = models.TextField(_("咨询记录（密文）"), blank=True)
    follow_up_due = models.DateField(_("回访期限"), null=True, blank=True)
    follow_up_done_on = models.DateField(_("回访日期"), null=True, blank=True)
    follow_up_note = models.CharField(_("回访情况"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("来电记录")
        verbose_name_plural = _("来电记录")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["region", "received_at"]),
            models.Index(fields=["follow_up_done_on", "follow_up_due"]),
            models.Index(fields=["caller_phone_index"]),
        ]

    def __str__(self) -> str:
        return f"{self.line.number} {timezone.localtime(self.received_at):%Y-%m-%d %H:%M}"

    @property
    def follow_up_overdue(self) -> bool:
        return (
            self.follow_up_due is not None
            and self.follow_up_done_on is None
            and self.follow_up_due < timezone.localdate()
        )


def follow_up_overdue_q(today) -> Q:
    """Calls whose follow-up is still undone after its due date, as of `today`."""
    return Q(follow_up_due__lt=today, follow_up_done_on__isnull=True)


class Escalation(TimeStampedModel):
    """A child in danger reported on a call, handed to civil affairs (民政) of the child's
    village. When the child is in the population register and a carer is named, the hotline
    places the child in temporary care at once through relief.services.care_arrange; otherwise
    the escalation waits for civil affairs to place the child (status PENDING)."""

    SCOPE_PATH = "region__code"

    class Status(models.TextChoices):
        PENDING = "pending", _("待民政安置")
        PLACED = "placed", _("已安置")
        CLOSED = "closed", _("已结案（无需安置）")

    call = models.OneToOneField(
        Call, verbose_name=_("来电"), on_delete=models.PROTECT, related_name="escalation"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("儿童所在村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    child_name = models.CharField(_("儿童姓名"), max_length=50)
    child_id_number = models.CharField(_("儿童身份证号（密文）"), max_length=120, blank=True)
    child_id_index = models.CharField(_("儿童身份证号索引"), max_length=64, blank=True)
    child_id_masked = models.CharField(_("儿童身份证号"), max_length=18, blank=True)
    situation = models.CharField(_("危险情况"), max_length=500)
    reason = models.CharField(
        _("无人监护原因"), max_length=20, choices=CareArrangement.Reason.choices
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    care = models.OneToOneField(
        CareArrangement,
        verbose_name=_("临时照料"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_escalation",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转介人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_note = models.CharField(_("结案说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("困境儿童转介")
        verbose_name_plural = _("困境儿童转介")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.child_name} {self.get_status_display()}"
