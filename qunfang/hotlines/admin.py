"""Back office for the hotline records: scoped like every admin, audited on save. Encrypted
phone numbers and notes are neither shown nor edited here (the pages set and read them), and
calls are corrected, never deleted."""

from django.contrib import admin
from django.http import HttpRequest

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.hotlines.models import Call, Escalation, Line, Shift
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability


class HotlineAdmin(ScopedModelAdmin):
    view_capability = Capability.HANDLE_HOTLINE
    edit_capability = Capability.HANDLE_HOTLINE
    audit_label = ""

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"{self.audit_label} {obj.pk}（后台）",
            region_code=obj.region.code,
            request=request,
            detail={"changed": form.changed_data},
        )


@admin.register(Line)
class LineAdmin(HotlineAdmin):
    audit_label = "热线"
    list_display = ["number", "name", "kind", "region", "hours", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["region"]
    search_fields = ["name", "number"]
    raw_id_fields = ["region"]


@admin.register(Shift)
class ShiftAdmin(HotlineAdmin):
    audit_label = "热线值班"
    list_display = ["starts_at", "ends_at", "counsellor", "line", "region"]
    list_select_related = ["counsellor", "line", "region"]
    fields = ["note"]
    readonly_fields = ["starts_at", "ends_at", "counsellor", "line", "region"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Overlaps are checked under a lock by the service: new shifts use the page.
        return False


@admin.register(Call)
class CallAdmin(HotlineAdmin):
    audit_label = "热线来电"
    list_display = [
        "received_at",
        "line",
        "region",
        "caller_type",
        "caller_phone_masked",
        "topic",
        "risk",
        "action",
        "follow_up_due",
        "follow_up_done_on",
    ]
    list_filter = ["risk", "topic", "line"]
    list_select_related = ["line", "region"]
    date_hierarchy = "received_at"
    fields = [
        "line",
        "region",
        "received_at",
        "duration_minutes",
        "caller_type",
        "caller_phone_masked",
        "topic",
        "risk",
        "action",
        "follow_up_due",
        "follow_up_done_on",
        "follow_up_note",
    ]
    readonly_fields = ["line", "region", "received_at", "caller_phone_masked", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(HotlineAdmin):
    audit_label = "困境儿童转介"
    list_display = ["created_at", "child_name", "child_id_masked", "region", "status", "care"]
    list_filter = ["status"]
    list_select_related = ["region", "care"]
    fields = ["child_name", "child_id_masked", "region", "situation", "reason", "status", "care"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
