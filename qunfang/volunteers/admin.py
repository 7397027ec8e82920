"""Back office for the Youth League line: scoped like every admin, audited on save. Records are
created on the pages (where the services validate them) and never deleted here; the admin only
corrects plain wording and flags. Sign-ups, check-ins and help needs are read-only: their
state changes only through the services, so the counts stay true. Encrypted numbers are
neither shown nor edited."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    CaringEnterprise,
    DisinfectionRound,
    HelpNeed,
    MedicFamily,
    Shift,
    SignUp,
    Team,
    Volunteer,
)


class YouthAdmin(ScopedModelAdmin):
    view_capability = Capability.MANAGE_VOLUNTEERS
    edit_capability = Capability.MANAGE_VOLUNTEERS
    audit_label = ""
    read_only = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if self.read_only:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=request.user,
            target=f"{self.audit_label} {obj.pk}（后台）",
            region_code=_region_code(obj),
            request=request,
            detail={"changed": form.changed_data},
        )


def _region_code(obj) -> str:
    if isinstance(obj, Assignment):
        return obj.shift.region.code
    return obj.region.code


@admin.register(Campaign)
class CampaignAdmin(YouthAdmin):
    audit_label = "招募令"
    list_display = ["title", "region", "starts_on", "ends_on", "is_open", "submitted", "merged"]
    list_filter = ["is_open"]
    list_select_related = ["region"]
    search_fields = ["title", "region__name"]
    fields = [
        "title",
        "description",
        "starts_on",
        "ends_on",
        "target",
        "is_open",
        "region",
        "consent",
        "submitted",
        "merged",
        "rejected",
        "rate_limited",
        "created_by",
    ]
    readonly_fields = [
        "region",
        "consent",
        "submitted",
        "merged",
        "rejected",
        "rate_limited",
        "created_by",
    ]


@admin.register(SignUp)
class SignUpAdmin(YouthAdmin):
    read_only = True
    list_display = ["name", "id_masked", "phone_masked", "region", "campaign", "status"]
    list_filter = ["status"]
    list_select_related = ["region", "campaign"]
    search_fields = ["name", "region__name"]
    fields = [
        "campaign",
        "name",
        "sex",
        "birth_date",
        "id_masked",
        "phone_masked",
        "region",
        "skills",
        "available_days",
        "available_slots",
        "health_declared",
        "health_note",
        "consent",
        "consented_at",
        "submissions",
        "status",
        "reject_reason",
        "vetted_by",
        "vetted_at",
        "volunteer",
    ]


@admin.register(Volunteer)
class VolunteerAdmin(YouthAdmin):
    audit_label = "志愿者"
    list_display = ["name", "id_masked", "phone_masked", "region", "team", "is_core", "status"]
    list_filter = ["status", "is_core"]
    list_select_related = ["region", "team"]
    search_fields = ["name", "region__name", "region__code"]
    fields = [
        "name",
        "id_masked",
        "phone_masked",
        "region",
        "grid",
        "team",
        "is_core",
        "status",
        "joined_on",
    ]
    readonly_fields = ["name", "id_masked", "phone_masked", "region", "grid", "team", "joined_on"]


@admin.register(Team)
class TeamAdmin(YouthAdmin):
    audit_label = "小分队"
    list_display = ["name", "kind", "region", "leader"]
    list_filter = ["kind"]
    list_select_related = ["region", "leader"]
    search_fields = ["name", "region__name"]
    fields = ["name", "kind", "region", "leader"]
    readonly_fields = ["region", "leader"]


class ShiftAdminForm(forms.ModelForm):
    class Meta:
        model = Shift
        fields = ["place", "needed", "note"]

    def clean_needed(self) -> int:
        needed = self.cleaned_data["needed"]
        assigned = self.instance.assignments.count() if self.instance.pk else 0
        if needed < max(assigned, 1):
            raise ValidationError(
                _("已安排%(n)s人，需要人数不能少于已安排人数。") % {"n": assigned}
            )
        return needed


@admin.register(Shift)
class ShiftAdmin(YouthAdmin):
    form = ShiftAdminForm
    audit_label = "值守班次"
    list_display = ["starts_at", "ends_at", "category", "place", "region", "needed"]
    list_filter = ["category"]
    list_select_related = ["region"]
    search_fields = ["place", "region__name"]
    fields = ["category", "region", "starts_at", "ends_at", "place", "needed", "note", "skills"]
    readonly_fields = ["category", "region", "starts_at", "ends_at", "skills"]
    date_hierarchy = "starts_at"


@admin.register(Assignment)
class AssignmentAdmin(YouthAdmin):
    read_only = True
    list_display = ["volunteer", "shift", "checked_in_at", "checked_out_at"]
    list_select_related = ["volunteer", "shift", "shift__region"]
    search_fields = ["volunteer__name", "shift__place"]
    fields = [
        "shift",
        "volunteer",
        "starts_at",
        "ends_at",
        "assigned_by",
        "checked_in_at",
        "checked_in_by",
        "checked_out_at",
        "checked_out_by",
    ]


@admin.register(DisinfectionRound)
class DisinfectionRoundAdmin(YouthAdmin):
    audit_label = "消杀任务"
    list_display = ["scheduled_on", "place", "region", "squad", "done_at"]
    list_select_related = ["region", "squad"]
    search_fields = ["place", "region__name"]
    fields = ["place", "region", "scheduled_on", "squad", "equipment", "done_at", "done_by", "note"]
    readonly_fields = ["region", "scheduled_on", "squad", "equipment", "done_at", "done_by"]
    date_hierarchy = "scheduled_on"


@admin.register(CaringEnterprise)
class CaringEnterpriseAdmin(YouthAdmin):
    audit_label = "爱心企业"
    list_display = ["name", "region", "offers", "contact_name", "contact_phone_masked", "joined_on"]
    list_select_related = ["region"]
    search_fields = ["name", "offers"]
    fields = ["name", "offers", "contact_name", "contact_phone_masked", "region", "joined_on"]
    readonly_fields = ["contact_phone_masked", "region", "joined_on"]


@admin.register(MedicFamily)
class MedicFamilyAdmin(YouthAdmin):
    audit_label = "援鄂医护人员家庭"
    list_display = ["medic_name", "medic_unit", "deployed_to", "region", "contact_phone_masked"]
    list_select_related = ["region"]
    search_fields = ["medic_name", "medic_unit", "region__name"]
    fields = [
        "medic_name",
        "medic_unit",
        "deployed_to",
        "contact_name",
        "contact_phone_masked",
        "address",
        "note",
        "region",
    ]
    readonly_fields = ["contact_phone_masked", "region"]


@admin.register(HelpNeed)
class HelpNeedAdmin(YouthAdmin):
    read_only = True
    list_display = ["family", "kind", "status", "requested_on", "volunteer", "enterprise"]
    list_filter = ["kind", "status"]
    list_select_related = ["family", "volunteer", "enterprise"]
    fields = [
        "family",
        "region",
        "kind",
        "description",
        "requested_on",
        "status",
        "volunteer",
        "enterprise",
        "matched_at",
        "done_at",
        "result",
    ]
