"""THE scoping primitive. Every queryset, page, admin view, export and API endpoint that shows
region-bound data goes through these functions; nothing else decides who sees what.

A user's scope is the union of the subtrees rooted at the regions of their active memberships.
A superuser's scope is everything. A model declares where its region code lives with the class
attribute `SCOPE_PATH` (a lookup path ending at a Region code, e.g. "region__code").

"Not yours" and "does not exist" are the same 404, so object ids cannot be probed.
"""

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from qunfang.org.models import Membership, Region
from qunfang.org.roles import ROLE_CAPABILITIES


def subtree_upper_bound(code: str) -> str | None:
    """The smallest digit string above every string that starts with `code`.

    "1405" → "1406", "1409" → "141", "99" → None. Codes are digits only, and digit strings
    compare the same under every collation (C, glibc, ICU zh/en), so the range is correct on a
    PostgreSQL database whatever its collation; a sentinel such as ":" is not (ICU sorts it
    before digits).
    """
    stripped = code.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def subtree_q(code: str, path: str = "code") -> Q:
    """Rows whose region code at `path` is `code` or below it: one index range scan."""
    upper = subtree_upper_bound(code)
    condition = Q(**{f"{path}__gte": code})
    if upper is not None:
        condition &= Q(**{f"{path}__lt": upper})
    return condition


@dataclass(frozen=True)
class Scope:
    roots: tuple[str, ...] = ()
    unlimited: bool = False

    def covers(self, code: str) -> bool:
        if self.unlimited:
            return True
        return any(code.startswith(root) for root in self.roots)

    def q(self, path: str) -> Q:
        if self.unlimited:
            return Q()
        if not self.roots:
            return Q(pk__in=[])
        condition = Q()
        for root in self.roots:
            condition |= subtree_q(root, path)
        return condition


def _minimal_roots(codes: set[str]) -> tuple[str, ...]:
    """Drop roots that lie inside another root, so each row matches one range at most."""
    roots: list[str] = []
    for code in sorted(codes, key=lambda c: (len(c), c)):
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    return tuple(sorted(roots))


def _active_memberships(user) -> list[Membership]:
    cached = getattr(user, "_qunfang_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True).select_related(
                "region", "department"
            )
        )
        user._qunfang_memberships = cached
    return cached


def scope_for(user) -> Scope:
    """The regions a user may see. Anonymous and inactive users see nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(unlimited=True)
    return Scope(roots=_minimal_roots({m.region.code for m in _active_memberships(user)}))


def scope_path_of(model: type[Model]) -> str:
    try:
        return model.SCOPE_PATH
    except AttributeError:
        raise TypeError(f"{model.__name__} declares no SCOPE_PATH; it cannot be scoped") from None


def scoped(queryset: QuerySet, user, *, path: str | None = None) -> QuerySet:
    """Narrow `queryset` to the rows the user may see."""
    path = path or scope_path_of(queryset.model)
    return queryset.filter(scope_for(user).q(path))


def access_object(queryset: QuerySet, user, *, path: str | None = None, **lookup) -> Model:
    """Fetch one row the user may see, or raise the same 404 as for a missing row."""
    try:
        return scoped(queryset, user, path=path).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def access_region(user, code: str) -> Region:
    return access_object(Region.objects.all(), user, code=code)


def capabilities_at(user, code: str) -> frozenset[str]:
    """What the user may do at region `code`: the union over memberships that cover it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset().union(*ROLE_CAPABILITIES.values())
    granted: set[str] = set()
    for membership in _active_memberships(user):
        if code.startswith(membership.region.code):
            granted |= ROLE_CAPABILITIES[membership.role]
    return frozenset(granted)


def can(user, capability: str, code: str) -> bool:
    return capability in capabilities_at(user, code)


def has_capability_anywhere(user, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(capability in ROLE_CAPABILITIES[m.role] for m in _active_memberships(user))


def home_region(user) -> Region | None:
    """Where a user starts: their widest membership region, or for a superuser the top of the
    loaded tree below any single-child chain (14 → 1405 when only 晋城市 is loaded)."""
    if user is None or not user.is_authenticated:
        return None
    if not user.is_superuser:
        memberships = sorted(
            _active_memberships(user), key=lambda m: (len(m.region.code), m.region.code)
        )
        return memberships[0].region if memberships else None
    region = Region.objects.filter(parent__isnull=True).order_by("code").first()
    while region is not None:
        children = list(region.children.order_by("code")[:2])
        if len(children) != 1:
            break
        region = children[0]
    return region
