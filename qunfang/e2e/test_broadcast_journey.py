"""On a phone: a village cadre reports a silent loudspeaker, and a station technician (a
district user who runs the loudspeakers) dispatches, reaches and closes the repair order."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qunfang.broadcast import services
from qunfang.broadcast.models import Fault, Terminal, WorkOrder
from qunfang.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_cadre_reports_a_silent_loudspeaker_and_a_technician_closes_the_order(
    phone, browser_cast
):
    cast = browser_cast
    terminal = services.terminal_register(
        actor=cast.superuser,
        region=cast.village,
        code="140525100200-01",
        location="南村村村委会楼顶",
        model="IP-RDS",
    )
    services.terminal_register(
        actor=cast.superuser,
        region=cast.sibling_village,
        code="140525100201-01",
        location="原家村村口",
    )
    Terminal.objects.update(last_heartbeat_at=timezone.now() - dt.timedelta(minutes=2))

    # The cadre, on the phone page "喇叭不响了？"
    login(phone, "village_cadre")
    phone.click("summary")
    phone.click("nav.menu >> text=喇叭不响了？")
    expect(phone.locator("h1")).to_contain_text("喇叭不响了？")
    speakers = phone.locator("ul.speakers li")
    expect(speakers).to_have_count(1)  # the sibling village's loudspeaker is not offered
    expect(speakers.first).to_contain_text("南村村村委会楼顶")
    shot(phone, "broadcast-report-list")
    speakers.first.locator("a", has_text="这个喇叭不响了").click()
    phone.check("input[name=kind][value=power_cut]")
    phone.fill("#id_description", "早上 7 点没有播放，电源线被拔掉")
    shot(phone, "broadcast-report-form")
    phone.click("form.report button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已上报，维修人员会尽快处理。")
    expect(phone.locator(f"#speaker-{terminal.pk}")).to_contain_text("故障")
    fault = Fault.objects.get()
    assert (fault.kind, fault.reported_by, fault.status) == (
        "power_cut",
        cast.village_cadre,
        "open",
    )

    # Reporting it again is refused with a clear message.
    phone.locator(f"#speaker-{terminal.pk} a", has_text="这个喇叭不响了").click()
    phone.click("form.report button[type=submit]")
    expect(phone.locator("form.report .error")).to_contain_text("无需重复上报")
    assert Fault.objects.count() == 1

    # The station technician, at the district, sees the open fault and repairs it.
    phone.context.clear_cookies()
    login(phone, "dept")
    phone.goto("/broadcast/faults/")
    item = phone.locator(f"#fault-{fault.pk}")
    expect(item).to_contain_text("人为断电")
    expect(item).to_contain_text("待派单")
    item.locator("a").click()
    phone.select_option("#id_team", "joint")
    phone.select_option("#id_assignee", str(cast.dept.pk))
    phone.fill("#id_crew", "镇电工老王")
    shot(phone, "broadcast-dispatch")
    phone.click("form.dispatch button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已派单。")
    expect(phone.locator("#order-status")).to_have_text("已派单")
    phone.click("form.tap button")
    expect(phone.locator("#order-status")).to_have_text("已到场")
    phone.select_option("#id_cause", "power_cut")
    phone.fill("#id_note", "重新接通电源并加装防护锁")
    phone.click("form.close-order button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已修复，工单关闭。")
    expect(phone.locator("#order-status")).to_have_text("已关闭")
    expect(phone.locator("#fault-status")).to_have_text("已修复")
    expect(phone.locator("form.close-order")).to_have_count(0)  # cannot be closed twice here
    shot(phone, "broadcast-closed")

    order = WorkOrder.objects.get()
    assert order.status == "closed" and order.closed_by == cast.dept
    assert order.responded_at <= order.repaired_at
    terminal.refresh_from_db()
    assert terminal.status == "online"

    phone.goto("/broadcast/")
    expect(phone.locator("#repairs-sentence")).to_contain_text("镇台联动修复1起")
    expect(phone.locator("#faults-sentence")).to_contain_text("其中人为断电1起，尚未修复0起")
    expect(phone.locator("#broadcast-chart[data-ready='1']")).to_have_count(1)
    shot(phone, "broadcast-overview")
