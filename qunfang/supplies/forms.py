"""Forms parse what a page posts; the services decide whether it is acceptable.

Pickers (depot, household, person, item) post a primary key; the view resolves it through
org.access, so a key outside the user's scope is a 404 — except a transfer's target depot,
which the service refuses with a message (a convoy's destination is a choice, not an object
the user is opening). Quantities are parsed as decimals here and judged per item by the
service (whole numbers for 个, decimals allowed for 升), so a fraction of a mask is refused
with the item's name.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import DateField, DateTimeField, id_field
from qunfang.supplies.models import Movement

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。")}
REQUIRED = {"required": _("必填。")}
QUANTITY_ERRORS = {
    "invalid": _("请填写数量，如 100 或 2.5。"),
    "max_digits": _("数量过大或小数位过多。"),
    "max_decimal_places": _("数量最多保留三位小数。"),
    "max_whole_digits": _("数量过大，请核对。"),
}


def _date(label, *, required: bool = True) -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        error_messages={**INVALID_DATE, **REQUIRED},
    )


def _quantity(label, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=3,
        error_messages={**QUANTITY_ERRORS, **REQUIRED},
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class PickerForm(forms.Form):
    """A form whose pickers get their options from the view (`options={field: choices}`)."""

    def __init__(self, *args, options: dict[str, list[tuple]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (options or {}).items():
            first = _("请选择") if self.fields[name].required else "—"
            self.fields[name].widget.choices = [("", first), *choices]


class LineForm(PickerForm):
    """One line of supplies. A blank line (no item, no quantity) is skipped."""

    item = id_field(_("物资"), required=False)
    quantity = _quantity(_("数量"), required=False)
    lot_no = forms.CharField(label=_("批号"), max_length=50, required=False)
    expires_on = _date(_("有效期至"), required=False)
    unit_price = forms.DecimalField(
        label=_("单价（元）"),
        required=False,
        max_digits=12,
        decimal_places=2,
        error_messages={"invalid": _("请填写金额，如 2.50。")},
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("item") and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", _("请填写数量。"))
        if data.get("quantity") is not None and not data.get("item"):
            self.add_error("item", _("请选择物资。"))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, options: dict[str, list[tuple]] | None = None, **kwargs) -> None:
        self.options = options or {}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "options": self.options}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            options=self.options,
        )
        self.add_fields(form, None)
        return form

    def filled(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data.get("item") and form.cleaned_data.get("quantity") is not None
        ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=3, max_num=30, validate_max=True
)


class DonationForm(PickerForm):
    depot = id_field(_("入库仓库"))
    donor = forms.CharField(label=_("捐赠方"), max_length=100, error_messages=REQUIRED)
    certificate_no = forms.CharField(label=_("捐赠证书编号"), max_length=50, required=False)
    occurred_on = _date(_("入库日期"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ProcurementForm(PickerForm):
    depot = id_field(_("入库仓库"))
    supplier = forms.CharField(label=_("供应商"), max_length=100, error_messages=REQUIRED)
    occurred_on = _date(_("入库日期"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class TransferForm(PickerForm):
    # Not "source"/"target": a control named "target" shadows the form's own target property
    # and the browser would submit into a new window.
    from_depot = id_field(_("调出仓库（外地车队不选）"), required=False)
    origin = forms.CharField(label=_("起运地（外地车队填写）"), max_length=100, required=False)
    to_depot = id_field(_("调入仓库"))
    leader_name = forms.CharField(label=_("运输领队"), max_length=50, required=False)
    leader_phone = forms.CharField(
        label=_("领队电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    occurred_on = _date(_("起运日期"))
    departed_at = DateTimeField(
        label=_("出发时间"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"invalid": _("请填写有效时间，如 2020-02-05 08:30。")},
    )
    vehicles = forms.CharField(
        label=_("车辆（每行一辆：车牌号 驾驶员）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "晋E12345 张师傅"}),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def vehicle_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in (self.cleaned_data.get("vehicles") or "").splitlines():
            parts = line.split(None, 1)
            if parts:
                pairs.append((parts[0], parts[1] if len(parts) > 1 else ""))
        return pairs


class ReceiveForm(forms.Form):
    arrived_at = DateTimeField(
        label=_("到达时间"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"invalid": _("请填写有效时间，如 2020-02-05 08:30。")},
    )


class DistributionForm(PickerForm):
    depot = id_field(_("发放仓库"))
    recipient_kind = forms.ChoiceField(
        label=_("发放对象"), choices=Movement.Recipient.choices, error_messages=REQUIRED
    )
    household = id_field(_("户（发放对象为农户/家庭时）"), required=False)
    person = id_field(_("人员（发放对象为个人时）"), required=False)
    unit_name = forms.CharField(label=_("接收单位（如区新闻中心）"), max_length=100, required=False)
    channel = forms.CharField(
        label=_("发放渠道（如市慈善总会、民政局）"), max_length=100, required=False
    )
    occurred_on = _date(_("发放日期"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DepotForm(PickerForm):
    region = id_field(_("所属区域"))
    name = forms.CharField(label=_("仓库名称"), max_length=100, error_messages=REQUIRED)
    keeper = forms.CharField(label=_("保管员"), max_length=50, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)


class ThresholdForm(PickerForm):
    item = id_field(_("物资"))
    minimum = _quantity(_("最低库存"))


class WindowForm(forms.Form):
    """The overview's optional date window."""

    start = _date(_("起始日期"), required=False)
    end = _date(_("截止日期"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))
    valid_only = forms.BooleanField(
        label=_("只导入正确的行（有错的行列出，其余照常导入）"), required=False
    )
