"""Forms parse what a page posts; services decide whether it is acceptable."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import DateField, DateTimeField, id_field
from qunfang.opinion.models import RiskCategory, RiskLevel, Sentiment, Source

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FeedForm(forms.Form):
    """The feed's filters; every field optional, bad values are ignored with a message."""

    region = forms.ChoiceField(label=_("区域"), required=False)
    source = forms.TypedChoiceField(label=_("信息源"), required=False, coerce=int, empty_value=None)
    since = DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    until = DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)
    sentiment = forms.ChoiceField(
        label=_("情感"), required=False, choices=[("", _("全部")), *Sentiment.choices]
    )
    risk = forms.ChoiceField(
        label=_("风险"),
        required=False,
        choices=[("", _("全部")), ("elevated", _("中高风险")), *RiskLevel.choices],
    )
    category = forms.ChoiceField(
        label=_("风险类别"),
        required=False,
        choices=[("", _("全部")), *RiskCategory.choices],
    )
    scheme = forms.TypedChoiceField(
        label=_("监测方案"), required=False, coerce=int, empty_value=None
    )
    event = id_field(_("事件"), required=False, widget=forms.HiddenInput)
    epidemic = forms.NullBooleanField(
        label=_("涉疫"),
        required=False,
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )
    local = forms.NullBooleanField(
        label=_("涉本地"),
        required=False,
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )
    q = forms.CharField(label=_("包含文字"), required=False, max_length=50)

    def __init__(self, *args, regions=(), sources=(), schemes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("全部"))] + [(r.code, r.name) for r in regions]
        self.fields["source"].choices = [("", _("全部"))] + [(s.pk, s.name) for s in sources]
        self.fields["scheme"].choices = [("", _("全部"))] + [(s.pk, s.name) for s in schemes]


class SchemeForm(forms.Form):
    region = forms.ChoiceField(label=_("所属区域"))
    name = forms.CharField(label=_("方案名称"), max_length=100)
    expression = forms.CharField(
        label=_("表达式"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        max_length=4000,
        help_text=_(
            "用 AND、OR、NOT 和括号组合关键词，如：(泽州 OR 晋城) AND (疫情 OR 确诊) NOT 演习；"
            "NEAR/5(封村, 泽州) 表示两词相距不超过 5 个字。"
        ),
    )
    category = forms.ChoiceField(
        label=_("风险类别"),
        required=False,
        choices=[("", _("无（只做监测）")), *RiskCategory.choices],
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    sample = forms.CharField(
        label=_("测试文本"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, regions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]


class SourceForm(forms.Form):
    region = forms.ChoiceField(label=_("所属区域"))
    name = forms.CharField(label=_("名称"), max_length=100)
    platform = forms.ChoiceField(label=_("平台"), choices=Source.Platform.choices)
    account = forms.CharField(label=_("账号"), max_length=100, required=False)
    url = forms.URLField(label=_("网址"), max_length=500, required=False, assume_scheme="https")
    feed_url = forms.URLField(
        label=_("RSS/Atom 地址"), max_length=500, required=False, assume_scheme="https"
    )

    def __init__(self, *args, regions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件（CSV 或 JSONL，可 .gz 压缩）"),
        error_messages={"required": _("请选择文件。"), "empty": _("文件是空的。")},
    )


class TicketForm(forms.Form):
    title = forms.CharField(label=_("督办事项"), max_length=200)
    detail = forms.CharField(
        label=_("督办要求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    department = forms.TypedChoiceField(label=_("承办部门"), coerce=int)
    owner = forms.TypedChoiceField(label=_("承办人"), coerce=int)
    deadline = DateTimeField(
        label=_("办理时限"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("请填写有效时间，如 2020-02-03 18:00。")},
    )

    def __init__(self, *args, departments=(), owners=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            (d.pk, f"{d.region.name} {d.name}") for d in departments
        ]
        self.fields["owner"].choices = [(u.pk, u.get_full_name() or u.username) for u in owners]
        if not self.is_bound:
            self.initial.setdefault(
                "deadline",
                (timezone.localtime() + dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M"),
            )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DebunkForm(forms.Form):
    region = forms.ChoiceField(label=_("所属区域"))
    claim = forms.CharField(label=_("谣言内容"), widget=forms.Textarea(attrs={"rows": 2}))
    rebuttal = forms.CharField(
        label=_("辟谣说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    authority = forms.CharField(label=_("发布机构"), max_length=100, required=False)
    source = forms.CharField(label=_("辟谣来源"), max_length=200, required=False)
    published_on = DateField(
        label=_("辟谣日期"),
        required=False,
        widget=DATE_INPUT,
        error_messages={"invalid": _("请填写有效日期，如 2020-02-03。")},
    )
    url = forms.URLField(label=_("链接"), max_length=500, required=False, assume_scheme="https")
    variants = forms.CharField(
        label=_("其他说法（每行一条）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, regions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
