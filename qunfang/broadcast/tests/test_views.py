import io

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from qunfang.broadcast.models import Fault, Programme, Terminal, WorkOrder
from qunfang.broadcast.tests.conftest import ago
from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_urls_allowed, assert_urls_refused, client_for

READ_PAGES = [
    "broadcast:overview",
    "broadcast:terminals",
    "broadcast:report",
    "broadcast:faults",
    "broadcast:programmes",
]
REPAIR_PAGES = ["broadcast:terminal_create", "broadcast:programme_create"]
EXPORTS = ["terminals", "faults"]


def counts() -> list[int]:
    return [m.objects.count() for m in (Terminal, Fault, WorkOrder, Programme)]


def body(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("persona", ["superuser", "hq", "dept", "town_cadre", "village_cadre"])
def test_reading_pages_render_for_people_who_run_the_loudspeakers(cast, orders, persona):
    user = getattr(cast, persona)
    urls = [reverse(name) for name in READ_PAGES]
    urls += [reverse("broadcast:faults") + "?show=all"]
    urls += [reverse("broadcast:export", args=[name, "csv"]) for name in EXPORTS]
    urls += [
        reverse("broadcast:fault", args=[orders.own.fault_id]),
        reverse("broadcast:terminal", args=[orders.own.fault.terminal_id]),
        reverse("broadcast:report_terminal", args=[orders.own.fault.terminal_id]),
    ]
    assert_urls_allowed(user, urls)


@pytest.mark.parametrize("persona", ["hq", "dept", "town_cadre"])
def test_repair_pages_render_for_repairers(cast, persona):
    assert_urls_allowed(getattr(cast, persona), [reverse(name) for name in REPAIR_PAGES])


def test_a_village_cadre_may_report_but_not_repair(cast, orders):
    urls = [reverse(name) for name in REPAIR_PAGES]
    urls += [
        reverse("broadcast:terminal_service", args=[orders.own.fault.terminal_id]),
        reverse("broadcast:dispatch", args=[orders.own.fault_id]),
        reverse("broadcast:arrive", args=[orders.own.pk]),
        reverse("broadcast:close", args=[orders.own.pk]),
    ]
    assert_urls_refused(cast.village_cadre, urls, unchanged=[orders.own, orders.own.fault])
    page = body(
        client_for(cast.village_cadre).get(reverse("broadcast:fault", args=[orders.own.fault_id]))
    )
    assert "修复完成，关闭工单" not in page


@pytest.mark.parametrize("persona", ["volunteer", "auditor", "counsellor", "grid_worker"])
def test_everyone_else_is_refused_every_page(cast, orders, persona):
    urls = [reverse(name) for name in READ_PAGES + REPAIR_PAGES]
    urls += [reverse("broadcast:export", args=[name, "xlsx"]) for name in EXPORTS]
    urls += [
        reverse("broadcast:fault", args=[orders.own.fault_id]),
        reverse("broadcast:terminal", args=[orders.own.fault.terminal_id]),
        reverse("broadcast:report_terminal", args=[orders.own.fault.terminal_id]),
        reverse("broadcast:terminal_service", args=[orders.own.fault.terminal_id]),
        reverse("broadcast:dispatch", args=[orders.own.fault_id]),
        reverse("broadcast:arrive", args=[orders.own.pk]),
        reverse("broadcast:close", args=[orders.own.pk]),
    ]
    assert_urls_refused(getattr(cast, persona), urls, unchanged=[orders.own, orders.own.fault])


def test_anonymous_visitors_are_sent_to_login(db):
    client = Client(HTTP_HOST="127.0.0.1")
    for name in READ_PAGES + REPAIR_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_objects_of_a_sibling_village_are_a_404(cast, orders):
    sibling = orders.sibling
    urls = [
        reverse("broadcast:fault", args=[sibling.fault_id]),
        reverse("broadcast:terminal", args=[sibling.fault.terminal_id]),
        reverse("broadcast:report_terminal", args=[sibling.fault.terminal_id]),
    ]
    assert_urls_refused(cast.village_cadre, urls, unchanged=[sibling, sibling.fault])
    foreign = orders.foreign
    urls = [
        reverse("broadcast:terminal_service", args=[foreign.fault.terminal_id]),
        reverse("broadcast:dispatch", args=[foreign.fault_id]),
        reverse("broadcast:arrive", args=[foreign.pk]),
        reverse("broadcast:close", args=[foreign.pk]),
    ]
    assert_urls_refused(cast.town_cadre, urls, unchanged=[foreign, foreign.fault])
    response = client_for(cast.town_cadre).post(
        reverse("broadcast:close", args=[foreign.pk]), {"cause": "silent"}
    )
    assert response.status_code == 404
    # Not a 403: no page admits the other's rows exist.
    village, town = client_for(cast.village_cadre), client_for(cast.town_cadre)
    for name, pk in (
        ("broadcast:fault", sibling.fault_id),
        ("broadcast:terminal", sibling.fault.terminal_id),
        ("broadcast:report_terminal", sibling.fault.terminal_id),
    ):
        assert village.get(reverse(name, args=[pk])).status_code == 404, name
    for name, pk in (
        ("broadcast:terminal_service", foreign.fault.terminal_id),
        ("broadcast:dispatch", foreign.fault_id),
        ("broadcast:arrive", foreign.pk),
    ):
        assert town.post(reverse(name, args=[pk])).status_code == 404, name


def test_lists_show_only_the_users_subtree(cast, orders):
    client = client_for(cast.village_cadre)
    pages = {name: body(client.get(reverse(name))) for name in READ_PAGES}
    for name in ("broadcast:terminals", "broadcast:report", "broadcast:faults"):
        assert "NC-200-01" in pages[name], name
    everything = "".join(pages.values())
    assert "NC-201-01" not in everything and "MS-01" not in everything


def test_a_cadre_reports_on_the_phone_page_and_a_second_report_is_refused(cast, terminals):
    client = client_for(cast.village_cadre)
    page = body(client.get(reverse("broadcast:report")))
    assert "这个喇叭不响了" in page and "NC-200-01" in page
    url = reverse("broadcast:report_terminal", args=[terminals.own.pk])
    response = client.post(url, {"kind": "power_cut", "description": "电源线被拔"})
    assert response.status_code == 302
    fault = Fault.objects.get()
    assert (fault.kind, fault.reported_by) == ("power_cut", cast.village_cadre)
    before = counts()
    response = client.post(url, {"kind": "silent"})
    assert response.status_code == 200
    assert "无需重复上报" in body(response)
    assert counts() == before


def test_a_technician_dispatches_and_closes_and_a_second_close_is_a_message(cast, faults):
    client = client_for(cast.dept)
    fault_url = reverse("broadcast:fault", args=[faults.own.pk])
    assert "派单（镇台联动）" in body(client.get(fault_url))
    response = client.post(
        reverse("broadcast:dispatch", args=[faults.own.pk]),
        {"team": "joint", "assignee": str(cast.town_cadre.pk), "crew": "镇电工"},
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.assignee == cast.town_cadre
    client.post(reverse("broadcast:arrive", args=[order.pk]))
    client.post(reverse("broadcast:close", args=[order.pk]), {"cause": "power_cut", "note": "接电"})
    order.refresh_from_db()
    assert order.status == "closed"
    before = [counts(), AuditEvent.objects.count()]
    response = client.post(
        reverse("broadcast:close", args=[order.pk]), {"cause": "silent"}, follow=True
    )
    assert "不能重复关闭" in body(response)
    assert [counts(), AuditEvent.objects.count()] == before
    assert Fault.objects.get(pk=faults.own.pk).cause == "power_cut"


def test_a_village_cadre_cannot_be_picked_as_assignee(cast, faults):
    client = client_for(cast.dept)
    response = client.post(
        reverse("broadcast:dispatch", args=[faults.own.pk]),
        {"team": "joint", "assignee": str(cast.village_cadre.pk)},
        follow=True,
    )
    assert "请选择维修力量和负责人" in body(response)
    assert WorkOrder.objects.count() == 0


def test_terminals_and_programmes_are_added_on_their_pages(cast):
    client = client_for(cast.town_cadre)
    response = client.post(
        reverse("broadcast:terminal_create"),
        {"region": cast.village.code, "code": "NC-200-09", "location": "村口", "monitored": "on"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("broadcast:terminal_create"),
        {"region": cast.village.code, "code": "NC-200-09", "location": "村口"},
    )
    assert "终端编号 NC-200-09 已经登记过。" in body(response)
    response = client.post(
        reverse("broadcast:programme_create"),
        {"title": "防控提示", "schedule": "7:00，12:00 18:30", "start_date": "2020-02-01"},
    )
    assert response.status_code == 302
    assert Programme.objects.get().schedule == ["07:00", "12:00", "18:30"]
    response = client.post(
        reverse("broadcast:programme_create"),
        {"title": "坏时间", "schedule": "7点", "start_date": "2020-02-01"},
    )
    assert "格式不对" in body(response)
    assert Programme.objects.count() == 1


def test_the_overview_says_the_summary_sentences(cast, orders):
    page = body(client_for(cast.town_cadre).get(reverse("broadcast:overview")))
    assert "无线应急广播终端2个，正常播放0个，在线率0.0％" in page
    assert "上报故障2起，其中人为断电1起，尚未修复2起" in page
    assert 'id="broadcast-chart-data"' in page and "broadcast/charts.js" in page
    assert "<script>" not in page
    assert f'id="fault-{orders.own.fault_id}"' in page


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_are_scoped_and_audited(cast, orders, fmt):
    response = client_for(cast.village_cadre).get(reverse("broadcast:export", args=["faults", fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "NC-200-01" in text and "镇台联动" in text
    assert "NC-201-01" not in text and "MS-01" not in text
    audit = AuditEvent.objects.get(action="export")
    assert audit.detail == {"export": "broadcast.faults", "rows": 1, "format": fmt}


def test_the_sweep_command_reports_what_it_silenced(cast, terminals):
    Terminal.objects.filter(pk=terminals.own.pk).update(last_heartbeat_at=ago(minutes=90))
    out = io.StringIO()
    call_command("broadcast_sweep", "--minutes", "60", stdout=out)
    assert "失联：NC-200-01" in out.getvalue()
    assert "新增失联终端 1 个" in out.getvalue()
    assert Terminal.objects.get(pk=terminals.own.pk).status == "silent"


def test_a_repairer_takes_a_terminal_out_of_service_on_its_page(cast, terminals):
    client = client_for(cast.town_cadre)
    url = reverse("broadcast:terminal_service", args=[terminals.own.pk])
    page = client.post(url, {"in_service": "0"}, follow=True)
    assert "已停用。" in body(page) and "恢复使用" in body(page)
    assert Terminal.objects.get(pk=terminals.own.pk).status == "disabled"
    page = client.post(url, {"in_service": "0"}, follow=True)
    assert "该终端已经停用。" in body(page)
    client.post(url, {"in_service": "1"})
    assert Terminal.objects.get(pk=terminals.own.pk).status == "online"
