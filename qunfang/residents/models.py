"""The civil-affairs ledger (台账): households, persons, vulnerability tags, daily health
checks, symptom alerts and the household roster used for the completeness audit.

ID and phone numbers are stored encrypted (core.crypto) next to a masked copy for lists and a
blind index for uniqueness and look-up; lists never decrypt.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Household(TimeStampedModel):
    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）/网格"), on_delete=models.PROTECT, related_name="+"
    )
    # The 12-digit village code, also when `region` is a grid: audits and counts group by it.
    village_code = models.CharField(_("村（社区）代码"), max_length=12)
    register_no = models.CharField(_("户号"), max_length=30, blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["region__code", "register_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "register_no"],
                condition=~Q(register_no=""),
                name="household_unique_register_no",
            )
        ]
        # Plain indexes and a constraint rather than db_index/unique=True: on PostgreSQL those
        # add a second, LIKE-only index per column that nothing here uses and imports pay for.
        indexes = [models.Index(fields=["village_code", "register_no"])]

    def __str__(self) -> str:
        return f"{self.register_no or self.pk} {self.address}".strip()


class Person(TimeStampedModel):
    SCOPE_PATH = "region__code"

    class Status(models.TextChoices):
        RESIDENT = "resident", _("在户")
        AWAY = "away", _("外出")
        MOVED = "moved", _("迁出")
        DECEASED = "deceased", _("死亡")

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="members"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）/网格"), on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField(_("村（社区）代码"), max_length=12)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("身份证号（密文）"), max_length=120)
    id_index = models.CharField(_("身份证号索引"), max_length=64)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("联系电话（密文）"), max_length=120, blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    relation = models.CharField(
        _("与户主关系"), max_length=12, choices=Relation.choices, default=Relation.OTHER
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.RESIDENT
    )
    guardian_name = models.CharField(_("监护人/联系人"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("联系人关系"), max_length=20, blank=True)
    guardian_phone = models.CharField(_("联系人电话（密文）"), max_length=120, blank=True)
    guardian_phone_masked = models.CharField(_("联系人电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["region__code", "household_id", "id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["village_code"]),
        ]
        constraints = [models.UniqueConstraint(fields=["id_index"], name="person_unique_id_index")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"


class Tag(models.Model):
    """A vulnerability category held over a period (低保 since 2019-03 …)."""

    SCOPE_PATH = "person__region__code"

    class Kind(models.TextChoices):
        DIBAO = "dibao", _("低保")
        WUBAO = "wubao", _("五保")
        TEKUN = "tekun", _("特困")
        LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
        ORPHAN = "orphan", _("孤儿/事实无人抚养儿童")
        CHILD_IN_DIFFICULTY = "child_in_difficulty", _("困境儿童")
        ELDERLY = "elderly", _("独居/空巢/困难老人")
        SEVERE_DISABILITY = "severe_disability", _("重残")
        MEDIC_FAMILY = "medic_family", _("一线医护(援鄂)家属")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="tags"
    )
    kind = models.CharField(_("类别"), max_length=24, choices=Kind.choices)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("困难类别")
        verbose_name_plural = _("困难类别")
        ordering = ["person_id", "kind", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "start_date"], name="tag_unique_period_start"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="tag_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["kind", "end_date"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class HealthCheck(models.Model):
    """One look at one person on one day: temperature, symptoms and how the check was done."""

    SCOPE_PATH = "region__code"

    class Method(models.TextChoices):
        VISIT = "visit", _("入户")
        PHONE = "phone", _("电话")
        WECHAT = "wechat", _("微信")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="checks"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    checked_on = models.DateField(_("日期"))
    checked_at = models.DateTimeField(_("时间"))
    temperature = models.DecimalField(
        _("体温（℃）"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    fever = models.BooleanField(_("发热"), default=False)
    cough = models.BooleanField(_("咳嗽"), default=False)
    fatigue = models.BooleanField(_("乏力"), default=False)
    sore_throat = models.BooleanField(_("咽痛"), default=False)
    other_symptom = models.CharField(_("其他症状"), max_length=100, blank=True)
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("巡查人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("健康巡查")
        verbose_name_plural = _("健康巡查")
        ordering = ["-checked_at", "-id"]
        indexes = [
            models.Index(fields=["region", "checked_on"]),
            models.Index(fields=["person", "checked_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.checked_on}"


class Alert(models.Model):
    """A symptom alert, raised by a check with fever ≥ 37.3 ℃ or a respiratory symptom."""

    SCOPE_PATH = "region__code"

    class Status(models.TextChoices):
        REPORTED = "reported", _("已上报")
        ISOLATED_HOME = "isolated_home", _("居家隔离")
        ISOLATED_CENTRAL = "isolated_central", _("集中隔离")
        REFERRED = "referred", _("已送发热门诊")
        CLEARED = "cleared", _("已排除")
        CONFIRMED = "confirmed", _("已确诊")
        CLOSED = "closed", _("已结案")

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="alerts"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    health_check = models.ForeignKey(
        HealthCheck,
        verbose_name=_("触发的巡查"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    raised_at = models.DateTimeField(_("上报时间"))
    status_changed_at = models.DateTimeField(_("状态变更时间"))
    due_at = models.DateTimeField(_("处置时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("症状预警")
        verbose_name_plural = _("症状预警")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_status_display()}"


class AlertStep(models.Model):
    """Each change of an alert's state: who moved it, when, and what they noted."""

    alert = models.ForeignKey(
        Alert, verbose_name=_("预警"), on_delete=models.CASCADE, related_name="steps"
    )
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Alert.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("预警处置记录")
        verbose_name_plural = _("预警处置记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.from_status}→{self.to_status}"


class RosterImport(models.Model):
    """One upload of a village's household register (户籍/常住人口名册); the latest counts."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)

    class Meta:
        verbose_name = _("户籍名册")
        verbose_name_plural = _("户籍名册")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.imported_at:%Y-%m-%d}"


class RosterEntry(models.Model):
    SCOPE_PATH = "region__code"

    roster = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="entries")
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    register_no = models.CharField(_("户号"), max_length=30, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    id_index = models.CharField(_("身份证号索引"), max_length=64)
    id_masked = models.CharField(_("身份证号"), max_length=18)

    class Meta:
        verbose_name = _("名册人员")
        verbose_name_plural = _("名册人员")
        ordering = ["region__code", "register_no", "id"]
        indexes = [
            models.Index(fields=["region", "id_index"]),
            models.Index(fields=["region", "register_no"]),
        ]

    def __str__(self) -> str:
        return f"{self.register_no} {self.name}"
