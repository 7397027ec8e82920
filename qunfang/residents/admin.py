from django.contrib import admin

from qunfang.org.admin import ScopedModelAdmin
from qunfang.org.roles import Capability
from qunfang.residents.models import Alert, HealthCheck, Household, Person, RosterImport, Tag


class LedgerAdmin(ScopedModelAdmin):
    view_capability = Capability.VIEW_LEDGER
    edit_capability = Capability.EDIT_RECORDS


@admin.register(Household)
class HouseholdAdmin(LedgerAdmin):
    list_display = ["register_no", "address", "region"]
    search_fields = ["register_no", "address"]
    list_select_related = ["region"]
    raw_id_fields = ["region"]


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0


@admin.register(Person)
class PersonAdmin(LedgerAdmin):
    """Masked values only: ciphertext and blind indexes are never shown or edited here."""

    list_display = ["name", "id_masked", "phone_masked", "relation", "status", "region"]
    list_filter = ["status", "sex", "tags__kind"]
    search_fields = ["name", "household__register_no"]
    list_select_related = ["region"]
    raw_id_fields = ["household", "region"]
    exclude = ["id_number", "id_index", "phone", "guardian_phone"]
    readonly_fields = ["id_masked", "phone_masked", "guardian_phone_masked", "village_code"]
    inlines = [TagInline]


@admin.register(HealthCheck)
class HealthCheckAdmin(LedgerAdmin):
    list_display = ["person", "checked_at", "temperature", "fever", "cough", "method", "region"]
    list_filter = ["method", "fever", "cough", "checked_on"]
    list_select_related = ["person", "region"]
    raw_id_fields = ["person", "region", "checked_by"]


@admin.register(Alert)
class AlertAdmin(LedgerAdmin):
    """Alerts change state on their own page (with the step log); here they are read-only."""

    list_display = ["person", "reason", "status", "raised_at", "due_at", "region"]
    list_filter = ["status"]
    list_select_related = ["person", "region"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RosterImport)
class RosterImportAdmin(LedgerAdmin):
    list_display = ["region", "imported_at", "imported_by", "rows"]
    list_select_related = ["region", "imported_by"]
    raw_id_fields = ["region", "imported_by"]
