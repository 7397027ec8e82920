import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from qunfang.org.access import (
    Scope,
    _minimal_roots,
    access_region,
    can,
    home_region,
    scope_for,
    scoped,
    subtree_q,
    subtree_upper_bound,
)
from qunfang.org.models import Membership, Region
from qunfang.org.roles import Capability, Role
from qunfang.org.services import membership_create
from qunfang.org.testing import assert_queryset_scoped


def regions_for(user):
    return scoped(Region.objects.all(), user)


def test_a_village_cadre_sees_the_village_and_its_grids_only(cast):
    assert_queryset_scoped(
        regions_for,
        user=cast.village_cadre,
        visible=[cast.village, cast.grid],
        hidden=[cast.sibling_village, cast.sibling_grid, cast.town, cast.district, cast.other_town],
    )


def test_a_town_cadre_sees_every_village_of_the_town_but_not_another_town(cast):
    assert_queryset_scoped(
        regions_for,
        user=cast.town_cadre,
        visible=[cast.town, cast.village, cast.sibling_village, cast.grid, cast.sibling_grid],
        hidden=[cast.district, cast.other_town],
    )


def test_the_district_sees_its_towns_but_not_another_county(cast):
    assert_queryset_scoped(
        regions_for,
        user=cast.hq,
        visible=[cast.district, cast.town, cast.grid],
        hidden=[cast.other_town, cast.district.parent],
    )


def test_a_superuser_sees_everything(cast):
    assert regions_for(cast.superuser).count() == Region.objects.count()


def test_anonymous_and_inactive_users_see_nothing(cast):
    assert regions_for(AnonymousUser()).count() == 0
    cast.village_cadre.is_active = False
    cast.village_cadre.save()
    assert regions_for(cast.village_cadre).count() == 0


def test_an_inactive_membership_grants_nothing(cast):
    Membership.objects.filter(user=cast.village_cadre).update(is_active=False)
    assert regions_for(cast.village_cadre).count() == 0


def test_several_memberships_add_up_without_duplicates(cast):
    membership_create(
        actor=cast.superuser,
        user=cast.village_cadre,
        region=cast.sibling_village,
        role=Role.VILLAGE_CADRE,
    )
    membership_create(
        actor=cast.superuser, user=cast.village_cadre, region=cast.grid, role=Role.GRID_WORKER
    )
    scope = scope_for(cast.village_cadre)
    assert scope.roots == (cast.village.code, cast.sibling_village.code)
    ids = list(regions_for(cast.village_cadre).values_list("pk", flat=True))
    assert len(ids) == len(set(ids))
    assert cast.sibling_grid.pk in ids


def test_access_region_gives_the_same_404_for_foreign_and_missing_codes(cast):
    assert access_region(cast.village_cadre, cast.village.code) == cast.village
    with pytest.raises(Http404):
        access_region(cast.village_cadre, cast.sibling_village.code)
    with pytest.raises(Http404):
        access_region(cast.village_cadre, "999999999999")


def test_a_subtree_is_one_query(cast):
    with CaptureQueriesContext(connection) as queries:
        list(Region.objects.filter(subtree_q(cast.town.code)))
    assert len(queries) == 1


def test_a_subtree_query_uses_the_code_index(cast):
    sql, params = Region.objects.filter(subtree_q(cast.town.code)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
            assert "SCAN" not in plan.replace("SCAN TABLE", "SCAN"), plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan, plan


def test_capabilities_follow_the_role_and_the_region(cast):
    assert can(cast.village_cadre, Capability.MANAGE_GRIDS, cast.village.code)
    assert can(cast.village_cadre, Capability.MANAGE_GRIDS, cast.grid.code)
    assert not can(cast.village_cadre, Capability.MANAGE_GRIDS, cast.sibling_village.code)
    assert not can(cast.volunteer, Capability.VIEW_SENSITIVE, cast.village.code)
    assert can(cast.auditor, Capability.VIEW_AUDIT, cast.town.code)
    assert not can(cast.auditor, Capability.EDIT_RECORDS, cast.town.code)


def test_home_region_is_the_widest_membership(cast):
    assert home_region(cast.village_cadre) == cast.village
    assert home_region(cast.town_cadre) == cast.town
    # The cast loads two counties of 晋城市, so a superuser starts at the city.
    assert home_region(cast.superuser).code == "1405"


def test_scope_roots_never_nest(cast):
    assert _minimal_roots({"1405", "140525", "140525100200", "1404"}) == ("1404", "1405")
    # Memberships at the district and in one of its villages: one root, the district.
    membership_create(
        actor=cast.superuser, user=cast.town_cadre, region=cast.village, role=Role.VILLAGE_CADRE
    )
    assert scope_for(cast.town_cadre).roots == (cast.town.code,)
    scope = Scope(roots=("1405",))
    assert scope.covers("140525100200")
    assert not scope.covers("1404")


@pytest.mark.parametrize("seed", range(5))
def test_visible_rows_are_exactly_the_subtrees_of_random_memberships(cast, seed):
    """Property: for random memberships, scoped() == rows whose code lies under some root."""
    rng = random.Random(seed)
    all_regions = list(Region.objects.all())
    user = cast.volunteer
    Membership.objects.filter(user=user).delete()
    roots = rng.sample([r for r in all_regions if r.level != "province"], k=3)
    for root in roots:
        Membership.objects.create(user=user, region=root, role=Role.VOLUNTEER)
    user._qunfang_memberships = None  # drop the per-request cache of memberships
    expected = {r.pk for r in all_regions if any(r.code.startswith(x.code) for x in roots)}
    assert set(regions_for(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize(
    ("code", "upper"),
    [
        ("1405", "1406"),
        ("1409", "141"),
        ("140599", "1406"),
        ("99", None),
        ("140525100200", "140525100201"),
    ],
)
def test_the_subtree_upper_bound_is_the_next_digit_string(code, upper):
    assert subtree_upper_bound(code) == upper


COLLATIONS = {
    "postgresql": ["zh-Hans-CN-x-icu", "en-US-x-icu", "C", "default"],
    "sqlite": ["BINARY", "NOCASE", "RTRIM"],
}


def test_subtrees_are_right_under_every_collation_of_the_database(cast):
    """Deployments often create the PostgreSQL database with a zh_CN or en_US collation."""
    upper = subtree_upper_bound(cast.town.code)
    expected = Region.objects.filter(code__startswith=cast.town.code).count()
    checked = 0
    with connection.cursor() as cursor:
        for collation in COLLATIONS[connection.vendor]:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [collation])
                if cursor.fetchone() is None:
                    continue
            cursor.execute(
                f'SELECT count(*) FROM org_region WHERE code COLLATE "{collation}" >= %s '
                f'AND code COLLATE "{collation}" < %s',
                [cast.town.code, upper],
            )
            assert cursor.fetchone()[0] == expected, collation
            checked += 1
    assert checked >= 2
