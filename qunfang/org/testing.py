"""Test support every module uses: one cast of personas on the real region tree, and the
reusable scoping assertions. Later modules call these on their own querysets, pages, admin
views and API endpoints instead of writing scoping tests of their own from scratch."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from qunfang.org.models import Department, Region
from qunfang.org.roles import Role
from qunfang.org.services import department_create, grid_create, membership_create, regions_load

DISTRICT = "140525"  # 泽州县
TOWN = "140525100"  # 南村镇
VILLAGE = "140525100200"  # 南村村
SIBLING_VILLAGE = "140525100201"  # 原家村
OTHER_COUNTY = "140581"  # 高平市
OTHER_TOWN = "140581101"  # 高平市米山镇
PASSWORD = "Qunfang-test-2026"


@dataclass
class Cast:
    """Who is who in every test. `village` and `sibling` are cadres of two villages of one
    town; `other_town` works in another county; `superuser` sees everything."""

    district: Region
    town: Region
    village: Region
    sibling_village: Region
    grid: Region
    sibling_grid: Region
    other_town: Region
    users: dict[str, Model]

    def __getattr__(self, name: str) -> Model:
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


# persona → (role, region key, department kind or None, is_staff)
PERSONAS = {
    "hq": (Role.HQ_LEADER, "district", Department.Kind.COMMAND, True),
    "dept": (Role.DEPT_STAFF, "district", Department.Kind.PUBLICITY, False),
    "auditor": (Role.AUDITOR, "district", None, True),
    "counsellor": (Role.COUNSELLOR, "district", None, False),
    "town_cadre": (Role.TOWN_CADRE, "town", Department.Kind.CIVIL_AFFAIRS, True),
    "village_cadre": (Role.VILLAGE_CADRE, "village", None, False),
    "sibling_cadre": (Role.VILLAGE_CADRE, "sibling_village", None, False),
    "grid_worker": (Role.GRID_WORKER, "grid", None, False),
    "volunteer": (Role.VOLUNTEER, "town", None, False),
    "other_town_cadre": (Role.TOWN_CADRE, "other_town", None, True),
}


def build_cast() -> Cast:
    """Create (or fetch) the cast. Idempotent, so a test whose database was flushed can rebuild."""
    User = get_user_model()
    if not Region.objects.filter(code=OTHER_TOWN).exists():
        regions_load(root=TOWN)
        regions_load(root=OTHER_TOWN)
    regions = {
        "district": Region.objects.get(code=DISTRICT),
        "town": Region.objects.get(code=TOWN),
        "village": Region.objects.get(code=VILLAGE),
        "sibling_village": Region.objects.get(code=SIBLING_VILLAGE),
        "other_town": Region.objects.get(code=OTHER_TOWN),
    }
    superuser, created = User.objects.get_or_create(
        username="root_test", defaults={"is_superuser": True, "is_staff": True}
    )
    if created:
        superuser.set_password(PASSWORD)
        superuser.save()
    for key, village_key in (("grid", "village"), ("sibling_grid", "sibling_village")):
        village = regions[village_key]
        regions[key] = village.children.filter(name="第一网格").first() or grid_create(
            actor=superuser, village=village, name="第一网格"
        )
    users = {"superuser": superuser}
    for name, (role, region_key, kind, is_staff) in PERSONAS.items():
        user, created = User.objects.get_or_create(username=name, defaults={"is_staff": is_staff})
        if created:
            user.set_password(PASSWORD)
            user.save()
            region = regions[region_key]
            department = (
                department_create(actor=superuser, region=region, kind=kind) if kind else None
            )
            membership_create(
                actor=superuser, user=user, region=region, role=role, department=department
            )
        users[name] = user
    return Cast(users=users, **regions)


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


# --- the reusable scoping assertions -------------------------------------------------------


def assert_queryset_scoped(
    queryset_for: Callable[[Model], QuerySet],
    *,
    user,
    visible: Iterable[Model],
    hidden: Iterable[Model],
) -> None:
    """`queryset_for(user)` contains every `visible` object and none of the `hidden` ones."""
    ids = set(queryset_for(user).values_list("pk", flat=True))
    missing = [obj for obj in visible if obj.pk not in ids]
    leaked = [obj for obj in hidden if obj.pk in ids]
    assert not missing, f"{user} should see {missing}"
    assert not leaked, f"{user} must not see {leaked}"


REFUSED = {302, 403, 404, 405}


def assert_urls_refused(
    user, urls: Iterable[str], *, unchanged: Iterable[Model] = (), methods=("get", "post")
) -> None:
    """Each URL refuses `user` on every method (404 for objects outside the scope; 403/405 are
    refusals too), and the rows in `unchanged` are the same afterwards."""
    client = client_for(user)
    before = [_snapshot(obj) for obj in unchanged]
    for url in urls:
        for method in methods:
            response = getattr(client, method)(url)
            assert response.status_code in REFUSED, (
                f"{method.upper()} {url} as {user}: {response.status_code}, expected a refusal"
            )
            if response.status_code == 302:
                assert "/login" in response["Location"] or "/admin/" in response["Location"], (
                    f"{method.upper()} {url} as {user} redirected to {response['Location']}"
                )
    after = [_snapshot(obj) for obj in unchanged]
    assert before == after, "a refused request changed data"


def assert_urls_allowed(user, urls: Iterable[str]) -> None:
    client = client_for(user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"GET {url} as {user}: {response.status_code}"


def assert_admin_scoped(user, *, changelist_url: str, visible: Model, hidden: Model) -> None:
    """The admin list shows `visible` but not `hidden`, and `hidden`'s change page is refused."""
    client = client_for(user)
    response = client.get(changelist_url)
    assert response.status_code == 200, f"{changelist_url} as {user}: {response.status_code}"
    listed = response.context["cl"].result_list
    ids = {obj.pk for obj in listed}
    assert visible.pk in ids, f"{user} should see {visible} in {changelist_url}"
    assert hidden.pk not in ids, f"{user} must not see {hidden} in {changelist_url}"
    change_url = f"{changelist_url}{hidden.pk}/change/"
    response = client.get(change_url)
    assert response.status_code in REFUSED, f"{change_url} as {user}: {response.status_code}"
    if response.status_code == 302:
        follow = client.get(response["Location"])
        assert str(hidden) not in follow.content.decode(), f"{hidden} shown after redirect"


