import pytest

from qunfang.org.models import Region
from qunfang.org.testing import assert_queryset_scoped
from qunfang.relief import selectors, services
from qunfang.relief.models import CareArrangement

LISTS = {
    "cases": selectors.assistance_case_list,
    "care": selectors.care_arrangement_list,
    "events": selectors.family_event_list,
    "groups": selectors.wechat_group_list,
}


@pytest.fixture
def rows(cases, care, events, groups):
    return {"cases": cases, "care": care, "events": events, "groups": groups}


@pytest.mark.parametrize("kind", LISTS)
def test_a_village_cadre_lists_only_their_village(cast, rows, kind):
    made = rows[kind]
    assert_queryset_scoped(
        lambda user: LISTS[kind](user, region=cast.village),
        user=cast.village_cadre,
        visible=[made.own],
        hidden=[made.sibling, made.foreign],
    )


@pytest.mark.parametrize("kind", LISTS)
def test_a_village_cadre_asking_for_the_town_still_gets_only_their_village(cast, rows, kind):
    made = rows[kind]
    assert_queryset_scoped(
        lambda user: LISTS[kind](user, region=cast.town),
        user=cast.village_cadre,
        visible=[made.own],
        hidden=[made.sibling, made.foreign],
    )


@pytest.mark.parametrize("kind", LISTS)
def test_a_town_cadre_lists_their_villages_but_not_another_county(cast, rows, kind):
    made = rows[kind]
    own = made.own
    assert_queryset_scoped(
        lambda user: LISTS[kind](user, region=cast.town),
        user=cast.town_cadre,
        visible=[own, made.sibling],
        hidden=[made.foreign],
    )
    assert_queryset_scoped(
        lambda user: LISTS[kind](user, region=cast.sibling_village),
        user=cast.town_cadre,
        visible=[made.sibling],
        hidden=[own, made.foreign],
    )


@pytest.mark.parametrize("kind", LISTS)
def test_the_other_county_sees_none_of_this_town(cast, rows, kind):
    made = rows[kind]
    other_region = Region.objects.get(code=cast.other_town.code)
    assert_queryset_scoped(
        lambda user: LISTS[kind](user, region=other_region),
        user=cast.other_town_cadre,
        visible=[made.foreign],
        hidden=[made.sibling, made.own],
    )


def test_the_case_list_flags_overdue_paperwork_and_names_the_head(cast, cases, homes):
    listed = {c.pk: c for c in selectors.assistance_case_list(cast.town_cadre, region=cast.town)}
    assert listed[cases.overdue.pk].overdue is True
    assert listed[cases.sibling.pk].overdue is False
    assert listed[cases.overdue.pk].head_name == "张建国"
    overdue_only = selectors.assistance_case_list(
        cast.town_cadre, region=cast.town, overdue_only=True
    )
    assert [c.pk for c in overdue_only] == [cases.overdue.pk]
    services.assistance_complete_paperwork(actor=cast.town_cadre, case=cases.overdue)
    assert not selectors.assistance_case_list(cast.town_cadre, region=cast.town, overdue_only=True)


def test_care_lists_filter_by_status(cast, care):
    services.care_end(actor=cast.town_cadre, arrangement=care.own)
    ended = selectors.care_arrangement_list(
        cast.town_cadre, region=cast.town, status=CareArrangement.Status.ENDED
    )
    assert [a.pk for a in ended] == [care.own.pk]


def test_household_choices_are_scoped_and_carry_the_head(cast, homes):
    assert_queryset_scoped(
        lambda user: selectors.household_choices(user, region=cast.village),
        user=cast.village_cadre,
        visible=[homes.home, homes.grid_home],
        hidden=[homes.sibling_home, homes.foreign_home],
    )
    assert_queryset_scoped(
        lambda user: selectors.household_choices(user, region=cast.grid),
        user=cast.grid_worker,
        visible=[homes.grid_home],
        hidden=[homes.home, homes.sibling_home],
    )
    heads = {
        h.pk: h.head_name for h in selectors.household_choices(cast.town_cadre, region=cast.town)
    }
    assert heads[homes.home.pk] == "张建国"
    assert homes.foreign_home.pk not in heads


def test_person_choices_offer_children_and_the_elderly_in_scope(cast, homes):
    assert_queryset_scoped(
        lambda user: selectors.care_person_choices(user, region=cast.village),
        user=cast.village_cadre,
        visible=[homes.child, homes.elder],
        hidden=[homes.head, homes.sibling_child, homes.foreign_head],
    )


def test_village_choices_are_villages_in_scope(cast, homes):
    villages = selectors.village_choices(cast.town_cadre, region=cast.town)
    assert cast.village in villages
    assert cast.sibling_village in villages
    assert cast.grid not in villages
    assert homes.other_village not in villages
    assert list(selectors.village_choices(cast.village_cadre, region=cast.town)) == [cast.village]
