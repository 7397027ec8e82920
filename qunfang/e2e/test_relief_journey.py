import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qunfang.e2e.conftest import login, shot
from qunfang.relief.models import AssistanceCase
from qunfang.relief.tests.conftest import add_household, add_person
from qunfang.residents.models import Relation

pytestmark = pytest.mark.browser


def test_a_town_cadre_grants_assistance_first_and_completes_the_paperwork_later(
    phone, browser_cast
):
    cast = browser_cast
    home = add_household(cast.village, "0007")
    add_person(home, "陈桂兰", dt.date(1952, 4, 2), relation=Relation.HEAD)
    granted_on = timezone.localdate() - dt.timedelta(days=40)

    login(phone, "town_cadre")
    phone.click("summary")
    phone.click("nav.menu >> text=临时救助与关爱")
    expect(phone.locator("h1")).to_contain_text("临时救助与关爱")
    expect(phone.locator("p.summary")).to_contain_text("共办理临时救助0户")

    phone.click("nav.tabs >> text=临时救助")
    phone.click("text=发放临时救助")
    phone.select_option("#id_household", str(home.pk))
    phone.select_option("#id_reason", "epidemic")
    phone.fill("#id_reason_detail", "务工收入中断")
    phone.select_option("#id_form", "both")
    phone.fill("#id_cash_amount", "800")
    phone.fill("#id_in_kind_description", "米面油一份")
    phone.fill("#id_granted_on", granted_on.isoformat())
    shot(phone, "relief-grant-form")
    phone.click("form.relief-form button[type=submit]")

    expect(phone.locator(".messages")).to_contain_text("已登记临时救助")
    case = AssistanceCase.objects.get(household=home)
    row = phone.locator(f"#case-{case.pk}")
    expect(row).to_have_class("overdue")
    expect(row).to_contain_text("逾期")
    expect(row).to_contain_text("陈桂兰")
    shot(phone, "relief-grant-overdue")

    row.locator("button", has_text="补手续").click()
    expect(phone.locator(".messages")).to_contain_text("已补齐手续。")
    row = phone.locator(f"#case-{case.pk}")
    expect(row).not_to_have_class("overdue")
    expect(row).to_contain_text("已补齐")
    shot(phone, "relief-paperwork-done")

    case.refresh_from_db()
    assert case.paperwork_done_on == timezone.localdate()
    assert case.cash_amount == 800
    assert case.granted_by == cast.town_cadre

    phone.click("nav.tabs >> text=总览")
    expect(phone.locator("p.summary")).to_contain_text("共办理临时救助1户（1笔）")
