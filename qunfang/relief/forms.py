"""Forms parse what a page posts; the services decide whether it is acceptable.

Pickers (household, person, village) post a primary key that the view resolves through
org.access.access_object, so a key outside the user's scope is a 404 rather than a form error.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import (
    COUNT_MAX,
    COUNT_MIN,
    TOO_LARGE,
    TOO_SMALL,
    DateField,
    id_field,
)
from qunfang.relief.models import AssistanceCase, CareArrangement, FamilyEvent

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。")}
WHOLE_NUMBER = {"invalid": _("请填写整数，不能有小数。")}
REQUIRED = {"required": _("必填。")}


def _date(label, *, required: bool = True) -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        error_messages={**INVALID_DATE, **REQUIRED},
    )


class PickerForm(forms.Form):
    """A form whose pickers get their options from the view (`options={field: choices}`)."""

    def __init__(self, *args, options: dict[str, list[tuple]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (options or {}).items():
            first = _("请选择") if self.fields[name].required else "—"
            self.fields[name].widget.choices = [("", first), *choices]


class AssistanceForm(PickerForm):
    household = id_field(_("救助户"))
    reason = forms.ChoiceField(
        label=_("救助原因"), choices=AssistanceCase.Reason.choices, error_messages=REQUIRED
    )
    reason_detail = forms.CharField(label=_("原因说明"), max_length=200, required=False)
    form = forms.ChoiceField(
        label=_("救助方式"), choices=AssistanceCase.Form.choices, error_messages=REQUIRED
    )
    cash_amount = forms.DecimalField(
        label=_("现金金额（元）"),
        required=False,
        max_digits=10,
        decimal_places=2,
        error_messages={"invalid": _("请填写金额，如 500 或 500.50。")},
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    in_kind_description = forms.CharField(label=_("实物"), max_length=200, required=False)
    granted_on = _date(_("发放日期"))
    paperwork_due = _date(_("补办手续期限"), required=False)


class PaperworkForm(forms.Form):
    done_on = _date(_("手续完成日期"), required=False)


class CareForm(PickerForm):
    person = id_field(_("照料对象"))
    reason = forms.ChoiceField(
        label=_("照料原因"), choices=CareArrangement.Reason.choices, error_messages=REQUIRED
    )
    carer_name = forms.CharField(label=_("照料人"), max_length=50, error_messages=REQUIRED)
    carer_phone = forms.CharField(
        label=_("照料人电话"),
        max_length=20,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    place = forms.CharField(label=_("照料地点"), max_length=200, error_messages=REQUIRED)
    start_date = _date(_("开始日期"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class CareEndForm(forms.Form):
    end_date = _date(_("结束日期"), required=False)


class FamilyEventForm(PickerForm):
    village = id_field(_("村（社区）"))
    household = id_field(_("户（可不选）"), required=False)
    kind = forms.ChoiceField(
        label=_("事项"), choices=FamilyEvent.Kind.choices, error_messages=REQUIRED
    )
    family_name = forms.CharField(label=_("联系人（事主）"), max_length=50, error_messages=REQUIRED)
    original_date = _date(_("原定日期"))
    new_date = _date(_("新日期"), required=False)
    expected_size = forms.IntegerField(
        label=_("预计人数"),
        min_value=COUNT_MIN,
        max_value=COUNT_MAX,
        error_messages={**WHOLE_NUMBER, **REQUIRED, **TOO_LARGE, **TOO_SMALL},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )
    status = forms.ChoiceField(
        label=_("办理情况"), choices=FamilyEvent.Status.choices, error_messages=REQUIRED
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class FamilyEventUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("办理情况"), choices=FamilyEvent.Status.choices, error_messages=REQUIRED
    )
    new_date = _date(_("新日期"), required=False)


class WeChatGroupForm(PickerForm):
    village = id_field(_("村（社区）"))
    name = forms.CharField(label=_("群名称"), max_length=100, error_messages=REQUIRED)
    admin_name = forms.CharField(label=_("群主"), max_length=50, error_messages=REQUIRED)
    admin_phone = forms.CharField(
        label=_("群主电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    members = forms.IntegerField(
        label=_("成员数"),
        min_value=COUNT_MIN,
        max_value=COUNT_MAX,
        error_messages={**WHOLE_NUMBER, **REQUIRED, **TOO_LARGE, **TOO_SMALL},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class WindowForm(forms.Form):
    """The overview's optional date window."""

    start = _date(_("起始日期"), required=False)
    end = _date(_("截止日期"), required=False)
