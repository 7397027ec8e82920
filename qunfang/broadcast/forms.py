"""Forms parse what a page posts; the services decide whether it is acceptable."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.broadcast.models import Fault, WorkOrder
from qunfang.core.formfields import DateField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。"), "required": _("必填。")}
REQUIRED = {"required": _("必填。")}


class WindowForm(forms.Form):
    start = DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    end = DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("什么情况"),
        choices=Fault.Kind.choices,
        initial=Fault.Kind.SILENT,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择故障类别。"), "invalid_choice": _("请选择故障类别。")},
    )
    description = forms.CharField(
        label=_("补充说明"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：早上 7 点没有播放，电源线被拔掉"),
    )


class TerminalForm(forms.Form):
    region = forms.ChoiceField(label=_("村（社区）"))
    code = forms.CharField(label=_("终端编号"), max_length=40, error_messages=REQUIRED)
    location = forms.CharField(label=_("安装位置"), max_length=200, error_messages=REQUIRED)
    model = forms.CharField(label=_("型号"), max_length=100, required=False)
    monitored = forms.BooleanField(label=_("在线监测（有心跳）"), required=False, initial=True)
    installed_on = DateField(
        label=_("安装日期"), required=False, widget=DATE_INPUT, error_messages=INVALID_DATE
    )

    def __init__(self, *args, villages: list[tuple] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = villages


class ProgrammeForm(forms.Form):
    title = forms.CharField(label=_("节目名称"), max_length=200, error_messages=REQUIRED)
    content = forms.CharField(
        label=_("播出内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    schedule = forms.CharField(
        label=_("每日播出时间"),
        max_length=300,
        error_messages={"required": _("请至少安排一个每日播出时间。")},
        help_text=_("用逗号或空格分隔，如：07:00, 12:00, 18:30"),
    )
    start_date = DateField(label=_("开始日期"), widget=DATE_INPUT, error_messages=INVALID_DATE)
    end_date = DateField(
        label=_("结束日期"), required=False, widget=DATE_INPUT, error_messages=INVALID_DATE
    )


class DispatchForm(forms.Form):
    team = forms.ChoiceField(label=_("维修力量"), choices=WorkOrder.Team.choices)
    assignee = forms.ChoiceField(label=_("负责人"), required=False)
    crew = forms.CharField(
        label=_("维修人员"),
        max_length=200,
        required=False,
        help_text=_("如：镇里电工老王、升降车一台"),
    )

    def __init__(self, *args, repairers: list[tuple] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), *repairers]


class CloseForm(forms.Form):
    cause = forms.ChoiceField(
        label=_("查明原因"),
        choices=Fault.Kind.choices,
        error_messages={"required": _("请选择查明的故障原因。")},
    )
    note = forms.CharField(label=_("维修记录"), max_length=300, required=False)
