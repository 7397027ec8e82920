import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qunfang.core.models import AuditEvent
from qunfang.relief.tests.conftest import add_household, add_person
from qunfang.residents.models import Person, Relation
from qunfang.supplies import services
from qunfang.supplies.models import Depot, Movement, MovementLine, StockEntry
from qunfang.supplies.services import format_quantity
from qunfang.supplies.tests.conftest import days_ago, donate, line


def balance(depot, item) -> Decimal:
    total = sum(e.quantity for e in StockEntry.objects.filter(depot=depot, item=item))
    return Decimal(total)


def writes() -> list[int]:
    return [m.objects.count() for m in (Movement, MovementLine, StockEntry)]


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- coming in -------------------------------------------------------------------------------


def test_a_donation_puts_its_lines_into_the_depot_and_is_audited(cast, items, depots):
    movement = donate(
        cast.town_cadre,
        depots.town,
        (items.mask, 5000),
        (items.disinfectant, "12.5"),
        certificate="JZ-001",
    )
    assert movement.status == Movement.Status.DONE
    assert balance(depots.town, items.mask) == 5000
    assert balance(depots.town, items.disinfectant) == Decimal("12.5")
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).latest("id")
    assert event.target == f"捐赠入库 {movement.number}"
    assert event.region_code == depots.town.region.code
    assert event.detail["certificate"] == "JZ-001"


def test_a_supply_with_a_shelf_life_gets_an_expiry_date_when_none_is_given(cast, items, depots):
    donate(cast.superuser, depots.town, (items.disinfectant, 10), days=5)
    entry = StockEntry.objects.get(item=items.disinfectant)
    assert entry.expires_on == days_ago(5) + dt.timedelta(days=365)


@pytest.mark.parametrize(
    "_case, quantity, expected",
    [
        ("negative", "-5", "数量必须大于 0"),
        ("zero", "0", "数量必须大于 0"),
        ("fraction_of_a_mask", "2.5", "按个计，数量必须是整数"),
        ("too_precise", "1.0001", "最多保留三位小数"),
    ],
)
def test_bad_quantities_are_refused_and_nothing_is_written(
    cast, items, depots, _case, quantity, expected
):
    # Litres may be fractional, masks may not: each rule is met on an item it applies to.
    item = items.disinfectant if _case == "too_precise" else items.mask
    before = writes()
    with pytest.raises(ValidationError) as raised:
        donate(cast.superuser, depots.town, (item, quantity))
    assert writes() == before
    assert item.name in messages_of(raised.value)
    assert expected in messages_of(raised.value)


def test_a_fraction_of_a_litre_is_allowed_where_the_item_allows_it(cast, items, depots):
    donate(cast.superuser, depots.town, (items.disinfectant, "0.5"))
    assert balance(depots.town, items.disinfectant) == Decimal("0.5")
    with pytest.raises(ValidationError, match="最多保留三位小数"):
        donate(cast.superuser, depots.town, (items.disinfectant, "0.0005"))


def test_a_certificate_number_is_taken_only_once(cast, items, depots):
    donate(cast.superuser, depots.town, (items.mask, 10), certificate="JZ-7")
    before = writes()
    with pytest.raises(ValidationError, match=r"JZ-7.*已登记"):
        donate(cast.superuser, depots.district, (items.mask, 10), certificate="JZ-7")
    assert writes() == before


def test_expired_supplies_are_not_taken_in(cast, items, depots):
    with pytest.raises(ValidationError, match="已过有效期"):
        donate(cast.superuser, depots.town, (items.disinfectant, 5, "L1", days_ago(10)), days=1)
    assert writes() == [0, 0, 0]


def test_a_donation_needs_a_donor_and_a_line(cast, items, depots):
    with pytest.raises(ValidationError, match="请填写捐赠方"):
        donate(cast.superuser, depots.town, (items.mask, 1), donor=" ")
    with pytest.raises(ValidationError, match="请至少填写一种物资"):
        donate(cast.superuser, depots.town)


