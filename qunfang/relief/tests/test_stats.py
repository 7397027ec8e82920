from decimal import Decimal

from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief import services, stats
from qunfang.relief.models import FamilyEvent
from qunfang.relief.tests.conftest import days_ago, grant


def test_households_helped_count_once_however_many_grants(cast, homes):
    grant(cast.superuser, homes.home, days=40, cash="500")
    grant(cast.superuser, homes.home, days=10, cash="300.50")
    grant(cast.superuser, homes.grid_home, days=5, cash="200")
    grant(
        cast.superuser,
        homes.sibling_home,
        days=3,
        form="in_kind",
        cash=None,
        in_kind_description="米",
    )
    grant(cast.superuser, homes.foreign_home, days=3, cash="9999")

    town = stats.assistance_summary(cast.town_cadre, cast.town, None, None)
    assert (town.cases, town.households) == (4, 3)
    assert town.cash_total == Decimal("1000.50")
    assert town.overdue == 1

    village = stats.assistance_summary(cast.village_cadre, cast.village, None, None)
    assert (village.cases, village.households, village.cash_total) == (3, 2, Decimal("1000.50"))
    assert stats.assistance_summary(cast.grid_worker, cast.grid, None, None).households == 1


def test_a_village_cadre_asking_for_the_town_counts_only_their_village(cast, homes):
    grant(cast.superuser, homes.home)
    grant(cast.superuser, homes.sibling_home)
    summary = stats.assistance_summary(cast.village_cadre, cast.town, None, None)
    assert summary.households == 1
    assert stats.assistance_summary(cast.other_town_cadre, cast.town, None, None).cases == 0


def test_the_window_counts_grants_made_in_it(cast, homes):
    grant(cast.superuser, homes.home, days=40)
    grant(cast.superuser, homes.grid_home, days=10)
    grant(cast.superuser, homes.sibling_home, days=1)
    window = stats.assistance_summary(cast.town_cadre, cast.town, days_ago(20), days_ago(1))
    assert (window.cases, window.households, window.overdue) == (2, 2, 0)
    since = stats.assistance_summary(cast.town_cadre, cast.town, days_ago(10), None)
    assert since.cases == 2
    until = stats.assistance_summary(cast.town_cadre, cast.town, None, days_ago(10))
    assert (until.cases, until.overdue) == (2, 1)


def test_an_empty_town_counts_zero_cash(cast):
    summary = stats.assistance_summary(cast.town_cadre, cast.town, None, None)
    assert summary == stats.AssistanceSummary(
        cases=0, households=0, cash_total=Decimal("0.00"), overdue=0
    )


def test_care_counts_active_and_those_overlapping_the_window(cast, care):
    services.care_end(actor=cast.superuser, arrangement=care.sibling, end_date=days_ago(8))
    town = stats.care_summary(cast.town_cadre, cast.town, None, None)
    assert (town.active, town.total) == (1, 2)
    after_sibling_ended = stats.care_summary(cast.town_cadre, cast.town, days_ago(5), None)
    assert (after_sibling_ended.active, after_sibling_ended.total) == (1, 1)
    before_any_began = stats.care_summary(cast.town_cadre, cast.town, None, days_ago(11))
    assert before_any_began.total == 0
    assert stats.care_summary(cast.village_cadre, cast.village, None, None).total == 1


def test_weddings_and_funerals_by_how_they_were_handled(cast, events, homes):
    services.family_event_record(
        actor=cast.superuser,
        region=cast.sibling_village,
        kind=FamilyEvent.Kind.FUNERAL,
        family_name="周家",
        original_date=days_ago(5),
        expected_size=20,
        status=FamilyEvent.Status.SIMPLIFIED,
    )
    services.family_event_update(
        actor=cast.superuser, event=events.sibling, status=FamilyEvent.Status.CANCELLED
    )
    town = stats.family_event_summary(cast.town_cadre, cast.town, None, None)
    assert town == stats.FamilyEventSummary(
        total=3, postponed=1, simplified=1, cancelled=1, held=0, weddings=2, funerals=1
    )
    recent = stats.family_event_summary(cast.town_cadre, cast.town, days_ago(6), None)
    assert (recent.total, recent.simplified) == (1, 1)
    assert stats.family_event_summary(cast.village_cadre, cast.village, None, None).total == 1


def test_wechat_groups_and_the_villages_they_cover(cast, groups):
    services.wechat_group_save(
        actor=cast.superuser, region=cast.village, name="南村村第二群", admin_name="李", members=5
    )
    villages = Region.objects.filter(code__startswith=cast.town.code, level=Level.VILLAGE).count()
    town = stats.wechat_summary(cast.town_cadre, cast.town, None, None)
    assert (town.groups, town.villages_covered, town.villages) == (3, 2, villages)
    assert villages > 2
    village = stats.wechat_summary(cast.village_cadre, cast.village, None, None)
    assert (village.groups, village.villages_covered, village.villages) == (2, 1, 1)
    before = stats.wechat_summary(cast.town_cadre, cast.town, None, days_ago(1))
    assert before.groups == 0


def test_the_summary_gathers_every_count(cast, cases, care, events, groups):
    summary = stats.relief_summary(cast.town_cadre, cast.town)
    assert summary.assistance.households == 2
    assert summary.care.active == 2
    assert summary.events.postponed == 2
    assert summary.wechat.villages_covered == 2
