"""Two people acting on the same stock at once, on PostgreSQL (SQLite serialises writers by
itself). The first holds its transaction open after its write; the second must wait for it
and then see the stock the first left, not the stock before it."""

import pytest
from django.db import connection

from qunfang.core.testing import race
from qunfang.supplies import services
from qunfang.supplies.models import Movement, StockEntry
from qunfang.supplies.tests.conftest import days_ago, line

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="行锁（SELECT … FOR UPDATE）只在 PostgreSQL 上测试"
)


def test_two_hand_outs_of_the_last_boxes_cannot_both_succeed(
    transactional_db, cast, items, stocked
):
    def hand_out():
        services.distribution_record(
            actor=cast.village_cadre,
            depot=stocked.village,
            occurred_on=days_ago(0),
            recipient_kind=Movement.Recipient.UNIT,
            unit_name="村卫生室",
            lines=[line(items.mask, 600)],
        )

    results = race(hand_out, hand_out)
    assert results["first"] == "ok"
    assert results["second_waited"] is True
    assert results["second"] == [
        "“医用外科口罩”库存不足：南村村物资点现有可用400个，本次需要600个。"
    ]
    total = sum(
        e.quantity for e in StockEntry.objects.filter(depot=stocked.village, item=items.mask)
    )
    assert total == 400


def test_a_convoy_received_by_two_people_at_once_is_received_once(
    transactional_db, cast, items, depots
):
    movement = services.transfer_dispatch(
        actor=cast.hq,
        target=depots.district,
        origin="浙江省义乌市",
        leader_name="李振华",
        occurred_on=days_ago(1),
        vehicles=[("晋E12345", "")],
        lines=[line(items.mask, 1000)],
    )

    def receive():
        services.transfer_receive(actor=cast.hq, movement=movement)

    results = race(receive, receive)
    assert results["first"] == "ok"
    assert results["second_waited"] is True
    assert "不能重复接收" in results["second"][0]
    assert StockEntry.objects.filter(depot=depots.district).count() == 1
