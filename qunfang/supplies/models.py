"""Protective and disinfection supplies (防疫物资): the item catalogue, depots at the district,
town and village levels, and the movements that bring supplies in (donation, procurement,
convoy), move them between depots (调拨, a convoy with vehicles and a leader) and hand them
out (to households, persons and units such as the newsroom).

Stock is never typed: every movement writes signed StockEntry rows (the ledger), and a
balance is the sum of a depot's entries for an item (and lot). Only services write entries.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qunfang.core.models import TimeStampedModel
from qunfang.org.models import Region
from qunfang.residents.models import Household, Person

# Quantities keep three decimals (0.5 升 of disinfectant); counted items must be whole.
QUANTITY = {"max_digits": 14, "decimal_places": 3}
# Project choice: a lot expiring within 30 days is flagged as near expiry (临期).
NEAR_EXPIRY_DAYS = 30


class Item(TimeStampedModel):
    """One kind of supply in the catalogue (口罩, 84消毒液 …). The catalogue is shared by the
    whole installation, so it carries no region."""

    class Category(models.TextChoices):
        PROTECTIVE = "protective", _("防护")
        DISINFECTION = "disinfection", _("消杀")
        MEDICAL_DEVICE = "medical_device", _("医疗器械")
        LIVING = "living", _("生活物资")
        OTHER = "other", _("其他")

    name = models.CharField(_("物资名称"), max_length=100, unique=True)
    unit = models.CharField(_("计量单位"), max_length=10)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    shelf_life_days = models.PositiveIntegerField(
        _("保质期（天）"), null=True, blank=True, help_text=_("不填表示无保质期")
    )
    fractional = models.BooleanField(
        _("允许小数数量"), default=False, help_text=_("如消毒液按升计可有小数，口罩按个计不可")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("物资品目")
        verbose_name_plural = _("物资品目")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Depot(TimeStampedModel):
    """A store of supplies run at one level of the region tree (区/镇/村物资库)."""

    SCOPE_PATH = "region__code"

    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("仓库名称"), max_length=100)
    keeper = models.CharField(_("保管员"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("物资仓库")
        verbose_name_plural = _("物资仓库")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="depot_unique_name",
                violation_error_message=_("该区域已有同名仓库。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Movement(TimeStampedModel):
    """One document that moves supplies: its lines say what, its stock entries say the effect.

    `source` and `target` are depots; a donation or procurement has no source, a convoy from
    outside the district has none either (its `origin` says where it came from), and a
    distribution has no target (its recipient is a household, a person or a unit). `region`
    is the region of the depot whose staff own the document — the target's for what comes
    in, the source's for what goes out — and is what the scoping primitive filters on.
    """

    SCOPE_PATH = "region__code"

    class Kind(models.TextChoices):
        DONATION = "donation", _("捐赠入库")
        PROCUREMENT = "procurement", _("采购入库")
        TRANSFER = "transfer", _("调拨运输")
        DISTRIBUTION = "distribution", _("发放")

    class Status(models.TextChoices):
        DONE = "done", _("已完成")
        IN_TRANSIT = "in_transit", _("在途")
        RECEIVED = "received", _("已接收")

    class Recipient(models.TextChoices):
        HOUSEHOLD = "household", _("农户/家庭")
        PERSON = "person", _("个人")
        UNIT = "unit", _("单位")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(
        Depot,
        verbose_name=_("调出仓库"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outgoing",
    )
    target = models.ForeignKey(
        Depot,
        verbose_name=_("调入仓库"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming",
    )
    occurred_on = models.DateField(_("日期"))
    # donation (捐赠)
    donor = models.CharField(_("捐赠方"), max_length=100, blank=True)
    certificate_no = models.CharField(_("捐赠证书编号"), max_length=50, blank=True)
    # procurement (采购)
    supplier = models.CharField(_("供应商"), max_length=100, blank=True)
    # convoy transfer (车队运输/调拨)
    origin = models.CharField(_("起运地"), max_length=100, blank=True)
    leader_name = models.CharField(_("运输领队"), max_length=50, blank=True)
    leader_phone = models.CharField(_("领队电话（密文）"), max_length=120, blank=True)
    leader_phone_masked = models.CharField(_("领队电话"), max_length=20, blank=True)
    departed_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # distribution (发放)
    recipient_kind = models.CharField(
        _("发放对象"), max_length=12, choices=Recipient.choices, blank=True
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_name = models.CharField(_("接收单位"), max_length=100, blank=True)
    channel = models.CharField(_("发放渠道"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("物资出入库")
        verbose_name_plural = _("物资出入库")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            # A certificate number identifies one donation (捐赠证书), whoever gave it.
            models.UniqueConstraint(
                fields=["certificate_no"],
                condition=~Q(certificate_no=""),
                name="movement_unique_certificate",
                violation_error_message=_("该捐赠证书编号已登记。"),
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True)
                | Q(target__isnull=True)
                | ~Q(source=models.F("target")),
                name="movement_source_not_target",
                violation_error_message=_("调出仓库与调入仓库不能相同。"),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "occurred_on"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on} #{self.pk}"

    @property
    def number(self) -> str:
        prefix = {"donation": "JZ", "procurement": "CG", "transfer": "DB", "distribution": "FF"}
        return f"{prefix.get(self.kind, 'WZ')}{self.pk:06d}"

    @property
    def recipient_label(self) -> str:
        if self.person_id:
            return self.person.name
        if self.household_id:
            return self.household.register_no or str(self.household_id)
        if self.unit_name:
            return self.unit_name
        if self.target_id:
            return self.target.name
        return ""


class MovementLine(models.Model):
    """What a movement carries: an item, a quantity and, for supplies that expire, the lot."""

    SCOPE_PATH = "movement__region__code"

    movement = models.ForeignKey(
        Movement, verbose_name=_("单据"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("数量"), **QUANTITY, validators=[MinValueValidator(0)])
    lot_no = models.CharField(_("批号"), max_length=50, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    unit_price = models.DecimalField(
        _("单价（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("出入库明细")
        verbose_name_plural = _("出入库明细")
        ordering = ["movement_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="movement_line_quantity_positive",
                violation_error_message=_("数量必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="movement_line_price_not_negative",
                violation_error_message=_("单价不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.quantity}"


class StockEntry(models.Model):
    """The stock ledger: one signed quantity of one lot of an item at one depot. A depot's
    balance is the sum of its entries; entries are written by services only, never edited."""

    SCOPE_PATH = "depot__region__code"

    depot = models.ForeignKey(
        Depot, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="entries"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="entries"
    )
    movement = models.ForeignKey(
        Movement, verbose_name=_("单据"), on_delete=models.PROTECT, related_name="entries"
    )
    lot_no = models.CharField(_("批号"), max_length=50, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    quantity = models.DecimalField(_("数量（入库为正、出库为负）"), **QUANTITY)
    occurred_on = models.DateField(_("日期"))
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("库存台账")
        verbose_name_plural = _("库存台账")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["depot", "item", "expires_on"]),
            models.Index(fields=["occurred_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.depot} {self.item.name} {self.quantity}"


class StockThreshold(TimeStampedModel):
    """The least a depot should hold of an item; below it the item is short (库存不足)."""

    SCOPE_PATH = "depot__region__code"

    depot = models.ForeignKey(
        Depot, verbose_name=_("仓库"), on_delete=models.CASCADE, related_name="thresholds"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("物资"), on_delete=models.CASCADE, related_name="+"
    )
    minimum = models.DecimalField(_("最低库存"), **QUANTITY, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("库存下限")
        verbose_name_plural = _("库存下限")
        ordering = ["depot_id", "item__name"]
        constraints = [
            models.UniqueConstraint(fields=["depot", "item"], name="threshold_unique_item"),
            models.CheckConstraint(
                condition=Q(minimum__gte=0),
                name="threshold_not_negative",
                violation_error_message=_("最低库存不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.depot} {self.item.name} ≥ {self.minimum}"


class ConvoyVehicle(models.Model):
    """A vehicle of a convoy (车队): its plate and driver."""

    SCOPE_PATH = "movement__region__code"

    movement = models.ForeignKey(
        Movement, verbose_name=_("调拨单"), on_delete=models.CASCADE, related_name="vehicles"
    )
    plate = models.CharField(_("车牌号"), max_length=10)
    driver = models.CharField(_("驾驶员"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("运输车辆")
        verbose_name_plural = _("运输车辆")
        ordering = ["movement_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["movement", "plate"], name="convoy_vehicle_unique_plate"
            )
        ]

    def __str__(self) -> str:
        return self.plate
