"""Publicity work of the district publicity group (宣传舆情组): numbered announcements per series
("已发布X期") and the channels each went out on, press coverage by higher-level media, WeChat /
new-media articles, printed materials handed out per region, and expert live broadcasts.

Every row sits at a region of the tree; scoping is one range scan on its code.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region


class AnnouncementSeries(TimeStampedModel):
    """A numbered series such as 疫情防控指挥部通告: numbers run 第1号, 第2号 … per series."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("发布单位所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("系列名称"), max_length=100)

    class Meta:
        verbose_name = _("公告系列")
        verbose_name_plural = _("公告系列")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="publicity_series_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    TV = "tv", _("电视")
    RADIO = "radio", _("广播")
    LOUDSPEAKER = "loudspeaker", _("村村响")
    NEW_MEDIA = "new_media", _("新媒体/微信")
    POSTER = "poster", _("张贴")


class Announcement(TimeStampedModel):
    """One numbered issue of a series (第N号)."""

    SCOPE_PATH = "region__code"

    series = models.ForeignKey(
        AnnouncementSeries,
        verbose_name=_("公告系列"),
        on_delete=models.PROTECT,
        related_name="announcements",
    )
    # The series' region, copied so that scoping and counts need no join through the series.
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("期号"), validators=[MinValueValidator(1)])
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    issued_at = models.DateTimeField(_("发布时间"))
    # Where the announcement came from when another module published it (e.g. 舆情辟谣).
    source_label = models.CharField(_("来源"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["series", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"],
                name="publicity_announcement_unique_number",
                violation_error_message=_("该系列已有这一期号。"),
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1),
                name="publicity_announcement_number_positive",
            ),
        ]
        indexes = [models.Index(fields=["region", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.series.name}第{self.number}号"


class AnnouncementChannel(models.Model):
    """When an announcement went out on one channel."""

    SCOPE_PATH = "announcement__region__code"

    announcement = models.ForeignKey(
        Announcement, verbose_name=_("公告"), on_delete=models.CASCADE, related_name="channels"
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    sent_at = models.DateTimeField(_("发出时间"))

    class Meta:
        verbose_name = _("发布渠道")
        verbose_name_plural = _("发布渠道")
        ordering = ["announcement", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "channel"], name="publicity_channel_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.announcement} {self.get_channel_display()}"


class PressLevel(models.TextChoices):
    CENTRAL = "central", _("中央")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class PressItem(TimeStampedModel):
    """A report on the district's work by a news outlet (外宣: 新华网, 凤凰网 …)."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    outlet = models.CharField(_("媒体"), max_length=100)
    level = models.CharField(_("媒体级别"), max_length=10, choices=PressLevel.choices)
    title = models.CharField(_("标题"), max_length=200)
    published_on = models.DateField(_("刊发日期"))
    url = models.URLField(_("链接"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("媒体报道")
        verbose_name_plural = _("媒体报道")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["region", "published_on"])]

    def __str__(self) -> str:
        return f"{self.outlet}《{self.title}》"


class Article(TimeStampedModel):
    """An original WeChat / new-media article, its reads and reprints by higher-level media."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.CharField(_("公众号/平台"), max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    published_on = models.DateField(_("发布日期"))
    reads = models.PositiveIntegerField(_("阅读量"), default=0)
    reprints = models.PositiveIntegerField(_("上级媒体转载次数"), default=0)
    reprinted_by = models.CharField(_("转载媒体"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("新媒体作品")
        verbose_name_plural = _("新媒体作品")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["region", "published_on"])]

    def __str__(self) -> str:
        return f"{self.account}《{self.title}》"


class MaterialKind(models.TextChoices):
    LETTER = "letter", _("公开信")
    PROPOSAL = "proposal", _("倡议书")
    BANNER = "banner", _("横幅")
    BOARD = "board", _("展板/宣传版面")
    LEAFLET = "leaflet", _("宣传单")
    SIGN = "sign", _("检查督导牌")
    OTHER = "other", _("其他")


class MaterialDistribution(TimeStampedModel):
    """Printed materials handed out, put up or hung in one region on one day."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("材料类别"), max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("材料名称"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    distributed_on = models.DateField(_("发放日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("宣传材料发放")
        verbose_name_plural = _("宣传材料发放")
        ordering = ["-distributed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="publicity_material_quantity_positive",
                violation_error_message=_("数量应为正整数。"),
            )
        ]
        indexes = [models.Index(fields=["region", "distributed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"


class ExpertBroadcast(TimeStampedModel):
    """An expert in the studio (疾控中心、中医院专家走进直播间), broadcast on TV, FM and the web."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("主题"), max_length=200)
    expert = models.CharField(_("专家"), max_length=100)
    expert_org = models.CharField(_("专家单位"), max_length=100, blank=True)
    aired_on = models.DateField(_("直播日期"))
    platform = models.CharField(_("播出平台"), max_length=200)
    viewers = models.PositiveIntegerField(_("收看人次"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("专家直播")
        verbose_name_plural = _("专家直播")
        ordering = ["-aired_on", "-id"]
        indexes = [models.Index(fields=["region", "aired_on"])]

    def __str__(self) -> str:
        return f"{self.expert}《{self.topic}》"
