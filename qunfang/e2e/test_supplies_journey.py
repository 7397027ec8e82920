from decimal import Decimal

import pytest
from playwright.sync_api import expect

from qunfang.e2e.conftest import login, shot
from qunfang.supplies import services
from qunfang.supplies.models import Item, Movement, StockEntry
from qunfang.supplies.services import LineInput
from qunfang.supplies.tests.conftest import days_ago

pytestmark = pytest.mark.browser


def balance(depot, item) -> Decimal:
    return sum((e.quantity for e in StockEntry.objects.filter(depot=depot, item=item)), Decimal(0))


def test_a_convoy_is_received_into_the_town_depot_and_sent_on_to_a_village(phone, browser_cast):
    cast = browser_cast
    mask = Item.objects.create(name="医用外科口罩", unit="个", category=Item.Category.PROTECTIVE)
    town_depot = services.depot_create(actor=cast.superuser, region=cast.town, name="南村镇物资库")
    village_depot = services.depot_create(
        actor=cast.superuser, region=cast.village, name="南村村物资点"
    )
    convoy = services.transfer_dispatch(
        actor=cast.superuser,
        target=town_depot,
        origin="浙江省义乌市",
        leader_name="李振华",
        leader_phone="13903561234",
        occurred_on=days_ago(1),
        vehicles=[("晋E12345", "王师傅"), ("晋EA3456", "张师傅")],
        lines=[LineInput(item=mask, quantity=Decimal(1_000_000), lot_no="YW-1")],
    )

    # The town cadre finds the convoy on the road and receives it.
    login(phone, "town_cadre")
    phone.click("summary")
    phone.click("nav.menu >> text=出入库记录")
    expect(phone.locator("#in-transit")).to_contain_text("浙江省义乌市 → 南村镇物资库")
    phone.click(f"#in-transit >> text={convoy.number}")
    expect(phone.locator("#vehicles")).to_contain_text("晋E12345")
    expect(phone.locator("#movement-facts")).to_contain_text("139****1234")
    assert "13903561234" not in phone.content()
    shot(phone, "supplies-convoy-in-transit")
    phone.click("#receive-form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已接收入库：南村镇物资库")
    expect(phone.locator("#movement-status")).to_contain_text("已接收")
    expect(phone.locator("#receive-form")).to_have_count(0)
    assert balance(town_depot, mask) == 1_000_000

    # …and sends 3,000 masks on to the village depot.
    phone.click("nav.tabs >> text=出入库")
    phone.click("div.actions >> text=调拨运输")
    phone.select_option("#id_from_depot", str(town_depot.pk))
    phone.select_option("#id_to_depot", str(village_depot.pk))
    phone.fill("#id_leader_name", "镇民政所")
    phone.select_option("#id_lines-0-item", str(mask.pk))
    phone.fill("#id_lines-0-quantity", "3000")
    phone.click("#document-form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已发车，物资在途")
    expect(phone.locator("#movement-status")).to_contain_text("在途")
    shot(phone, "supplies-transfer-in-transit")
    assert balance(town_depot, mask) == 997_000

    # More than the depot holds on the next transfer: a clear message, nothing written.
    phone.click("nav.tabs >> text=出入库")
    phone.click("div.actions >> text=调拨运输")
    phone.select_option("#id_from_depot", str(town_depot.pk))
    phone.select_option("#id_to_depot", str(village_depot.pk))
    phone.select_option("#id_lines-0-item", str(mask.pk))
    phone.fill("#id_lines-0-quantity", "997001")
    phone.click("#document-form button[type=submit]")
    expect(phone.locator("#line-errors")).to_contain_text("现有可用997000个，本次需要997001个")
    assert Movement.objects.filter(target=village_depot).count() == 1
    assert balance(town_depot, mask) == 997_000
    # Half a mask: the form says masks are counted whole.
    phone.fill("#id_lines-0-quantity", "2.5")
    phone.click("#document-form button[type=submit]")
    expect(phone.locator("#line-errors")).to_contain_text("按个计，数量必须是整数")
    assert Movement.objects.filter(target=village_depot).count() == 1

    phone.click("nav.tabs >> text=总览")
    expect(phone.locator("#summary-received")).to_contain_text(
        "共接收防疫物资1000000件（百余万件）"
    )
    expect(phone.locator("#supplies-chart[data-ready='1'] svg")).to_have_count(1)
    shot(phone, "supplies-overview")

    # The village cadre receives it into the village depot.
    phone.click("button:has-text('退出')")
    login(phone, "village_cadre")
    phone.goto("/supplies/movements/")
    transfer = Movement.objects.get(target=village_depot)
    phone.click(f"#in-transit >> text={transfer.number}")
    phone.click("#receive-form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已接收入库：南村村物资点")
    phone.click("nav.tabs >> text=库存")
    expect(phone.locator(f"#stock-{village_depot.pk}-{mask.pk}")).to_contain_text("3000 个")
    shot(phone, "supplies-village-stock")
    assert balance(village_depot, mask) == 3000
