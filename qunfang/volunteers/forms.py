"""Forms parse what a page posts; the services decide whether it is acceptable.

Pickers post a primary key (or a region code) that the view resolves through
org.access.access_object, so a key outside the user's scope is a 404 rather than a form error.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import COUNT_MAX, TOO_LARGE, DateField, DateTimeField, id_field
from qunfang.volunteers.models import Category, Equipment, HelpNeed, Skill, Slot, Team, Weekday

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。")}
INVALID_DATETIME = {"invalid": _("请填写有效时间，如 2020-02-03 08:00。")}
REQUIRED = {"required": _("必填。")}
WHOLE_NUMBER = {"invalid": _("请填写整数，不能有小数。")}
PICK = {"required": _("请选择。"), "invalid": _("请选择。")}


def _date(label, *, required: bool = True) -> forms.DateField:
    return DateField(
        label=label, required=required, widget=DATE_INPUT, error_messages=INVALID_DATE | REQUIRED
    )


def _datetime(label) -> forms.DateTimeField:
    return DateTimeField(
        label=label, widget=DATETIME_INPUT, error_messages=INVALID_DATETIME | REQUIRED
    )


def _checkboxes(label, choices, *, required: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请从列表中选择。"), **REQUIRED},
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


class SignUpForm(forms.Form):
    """The public sign-up. Every field is checked by services.signup_validate, which gives the
    messages; the form only draws the page and keeps what was typed."""

    name = forms.CharField(
        label=_("姓名"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    region = forms.ChoiceField(label=_("所在村（社区）"), required=False)
    skills = _checkboxes(_("特长（可多选）"), Skill.choices)
    days = _checkboxes(_("可服务日"), Weekday.choices)
    slots = _checkboxes(_("可服务时段"), Slot.choices)
    health_declared = forms.BooleanField(
        label=_(
            "本人承诺：目前无发热、咳嗽、乏力等症状，14天内无中高风险地区旅居史，"
            "未接触确诊或疑似病例。"
        ),
        required=False,
    )
    health_note = forms.CharField(label=_("健康情况说明（可不填）"), max_length=200, required=False)
    consent = forms.BooleanField(label=_("我已阅读并同意上述个人信息使用说明"), required=False)
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False)
    # A field people never see; software that fills every field fills it (honeypot).
    website = forms.CharField(
        label=_("网址（请勿填写）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, region_choices: list | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("请选择")), *(region_choices or [])]


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100, error_messages=REQUIRED)
    description = forms.CharField(
        label=_("招募说明"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("截止日期"))
    target = forms.IntegerField(
        label=_("计划招募人数"),
        min_value=0,
        max_value=COUNT_MAX,
        initial=0,
        error_messages=WHOLE_NUMBER | REQUIRED | TOO_LARGE,
    )


class VetForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("通过")), ("reject", _("不通过"))], error_messages=PICK
    )
    reason = forms.CharField(label=_("未通过原因"), max_length=200, required=False)


class VolunteerForm(PickerForm):
    team = id_field(_("小分队"), required=False)
    is_core = forms.BooleanField(label=_("骨干"), required=False)
    grid = id_field(_("编入网格"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("active", _("在岗")), ("inactive", _("暂停服务"))],
        error_messages=PICK,
    )
    username = forms.CharField(
        label=_("登录账号（用于手机签到，可不填）"), max_length=150, required=False
    )


class TeamForm(PickerForm):
    region = forms.CharField(label=_("所属区域"), widget=forms.Select, error_messages=PICK)
    name = forms.CharField(label=_("名称"), max_length=100, error_messages=REQUIRED)
    kind = forms.ChoiceField(label=_("类型"), choices=Team.Kind.choices, error_messages=PICK)


class LeaderForm(PickerForm):
    leader = id_field(_("队长"), required=False)


class ShiftForm(PickerForm):
    region = forms.CharField(label=_("所在区域"), widget=forms.Select, error_messages=PICK)
    category = forms.ChoiceField(label=_("服务类别"), choices=Category.choices, error_messages=PICK)
    place = forms.CharField(label=_("地点"), max_length=100, error_messages=REQUIRED)
    starts_at = _datetime(_("开始时间"))
    ends_at = _datetime(_("结束时间"))
    needed = forms.IntegerField(
        label=_("需要人数"),
        min_value=1,
        max_value=COUNT_MAX,
        error_messages=WHOLE_NUMBER | REQUIRED | TOO_LARGE,
    )
    skills = _checkboxes(_("所需特长"), Skill.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class AssignForm(PickerForm):
    volunteer = id_field(_("志愿者"))


class RoundScheduleForm(PickerForm):
    region = forms.CharField(label=_("所在区域"), widget=forms.Select, error_messages=PICK)
    squad = id_field(_("消杀小队"))
    places = forms.CharField(
        label=_("消杀地点（每行一个）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=REQUIRED,
    )
    start = _date(_("开始日期"))
    days = forms.IntegerField(
        label=_("连续天数"), min_value=1, max_value=31, initial=7, error_messages=WHOLE_NUMBER
    )
    equipment = _checkboxes(_("使用设备"), Equipment.choices, required=True)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class RoundDoneForm(forms.Form):
    volunteers = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])
    note = forms.CharField(max_length=200, required=False)


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=100, error_messages=REQUIRED)
    offers = forms.CharField(label=_("提供的帮助"), max_length=200, error_messages=REQUIRED)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, error_messages=REQUIRED)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    joined_on = _date(_("加入日期"))


class FamilyForm(PickerForm):
    region = forms.CharField(label=_("所在村（社区）"), widget=forms.Select, error_messages=PICK)
    medic_name = forms.CharField(label=_("医护人员姓名"), max_length=50, error_messages=REQUIRED)
    medic_unit = forms.CharField(label=_("工作单位"), max_length=100, error_messages=REQUIRED)
    deployed_to = forms.CharField(label=_("支援地"), max_length=100, error_messages=REQUIRED)
    contact_name = forms.CharField(label=_("家属联系人"), max_length=50, error_messages=REQUIRED)
    contact_phone = forms.CharField(
        label=_("家属电话"),
        max_length=20,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
    note = forms.CharField(label=_("家庭情况"), max_length=200, required=False)


class NeedForm(PickerForm):
    family = id_field(_("家庭"))
    kind = forms.ChoiceField(
        label=_("需求类型"), choices=HelpNeed.Kind.choices, error_messages=PICK
    )
    description = forms.CharField(label=_("需求内容"), max_length=200, error_messages=REQUIRED)
    requested_on = _date(_("提出日期"))


class MatchForm(forms.Form):
    volunteer = id_field(None, required=False)
    enterprise = id_field(None, required=False)


class NeedDoneForm(forms.Form):
    result = forms.CharField(label=_("完成情况"), max_length=200, required=False)
