"""Forms parse what a page posts; the services decide whether it is acceptable."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import COUNT_MAX, COUNT_MIN, TOO_LARGE, TOO_SMALL, DateField
from qunfang.publicity.models import Channel, MaterialKind, PressLevel

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
INVALID_DATE = {"invalid": _("请填写有效日期，如 2020-02-03。"), "required": _("必填。")}
WHOLE = {"invalid": _("请填写整数，不能有小数。"), "required": _("必填。")}
REQUIRED = {"required": _("必填。")}


def _date(label) -> forms.DateField:
    return DateField(label=label, widget=DATE_INPUT, error_messages=INVALID_DATE)


def _count(label, *, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        initial=0 if not required else None,
        min_value=0,
        max_value=COUNT_MAX,
        error_messages={**WHOLE, "min_value": _("不能为负数。"), **TOO_LARGE},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )


class WindowForm(forms.Form):
    start = DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    end = DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)


class AnnouncementForm(forms.Form):
    series = forms.ChoiceField(label=_("公告系列"), required=False)
    new_series = forms.CharField(
        label=_("或新建系列"),
        required=False,
        max_length=100,
        help_text=_("如：疫情防控指挥部通告"),
    )
    number = forms.IntegerField(
        label=_("期号（第N号）"),
        required=False,
        min_value=COUNT_MIN,
        max_value=COUNT_MAX,
        error_messages={**WHOLE, **TOO_LARGE, **TOO_SMALL},
        help_text=_("留空则自动取下一期"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )
    title = forms.CharField(label=_("标题"), max_length=200, error_messages=REQUIRED)
    body = forms.CharField(
        label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    channels = forms.MultipleChoiceField(
        label=_("发布渠道"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个发布渠道。")},
    )

    def __init__(self, *args, series_choices: list[tuple] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = [("", "—"), *series_choices]


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices)


class PressForm(forms.Form):
    outlet = forms.CharField(label=_("媒体"), max_length=100, error_messages=REQUIRED)
    level = forms.ChoiceField(label=_("媒体级别"), choices=PressLevel.choices)
    title = forms.CharField(label=_("标题"), max_length=200, error_messages=REQUIRED)
    published_on = _date(_("刊发日期"))
    url = forms.URLField(
        label=_("链接"),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": _("请填写完整网址，如 https://www.xinhuanet.com/…")},
    )


class ArticleForm(forms.Form):
    account = forms.CharField(label=_("公众号/平台"), max_length=100, error_messages=REQUIRED)
    title = forms.CharField(label=_("标题"), max_length=200, error_messages=REQUIRED)
    published_on = _date(_("发布日期"))
    reads = _count(_("阅读量"))
    reprints = _count(_("上级媒体转载次数"))
    reprinted_by = forms.CharField(label=_("转载媒体"), max_length=200, required=False)


class ArticleCountsForm(forms.Form):
    reads = _count(_("阅读量"), required=True)
    reprints = _count(_("上级媒体转载次数"), required=True)


class MaterialForm(forms.Form):
    region = forms.ChoiceField(label=_("发放区域"))
    kind = forms.ChoiceField(label=_("材料类别"), choices=MaterialKind.choices)
    title = forms.CharField(
        label=_("材料名称"),
        max_length=200,
        required=False,
        help_text=_("如：致广大市民朋友的一封信"),
    )
    quantity = _count(_("数量"), required=True)
    distributed_on = _date(_("发放日期"))

    def __init__(self, *args, regions: list[tuple] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class ExpertForm(forms.Form):
    topic = forms.CharField(label=_("主题"), max_length=200, error_messages=REQUIRED)
    expert = forms.CharField(label=_("专家"), max_length=100, error_messages=REQUIRED)
    expert_org = forms.CharField(label=_("专家单位"), max_length=100, required=False)
    aired_on = _date(_("直播日期"))
    platform = forms.CharField(
        label=_("播出平台"),
        max_length=200,
        error_messages=REQUIRED,
        help_text=_("如：XXTV1、FM、网络直播平台"),
    )
    viewers = _count(_("收看人次"))
