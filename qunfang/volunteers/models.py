"""The Youth League line (团委): volunteer recruitment (招募令) and sign-ups, volunteers, teams
(小分队) with leaders and core volunteers (骨干), duty shifts in the seed's eight categories with
check-in/check-out, the disinfection squad's rounds (消杀分队) and the Guardian-Angel help for
families of frontline medical staff (守护天使行动) with caring enterprises (爱心企业).

ID and phone numbers are stored encrypted (core.crypto) next to a masked copy for lists and a
blind index for uniqueness, as in residents.Person; lists never decrypt. Hours and person-times
(人次) are never stored: they are computed from check-in and check-out times.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region


class Skill(models.TextChoices):
    DRIVING = "driving", _("驾驶")
    MEDICAL = "medical", _("医疗护理")
    PSYCHOLOGY = "psychology", _("心理咨询")
    PUBLICITY = "publicity", _("宣传写作")
    DISINFECTION = "disinfection", _("消杀")
    TUTORING = "tutoring", _("学业辅导")
    LOGISTICS = "logistics", _("搬运配送")
    DATA_ENTRY = "data_entry", _("信息录入")


class Weekday(models.IntegerChoices):
    MON = 0, _("周一")
    TUE = 1, _("周二")
    WED = 2, _("周三")
    THU = 3, _("周四")
    FRI = 4, _("周五")
    SAT = 5, _("周六")
    SUN = 6, _("周日")


class Slot(models.TextChoices):
    """Parts of the day a volunteer can serve; a shift touches the slots its hours fall in."""

    MORNING = "morning", _("上午（6–12时）")
    AFTERNOON = "afternoon", _("下午（12–18时）")
    EVENING = "evening", _("晚上（18–24时）")
    NIGHT = "night", _("夜间（0–6时）")


SLOT_HOURS = {
    Slot.NIGHT: (0, 6),
    Slot.MORNING: (6, 12),
    Slot.AFTERNOON: (12, 18),
    Slot.EVENING: (18, 24),
}


class ConsentText(models.Model):
    """One version of the consent to data use a person agrees to when signing up. Versions are
    never edited: a new wording is a new row, and each sign-up points at what it agreed to."""

    version = models.CharField(_("版本"), max_length=20, unique=True)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人信息使用同意书")
        verbose_name_plural = _("个人信息使用同意书")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.version


class Campaign(TimeStampedModel):
    """A recruitment call (招募令) over a region; its public sign-up page is found by `token`
    (random, so campaigns cannot be enumerated) and reached through a printed QR code."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("招募范围"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("招募说明"), blank=True)
    token = models.CharField(_("报名链接标识"), max_length=32, unique=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    target = models.PositiveIntegerField(_("计划招募人数"), default=0)
    is_open = models.BooleanField(_("接受报名"), default=True)
    consent = models.ForeignKey(
        ConsentText, verbose_name=_("同意书版本"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the public page received, counted as it happens (F() updates, no lost counts).
    submitted = models.PositiveIntegerField(_("提交次数"), default=0)
    merged = models.PositiveIntegerField(_("重复报名合并"), default=0)
    rejected = models.PositiveIntegerField(_("校验未通过"), default=0)
    rate_limited = models.PositiveIntegerField(_("频率超限"), default=0)

    class Meta:
        verbose_name = _("招募令")
        verbose_name_plural = _("招募令")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
                violation_error_message=_("截止日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_on(self, day: dt.date) -> bool:
        return self.is_open and self.starts_on <= day <= self.ends_on


class PersonFields(models.Model):
    """Who a person is, the same way for a sign-up and a volunteer."""

    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("身份证号（密文）"), max_length=120)
    id_index = models.CharField(_("身份证号索引"), max_length=64)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("手机号（密文）"), max_length=120)
    phone_masked = models.CharField(_("手机号"), max_length=20)
    skills = models.JSONField(_("特长"), default=list, blank=True)
    available_days = models.JSONField(_("可服务日"), default=list, blank=True)
    available_slots = models.JSONField(_("可服务时段"), default=list, blank=True)

    class Meta:
        abstract = True

    def skill_labels(self) -> list[str]:
        return [str(Skill(s).label) for s in self.skills if s in Skill.values]

    def availability_label(self) -> str:
        days = "、".join(str(Weekday(d).label) for d in sorted(self.available_days))
        slots = "、".join(str(Slot(s).label) for s in Slot.values if s in self.available_slots)
        return f"{days} {slots}".strip()


class Volunteer(TimeStampedModel, PersonFields):
    SCOPE_PATH = "region__code"

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        INACTIVE = "inactive", _("暂停服务")

    region = models.ForeignKey(
        Region, verbose_name=_("所在村（社区）/镇"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Region,
        verbose_name=_("编入网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "Team",
        verbose_name=_("小分队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_core = models.BooleanField(_("骨干"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    joined_on = models.DateField(_("入队日期"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["region__code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_index"], name="volunteer_unique_id_index")
        ]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"


class SignUp(TimeStampedModel, PersonFields):
    """One person's sign-up to one campaign. A second sign-up with the same ID number merges
    into this row (`submissions` counts them); approval creates or updates the Volunteer."""

    SCOPE_PATH = "region__code"

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("招募令"), on_delete=models.PROTECT, related_name="signups"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在村（社区）/镇"), on_delete=models.PROTECT, related_name="+"
    )
    health_declared = models.BooleanField(_("健康承诺"), default=False)
    health_note = models.CharField(_("健康情况说明"), max_length=200, blank=True)
    consent = models.ForeignKey(
        ConsentText, verbose_name=_("同意书版本"), on_delete=models.PROTECT, related_name="+"
    )
    consented_at = models.DateTimeField(_("同意时间"))
    submissions = models.PositiveIntegerField(_("提交次数"), default=1)
    status = models.CharField(
        _("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    vetted_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("志愿者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signups",
    )

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "id_index"], name="signup_unique_person_per_campaign"
            )
        ]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"


class Team(TimeStampedModel):
    """A volunteer team (小分队). A professional disinfection squad is the peacetime core of
    the disinfection work; volunteers join its rounds in wartime (平时专业小队+战时志愿者协同)."""

    SCOPE_PATH = "region__code"

    class Kind(models.TextChoices):
        GENERAL = "general", _("志愿者小分队")
        DISINFECTION = "disinfection", _("消杀专业小队")

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=15, choices=Kind.choices, default=Kind.GENERAL)
    leader = models.ForeignKey(
        Volunteer,
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )

    class Meta:
        verbose_name = _("小分队")
        verbose_name_plural = _("小分队")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="team_unique_name",
                violation_error_message=_("该区域已有同名小分队。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    """The eight kinds of duty in the seed summary."""

    CHECKPOINT = "checkpoint", _("卡口检测")
    PUBLICITY = "publicity", _("宣传")
    POLICY = "policy", _("政策解读")
    CONVENIENCE = "convenience", _("便民服务")
    DISINFECTION = "disinfection", _("消杀")
    DELIVERY = "delivery", _("物资配送")
    PSYCHOLOGICAL = "psychological", _("心理援助")
    SCREENING = "screening", _("社区排查")


class Shift(TimeStampedModel):
    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("服务类别"), max_length=15, choices=Category.choices)
    place = models.CharField(_("地点"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    needed = models.PositiveIntegerField(_("需要人数"))
    skills = models.JSONField(_("所需特长"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排班人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("值守班次")
        verbose_name_plural = _("值守班次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message=_("结束时间应晚于开始时间。"),
            ),
            models.CheckConstraint(condition=Q(needed__gte=1), name="shift_needs_someone"),
        ]
        indexes = [models.Index(fields=["region", "starts_at"])]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        return f"{self.get_category_display()} {self.place} {start:%m-%d %H:%M}"

    def skill_labels(self) -> list[str]:
        return [str(Skill(s).label) for s in self.skills if s in Skill.values]

    def slots(self) -> set[str]:
        """The parts of the day the shift's local hours touch."""
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        touched: set[str] = set()
        cursor = start
        while cursor < end:
            for slot, (low, high) in SLOT_HOURS.items():
                if low <= cursor.hour < high:
                    touched.add(slot)
            cursor = (cursor + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        return touched


class Assignment(TimeStampedModel):
    """A volunteer on a shift. Check-in and check-out times are stamped by the system when the
    volunteer (or their team leader, or a cadre) taps the button; hours derive from them."""

    SCOPE_PATH = "shift__region__code"

    shift = models.ForeignKey(
        Shift, verbose_name=_("班次"), on_delete=models.PROTECT, related_name="assignments"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="assignments"
    )
    # Copied from the shift so that the double-booking check is one indexed query.
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签到操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签退操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("值守安排")
        verbose_name_plural = _("值守安排")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"], name="assignment_unique_volunteer_per_shift"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=models.F("checked_in_at")),
                name="assignment_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer.name} · {self.shift}"

    @property
    def hours(self) -> float | None:
        if self.checked_in_at is None or self.checked_out_at is None:
            return None
        return round((self.checked_out_at - self.checked_in_at).total_seconds() / 3600, 2)


class Equipment(models.TextChoices):
    AEROSOL = "aerosol", _("气溶胶喷雾消毒机")
    ULV = "ulv", _("电动超低容量喷雾器")
    BACKPACK = "backpack", _("背负式喷雾器")
    HANDHELD = "handheld", _("手持喷壶")


class DisinfectionRound(TimeStampedModel):
    """One scheduled disinfection of one place on one day by a squad, with the volunteers who
    joined it."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("消杀地点"), max_length=100)
    scheduled_on = models.DateField(_("计划日期"))
    squad = models.ForeignKey(
        Team, verbose_name=_("消杀小队"), on_delete=models.PROTECT, related_name="rounds"
    )
    equipment = models.JSONField(_("使用设备"), default=list)
    volunteers = models.ManyToManyField(
        Volunteer, verbose_name=_("协同志愿者"), blank=True, related_name="disinfection_rounds"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("消杀任务")
        verbose_name_plural = _("消杀任务")
        ordering = ["scheduled_on", "place", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "place", "scheduled_on"],
                name="disinfection_one_round_per_place_day",
                violation_error_message=_("该地点当天已安排消杀。"),
            )
        ]
        indexes = [models.Index(fields=["region", "scheduled_on"])]

    def __str__(self) -> str:
        return f"{self.place} {self.scheduled_on}"

    def equipment_labels(self) -> list[str]:
        return [str(Equipment(e).label) for e in self.equipment if e in Equipment.values]


def overdue_round_q(today: dt.date) -> Q:
    return Q(done_at__isnull=True, scheduled_on__lt=today)


class CaringEnterprise(TimeStampedModel):
    """A caring enterprise (爱心企业) that joined the Guardian-Angel action, with what it offers."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("企业名称"), max_length=100)
    offers = models.CharField(_("提供的帮助"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话（密文）"), max_length=120)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20)
    joined_on = models.DateField(_("加入日期"))

    class Meta:
        verbose_name = _("爱心企业")
        verbose_name_plural = _("爱心企业")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="caring_enterprise_unique_name",
                violation_error_message=_("该区域已登记同名爱心企业。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class MedicFamily(TimeStampedModel):
    """The family of a frontline medical worker sent to Hubei (援鄂医护人员家庭)."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所在村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    medic_name = models.CharField(_("医护人员姓名"), max_length=50)
    medic_unit = models.CharField(_("工作单位"), max_length=100)
    deployed_to = models.CharField(_("支援地"), max_length=100)
    contact_name = models.CharField(_("家属联系人"), max_length=50)
    contact_phone = models.CharField(_("家属电话（密文）"), max_length=120)
    contact_phone_masked = models.CharField(_("家属电话"), max_length=20)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    note = models.CharField(_("家庭情况"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("援鄂医护人员家庭")
        verbose_name_plural = _("援鄂医护人员家庭")
        ordering = ["region__code", "medic_name", "id"]

    def __str__(self) -> str:
        return f"{self.medic_name}家"


class HelpNeed(TimeStampedModel):
    SCOPE_PATH = "region__code"

    class Kind(models.TextChoices):
        ERRAND = "errand", _("跑腿帮办")
        TUTORING = "tutoring", _("学业辅导")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待对接")
        MATCHED = "matched", _("已对接")
        DONE = "done", _("已完成")

    family = models.ForeignKey(
        MedicFamily, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="needs"
    )
    # The family's region, copied so that scoping is one join.
    region = models.ForeignKey(
        Region, verbose_name=_("所在村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("需求类型"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("需求内容"), max_length=200)
    requested_on = models.DateField(_("提出日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("对接志愿者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_needs",
    )
    enterprise = models.ForeignKey(
        CaringEnterprise,
        verbose_name=_("对接爱心企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_needs",
    )
    matched_at = models.DateTimeField(_("对接时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.CharField(_("完成情况"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("帮扶需求")
        verbose_name_plural = _("帮扶需求")
        ordering = ["status", "-requested_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(volunteer__isnull=False, enterprise__isnull=True)
                | Q(volunteer__isnull=True, enterprise__isnull=False),
                name="help_need_matched_to_one",
            )
        ]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.family} {self.get_kind_display()}"