def test_a_procurement_keeps_the_supplier_and_prices(cast, items, depots):
    movement = services.procurement_record(
        actor=cast.superuser,
        depot=depots.district,
        supplier="晋城市医药有限公司",
        occurred_on=days_ago(1),
        lines=[line(items.lamp, 10, unit_price=Decimal("380.00"))],
    )
    assert movement.supplier == "晋城市医药有限公司"
    assert movement.lines.get().unit_price == Decimal("380.00")
    assert balance(depots.district, items.lamp) == 10
    with pytest.raises(ValidationError, match="单价不能为负数"):
        services.procurement_record(
            actor=cast.superuser,
            depot=depots.district,
            supplier="某公司",
            occurred_on=days_ago(1),
            lines=[line(items.lamp, 1, unit_price=Decimal("-1"))],
        )


def test_a_date_in_the_future_is_refused(cast, items, depots):
    with pytest.raises(ValidationError, match="日期不能晚于今天"):
        donate(cast.superuser, depots.town, (items.mask, 1), days=-1)


# --- convoys and transfers -------------------------------------------------------------------


def convoy(actor, target, items, **kwargs):
    defaults = dict(
        actor=actor,
        target=target,
        origin="浙江省义乌市",
        leader_name="李振华",
        leader_phone="13903561234",
        occurred_on=days_ago(2),
        vehicles=[("晋E12345", "王师傅"), ("晋EA3456", "")],
        lines=[line(items.mask, 800_000, lot_no="YW-1"), line(items.disinfectant, 200)],
    )
    defaults.update(kwargs)
    return services.transfer_dispatch(**defaults)


def hand_out(actor, depot: Depot, item, quantity, *, unit: str) -> Movement:
    """A hand-out of one line to a unit, today."""
    return services.distribution_record(
        actor=actor,
        depot=depot,
        occurred_on=days_ago(0),
        recipient_kind=Movement.Recipient.UNIT,
        unit_name=unit,
        lines=[line(item, quantity)],
    )


def send(actor, source: Depot, target: Depot, item, quantity) -> Movement:
    """A plain transfer of one line, dispatched today."""
    return services.transfer_dispatch(
        actor=actor,
        source=source,
        target=target,
        occurred_on=days_ago(0),
        lines=[line(item, quantity)],
    )


def test_a_convoy_from_outside_is_in_transit_until_received(cast, items, depots):
    movement = convoy(cast.hq, depots.district, items)
    assert movement.status == Movement.Status.IN_TRANSIT
    assert balance(depots.district, items.mask) == 0
    assert movement.leader_phone_masked == "139****1234"
    assert "13903561234" not in movement.leader_phone
    assert sorted(movement.vehicles.values_list("plate", flat=True)) == ["晋E12345", "晋EA3456"]

    services.transfer_receive(actor=cast.hq, movement=movement)
    movement.refresh_from_db()
    assert movement.status == Movement.Status.RECEIVED
    assert movement.received_by == cast.hq
    assert movement.arrived_at is not None
    assert balance(depots.district, items.mask) == 800_000
    assert StockEntry.objects.get(item=items.mask).lot_no == "YW-1"


def test_a_convoy_cannot_be_received_twice(cast, items, depots):
    movement = convoy(cast.hq, depots.district, items)
    services.transfer_receive(actor=cast.hq, movement=movement)
    before = writes()
    with pytest.raises(ValidationError, match="不能重复接收") as raised:
        services.transfer_receive(actor=cast.hq, movement=movement)
    assert "hq" in messages_of(raised.value)
    assert writes() == before
    assert balance(depots.district, items.mask) == 800_000


@pytest.mark.parametrize(
    "_case, changes, message",
    [
        ("no_origin", {"origin": ""}, "请填写起运地"),
        ("no_leader", {"leader_name": ""}, "请填写运输领队"),
        ("no_vehicle", {"vehicles": []}, "至少登记一辆车"),
        ("bad_plate", {"vehicles": [("ABC123", "")]}, "车牌号“ABC123”格式不正确"),
        ("same_plate", {"vehicles": [("晋E12345", ""), ("晋e 12345", "")]}, "重复登记"),
        ("bad_phone", {"leader_phone": "12345"}, "11位手机号"),
    ],
)
def test_a_convoy_from_outside_needs_its_papers(cast, items, depots, _case, changes, message):
    with pytest.raises(ValidationError, match=message):
        convoy(cast.hq, depots.district, items, **changes)
    assert writes() == [0, 0, 0]


