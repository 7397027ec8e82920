from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.org.roles import Role


class GridForm(forms.Form):
    name = forms.CharField(label=_("网格名称"), max_length=100)


class RegionSwitchForm(forms.Form):
    code = forms.CharField(max_length=15)
    next = forms.CharField(max_length=500, required=False)


class MembershipFilterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("角色"), choices=[("", _("全部角色")), *Role.choices], required=False
    )
