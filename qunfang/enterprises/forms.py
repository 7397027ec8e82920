"""Forms parse what a page posts; the services decide whether it is acceptable. Pickers post
a primary key that the view resolves among the rows the user may see (404 otherwise)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import COUNT_MAX, TOO_LARGE, DateField, id_field
from qunfang.core.idcard import parse_phone
from qunfang.enterprises.models import Application, Enterprise, Problem
from qunfang.enterprises.services import APPLICANT_NAME, NAME_PATTERN

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。")}
REQUIRED = {"required": _("必填。")}
WHOLE = {"invalid": _("请填写整数，不能有小数。")}


def _date(label, *, required: bool = True) -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        error_messages={**INVALID_DATE, **REQUIRED},
    )


def _whole(label, *, required: bool = True, **kwargs) -> forms.IntegerField:
    kwargs.setdefault("max_value", COUNT_MAX)
    return forms.IntegerField(
        label=label,
        required=required,
        error_messages={**WHOLE, **REQUIRED, "min_value": _("不能为负数。"), **TOO_LARGE},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
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


class EnterpriseForm(PickerForm):
    name = forms.CharField(label=_("企业名称"), max_length=100, error_messages=REQUIRED)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, error_messages=REQUIRED
    )
    place = id_field(_("所在区域"))
    industry = forms.ChoiceField(
        label=_("行业"), choices=Enterprise.Industry.choices, error_messages=REQUIRED
    )
    size = forms.ChoiceField(
        label=_("规模"), choices=Enterprise.Size.choices, error_messages=REQUIRED
    )
    employees = _whole(_("职工人数"), min_value=0)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, error_messages=REQUIRED)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    work_group = id_field(_("对口服务工作组"), required=False)


class AssignForm(forms.Form):
    work_group = id_field(required=False)


class VisitForm(PickerForm):
    visited_on = _date(_("走访日期"))
    visitors = forms.CharField(label=_("走访人员"), max_length=200, error_messages=REQUIRED)
    work_group = id_field(_("工作组"), required=False)
    notes = forms.CharField(
        label=_("走访情况"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProblemForm(PickerForm):
    category = forms.ChoiceField(
        label=_("问题类别"), choices=Problem.Category.choices, error_messages=REQUIRED
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=500,
        error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    raised_on = _date(_("提出日期"))
    visit = id_field(_("走访"), required=False)


class SolveForm(forms.Form):
    resolution = forms.CharField(label=_("解决情况"), max_length=500, required=False)
    solved_on = _date(_("解决日期"), required=False)


class ResumptionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("复工状态"), choices=Enterprise.Resumption.choices, error_messages=REQUIRED
    )
    reported_on = _date(_("日期"))
    workers_back = _whole(_("返岗人数"), min_value=0)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class FairForm(PickerForm):
    title = forms.CharField(label=_("招聘会名称"), max_length=100, error_messages=REQUIRED)
    organiser = id_field(_("主办单位"), required=False)
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"))
    description = forms.CharField(
        label=_("简介"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    publish = forms.BooleanField(label=_("立即发布"), required=False)


class EntryForm(PickerForm):
    enterprise = id_field(_("企业"))


class VetForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(max_length=200, required=False)


class PositionForm(forms.Form):
    title = forms.CharField(label=_("岗位名称"), max_length=100, error_messages=REQUIRED)
    headcount = _whole(_("招聘人数"), min_value=1)
    salary_min = _whole(_("月薪下限（元）"), min_value=0)
    salary_max = _whole(_("月薪上限（元）"), min_value=0)
    place = forms.CharField(label=_("工作地点"), max_length=100, error_messages=REQUIRED)
    requirements = forms.CharField(
        label=_("任职要求"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApplicationStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Application.Status.choices)


class ApplyForm(forms.Form):
    """The public application form. `website` is a honeypot: people never see it."""

    name = forms.CharField(
        label=_("姓名"),
        max_length=30,
        error_messages={"required": _("请填写姓名。"), "max_length": _("姓名最多 30 个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        error_messages={"required": _("请填写手机号。"), "max_length": _("手机号格式不正确。")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    age = forms.IntegerField(
        label=_("年龄"),
        required=False,
        min_value=0,
        max_value=200,
        error_messages={
            "invalid": _("年龄请填整数。"),
            "min_value": _("年龄请填整数。"),
            "max_value": _("年龄请填整数。"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    experience = forms.CharField(
        label=_("工作经历/特长"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("工作经历/特长最多 300 个字。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_("我同意将以上信息提供给招聘企业和主办单位，仅用于本次招聘。"),
        error_messages={"required": _("请勾选同意后再提交。")},
    )
    website = forms.CharField(required=False, label=_("网址（请留空）"))

    def clean_phone(self) -> str:
        # Checked here as well as in the service, so that every mistake shows at once.
        try:
            return parse_phone(self.cleaned_data["phone"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not NAME_PATTERN.match(name):
            raise forms.ValidationError(gettext(APPLICANT_NAME))
        return name
