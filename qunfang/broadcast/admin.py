"""Back office for the loudspeaker network: scoped like every admin, audited on save, never
deleted here. Faults and repair orders change state on the pages (services keep their times
and the terminal's status consistent), so the admin shows them read-only."""

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qunfang.broadcast.models import Fault, Programme, Terminal, WorkOrder
from qunfang.broadcast.services import SCHEDULE_SEPARATORS, schedule_parse
from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability


class BroadcastAdmin(ScopedModelAdmin):
    view_capability = Capability.MANAGE_PUBLICITY
    edit_capability = Capability.MANAGE_PUBLICITY
    list_select_related = ["region"]
    raw_id_fields = ["region"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"{obj._meta.verbose_name} {obj.pk}（后台）",
            region_code=obj.region.code,
            request=request,
            detail={"changed": form.changed_data},
        )


@admin.register(Terminal)
class TerminalAdmin(BroadcastAdmin):
    list_display = ["code", "region", "location", "model", "status", "last_heartbeat_at"]
    list_filter = ["status", "monitored"]
    search_fields = ["code", "location", "region__name"]
    readonly_fields = ["status", "last_heartbeat_at", "last_reported_at", "created_at"]


class ProgrammeAdminForm(forms.ModelForm):
    """The daily play times typed as on the programme page ("07:00, 12:00, 18:30"). The model
    field is JSON, and Django's JSON box let a 5,000-digit number through to json's int()
    (a server error)."""

    schedule = forms.CharField(
        label=_("每日播出时间"),
        max_length=300,
        help_text=_("用逗号或空格分隔，如：07:00, 12:00, 18:30"),
    )

    class Meta:
        model = Programme
        fields = ["region", "title", "content", "schedule", "start_date", "end_date"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["schedule"] = ", ".join(self.instance.schedule or [])

    def clean_schedule(self) -> list[str]:
        try:
            return schedule_parse(re.split(SCHEDULE_SEPARATORS, self.cleaned_data["schedule"]))
        except ValidationError as error:
            # The service names its field; a field's own clean must raise plain messages, or
            # Django raises TypeError (a server error) instead of showing them.
            raise ValidationError(error.messages) from None


@admin.register(Programme)
class ProgrammeAdmin(BroadcastAdmin):
    form = ProgrammeAdminForm
    list_display = ["title", "region", "start_date", "end_date", "plays_per_day"]
    search_fields = ["title"]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(BroadcastAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Fault)
class FaultAdmin(ReadOnlyAdmin):
    list_display = ["terminal", "region", "source", "kind", "status", "reported_at", "closed_at"]
    list_filter = ["status", "source", "kind"]
    list_select_related = ["terminal", "region"]
    search_fields = ["terminal__code", "region__name"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "fault",
        "region",
        "team",
        "status",
        "assigned_at",
        "responded_at",
        "repaired_at",
    ]
    list_filter = ["status", "team"]
    list_select_related = ["fault", "fault__terminal", "region"]
    search_fields = ["fault__terminal__code", "crew"]
