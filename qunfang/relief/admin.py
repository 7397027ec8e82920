"""Back office for relief records: scoped like every admin, validated by the same rules as the
services, audited on save. Records of money and care given are corrected, never deleted here,
and encrypted phone numbers are neither shown nor edited (the pages set them)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability
from qunfang.relief import services
from qunfang.relief.models import AssistanceCase, CareArrangement, FamilyEvent, WeChatGroup


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service error keyed by page field names, keyed by the admin's field names instead."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): messages for field, messages in error.message_dict.items()}
    )


class AssistanceCaseAdminForm(forms.ModelForm):
    class Meta:
        model = AssistanceCase
        fields = [
            "household",
            "reason",
            "reason_detail",
            "form",
            "cash_amount",
            "in_kind_description",
            "granted_on",
            "paperwork_due",
            "paperwork_done_on",
        ]

    def clean(self) -> dict:
        data = super().clean()
        granted_on, due = data.get("granted_on"), data.get("paperwork_due")
        if granted_on is None or due is None:
            return data
        services.assistance_validate(
            reason=data.get("reason", ""),
            reason_detail=data.get("reason_detail", ""),
            form=data.get("form", ""),
            cash_amount=data.get("cash_amount"),
            in_kind_description=data.get("in_kind_description", ""),
            granted_on=granted_on,
            paperwork_due=due,
        )
        done_on = data.get("paperwork_done_on")
        if done_on is not None and done_on < granted_on:
            raise ValidationError({"paperwork_done_on": _(services.PAPERWORK_BEFORE_GRANT)})
        return data


class CareArrangementAdminForm(forms.ModelForm):
    class Meta:
        model = CareArrangement
        fields = [
            "person",
            "reason",
            "carer_name",
            "place",
            "start_date",
            "end_date",
            "status",
            "note",
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("person") is None or data.get("start_date") is None:
            return data
        services.care_validate(
            person=data["person"],
            reason=data.get("reason", ""),
            carer_name=data.get("carer_name", ""),
            place=data.get("place", ""),
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            status=data.get("status", ""),
            exclude_pk=self.instance.pk,
        )
        return data


class FamilyEventAdminForm(forms.ModelForm):
    class Meta:
        model = FamilyEvent
        fields = [
            "region",
            "household",
            "kind",
            "family_name",
            "original_date",
            "new_date",
            "expected_size",
            "status",
            "note",
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("region") is None or data.get("original_date") is None:
            return data
        try:
            services.family_event_validate(
                region=data["region"],
                household=data.get("household"),
                kind=data.get("kind", ""),
                family_name=data.get("family_name", ""),
                original_date=data["original_date"],
                new_date=data.get("new_date"),
                expected_size=data.get("expected_size"),
                status=data.get("status", ""),
            )
        except ValidationError as error:
            raise _renamed(error, {"village": "region"}) from None
        return data


class WeChatGroupAdminForm(forms.ModelForm):
    class Meta:
        model = WeChatGroup
        fields = ["region", "name", "admin_name", "members", "note"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("region") is None:
            return data
        try:
            services.wechat_group_validate(
                region=data["region"],
                name=data.get("name", ""),
                admin_name=data.get("admin_name", ""),
                members=data.get("members"),
            )
        except ValidationError as error:
            raise _renamed(error, {"village": "region"}) from None
        return data


class ReliefAdmin(ScopedModelAdmin):
    view_capability = Capability.VIEW_LEDGER
    edit_capability = Capability.EDIT_RECORDS
    audit_label = ""

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def prepare(self, request: HttpRequest, obj, change: bool) -> None:
        """Fill in what the form does not carry before the scope check and the save."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        self.prepare(request, obj, change)
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"{self.audit_label} {obj.pk}（后台）",
            region_code=obj.region.code,
            request=request,
            detail={"changed": form.changed_data},
        )


@admin.register(AssistanceCase)
class AssistanceCaseAdmin(ReliefAdmin):
    form = AssistanceCaseAdminForm
    audit_label = "临时救助"
    list_display = [
        "granted_on",
        "household",
        "region",
        "reason",
        "form",
        "cash_amount",
        "paperwork_due",
        "paperwork_done_on",
    ]
    list_filter = ["reason", "form", "granted_on"]
    list_select_related = ["household", "region"]
    search_fields = ["household__register_no", "region__name", "region__code"]
    raw_id_fields = ["household"]
    readonly_fields = ["region", "granted_by", "created_at", "updated_at"]
    date_hierarchy = "granted_on"

    def prepare(self, request: HttpRequest, obj, change: bool) -> None:
        obj.region = obj.household.region
        if not change:
            obj.granted_by = request.user


@admin.register(CareArrangement)
class CareArrangementAdmin(ReliefAdmin):
    form = CareArrangementAdminForm
    audit_label = "临时照料"
    list_display = [
        "start_date",
        "person",
        "region",
        "reason",
        "carer_name",
        "carer_phone_masked",
        "status",
        "end_date",
    ]
    list_filter = ["status", "reason"]
    list_select_related = ["person", "region"]
    search_fields = ["region__name", "region__code", "carer_name"]
    raw_id_fields = ["person"]
    readonly_fields = ["region", "carer_phone_masked", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The carer's phone is required and stored encrypted: new arrangements use the page.
        return False

    def prepare(self, request: HttpRequest, obj, change: bool) -> None:
        obj.region = obj.person.region


@admin.register(FamilyEvent)
class FamilyEventAdmin(ReliefAdmin):
    form = FamilyEventAdminForm
    audit_label = "婚丧事"
    list_display = [
        "original_date",
        "region",
        "kind",
        "family_name",
        "expected_size",
        "status",
        "new_date",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["region"]
    search_fields = ["family_name", "region__name", "region__code"]
    raw_id_fields = ["region", "household"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(WeChatGroup)
class WeChatGroupAdmin(ReliefAdmin):
    form = WeChatGroupAdminForm
    audit_label = "微信群"
    list_display = ["name", "region", "admin_name", "admin_phone_masked", "members"]
    list_select_related = ["region"]
    list_filter = ["created_at"]
    search_fields = ["name", "region__name", "region__code", "admin_name"]
    raw_id_fields = ["region"]
    readonly_fields = ["admin_phone_masked", "created_at", "updated_at"]