def test_a_transfer_takes_stock_out_at_once_and_puts_it_in_on_receipt(cast, items, stocked):
    movement = send(cast.town_cadre, stocked.town, stocked.village, items.mask, 300)
    assert balance(stocked.town, items.mask) == 700
    assert balance(stocked.village, items.mask) == 1000
    services.transfer_receive(actor=cast.village_cadre, movement=movement)
    assert balance(stocked.village, items.mask) == 1300


def test_a_transfer_to_a_depot_outside_the_scope_is_refused(cast, items, stocked):
    before = writes()
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        send(cast.town_cadre, stocked.town, stocked.foreign, items.mask, 10)
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        send(cast.village_cadre, stocked.village, stocked.sibling, items.mask, 10)
    assert writes() == before
    assert balance(stocked.town, items.mask) == 1000


def test_a_transfer_to_its_own_depot_is_refused(cast, items, stocked):
    with pytest.raises(ValidationError, match="不能相同"):
        send(cast.town_cadre, stocked.town, stocked.town, items.mask, 10)


def test_an_arrival_before_the_departure_is_refused(cast, items, depots):
    movement = convoy(cast.hq, depots.district, items, departed_at=timezone.now())
    with pytest.raises(ValidationError, match="到达时间不能早于出发时间"):
        services.transfer_receive(
            actor=cast.hq, movement=movement, arrived_at=timezone.now() - dt.timedelta(hours=2)
        )
    movement.refresh_from_db()
    assert movement.status == Movement.Status.IN_TRANSIT


# --- hand-outs -------------------------------------------------------------------------------


@pytest.fixture
def elder(cast) -> Person:
    home = add_household(cast.village, "0001")
    add_person(home, "张建国", dt.date(1980, 5, 1), relation=Relation.HEAD)
    return add_person(home, "张奶奶", dt.date(1949, 12, 31))


def test_supplies_are_handed_to_an_elderly_person_in_the_ledger(cast, items, stocked, elder):
    movement = services.distribution_record(
        actor=cast.village_cadre,
        depot=stocked.village,
        occurred_on=days_ago(0),
        recipient_kind=Movement.Recipient.PERSON,
        person=elder,
        channel="市慈善总会",
        lines=[line(items.mask, 20), line(items.disinfectant, "0.5")],
    )
    assert movement.household == elder.household
    assert movement.recipient_label == "张奶奶"
    assert balance(stocked.village, items.mask) == 980
    assert balance(stocked.village, items.disinfectant) == Decimal("49.5")
    event = AuditEvent.objects.latest("id")
    assert event.detail["person"] == elder.pk
    assert "张奶奶" not in str(event.detail)


def test_more_than_the_depot_holds_is_refused_and_nothing_is_written(cast, items, stocked):
    before = writes()
    with pytest.raises(ValidationError) as raised:
        services.distribution_record(
            actor=cast.village_cadre,
            depot=stocked.village,
            occurred_on=days_ago(0),
            recipient_kind=Movement.Recipient.UNIT,
            unit_name="区新闻中心",
            lines=[line(items.mask, 999), line(items.disinfectant, 60)],
        )
    assert messages_of(raised.value) == (
        "“84消毒液”库存不足：南村村物资点现有可用50升，本次需要60升。"
    )
    assert writes() == before


def test_two_lines_of_one_item_are_added_up_against_the_stock(cast, items, stocked):
    with pytest.raises(ValidationError, match="本次需要1200个"):
        services.distribution_record(
            actor=cast.village_cadre,
            depot=stocked.village,
            occurred_on=days_ago(0),
            recipient_kind=Movement.Recipient.UNIT,
            unit_name="村卫生室",
            lines=[line(items.mask, 600), line(items.mask, 600)],
        )


def test_lots_go_out_first_expiring_first_and_expired_lots_never(cast, items, depots):
    soon, later = days_ago(-10), days_ago(-200)
    donate(cast.superuser, depots.town, (items.disinfectant, 30, "LATE", later), days=100)
    donate(cast.superuser, depots.town, (items.disinfectant, 20, "SOON", soon), days=100)
    donate(cast.superuser, depots.town, (items.disinfectant, 40, "OLD", days_ago(1)), days=100)
    movement = hand_out(cast.town_cadre, depots.town, items.disinfectant, 25, unit="镇卫生院")
    taken = {(li.lot_no, li.quantity) for li in movement.lines.all()}
    assert taken == {("SOON", Decimal(20)), ("LATE", Decimal(5))}
    with pytest.raises(ValidationError, match="现有可用25升"):
        hand_out(cast.town_cadre, depots.town, items.disinfectant, 26, unit="镇卫生院")


