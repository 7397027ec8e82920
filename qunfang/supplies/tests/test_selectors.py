from decimal import Decimal

from qunfang.org.testing import assert_queryset_scoped
from qunfang.supplies import selectors, services
from qunfang.supplies.models import StockEntry
from qunfang.supplies.tests.conftest import days_ago, donate, line


def test_depots_are_scoped_to_the_users_subtree(cast, depots):
    every = list(vars(depots).values())
    assert_queryset_scoped(
        lambda user: selectors.depot_list(user),
        user=cast.hq,
        visible=[depots.district, depots.town, depots.village, depots.sibling],
        hidden=[depots.foreign],
    )
    assert_queryset_scoped(
        lambda user: selectors.depot_list(user),
        user=cast.town_cadre,
        visible=[depots.town, depots.village, depots.sibling],
        hidden=[depots.district, depots.foreign],
    )
    assert_queryset_scoped(
        lambda user: selectors.depot_list(user),
        user=cast.village_cadre,
        visible=[depots.village],
        hidden=[d for d in every if d != depots.village],
    )
    assert_queryset_scoped(
        lambda user: selectors.depot_list(user), user=cast.superuser, visible=every, hidden=[]
    )


def test_a_transfer_shows_at_both_ends_and_nowhere_else(cast, items, stocked):
    down = services.transfer_dispatch(
        actor=cast.town_cadre,
        source=stocked.town,
        target=stocked.village,
        occurred_on=days_ago(0),
        lines=[line(items.mask, 5)],
    )
    up = services.transfer_dispatch(
        actor=cast.superuser,
        source=stocked.village,
        target=stocked.town,
        occurred_on=days_ago(0),
        lines=[line(items.mask, 5)],
    )
    for user in (cast.town_cadre, cast.village_cadre):
        assert_queryset_scoped(
            lambda u: selectors.movement_list(u), user=user, visible=[down, up], hidden=[]
        )
    assert_queryset_scoped(
        lambda u: selectors.movement_list(u), user=cast.sibling_cadre, visible=[], hidden=[down, up]
    )
    assert_queryset_scoped(
        lambda u: selectors.in_transit_to(u), user=cast.village_cadre, visible=[down], hidden=[up]
    )


def test_stock_rows_add_up_the_ledger_with_thresholds_and_goods_on_the_road(cast, items, stocked):
    services.transfer_dispatch(
        actor=cast.town_cadre,
        source=stocked.town,
        target=stocked.village,
        occurred_on=days_ago(0),
        lines=[line(items.mask, 300)],
    )
    services.threshold_set(
        actor=cast.superuser, depot=stocked.village, item=items.lamp, minimum=Decimal(3)
    )
    rows = {
        (row.depot.pk, row.item.name): row
        for row in selectors.stock_rows(cast.town_cadre, region=cast.town)
    }
    assert rows[(stocked.town.pk, "医用外科口罩")].balance == 700
    assert rows[(stocked.village.pk, "医用外科口罩")].in_transit == 300
    lamp = rows[(stocked.village.pk, "紫外线消毒灯")]
    assert (lamp.balance, lamp.low, lamp.shortfall) == (0, True, 3)
    assert not any(row.depot == stocked.foreign for row in rows.values())
    low = selectors.stock_rows(cast.town_cadre, region=cast.town, low_only=True)
    assert [(row.depot, row.item) for row in low] == [(stocked.village, items.lamp)]
    assert StockEntry.objects.filter(depot=stocked.village, item=items.lamp).count() == 0


def test_lots_flag_expired_and_near_expiry(cast, items, depots):
    donate(cast.superuser, depots.town, (items.disinfectant, 5, "GONE", days_ago(1)), days=30)
    donate(cast.superuser, depots.town, (items.disinfectant, 6, "SOON", days_ago(-29)))
    donate(cast.superuser, depots.town, (items.disinfectant, 7, "FAR", days_ago(-31)))
    donate(cast.superuser, depots.sibling, (items.disinfectant, 8, "SIB", days_ago(-2)))
    lots = selectors.lot_rows(cast.town_cadre, region=cast.town, expiring_only=True)
    assert [(lot.lot_no, lot.expired, lot.near_expiry) for lot in lots] == [
        ("GONE", True, False),
        ("SIB", False, True),
        ("SOON", False, True),
    ]
    mine = selectors.lot_rows(cast.village_cadre, region=cast.town, expiring_only=True)
    assert mine == []
