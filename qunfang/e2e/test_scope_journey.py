import pytest
from playwright.sync_api import expect

from qunfang.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_village_cadre_sees_their_village_and_is_refused_a_sibling(phone, browser_cast):
    cast = browser_cast
    login(phone, "village_cadre")
    assert phone.locator("h1").inner_text().startswith("南村村")
    assert phone.locator("nav.breadcrumb").inner_text().strip() == "南村村"
    shot(phone, "village-cadre-home")

    phone.click("summary")
    phone.click("text=区域与网格")
    phone.wait_for_url(f"**/org/regions/{cast.village.code}/")
    assert "第一网格" in phone.locator("main").inner_text()

    response = phone.goto(f"/org/regions/{cast.sibling_village.code}/")
    assert response.status == 404
    assert "页面不存在" in phone.locator("h1").inner_text()
    assert "原家村" not in phone.content()
    shot(phone, "village-cadre-sibling-refused")


def test_a_village_cadre_adds_a_grid_on_a_phone(phone, browser_cast):
    cast = browser_cast
    login(phone, "village_cadre")
    phone.goto(f"/org/regions/{cast.village.code}/")
    phone.fill("#id_name", "第二网格")
    phone.click("form.inline button[type=submit]")
    assert "已新建网格“第二网格”" in phone.locator(".messages").inner_text()
    assert phone.locator(f"a[href='/org/regions/{cast.village.code}002/']").count() == 1
    shot(phone, "village-cadre-grid-added")


def test_a_town_cadre_switches_to_a_village(phone, browser_cast):
    cast = browser_cast
    login(phone, "town_cadre")
    phone.select_option("#region-switch", cast.sibling_village.code)
    phone.click("form.switcher button")
    # The switcher keeps the page and changes its region: the overview is now the village's.
    expect(phone.locator("h1")).to_contain_text("原家村")
    assert phone.url.rstrip("/").count("/") == 2, phone.url  # still the overview page
    crumbs = phone.locator("nav.breadcrumb").inner_text()
    assert "南村镇" in crumbs
    assert "泽州县" not in crumbs
