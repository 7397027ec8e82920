from django import forms
from django.utils.translation import gettext_lazy as _

from qunfang.org.models import Membership
from qunfang.org.roles import Role
from qunfang.org.services import membership_validate


class GridForm(forms.Form):
    name = forms.CharField(label=_("网格名称"), max_length=100)


class RegionSwitchForm(forms.Form):
    code = forms.CharField(max_length=15)
    next = forms.CharField(max_length=500, required=False)


class MembershipFilterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("角色"), choices=[("", _("全部角色")), *Role.choices], required=False
    )


class MembershipAdminForm(forms.ModelForm):
    """The admin's membership form applies the same rules as the membership service."""

    class Meta:
        model = Membership
        fields = ["user", "region", "department", "role", "is_active"]

    def clean(self) -> dict:
        cleaned = super().clean()
        region, role = cleaned.get("region"), cleaned.get("role")
        if region is not None and role:
            membership_validate(region=region, role=role, department=cleaned.get("department"))
        return cleaned
