import datetime as dt

import pytest

from qunfang.org.testing import assert_queryset_scoped
from qunfang.volunteers import selectors, services
from qunfang.volunteers.tests.conftest import at, make_shift, make_volunteer, today

LISTS = {
    "campaigns": (selectors.campaign_list, "campaigns"),
    "signups": (selectors.signup_list, "signups"),
    "volunteers": (selectors.volunteer_list, "volunteers"),
    "teams": (selectors.team_list, "teams"),
    "shifts": (selectors.shift_list, "shifts"),
    "rounds": (selectors.round_list, "rounds"),
    "families": (selectors.family_list, "families"),
    "needs": (selectors.need_list, "needs"),
    "enterprises": (selectors.enterprise_list, "enterprises"),
}


@pytest.mark.parametrize("kind", LISTS)
def test_every_list_is_scoped(cast, made, kind):
    selector, attribute = LISTS[kind]
    rows = getattr(made, attribute)
    own_and_sibling = [rows.own] + ([rows.sibling] if hasattr(rows, "sibling") else [])
    assert_queryset_scoped(
        lambda user: selector(user),
        user=cast.town_cadre,
        visible=own_and_sibling,
        hidden=[rows.foreign],
    )
    assert_queryset_scoped(
        lambda user: selector(user),
        user=cast.other_town_cadre,
        visible=[rows.foreign],
        hidden=own_and_sibling,
    )
    if hasattr(rows, "sibling"):
        assert_queryset_scoped(
            selector,
            user=cast.village_cadre,
            visible=[rows.own],
            hidden=[rows.sibling, rows.foreign],
        )


def test_a_village_cadre_vets_the_sign_ups_of_a_town_campaign_from_their_village(cast, made):
    """The campaign belongs to the town; its sign-ups are scoped by where each person lives."""
    assert_queryset_scoped(
        lambda user: selectors.signup_list(user, campaign=made.campaigns.own),
        user=cast.village_cadre,
        visible=[made.signups.own],
        hidden=[made.signups.sibling],
    )


def test_suggestions_rank_by_place_then_skill_and_leave_out_busy_people(cast, made):
    su = cast.superuser
    near = make_volunteer(su, made.campaigns.own, cast.village, name="近邻", skills=["medical"])
    skilled_far = make_volunteer(
        su, made.campaigns.own, cast.sibling_village, name="远方", skills=["medical"]
    )
    unskilled_near = make_volunteer(
        su, made.campaigns.own, cast.village, name="无特长", skills=["tutoring"]
    )
    # made.volunteers.own is already on a shift at this time.
    shift = make_shift(su, cast.village, start=at(1, 9), skills=["medical"])
    ranked = selectors.shift_suggestions(cast.town_cadre, shift)
    names = [s.volunteer.name for s in ranked]
    assert names.index("近邻") < names.index("无特长")
    assert names.index("近邻") < names.index("远方")
    assert "张志远" not in names
    assert "赵海燕" not in names  # another county
    top = ranked[0]
    assert top.volunteer == near and top.closeness == 3 and top.skill == 1.0
    far = next(s for s in ranked if s.volunteer == skilled_far)
    assert far.closeness == 2
    weak = next(s for s in ranked if s.volunteer == unskilled_near)
    assert weak.skill == 0.0


def test_availability_counts_the_weekday_and_the_part_of_the_day(cast, made):
    su = cast.superuser
    start = at(7, 14)  # an afternoon, a week from now
    weekday = str(start.weekday())
    fits = make_volunteer(
        su, made.campaigns.own, cast.village, name="下午有空", days=[weekday], slots=["afternoon"]
    )
    other_day = str((start.weekday() + 1) % 7)
    misses = make_volunteer(
        su, made.campaigns.own, cast.village, name="上午有空", days=[other_day], slots=["morning"]
    )
    shift = make_shift(su, cast.village, start=start)
    ranked = {s.volunteer: s for s in selectors.shift_suggestions(cast.superuser, shift)}
    assert ranked[fits].availability == 1.0
    assert ranked[misses].availability == 0.0


def test_a_shift_across_midnight_touches_evening_and_night(cast):
    shift = make_shift(cast.superuser, cast.village, start=at(1, 22), hours=4)
    assert shift.slots() == {"evening", "night"}


def test_a_leader_sees_their_members_shifts(cast, made):
    su = cast.superuser
    leader = made.volunteers.sibling
    member = make_volunteer(su, made.campaigns.own, cast.sibling_village, name="队员")
    for volunteer, user in ((leader, cast.sibling_cadre), (member, None)):
        services.volunteer_update(
            actor=su,
            volunteer=volunteer,
            team=made.teams.sibling,
            is_core=False,
            grid=None,
            status="active",
            user=user,
        )
    services.team_set_leader(actor=su, team=made.teams.sibling, leader=leader)
    shift = make_shift(su, cast.sibling_village, start=at(0, 0) + dt.timedelta(hours=30))
    mine = services.shift_assign(actor=su, shift=shift, volunteer=member)
    assert list(selectors.led_assignments(cast.sibling_cadre)) == [mine]
    assert list(selectors.my_assignments(cast.sibling_cadre)) == [made.assignments.sibling]


def test_region_pickers_reach_two_levels_down_within_the_scope(cast):
    district = {r.code for r in selectors.shift_region_choices(cast.hq, region=cast.district)}
    assert {cast.district.code, cast.town.code, cast.village.code} <= district
    assert cast.grid.code not in district
    town = {r.code for r in selectors.shift_region_choices(cast.village_cadre, region=cast.village)}
    assert town == {cast.village.code, cast.grid.code}


def test_rounds_still_to_do_come_before_done_ones(cast, made):
    services.round_done(actor=cast.superuser, round=made.rounds.own)
    later = services.rounds_schedule(
        actor=cast.superuser,
        region=cast.village,
        squad=made.squads.own,
        places=["小学"],
        start=today() + dt.timedelta(days=3),
        days=1,
        equipment=["handheld"],
    ).created[0]
    order = list(selectors.round_list(cast.town_cadre))
    assert order == [made.rounds.sibling, later, made.rounds.own]
