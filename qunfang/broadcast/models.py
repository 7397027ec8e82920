"""The village loudspeaker network (村村响 / 无线应急广播): terminals in each village, the
programmes they play every day, fault reports from cadres or from heartbeat monitoring, and the
repair work orders the station and the town carry out together (镇台联动).

A fault's life: reported (open) → dispatched (a work order exists) → closed (repaired). Times
are kept on the fault and its order, so response and repair times are computed, never typed.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region


class Terminal(TimeStampedModel):
    """One loudspeaker terminal (a pole, a receiver, a horn) in a village."""

    SCOPE_PATH = "region__code"

    class Status(models.TextChoices):
        ONLINE = "online", _("正常")
        SILENT = "silent", _("失联")
        FAULT = "fault", _("故障")
        DISABLED = "disabled", _("停用")

    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("终端编号"), max_length=40, unique=True)
    location = models.CharField(_("安装位置"), max_length=200)
    model = models.CharField(_("型号"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ONLINE
    )
    # Terminals with a heartbeat module report to the station; older horns only by a cadre.
    monitored = models.BooleanField(_("在线监测"), default=True)
    last_heartbeat_at = models.DateTimeField(_("最后心跳"), null=True, blank=True)
    last_reported_at = models.DateTimeField(_("最后上报"), null=True, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("广播终端")
        verbose_name_plural = _("广播终端")
        ordering = ["region__code", "code"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.location}"


class Programme(TimeStampedModel):
    """Content played on the terminals of a region every day at fixed times
    ("每天循环播放《一封信》《倡议书》等内容X次")."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("播出区域"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("节目名称"), max_length=200)
    content = models.TextField(_("播出内容"), blank=True)
    announcement = models.ForeignKey(
        "publicity.Announcement",
        verbose_name=_("来自公告"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programmes",
    )
    # The daily schedule: a sorted list of "HH:MM" strings; plays per day is its length.
    schedule = models.JSONField(_("每日播出时间"), default=list)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编排人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("广播节目")
        verbose_name_plural = _("广播节目")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def plays_per_day(self) -> int:
        return len(self.schedule or [])


class Fault(TimeStampedModel):
    """A terminal that does not play, reported by a cadre or found by monitoring."""

    SCOPE_PATH = "region__code"

    class Source(models.TextChoices):
        CADRE = "cadre", _("村干部上报")
        MONITORING = "monitoring", _("心跳监测")

    class Kind(models.TextChoices):
        SILENT = "silent", _("喇叭不响")
        POWER_CUT = "power_cut", _("人为断电")
        EQUIPMENT = "equipment", _("设备损坏")
        LINE = "line", _("线路故障")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待派单")
        DISPATCHED = "dispatched", _("维修中")
        CLOSED = "closed", _("已修复")

    terminal = models.ForeignKey(
        Terminal, verbose_name=_("终端"), on_delete=models.PROTECT, related_name="faults"
    )
    # The terminal's village, copied so that scoping and counts are one range scan.
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    kind = models.CharField(_("故障类别"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("情况说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    reported_at = models.DateTimeField(_("上报时间"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # What the technician found, e.g. a "silent" report that turned out to be 人为断电.
    cause = models.CharField(_("查明原因"), max_length=12, choices=Kind.choices, blank=True)

    class Meta:
        verbose_name = _("故障")
        verbose_name_plural = _("故障")
        ordering = ["reported_at", "id"]
        indexes = [
            models.Index(fields=["region", "status", "reported_at"]),
            models.Index(fields=["terminal", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.terminal.code} {self.get_kind_display()} {self.reported_at:%Y-%m-%d %H:%M}"


class WorkOrder(TimeStampedModel):
    """The repair of one fault, by the station's technicians, a town crew, or both (镇台联动)."""

    SCOPE_PATH = "region__code"

    class Team(models.TextChoices):
        STATION = "station", _("广电台技术员")
        TOWN = "town", _("镇街维修队")
        JOINT = "joint", _("镇台联动")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("已派单")
        ON_SITE = "on_site", _("已到场")
        CLOSED = "closed", _("已关闭")

    fault = models.OneToOneField(
        Fault, verbose_name=_("故障"), on_delete=models.PROTECT, related_name="order"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.CharField(_("维修力量"), max_length=10, choices=Team.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    crew = models.CharField(_("维修人员"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ASSIGNED
    )
    assigned_at = models.DateTimeField(_("派单时间"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("派单人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    repaired_at = models.DateTimeField(_("修复时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("维修记录"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("维修工单")
        verbose_name_plural = _("维修工单")
        ordering = ["-assigned_at", "-id"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.fault.terminal.code} {self.get_team_display()} {self.get_status_display()}"


class MonitorToken(TimeStampedModel):
    """A key the heartbeat monitor sends instead of a session. It acts as `user`, so the
    terminals it may report on are that user's scope; only a hash of the key is stored."""

    name = models.CharField(_("名称"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代表账号"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    is_active = models.BooleanField(_("有效"), default=True)
    last_used_at = models.DateTimeField(_("最后使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("监测接入密钥")
        verbose_name_plural = _("监测接入密钥")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


# Project choice: a monitored terminal with no heartbeat for this long is silent.
SILENT_AFTER_MINUTES = 30
