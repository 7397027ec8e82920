"""Relief work of the town civil-affairs office (民政所): temporary assistance granted first with
the paperwork completed later (先救助后补手续), temporary care for left-behind children and
elderly people whose carers are isolated or away, weddings postponed and funerals simplified
(红事不办、白事简办), and the civil-affairs WeChat group of each village.

Phone numbers are stored encrypted (core.crypto) next to a masked copy for lists, as in
residents.Person; lists never decrypt.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region
from qunfang.residents.models import Household, Person

# Project choice: the paperwork of an assistance granted first is due within 30 days.
PAPERWORK_DAYS = 30


class AssistanceCase(TimeStampedModel):
    """One grant of temporary assistance (临时救助) to a household."""

    SCOPE_PATH = "region__code"

    class Reason(models.TextChoices):
        EPIDEMIC = "epidemic", _("疫情影响")
        ILLNESS = "illness", _("疾病")
        ACCIDENT = "accident", _("意外事故")
        OTHER = "other", _("其他")

    class Form(models.TextChoices):
        CASH = "cash", _("现金")
        IN_KIND = "in_kind", _("实物")
        BOTH = "both", _("现金+实物")

    household = models.ForeignKey(
        Household,
        verbose_name=_("救助户"),
        on_delete=models.PROTECT,
        related_name="assistance_cases",
    )
    # The household's region, copied when the case is granted so that scoping is one join.
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）/网格"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("救助原因"), max_length=12, choices=Reason.choices)
    reason_detail = models.CharField(_("原因说明"), max_length=200, blank=True)
    form = models.CharField(_("救助方式"), max_length=10, choices=Form.choices)
    cash_amount = models.DecimalField(
        _("现金金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    in_kind_description = models.CharField(_("实物"), max_length=200, blank=True)
    granted_on = models.DateField(_("发放日期"))
    paperwork_due = models.DateField(_("补办手续期限"))
    paperwork_done_on = models.DateField(_("手续完成日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("临时救助")
        verbose_name_plural = _("临时救助")
        ordering = ["-granted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cash_amount__isnull=True) | Q(cash_amount__gte=0),
                name="assistance_cash_not_negative",
                violation_error_message=_("救助金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(paperwork_due__gte=models.F("granted_on")),
                name="assistance_due_after_grant",
                violation_error_message=_("补办手续期限不能早于发放日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "granted_on"]),
            models.Index(fields=["paperwork_done_on", "paperwork_due"]),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.granted_on} {self.get_form_display()}"

    @property
    def paperwork_overdue(self) -> bool:
        return self.paperwork_done_on is None and self.paperwork_due < timezone.localdate()


def default_paperwork_due(granted_on: dt.date) -> dt.date:
    return granted_on + dt.timedelta(days=PAPERWORK_DAYS)


def paperwork_overdue_q(today: dt.date) -> Q:
    """Cases whose paperwork is still missing after its due date, as of `today`."""
    return Q(paperwork_done_on__isnull=True, paperwork_due__lt=today)


# Project choice: temporary care is for children under 18 and people aged 60 or more.
CHILD_AGE = 18
ELDERLY_AGE = 60


class CareArrangement(TimeStampedModel):
    """Temporary care (临时照料) for a child or an elderly person whose carer cannot look after
    them because of the epidemic."""

    SCOPE_PATH = "region__code"

    class Reason(models.TextChoices):
        CARER_ISOLATED = "carer_isolated", _("监护人隔离")
        CARER_HOSPITALISED = "carer_hospitalised", _("监护人住院")
        CARER_AWAY = "carer_away", _("监护人滞留外地")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("照料中")
        ENDED = "ended", _("已结束")

    person = models.ForeignKey(
        Person,
        verbose_name=_("照料对象"),
        on_delete=models.PROTECT,
        related_name="care_arrangements",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）/网格"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("照料原因"), max_length=20, choices=Reason.choices)
    carer_name = models.CharField(_("照料人"), max_length=50)
    carer_phone = models.CharField(_("照料人电话（密文）"), max_length=120, blank=True)
    carer_phone_masked = models.CharField(_("照料人电话"), max_length=20, blank=True)
    place = models.CharField(_("照料地点"), max_length=200)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("临时照料")
        verbose_name_plural = _("临时照料")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="care_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            # One person is in one temporary care at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active"),
                name="care_one_active_per_person",
                violation_error_message=_("该人员正在临时照料中，请先结束原有照料。"),
            ),
        ]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.person.name} {self.start_date} {self.get_status_display()}"


# Project choice: 红事不办、白事简办 — a gathering that goes ahead stays within 50 people.
MAX_GATHERING = 50


class FamilyEvent(TimeStampedModel):
    """A wedding or funeral (婚丧事) in a village and what became of it during the epidemic."""

    SCOPE_PATH = "region__code"

    class Kind(models.TextChoices):
        WEDDING = "wedding", _("婚事")
        FUNERAL = "funeral", _("丧事")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        POSTPONED = "postponed", _("延期")
        SIMPLIFIED = "simplified", _("简办")
        CANCELLED = "cancelled", _("取消")
        HELD = "held", _("已办")

    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="family_events",
    )
    kind = models.CharField(_("事项"), max_length=10, choices=Kind.choices)
    family_name = models.CharField(_("联系人（事主）"), max_length=50)
    original_date = models.DateField(_("原定日期"))
    new_date = models.DateField(_("新日期"), null=True, blank=True)
    expected_size = models.PositiveIntegerField(_("预计人数"), default=0)
    status = models.CharField(_("办理情况"), max_length=12, choices=Status.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("婚丧事")
        verbose_name_plural = _("婚丧事")
        ordering = ["-original_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_date__isnull=True) | Q(new_date__gt=models.F("original_date")),
                name="family_event_new_date_later",
                violation_error_message=_("新日期应晚于原定日期。"),
            ),
        ]
        indexes = [models.Index(fields=["region", "original_date"])]

    def __str__(self) -> str:
        return f"{self.family_name} {self.get_kind_display()} {self.original_date}"


class WeChatGroup(TimeStampedModel):
    """A village's civil-affairs WeChat group (民政事务微信群) with the town office."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("群名称"), max_length=100)
    admin_name = models.CharField(_("群主"), max_length=50)
    admin_phone = models.CharField(_("群主电话（密文）"), max_length=120, blank=True)
    admin_phone_masked = models.CharField(_("群主电话"), max_length=20, blank=True)
    members = models.PositiveIntegerField(_("成员数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("民政事务微信群")
        verbose_name_plural = _("民政事务微信群")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="wechat_group_unique_name",
                violation_error_message=_("本村已有同名微信群。"),
            )
        ]

    def __str__(self) -> str:
        return self.name
