"""Two technicians closing one order at once, and a cadre reporting while another does, on
PostgreSQL (SQLite serialises writers by itself): the second waits on the row lock and is then
told the work is already done."""

import pytest
from django.db import connection

from qunfang.broadcast import services
from qunfang.broadcast.models import Fault, WorkOrder
from qunfang.core.testing import race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="行锁（SELECT … FOR UPDATE）只在 PostgreSQL 上测试"
)


def test_an_order_closed_by_two_technicians_at_once_is_closed_once(transactional_db, cast, orders):
    def close():
        services.order_close(actor=cast.dept, order=orders.own, cause="power_cut")

    results = race(close, close)
    assert results["first"] == "ok"
    assert results["second_waited"] is True
    assert "不能重复关闭" in results["second"][0]
    assert WorkOrder.objects.get(pk=orders.own.pk).status == "closed"


def test_two_cadres_reporting_one_loudspeaker_at_once_open_one_fault(
    transactional_db, cast, terminals
):
    def report():
        services.fault_report(actor=cast.village_cadre, terminal=terminals.own, kind="silent")

    results = race(report, report)
    assert results["first"] == "ok"
    assert results["second_waited"] is True
    assert "无需重复上报" in results["second"][0]
    assert Fault.objects.filter(terminal=terminals.own).count() == 1
