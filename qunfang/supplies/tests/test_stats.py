import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from qunfang.relief.tests.conftest import add_household, add_person
from qunfang.residents.models import Relation
from qunfang.supplies import services, stats
from qunfang.supplies.models import Movement
from qunfang.supplies.tests.conftest import days_ago, donate, line


def evening(days: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(days_ago(days), dt.time(20)))


@pytest.fixture
def flows(cast, items, depots):
    """A convoy of 1,005,000 pieces (+200 litres) into the district, a donation to the town,
    district → town → village transfers, and hand-outs to an elderly person, a household,
    the newsroom, plus a hand-out in another county."""
    convoy = services.transfer_dispatch(
        actor=cast.superuser,
        target=depots.district,
        origin="浙江省义乌市",
        leader_name="李振华",
        occurred_on=days_ago(10),
        vehicles=[("晋E12345", "")],
        lines=[
            line(items.mask, 1_000_000),
            line(items.suit, 5_000),
            line(items.disinfectant, 200),
        ],
    )
    services.transfer_receive(actor=cast.superuser, movement=convoy, arrived_at=evening(10))
    donate(cast.superuser, depots.town, (items.mask, 3000), days=9, certificate="NC-1")
    to_town = services.transfer_dispatch(
        actor=cast.superuser,
        source=depots.district,
        target=depots.town,
        occurred_on=days_ago(8),
        lines=[line(items.mask, 10_000)],
    )
    services.transfer_receive(actor=cast.superuser, movement=to_town, arrived_at=evening(8))
    to_village = services.transfer_dispatch(
        actor=cast.superuser,
        source=depots.town,
        target=depots.village,
        occurred_on=days_ago(7),
        lines=[line(items.mask, 2_000)],
    )
    services.transfer_receive(actor=cast.superuser, movement=to_village, arrived_at=evening(7))
    home = add_household(cast.village, "0001")
    elder = add_person(home, "张奶奶", dt.date(1949, 12, 31))
    young = add_person(home, "张建国", dt.date(1990, 5, 1), relation=Relation.HEAD)
    other = add_household(cast.village, "0002")

    def hand_out(depot, days, quantity, **recipient):
        return services.distribution_record(
            actor=cast.superuser,
            depot=depot,
            occurred_on=days_ago(days),
            lines=[line(items.mask, quantity)],
            **recipient,
        )

    P, H, U = Movement.Recipient.PERSON, Movement.Recipient.HOUSEHOLD, Movement.Recipient.UNIT
    hand_out(depots.village, 6, 20, recipient_kind=P, person=elder)
    hand_out(depots.village, 5, 20, recipient_kind=P, person=elder)
    hand_out(depots.village, 5, 10, recipient_kind=P, person=young)
    hand_out(depots.village, 4, 50, recipient_kind=H, household=other)
    hand_out(depots.district, 3, 2_000, recipient_kind=U, unit_name="区新闻中心")
    services.distribution_record(
        actor=cast.superuser,
        depot=depots.district,
        occurred_on=days_ago(3),
        recipient_kind=U,
        unit_name="区新闻中心",
        lines=[line(items.disinfectant, "12.5")],
    )
    donate(cast.superuser, depots.foreign, (items.mask, 500), certificate="GP-1")
    hand_out(depots.foreign, 2, 100, recipient_kind=U, unit_name="米山镇卫生院")


def test_the_district_received_over_a_million_pieces(cast, flows):
    received = stats.items_received(cast.hq, cast.district)
    assert received == 1_008_000  # convoy 1,005,000 + the town's donation; litres apart
    assert stats.items_received_by_convoy(cast.hq, cast.district) == 1_005_000
    assert stats.approximate(received) == "百余万"


def test_moving_stock_inside_a_region_is_not_receiving(cast, flows):
    # The town received the district's transfer and its own donation; the village, the town's.
    assert stats.items_received(cast.town_cadre, cast.town) == 13_000
    assert stats.items_received(cast.village_cadre, cast.village) == 2_000


