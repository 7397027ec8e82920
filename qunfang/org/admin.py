"""Back office. ScopedModelAdmin is the admin face of the scoping primitive: every scoped model
of every app registers through it, so staff see and edit only their own subtree."""

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import admin as auth_admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect

from qunfang.core.audit import audit_record
from qunfang.core.formfields import ADMIN_DATE_OVERRIDES
from qunfang.core.models import AuditEvent
from qunfang.org.access import (
    has_capability_anywhere,
    scope_for,
    scope_path_of,
    scoped,
)
from qunfang.org.forms import MembershipAdminForm
from qunfang.org.models import Department, Membership, Region
from qunfang.org.roles import Capability


class BoundedLookupsMixin:
    """A list filter on a number no row can have is Django's "incorrect lookup" (?e=1).

    The admin takes a field's name as a filter (`?region=…`); a value beyond 64 bits reached
    SQLite as an integer it cannot bind (OverflowError, a server error), where Django only
    turns ValueError and its kin into the incorrect-lookup notice."""

    def changelist_view(self, request: HttpRequest, extra_context=None):
        for _key, values in request.GET.lists():
            for value in values:
                digits = value.removeprefix("-")
                if digits.isascii() and digits.isdigit() and len(digits) > 18:
                    return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)


class ChecksEveryConstraint:
    """A ModelForm mixin: the uniqueness rules are checked with every field, not only the form's.

    Django leaves out of the check any unique constraint that involves a field the form does
    not hold, and the admin keeps read-only fields out of its forms: renaming a volunteer team
    (its region read-only) to the name of another team of that region reached the database as
    an IntegrityError, a server error. Once the form's own checks pass, the instance, which
    holds the read-only fields' values, is checked whole; a clash is a message on the form."""

    def validate_unique(self) -> None:
        super().validate_unique()
        if self._errors:
            return  # the form is shown again anyway; the next submission is checked whole
        try:
            self.instance.validate_unique()
            self.instance.validate_constraints()
        except ValidationError as error:
            # Not keyed by field: the fields it names may be read-only, and not in the form.
            self.add_error(None, ValidationError(error.messages))


class ScopedModelAdmin(BoundedLookupsMixin, admin.ModelAdmin):
    """Staff see rows in their scope; what they may do comes from their roles' capabilities.

    view_capability / edit_capability name the capability needed to see / change rows.
    Foreign keys to scoped models only offer in-scope choices.
    """

    view_capability: str = Capability.VIEW_DASHBOARD
    edit_capability: str = Capability.MANAGE_MEMBERS
    formfield_overrides = ADMIN_DATE_OVERRIDES

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scoped(super().get_queryset(request), request.user)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (ChecksEveryConstraint, form), {})

    def _in_scope(self, request: HttpRequest, obj) -> bool:
        if obj is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (has_capability_anywhere(request.user, self.view_capability))
        )

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request) and self._in_scope(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return (
            self.has_module_permission(request)
            and has_capability_anywhere(request.user, self.edit_capability)
            and self._in_scope(request, obj)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "SCOPE_PATH") and not scope_for(request.user).unlimited:
            kwargs["queryset"] = scoped(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        # A staff member must not move a row out of (or into) a subtree they cannot see.
        code = _scope_code(obj)
        if code is not None and not scope_for(request.user).covers(code):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        super().save_model(request, obj, form, change)


def _scope_code(obj) -> str | None:
    value = obj
    for part in scope_path_of(type(obj)).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return str(value)


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent", "created_by"]
    edit_capability = Capability.MANAGE_GRIDS
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # NBS divisions are reference data loaded from the shipped codes; only grids are edited.
        if obj is not None and obj.level != "grid" and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "region__name"]
    list_select_related = ["region"]
    raw_id_fields = ["region"]


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    list_display = ["user", "region", "department", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "region__name", "region__code"]
    list_select_related = ["user", "region", "department"]
    raw_id_fields = ["user", "region", "department"]
    view_capability = Capability.VIEW_MEMBERS
    form = MembershipAdminForm

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditEvent.Action.PERMISSION,
            actor=request.user,
            target=f"任职 {obj.user.get_username()} {obj.role}",
            region_code=obj.region.code,
            request=request,
            detail={"changed": form.changed_data, "active": obj.is_active},
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    """Read-only for auditors (separation of duties); nobody edits or deletes the trail here."""

    list_display = ["created_at", "actor_name", "action", "target", "region_code", "ip", "success"]
    list_filter = ["action", "success"]
    search_fields = ["actor_name", "target", "region_code"]
    view_capability = Capability.VIEW_AUDIT

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        events = admin.ModelAdmin.get_queryset(self, request)
        scope = scope_for(request.user)
        if scope.unlimited:
            return events
        # Sign-in rows carry no region: an auditor sees their own scope's rows only.
        return events.filter(scope.q("region_code"))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class UserAdmin(auth_admin.UserAdmin):
    """Django's own user admin, with its dates kept to the range every other form keeps to: a
    last login of 0001-01-01 overflowed on saving (the time zone shifts it before year 1), a
    server error."""

    formfield_overrides = {**auth_admin.UserAdmin.formfield_overrides, **ADMIN_DATE_OVERRIDES}


if admin.site.is_registered(auth_admin.User):
    admin.site.unregister(auth_admin.User)
admin.site.register(auth_admin.User, UserAdmin)