def assert_api_scoped(
    user, *, list_url: str, key: str, visible: Iterable, hidden: Iterable
) -> None:
    """The API list holds the `visible` keys and none of the `hidden` ones, following pages."""
    client = client_for(user)
    seen: set = set()
    url: str | None = list_url
    while url:
        response = client.get(url)
        assert response.status_code == 200, f"{url} as {user}: {response.status_code}"
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        seen |= {row[key] for row in rows}
        url = body.get("next") if isinstance(body, dict) else None
    assert set(visible) <= seen, f"{user} should see {set(visible) - seen} at {list_url}"
    assert not (set(hidden) & seen), f"{user} must not see {set(hidden) & seen} at {list_url}"


def _patterns() -> Iterator[tuple[str, str, URLPattern]]:
    """Every pattern of the URL configuration: (namespaced name or "", route, pattern)."""

    def walk(patterns, namespace: str, prefix: str) -> Iterator[tuple[str, str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else ""
                yield name, prefix + str(pattern.pattern), pattern

    yield from walk(get_resolver().url_patterns, "", "")


def all_routes() -> list[tuple[str, str, Callable]]:
    """Every route: (namespaced name or "", route, view)."""
    return [(name, route, pattern.callback) for name, route, pattern in _patterns()]


def url_patterns_with(kwarg: str) -> list[tuple[str, str]]:
    """Every named route taking `kwarg` (e.g. "code"), as (namespaced name, route)."""
    return [
        (name, route)
        for name, route, pattern in _patterns()
        if name and kwarg in pattern.pattern.converters
    ]


def _snapshot(obj: Model) -> dict:
    fresh = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    return fresh or {}
