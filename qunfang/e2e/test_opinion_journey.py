"""An analyst tunes a monitoring scheme against live posts, escalates a post to a supervision
ticket, the town cadre answers it on a phone, and the analyst closes it."""

import pytest
from playwright.sync_api import expect

from qunfang.e2e.conftest import login, shot
from qunfang.opinion import runtime, services
from qunfang.opinion.models import Post, Ticket
from qunfang.opinion.tests.conftest import push
from qunfang.org.models import Department

pytestmark = pytest.mark.browser


def test_scheme_test_box_escalation_reply_and_closure(phone, browser_cast):
    cast = browser_cast
    runtime.reset()
    source, _token = services.source_create(
        actor=cast.hq, region=cast.district, name="微博监测", platform="weibo"
    )
    push(
        source,
        "南村镇明天上午在镇政府门口集合讨说法，大家一起去",
        "南村镇卡口志愿者辛苦了",
        "高平今天天气晴",
    )
    rally = Post.objects.get(text__startswith="南村镇明天")
    office = Department.objects.get(region=cast.town, kind=Department.Kind.CIVIL_AFFAIRS)

    login(phone, "dept")
    phone.goto("/opinion/schemes/new/")
    phone.fill("#id_name", "南村镇聚集")
    phone.fill("#id_expression", "南村镇 AND (集合")
    expect(phone.locator("#live-error")).to_contain_text("字符处")
    phone.fill("#id_expression", "南村镇 AND (集合 OR 聚集)")
    phone.fill("#id_sample", "南村镇的人明天集合")
    expect(phone.locator("#sample-verdict")).to_contain_text("测试文本命中")
    expect(phone.locator("#match-count")).to_contain_text("命中 1 条")
    expect(phone.locator("#test-body .matches")).to_contain_text("门口集合讨说法")
    shot(phone, "opinion-scheme-test-box")
    phone.click("button[name=save]")
    expect(phone.locator(".messages")).to_contain_text("方案已保存")

    phone.goto(f"/opinion/posts/{rally.pk}/")
    phone.click("a.button.primary >> text=转督办")
    phone.select_option("#id_department", str(office.pk))
    phone.click("button[name=refresh]")
    phone.select_option("#id_owner", str(cast.town_cadre.pk))
    phone.fill("#id_title", "核实南村镇门口集合传言")
    shot(phone, "opinion-ticket-form")
    phone.click("button[name=send]")
    expect(phone.locator(".messages")).to_contain_text("已交办")
    ticket = Ticket.objects.get()
    expect(phone.locator("#ticket-status")).to_contain_text("待回复")

    phone.context.clear_cookies()
    login(phone, "town_cadre")
    phone.goto("/opinion/tickets/?mine=1")
    phone.click(f"#ticket-{ticket.pk} a")
    phone.fill("#id_note", "已到现场劝导，发帖人已删帖，未发生聚集")
    phone.click("button[value=reply]")
    expect(phone.locator("#ticket-status")).to_contain_text("已回复")
    expect(phone.locator("#ticket-reply")).to_contain_text("未发生聚集")
    shot(phone, "opinion-ticket-replied")

    phone.context.clear_cookies()
    login(phone, "dept")
    phone.goto(f"/opinion/tickets/{ticket.pk}/")
    phone.click("button[value=close]")
    expect(phone.locator("#ticket-status")).to_contain_text("已办结")
    shot(phone, "opinion-ticket-closed")
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert list(ticket.steps.values_list("action", flat=True)) == ["created", "replied", "closed"]
