"""Enterprise service (企业服务) and the online job fair (网络招聘会).

Work groups (团机关入企服务工作组, or the district's 企业服务组) are assigned enterprises, visit
them, record the problems each raises and how they were solved, and follow their resumption of
work (停工 → 部分复工 → 全面复工). Enterprises join an online job fair (vetted), offer positions,
and job-seekers apply on a public page; a second application by the same phone to the same
position is merged into the first and counted.

Phone numbers are stored encrypted (core.crypto) next to a masked copy and, for applicants, a
blind index used to merge duplicates; lists never decrypt.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Department, Region


class Enterprise(TimeStampedModel):
    SCOPE_PATH = "region__code"

    class Industry(models.TextChoices):
        # GB/T 4754-2017 sections, the ones a county meets.
        AGRICULTURE = "A", _("农林牧渔业")
        MINING = "B", _("采矿业")
        MANUFACTURING = "C", _("制造业")
        UTILITIES = "D", _("电力、热力、燃气及水生产和供应业")
        CONSTRUCTION = "E", _("建筑业")
        TRADE = "F", _("批发和零售业")
        LOGISTICS = "G", _("交通运输、仓储和邮政业")
        HOSPITALITY = "H", _("住宿和餐饮业")
        IT = "I", _("信息传输、软件和信息技术服务业")
        SERVICES = "O", _("居民服务、修理和其他服务业")
        HEALTH = "Q", _("卫生和社会工作")
        OTHER = "Z", _("其他行业")

    class Size(models.TextChoices):
        LARGE = "large", _("大型")
        MEDIUM = "medium", _("中型")
        SMALL = "small", _("小型")
        MICRO = "micro", _("微型")

    class Resumption(models.TextChoices):
        STOPPED = "stopped", _("停工")
        PARTIAL = "partial", _("部分复工")
        FULL = "full", _("全面复工")

    name = models.CharField(_("企业名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(_("行业"), max_length=2, choices=Industry.choices)
    size = models.CharField(_("规模"), max_length=10, choices=Size.choices)
    employees = models.PositiveIntegerField(_("职工人数"), default=0)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话（密文）"), max_length=120, blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    work_group = models.ForeignKey(
        Department,
        verbose_name=_("对口服务工作组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The latest resumption report, kept here for lists and counts; history in ResumptionReport.
    resumption = models.CharField(
        _("复工状态"), max_length=10, choices=Resumption.choices, default=Resumption.STOPPED
    )
    resumption_since = models.DateField(_("状态日期"), null=True, blank=True)
    workers_back = models.PositiveIntegerField(_("返岗人数"), default=0)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["region__code", "name"]
        indexes = [models.Index(fields=["region", "resumption"])]

    def __str__(self) -> str:
        return self.name


class ResumptionReport(TimeStampedModel):
    """One report of an enterprise's resumption of work (复工复产) on a date."""

    SCOPE_PATH = "enterprise__region__code"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="reports"
    )
    status = models.CharField(_("复工状态"), max_length=10, choices=Enterprise.Resumption.choices)
    reported_on = models.DateField(_("日期"))
    workers_back = models.PositiveIntegerField(_("返岗人数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("复工情况")
        verbose_name_plural = _("复工情况")
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.reported_on} {self.get_status_display()}"


class Visit(TimeStampedModel):
    """A work group's visit to an enterprise (入企服务)."""

    SCOPE_PATH = "enterprise__region__code"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("走访日期"))
    visitors = models.CharField(_("走访人员"), max_length=200)
    work_group = models.ForeignKey(
        Department,
        verbose_name=_("工作组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("走访情况"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["visited_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.visited_on}"


class Problem(TimeStampedModel):
    """A difficulty an enterprise raised, and how it was solved."""

    SCOPE_PATH = "enterprise__region__code"

    class Category(models.TextChoices):
        LABOUR = "labour", _("用工")
        PROTECTIVE = "protective", _("防疫物资")
        FUNDING = "funding", _("资金")
        LOGISTICS = "logistics", _("物流")
        APPROVAL = "approval", _("审批")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待解决")
        SOLVED = "solved", _("已解决")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="problems"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("走访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    category = models.CharField(_("问题类别"), max_length=12, choices=Category.choices)
    description = models.CharField(_("问题描述"), max_length=500)
    raised_on = models.DateField(_("提出日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(_("解决情况"), max_length=500, blank=True)
    solved_on = models.DateField(_("解决日期"), null=True, blank=True)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("企业问题")
        verbose_name_plural = _("企业问题")
        ordering = ["status", "-raised_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(solved_on__isnull=True) | Q(solved_on__gte=models.F("raised_on")),
                name="enterprise_problem_solved_after_raised",
                violation_error_message=_("解决日期不能早于提出日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_category_display()}"


class JobFair(TimeStampedModel):
    """An online job fair (网络招聘会) held by a region's departments."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("主办区域"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.ForeignKey(
        Department,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("招聘会名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    is_published = models.BooleanField(_("已发布"), default=False)

    class Meta:
        verbose_name = _("网络招聘会")
        verbose_name_plural = _("网络招聘会")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="job_fair_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class FairEntry(TimeStampedModel):
    """An enterprise's application to join a fair (申报), vetted by the organisers."""

    SCOPE_PATH = "enterprise__region__code"

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    fair = models.ForeignKey(
        JobFair, verbose_name=_("招聘会"), on_delete=models.CASCADE, related_name="entries"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="fair_entries"
    )
    status = models.CharField(
        _("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    vetted_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("参会申报")
        verbose_name_plural = _("参会申报")
        ordering = ["fair", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "enterprise"],
                name="fair_entry_unique_enterprise",
                violation_error_message=_("该企业已申报这场招聘会。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.fair} · {self.enterprise}"


class Position(TimeStampedModel):
    """A position an enterprise offers at a fair."""

    SCOPE_PATH = "entry__enterprise__region__code"

    entry = models.ForeignKey(
        FairEntry, verbose_name=_("参会企业"), on_delete=models.CASCADE, related_name="positions"
    )
    title = models.CharField(_("岗位名称"), max_length=100)
    headcount = models.PositiveIntegerField(_("招聘人数"), validators=[MinValueValidator(1)])
    salary_min = models.PositiveIntegerField(_("月薪下限（元）"))
    salary_max = models.PositiveIntegerField(_("月薪上限（元）"))
    place = models.CharField(_("工作地点"), max_length=100)
    requirements = models.CharField(_("任职要求"), max_length=500, blank=True)
    is_open = models.BooleanField(_("招聘中"), default=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["entry__enterprise__name", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(salary_max__gte=models.F("salary_min")),
                name="position_salary_range",
                violation_error_message=_("月薪上限不能低于下限。"),
            ),
            models.CheckConstraint(
                condition=Q(headcount__gte=1),
                name="position_headcount_positive",
                violation_error_message=_("招聘人数至少为 1。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.enterprise} · {self.title}"


class Application(TimeStampedModel):
    """A job-seeker's application to a position. The same phone applying again to the same
    position updates this row and counts the submission (`submissions`)."""

    SCOPE_PATH = "position__entry__enterprise__region__code"

    class Status(models.TextChoices):
        NEW = "new", _("新申请")
        CONTACTED = "contacted", _("已联系")
        HIRED = "hired", _("已录用")
        DECLINED = "declined", _("不合适")

    position = models.ForeignKey(
        Position, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="applications"
    )
    name = models.CharField(_("姓名"), max_length=30)
    phone = models.CharField(_("手机号（密文）"), max_length=120)
    phone_index = models.CharField(_("手机号索引"), max_length=64)
    phone_masked = models.CharField(_("手机号"), max_length=20)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    experience = models.CharField(_("工作经历/特长"), max_length=300, blank=True)
    submissions = models.PositiveIntegerField(_("提交次数"), default=1)
    last_submitted_at = models.DateTimeField(_("最近提交时间"))
    status = models.CharField(
        _("处理状态"), max_length=10, choices=Status.choices, default=Status.NEW
    )

    class Meta:
        verbose_name = _("求职申请")
        verbose_name_plural = _("求职申请")
        ordering = ["-last_submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "phone_index"], name="application_one_per_phone"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.phone_masked}）→ {self.position.title}"


class BlockedSubmission(models.Model):
    """A public submission refused without storing what was sent (honeypot filled, rate limit
    exceeded), counted so the organisers see how much junk the page turned away."""

    SCOPE_PATH = "fair__region__code"

    class Reason(models.TextChoices):
        HONEYPOT = "honeypot", _("机器人填写")
        RATE_LIMIT = "rate_limit", _("提交过于频繁")

    fair = models.ForeignKey(
        JobFair, verbose_name=_("招聘会"), on_delete=models.CASCADE, related_name="blocked"
    )
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("拦截的提交")
        verbose_name_plural = _("拦截的提交")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.fair} {self.get_reason_display()}"
