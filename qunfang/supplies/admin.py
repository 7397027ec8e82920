"""Back office for supplies. The catalogue, depots and thresholds are edited here (audited);
movements and the stock ledger are read-only, because stock is computed from movements and
a movement is only ever written by the services behind the pages (so it is validated,
locked against over-distribution and audited)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from qunfang.core.audit import audit_record
from qunfang.core.models import AuditEvent
from qunfang.org.access import has_capability_anywhere, scope_for
from qunfang.org.admin import BoundedLookupsMixin, ScopedModelAdmin
from qunfang.org.models import Membership
from qunfang.org.roles import ROLE_CAPABILITIES, Capability, Level
from qunfang.supplies import services
from qunfang.supplies.models import (
    ConvoyVehicle,
    Depot,
    Item,
    Movement,
    MovementLine,
    StockEntry,
    StockThreshold,
)


def _manages_at_county(user) -> bool:
    """The catalogue is shared, so only a superuser or a county-level (or higher) supplies
    manager edits it; a village cadre may only read it."""
    if user.is_superuser:
        return True
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_SUPPLIES in caps]
    return Membership.objects.filter(
        user=user,
        is_active=True,
        role__in=roles,
        region__level__in=[Level.PROVINCE, Level.CITY, Level.COUNTY],
    ).exists()


@admin.register(Item)
class ItemAdmin(BoundedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "unit", "category", "shelf_life_days", "fractional"]
    list_filter = ["category", "fractional"]
    search_fields = ["name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (has_capability_anywhere(user, Capability.MANAGE_SUPPLIES))
        )

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request) and _manages_at_county(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"物资品目 {obj.name}",
            request=request,
            detail={"changed": form.changed_data},
        )


class SuppliesAdmin(ScopedModelAdmin):
    view_capability = Capability.MANAGE_SUPPLIES
    edit_capability = Capability.MANAGE_SUPPLIES

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DepotAdminForm(forms.ModelForm):
    class Meta:
        model = Depot
        fields = ["region", "name", "keeper", "address", "is_active"]

    def clean_region(self):
        region = self.cleaned_data["region"]
        if region.level not in services.DEPOT_LEVELS:
            raise ValidationError(_(services.DEPOT_LEVEL))
        return region


@admin.register(Depot)
class DepotAdmin(SuppliesAdmin):
    form = DepotAdminForm
    list_display = ["name", "region", "keeper", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["region"]
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"物资仓库 {obj.name}",
            region_code=obj.region.code,
            request=request,
            detail={"changed": form.changed_data},
        )


class ThresholdAdminForm(forms.ModelForm):
    class Meta:
        model = StockThreshold
        fields = ["depot", "item", "minimum"]

    def clean(self) -> dict:
        data = super().clean()
        item, minimum = data.get("item"), data.get("minimum")
        if item is not None and minimum is not None:
            if minimum < 0:
                raise ValidationError({"minimum": _(services.THRESHOLD_NEGATIVE)})
            problem = minimum and services.quantity_problem(item, minimum)
            if problem:
                raise ValidationError({"minimum": problem})
        return data


@admin.register(StockThreshold)
class StockThresholdAdmin(SuppliesAdmin):
    form = ThresholdAdminForm
    list_display = ["depot", "item", "minimum"]
    list_select_related = ["depot", "item"]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            target=f"库存下限 {obj.depot.name} {obj.item.name}",
            region_code=obj.depot.region.code,
            request=request,
            detail={"minimum": str(obj.minimum)},
        )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = MovementLine
    fields = ["item", "quantity", "lot_no", "expires_on", "unit_price"]
    readonly_fields = fields


class VehicleInline(ReadOnlyInline):
    model = ConvoyVehicle
    fields = ["plate", "driver"]
    readonly_fields = fields


class ReadOnlyAdmin(SuppliesAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "status", "occurred_on", "source", "target", "donor"]
    list_filter = ["kind", "status", "occurred_on"]
    list_select_related = ["source", "target", "region"]
    search_fields = ["donor", "certificate_no", "supplier", "unit_name", "leader_name"]
    exclude = ["leader_phone", "household", "person"]
    inlines = [LineInline, VehicleInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A transfer belongs to its receiving end; its sender sees it as well.
        scope = scope_for(request.user)
        return Movement.objects.filter(
            scope.q("region__code") | scope.q("source__region__code")
        ).select_related("source", "target", "region")


@admin.register(StockEntry)
class StockEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_on", "depot", "item", "lot_no", "expires_on", "quantity"]
    list_filter = ["occurred_on"]
    list_select_related = ["depot", "item"]
