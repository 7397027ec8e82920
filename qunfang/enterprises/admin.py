"""Back office for enterprise service and the job fair: scoped like every admin, audited on
save. Credit codes and encrypted phone numbers are set by the pages (checked there) and only
shown here; applications are never deleted from the back office."""

from django.contrib import admin
from django.http import HttpRequest

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.enterprises.models import (
    Application,
    Enterprise,
    FairEntry,
    JobFair,
    Position,
    Problem,
    Visit,
)
from qunfang.org.access import scope_path_of
from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability


def _region_code(obj) -> str:
    value = obj
    for part in scope_path_of(type(obj)).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


class EnterpriseLineAdmin(ScopedModelAdmin):
    view_capability = Capability.MANAGE_ENTERPRISES
    edit_capability = Capability.MANAGE_ENTERPRISES
    audit_label = ""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"{self.audit_label} {obj.pk}（后台）",
            region_code=_region_code(obj),
            request=request,
            detail={"changed": form.changed_data},
        )

    def delete_model(self, request: HttpRequest, obj) -> None:
        code, pk = _region_code(obj), obj.pk
        super().delete_model(request, obj)
        audit_record(
            action=AuditEvent.Action.DELETE,
            actor=request.user,
            target=f"{self.audit_label} {pk}（后台）",
            region_code=code,
            request=request,
        )


@admin.register(Enterprise)
class EnterpriseAdmin(EnterpriseLineAdmin):
    audit_label = "企业"
    list_display = [
        "name",
        "credit_code",
        "region",
        "industry",
        "size",
        "work_group",
        "resumption",
        "workers_back",
    ]
    list_filter = ["resumption", "industry", "size"]
    list_select_related = ["region", "work_group__region"]
    search_fields = ["name", "credit_code"]
    fields = [
        "name",
        "credit_code",
        "region",
        "industry",
        "size",
        "employees",
        "contact_name",
        "contact_phone_masked",
        "work_group",
        "resumption",
        "resumption_since",
        "workers_back",
    ]
    readonly_fields = [
        "credit_code",
        "region",
        "contact_phone_masked",
        "resumption",
        "resumption_since",
        "workers_back",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The credit code is checked and the phone encrypted by the page.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(EnterpriseLineAdmin):
    audit_label = "入企走访"
    list_display = ["visited_on", "enterprise", "visitors", "work_group"]
    list_select_related = ["enterprise", "work_group__region"]
    raw_id_fields = ["enterprise"]
    readonly_fields = ["recorded_by"]
    date_hierarchy = "visited_on"


@admin.register(Problem)
class ProblemAdmin(EnterpriseLineAdmin):
    audit_label = "企业问题"
    list_display = ["raised_on", "enterprise", "category", "status", "solved_on"]
    list_filter = ["category", "status"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "visit"]
    readonly_fields = ["solved_by"]


@admin.register(JobFair)
class JobFairAdmin(EnterpriseLineAdmin):
    audit_label = "网络招聘会"
    list_display = ["title", "region", "organiser", "starts_on", "ends_on", "is_published"]
    list_select_related = ["region", "organiser__region"]
    raw_id_fields = ["region"]


@admin.register(FairEntry)
class FairEntryAdmin(EnterpriseLineAdmin):
    audit_label = "参会申报"
    list_display = ["fair", "enterprise", "status", "vetted_by", "vetted_at"]
    list_filter = ["status"]
    list_select_related = ["fair", "enterprise", "vetted_by"]
    raw_id_fields = ["fair", "enterprise"]
    readonly_fields = ["applied_by", "vetted_by", "vetted_at"]


@admin.register(Position)
class PositionAdmin(EnterpriseLineAdmin):
    audit_label = "岗位"
    list_display = ["title", "entry", "headcount", "salary_min", "salary_max", "place", "is_open"]
    list_filter = ["is_open"]
    list_select_related = ["entry__fair", "entry__enterprise"]
    raw_id_fields = ["entry"]


@admin.register(Application)
class ApplicationAdmin(EnterpriseLineAdmin):
    audit_label = "求职申请"
    list_display = [
        "last_submitted_at",
        "name",
        "phone_masked",
        "position",
        "submissions",
        "status",
    ]
    list_filter = ["status"]
    list_select_related = ["position__entry__enterprise"]
    fields = ["position", "name", "phone_masked", "age", "experience", "submissions", "status"]
    readonly_fields = ["position", "name", "phone_masked", "age", "experience", "submissions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