def test_a_recipient_outside_the_depots_area_is_refused(cast, items, stocked, elder):
    with pytest.raises(ValidationError, match="不在该仓库的服务范围内"):
        services.distribution_record(
            actor=cast.superuser,
            depot=stocked.sibling,
            occurred_on=days_ago(0),
            recipient_kind=Movement.Recipient.PERSON,
            person=elder,
            lines=[line(items.mask, 1)],
        )


def test_a_person_who_moved_away_gets_nothing(cast, items, stocked, elder):
    Person.objects.filter(pk=elder.pk).update(status=Person.Status.MOVED)
    elder.refresh_from_db()
    with pytest.raises(ValidationError, match="已迁出或死亡"):
        services.distribution_record(
            actor=cast.village_cadre,
            depot=stocked.village,
            occurred_on=days_ago(0),
            recipient_kind=Movement.Recipient.PERSON,
            person=elder,
            lines=[line(items.mask, 1)],
        )


@pytest.mark.parametrize(
    "_case, kind, message",
    [
        ("household", Movement.Recipient.HOUSEHOLD, "请选择领取物资的户"),
        ("person", Movement.Recipient.PERSON, "请选择领取物资的人员"),
        ("unit", Movement.Recipient.UNIT, "请填写接收单位名称"),
        ("nonsense", "army", "请选择发放对象"),
    ],
)
def test_a_hand_out_names_its_recipient(cast, items, stocked, _case, kind, message):
    with pytest.raises(ValidationError, match=message):
        services.distribution_record(
            actor=cast.village_cadre,
            depot=stocked.village,
            occurred_on=days_ago(0),
            recipient_kind=kind,
            lines=[line(items.mask, 1)],
        )


def test_an_inactive_depot_takes_nothing_in_or_out(cast, items, stocked):
    stocked.village.is_active = False
    stocked.village.save()
    before = writes()
    with pytest.raises(ValidationError, match="已停用"):
        donate(cast.superuser, stocked.village, (items.mask, 1))
    with pytest.raises(ValidationError, match="已停用"):
        hand_out(cast.superuser, stocked.village, items.mask, 1, unit="卡口")
    with pytest.raises(ValidationError, match="已停用"):
        send(cast.superuser, stocked.village, stocked.town, items.mask, 1)
    assert writes() == before


# --- depots and thresholds -------------------------------------------------------------------


def test_a_depot_lives_at_a_district_town_or_village(cast):
    with pytest.raises(ValidationError, match="只能设在区县、乡镇街道或村"):
        services.depot_create(actor=cast.superuser, region=cast.grid, name="网格仓库")
    services.depot_create(actor=cast.superuser, region=cast.village, name="村物资点")
    with pytest.raises(ValidationError, match="同名仓库"):
        services.depot_create(actor=cast.superuser, region=cast.village, name="村物资点")


def test_a_threshold_is_set_then_changed_not_duplicated(cast, items, depots):
    services.threshold_set(actor=cast.hq, depot=depots.district, item=items.lamp, minimum=10)
    threshold = services.threshold_set(
        actor=cast.hq, depot=depots.district, item=items.lamp, minimum=Decimal(12)
    )
    assert threshold.minimum == 12
    assert depots.district.thresholds.count() == 1
    with pytest.raises(ValidationError, match="不能为负数"):
        services.threshold_set(
            actor=cast.hq, depot=depots.district, item=items.lamp, minimum=Decimal(-1)
        )
    with pytest.raises(ValidationError, match="必须是整数"):
        services.threshold_set(
            actor=cast.hq, depot=depots.district, item=items.lamp, minimum=Decimal("1.5")
        )


@pytest.mark.parametrize(
    "value, text",
    [(Decimal("1000000.000"), "1000000"), (Decimal("2.500"), "2.5"), (None, "0"), (7, "7")],
)
def test_quantities_are_written_without_trailing_zeros(value, text):
    assert format_quantity(value) == text
