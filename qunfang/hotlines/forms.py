"""Forms parse what a page posts; the services decide whether it is acceptable.

Pickers (line, place, counsellor, village) post a primary key that the view resolves through
org.access, so a key outside the user's scope is a 404 rather than a form error.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import DateField, DateTimeField, id_field
from qunfang.hotlines.models import MAX_CALL_MINUTES, Call, Line
from qunfang.relief.models import CareArrangement

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。")}
INVALID_DATETIME = {"invalid": _("请填写有效时间，如 2020-02-05 08:00。")}
REQUIRED = {"required": _("必填。")}


def _date(label, *, required: bool = True) -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        error_messages={**INVALID_DATE, **REQUIRED},
    )


def _datetime(label) -> forms.DateTimeField:
    return DateTimeField(
        label=label,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        error_messages={**INVALID_DATETIME, **REQUIRED},
    )


class PickerForm(forms.Form):
    """A form whose pickers get their options from the view (`options={field: choices}`)."""

    def __init__(self, *args, options: dict[str, list[tuple]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (options or {}).items():
            first = _("请选择") if self.fields[name].required else "—"
            self.fields[name].widget.choices = [("", first), *choices]


class WindowForm(forms.Form):
    start = _date(_("起始日期"), required=False)
    end = _date(_("截止日期"), required=False)


class LineForm(forms.Form):
    name = forms.CharField(label=_("热线名称"), max_length=100, error_messages=REQUIRED)
    number = forms.CharField(label=_("号码"), max_length=20, error_messages=REQUIRED)
    kind = forms.ChoiceField(label=_("类别"), choices=Line.Kind.choices, error_messages=REQUIRED)
    hours = forms.CharField(label=_("服务时间"), max_length=50, required=False, initial="24小时")
    opened_on = _date(_("开通日期"), required=False)


class ShiftForm(PickerForm):
    line = id_field(_("热线"))
    counsellor = id_field(_("值班咨询师"))
    starts_at = _datetime(_("开始时间"))
    ends_at = _datetime(_("结束时间"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class CallForm(PickerForm):
    line = id_field(_("热线"))
    place = id_field(_("来电所涉区域"))
    received_at = _datetime(_("来电时间"))
    duration_minutes = forms.IntegerField(
        label=_("通话时长（分钟）"),
        min_value=0,
        max_value=MAX_CALL_MINUTES,
        error_messages={
            **REQUIRED,
            "invalid": _("请填写整数分钟。"),
            "min_value": _("通话时长不能为负数。"),
            "max_value": _("通话时长不能超过 %(limit_value)s 分钟。"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    caller_type = forms.ChoiceField(
        label=_("来电人"), choices=Call.CallerType.choices, error_messages=REQUIRED
    )
    caller_phone = forms.CharField(
        label=_("来电号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    topic = forms.ChoiceField(label=_("主题"), choices=Call.Topic.choices, error_messages=REQUIRED)
    risk = forms.ChoiceField(
        label=_("风险等级"), choices=Call.Risk.choices, error_messages=REQUIRED
    )
    action = forms.ChoiceField(
        label=_("处置方式"),
        choices=[c for c in Call.Action.choices if c[0] != Call.Action.ESCALATED],
        error_messages=REQUIRED,
    )
    notes = forms.CharField(
        label=_("咨询记录"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up_due = _date(_("回访期限"), required=False)


class FollowUpForm(forms.Form):
    done_on = _date(_("回访日期"), required=False)
    note = forms.CharField(label=_("回访情况"), max_length=200, required=False)


class EscalationForm(PickerForm):
    village = id_field(_("儿童所在村（社区）"))
    child_name = forms.CharField(label=_("儿童姓名"), max_length=50, error_messages=REQUIRED)
    child_id_number = forms.CharField(label=_("儿童身份证号"), max_length=20, required=False)
    situation = forms.CharField(
        label=_("危险情况"),
        max_length=500,
        error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.ChoiceField(
        label=_("无人监护原因"), choices=CareArrangement.Reason.choices, error_messages=REQUIRED
    )
    carer_name = forms.CharField(label=_("临时照料人"), max_length=50, required=False)
    carer_phone = forms.CharField(
        label=_("照料人电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    place = forms.CharField(label=_("照料地点"), max_length=200, required=False)


class PlaceForm(forms.Form):
    child_id_number = forms.CharField(label=_("儿童身份证号"), max_length=20, required=False)
    carer_name = forms.CharField(label=_("临时照料人"), max_length=50, required=False)
    carer_phone = forms.CharField(label=_("照料人电话"), max_length=20, required=False)
    place = forms.CharField(label=_("照料地点"), max_length=200, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("结案说明"), max_length=200, required=False)