def test_distributed_counts_hand_outs_not_transfers(cast, flows):
    assert stats.items_distributed(cast.hq, cast.district) == 2_100
    assert stats.items_distributed(cast.town_cadre, cast.town) == 100
    summary = stats.supplies_summary(cast.hq, cast.district)
    assert summary.to_villages == 2_000
    assert summary.donations == 1
    assert summary.in_transit == 0


def test_persons_households_units_and_villages_served(cast, flows):
    served = stats.served(cast.hq, cast.district)
    assert served == stats.Served(households=2, persons=2, elderly=1, units=1, villages=1)


def test_counts_stay_inside_the_users_scope(cast, flows):
    # The sibling village's cadre asks about the whole district: only its own (empty) depot.
    assert stats.items_received(cast.sibling_cadre, cast.district) == 0
    assert stats.items_distributed(cast.sibling_cadre, cast.district) == 0
    assert stats.served(cast.sibling_cadre, cast.district).persons == 0
    assert stats.items_distributed(cast.other_town_cadre, cast.other_town) == 100


def test_a_convoy_is_received_on_the_day_it_arrives(cast, items, depots):
    convoy = services.transfer_dispatch(
        actor=cast.superuser,
        target=depots.district,
        origin="浙江省义乌市",
        leader_name="李振华",
        occurred_on=days_ago(3),
        vehicles=[("晋E12345", "")],
        lines=[line(items.mask, 500)],
    )
    assert stats.items_received(cast.hq, cast.district) == 0
    services.transfer_receive(actor=cast.superuser, movement=convoy, arrived_at=evening(1))
    assert stats.items_received(cast.hq, cast.district, days_ago(1), days_ago(1)) == 500
    assert stats.items_received(cast.hq, cast.district, None, days_ago(2)) == 0


def test_a_date_window_narrows_every_count(cast, flows):
    assert stats.items_received(cast.hq, cast.district, days_ago(9), None) == 3_000
    assert stats.items_distributed(cast.hq, cast.district, None, days_ago(5)) == 50
    served = stats.served(cast.hq, cast.district, days_ago(5), days_ago(4))
    assert (served.persons, served.households) == (2, 2)


def test_by_category_by_item_per_day_and_per_region(cast, flows):
    rows = {row.category: row for row in stats.by_category(cast.hq, cast.district)}
    assert rows["protective"].received == 1_008_000
    assert rows["protective"].distributed == 2_100
    assert "disinfection" not in rows  # litres are not pieces
    by_item = {row.item.name: row for row in stats.by_item(cast.hq, cast.district)}
    assert by_item["84消毒液"].received == 200
    assert by_item["84消毒液"].distributed == Decimal("12.5")
    days = {row.day: row for row in stats.per_day(cast.hq, cast.district)}
    assert days[days_ago(10)].received == 1_005_000
    assert days[days_ago(5)].distributed == 30
    regions = {row.region.code: row for row in stats.per_region(cast.hq, cast.district)}
    assert set(regions) == {cast.town.code}
    assert (regions[cast.town.code].received, regions[cast.town.code].distributed) == (
        13_000,
        100,
    )


def test_shortages_and_expiring_lots_are_counted(cast, items, depots):
    donate(cast.superuser, depots.town, (items.alcohol, 5))
    donate(cast.superuser, depots.town, (items.disinfectant, 5, "SOON", days_ago(-10)))
    services.threshold_set(actor=cast.superuser, depot=depots.town, item=items.alcohol, minimum=50)
    services.threshold_set(actor=cast.superuser, depot=depots.town, item=items.lamp, minimum=2)
    summary = stats.supplies_summary(cast.town_cadre, cast.town)
    assert (summary.low_stock, summary.expiring) == (2, 1)
    assert stats.supplies_summary(cast.sibling_cadre, cast.sibling_village).low_stock == 0


@pytest.mark.parametrize(
    "pieces, text",
    [
        (1_030_000, "百余万"),
        (2_400_000, "二百余万"),
        (12_000_000, "1200万余"),
        (56_000, "5万余"),
        (800, "800"),
    ],
)
def test_large_counts_are_written_as_a_summary_writes_them(pieces, text):
    assert stats.approximate(pieces) == text
