import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qunfang.core.formfields import DateField
from qunfang.residents.models import Alert, HealthCheck, Tag
from qunfang.residents.rules import TEMPERATURE_RANGE


class HealthCheckForm(forms.Form):
    method = forms.ChoiceField(label=_("方式"), choices=HealthCheck.Method.choices)
    temperature = forms.DecimalField(
        label=_("体温（℃）"),
        required=False,
        max_digits=3,
        decimal_places=1,
        min_value=TEMPERATURE_RANGE[0],
        max_value=TEMPERATURE_RANGE[1],
        error_messages={
            "invalid": _("体温请填数字，如 36.5"),
            "min_value": _("体温应在 34.0–43.0 ℃ 之间"),
            "max_value": _("体温应在 34.0–43.0 ℃ 之间"),
            # Three digits in all: 36.55 breaks this before the decimal-places rule is read.
            "max_digits": _("体温保留一位小数，如 36.5"),
            "max_decimal_places": _("体温保留一位小数，如 36.5"),
        },
    )
    fever = forms.BooleanField(label=_("发热"), required=False)
    cough = forms.BooleanField(label=_("咳嗽"), required=False)
    fatigue = forms.BooleanField(label=_("乏力"), required=False)
    sore_throat = forms.BooleanField(label=_("咽痛"), required=False)
    other_symptom = forms.CharField(label=_("其他症状"), required=False, max_length=100)


class AlertTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Alert.Status.choices)
    note = forms.CharField(required=False, max_length=300)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看原因"), max_length=200)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 2:
            raise ValidationError(_("请写明查看完整信息的原因"))
        return reason


class PersonFilterForm(forms.Form):
    tag = forms.ChoiceField(
        label=_("困难类别"), choices=[("", _("全部")), *Tag.Kind.choices], required=False
    )
    q = forms.CharField(label=_("姓名或户号"), required=False, max_length=50)


class ImportForm(forms.Form):
    ledger = forms.ChoiceField(label=_("台账"))
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))
    valid_only = forms.BooleanField(
        label=_("只导入正确的行（有错的行列出，其余照常导入）"), required=False
    )

    def __init__(self, *args, ledgers: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ledger"].choices = ledgers


class AuditForm(forms.Form):
    days = forms.IntegerField(label=_("未巡查天数"), min_value=1, max_value=90, required=False)


class PeriodForm(forms.Form):
    """A reporting period; by default the last seven days up to today."""

    start = DateField(label=_("开始日期"), required=False)
    end = DateField(label=_("结束日期"), required=False)

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=6)
        if start > end:
            start, end = end, start
        return start, end
