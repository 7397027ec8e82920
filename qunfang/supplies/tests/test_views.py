import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_urls_allowed, assert_urls_refused, client_for
from qunfang.relief.tests.conftest import add_household, add_person
from qunfang.supplies import services
from qunfang.supplies.models import Movement, MovementLine, StockEntry, StockThreshold
from qunfang.supplies.tests.conftest import days_ago, donate, line

LIST_PAGES = [
    "supplies:overview",
    "supplies:stock",
    "supplies:expiry",
    "supplies:depots",
    "supplies:movements",
    "supplies:import",
    "supplies:template",
]
CREATE_PAGES = [
    "supplies:depot_create",
    "supplies:donation_create",
    "supplies:procurement_create",
    "supplies:transfer_create",
    "supplies:distribution_create",
]
EXPORTS = [
    reverse("supplies:export", args=[name, fmt])
    for name in ("stock", "movements", "donations")
    for fmt in ("xlsx", "csv")
]


def writes() -> list[int]:
    return [m.objects.count() for m in (Movement, MovementLine, StockEntry)]


def body(response) -> str:
    return response.content.decode()


def with_lines(data: dict, *rows: dict) -> dict:
    """A form post with its formset of supply lines."""
    posted = {
        **data,
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        posted.update({f"lines-{index}-{key}": value for key, value in row.items()})
    return posted


# --- who may open what -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["superuser", "hq", "dept", "town_cadre", "village_cadre"])
def test_every_page_renders_for_the_supplies_roles(cast, items, stocked, persona):
    user = getattr(cast, persona)
    assert_urls_allowed(user, [reverse(name) for name in LIST_PAGES + CREATE_PAGES] + EXPORTS)


@pytest.mark.parametrize("persona", ["grid_worker", "volunteer", "auditor", "counsellor"])
def test_roles_without_supplies_are_refused_every_page(cast, items, stocked, persona):
    movement = Movement.objects.filter(target=stocked.village).first()
    urls = [reverse(name) for name in LIST_PAGES + CREATE_PAGES] + EXPORTS
    urls += [
        reverse("supplies:depot", args=[stocked.village.pk]),
        reverse("supplies:movement", args=[movement.pk]),
        reverse("supplies:receive", args=[movement.pk]),
        reverse("supplies:threshold", args=[stocked.village.pk]),
    ]
    assert_urls_refused(getattr(cast, persona), urls, unchanged=[movement, stocked.village])


def test_anonymous_visitors_are_sent_to_login(db):
    client = Client(HTTP_HOST="127.0.0.1")
    for name in LIST_PAGES + CREATE_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["sibling_cadre", "other_town_cadre"])
def test_depots_and_documents_outside_the_scope_answer_404(cast, items, stocked, persona):
    in_transit = services.transfer_dispatch(
        actor=cast.town_cadre,
        source=stocked.town,
        target=stocked.village,
        occurred_on=days_ago(0),
        lines=[line(items.mask, 10)],
    )
    urls = [  # a page to read, then the action posted to it
        reverse("supplies:depot", args=[stocked.village.pk]),
        reverse("supplies:threshold", args=[stocked.village.pk]),
        reverse("supplies:movement", args=[in_transit.pk]),
        reverse("supplies:receive", args=[in_transit.pk]),
    ]
    client = client_for(getattr(cast, persona))
    assert [client.get(url).status_code for url in urls[::2]] == [404, 404]
    assert [client.post(url).status_code for url in urls[1::2]] == [404, 404]
    assert_urls_refused(getattr(cast, persona), urls, unchanged=[in_transit, stocked.village])
    assert in_transit.entries.count() == 1


def test_lists_show_only_the_users_depots(cast, items, stocked):
    town = body(client_for(cast.town_cadre).get(reverse("supplies:depots")))
    assert "南村村物资点" in town and "原家村物资点" in town
    assert "米山镇物资库" not in town and "泽州县防疫物资库" not in town
    village = body(client_for(cast.village_cadre).get(reverse("supplies:stock")))
    assert "南村村物资点" in village and "原家村物资点" not in village


# --- overview --------------------------------------------------------------------------------


def test_the_overview_states_the_summary_and_feeds_the_chart(cast, items, depots):
    convoy = services.transfer_dispatch(
        actor=cast.hq,
        target=depots.district,
        origin="浙江省义乌市",
        leader_name="李振华",
        occurred_on=days_ago(3),
        vehicles=[("晋E12345", "")],
        lines=[line(items.mask, 1_020_000)],
    )
    services.transfer_receive(actor=cast.hq, movement=convoy)
    response = client_for(cast.hq).get(reverse("supplies:overview"))
    text = body(response)
    assert "共接收防疫物资1020000件（百余万件），其中车队运抵1020000件" in text
    assert 'id="supplies-chart-data"' in text
    assert "vendor/echarts/echarts.min.js" in text and "supplies/overview-chart.js" in text
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text) is None
    assert response.context["chart"]["received"] == [1_020_000.0]
    windowed = body(client_for(cast.hq).get(reverse("supplies:overview"), {"end": days_ago(5)}))
    assert "共接收防疫物资0件" in windowed


# --- writing through the pages ---------------------------------------------------------------


def test_a_donation_is_entered_on_the_page(cast, items, depots):
    client = client_for(cast.town_cadre)
    response = client.post(
        reverse("supplies:donation_create"),
        with_lines(
            {
                "depot": depots.town.pk,
                "donor": "南村镇爱心超市",
                "certificate_no": "NC-9",
                "occurred_on": days_ago(1).isoformat(),
            },
            {"item": items.mask.pk, "quantity": "500"},
            {"item": items.disinfectant.pk, "quantity": "2.5", "lot_no": "84-1"},
            {"item": "", "quantity": ""},
        ),
    )
    movement = Movement.objects.get(certificate_no="NC-9")
    assert response.status_code == 302
    assert response["Location"] == reverse("supplies:movement", args=[movement.pk])
    assert movement.created_by == cast.town_cadre
    assert movement.lines.count() == 2


def test_a_fraction_of_a_mask_is_refused_on_the_page_with_nothing_written(cast, items, depots):
    response = client_for(cast.town_cadre).post(
        reverse("supplies:donation_create"),
        with_lines(
            {"depot": depots.town.pk, "donor": "某公司", "occurred_on": days_ago(1).isoformat()},
            {"item": items.mask.pk, "quantity": "2.5"},
            {"item": items.disinfectant.pk, "quantity": "-1"},
        ),
    )
    assert response.status_code == 400
    text = body(response)
    assert "“医用外科口罩”按个计，数量必须是整数，不能有小数。" in text
    assert "“84消毒液”的数量必须大于 0。" in text
    assert writes() == [0, 0, 0]


def test_a_depot_outside_the_scope_cannot_be_filled_from_the_page(cast, items, depots):
    response = client_for(cast.town_cadre).post(
        reverse("supplies:donation_create"),
        with_lines(
            {"depot": depots.foreign.pk, "donor": "某公司", "occurred_on": days_ago(1).isoformat()},
            {"item": items.mask.pk, "quantity": "5"},
        ),
    )
    assert response.status_code == 404
    assert writes() == [0, 0, 0]


def test_a_convoy_is_sent_received_and_not_received_twice(cast, items, depots):
    client = client_for(cast.hq)
    response = client.post(
        reverse("supplies:transfer_create"),
        with_lines(
            {
                "origin": "浙江省义乌市",
                "to_depot": depots.district.pk,
                "leader_name": "李振华",
                "leader_phone": "13903561234",
                "occurred_on": days_ago(1).isoformat(),
                "departed_at": f"{days_ago(1).isoformat()}T06:30",
                "vehicles": "晋E12345 王师傅\n晋EA3456",
            },
            {"item": items.mask.pk, "quantity": "800000", "lot_no": "YW-1"},
        ),
    )
    movement = Movement.objects.get(kind=Movement.Kind.TRANSFER)
    assert response.status_code == 302
    assert movement.status == Movement.Status.IN_TRANSIT
    assert movement.vehicles.count() == 2
    detail = body(client.get(reverse("supplies:movement", args=[movement.pk])))
    assert "确认接收入库" in detail and "139****1234" in detail and "13903561234" not in detail

    url = reverse("supplies:receive", args=[movement.pk])
    client.post(url, {"arrived_at": ""})
    movement.refresh_from_db()
    assert movement.status == Movement.Status.RECEIVED
    before = writes()
    again = client.post(url, {"arrived_at": ""}, follow=True)
    assert "不能重复接收" in body(again)
    assert writes() == before


def test_a_transfer_to_another_towns_depot_gets_a_message_and_writes_nothing(cast, items, stocked):
    before = writes()
    response = client_for(cast.town_cadre).post(
        reverse("supplies:transfer_create"),
        with_lines(
            {
                "from_depot": stocked.town.pk,
                "to_depot": stocked.foreign.pk,
                "occurred_on": days_ago(0).isoformat(),
            },
            {"item": items.mask.pk, "quantity": "10"},
        ),
    )
    assert response.status_code == 400
    assert "调入仓库不存在或不在您的管辖范围内，不能调拨。" in body(response)
    missing = client_for(cast.town_cadre).post(
        reverse("supplies:transfer_create"),
        with_lines(
            {
                "from_depot": stocked.town.pk,
                "to_depot": 999_999,
                "occurred_on": days_ago(0).isoformat(),
            },
            {"item": items.mask.pk, "quantity": "10"},
        ),
    )
    assert "调入仓库不存在或不在您的管辖范围内" in body(missing)
    assert writes() == before


def test_a_village_cadre_hands_supplies_to_an_elderly_person(cast, items, stocked):
    home = add_household(cast.village, "0001")
    elder = add_person(home, "张奶奶", dt.date(1949, 12, 31))
    client = client_for(cast.village_cadre)
    form = body(client.get(reverse("supplies:distribution_create")))
    assert "张奶奶" in form
    response = client.post(
        reverse("supplies:distribution_create"),
        with_lines(
            {
                "depot": stocked.village.pk,
                "recipient_kind": "person",
                "person": elder.pk,
                "channel": "市民政局",
                "occurred_on": days_ago(0).isoformat(),
            },
            {"item": items.mask.pk, "quantity": "20"},
        ),
    )
    assert response.status_code == 302
    movement = Movement.objects.get(kind=Movement.Kind.DISTRIBUTION)
    assert (movement.person, movement.household, movement.channel) == (elder, home, "市民政局")


def hand_to_the_news_centre(cast, stocked, line: dict):
    """A village cadre posts one distribution line to a unit from the village depot."""
    return client_for(cast.village_cadre).post(
        reverse("supplies:distribution_create"),
        with_lines(
            {
                "depot": stocked.village.pk,
                "recipient_kind": "unit",
                "unit_name": "区新闻中心",
                "occurred_on": days_ago(0).isoformat(),
            },
            line,
        ),
    )


def test_over_distribution_is_refused_on_the_page(cast, items, stocked):
    before = writes()
    response = hand_to_the_news_centre(cast, stocked, {"item": items.mask.pk, "quantity": "1001"})
    assert response.status_code == 400
    assert "“医用外科口罩”库存不足：南村村物资点现有可用1000个，本次需要1001个。" in body(response)
    assert writes() == before


@pytest.mark.parametrize("item", ["-99999999999999999999999", "99999999999999999999999", "0"])
def test_an_item_that_no_id_can_be_is_a_form_error_not_a_500(cast, items, stocked, item):
    before = writes()
    response = hand_to_the_news_centre(cast, stocked, {"item": item, "quantity": "1"})
    assert response.status_code in (200, 400)
    assert "请选择" in body(response)
    assert writes() == before


def test_a_person_outside_the_scope_cannot_be_picked(cast, items, stocked):
    home = add_household(cast.sibling_village, "0001")
    stranger = add_person(home, "王五", dt.date(1950, 3, 3))
    response = client_for(cast.village_cadre).post(
        reverse("supplies:distribution_create"),
        with_lines(
            {
                "depot": stocked.village.pk,
                "recipient_kind": "person",
                "person": stranger.pk,
                "occurred_on": days_ago(0).isoformat(),
            },
            {"item": items.mask.pk, "quantity": "1"},
        ),
    )
    assert response.status_code == 404
    assert not Movement.objects.filter(kind=Movement.Kind.DISTRIBUTION).exists()


def test_a_threshold_is_set_on_the_depot_page_and_shows_as_low_stock(cast, items, stocked):
    client = client_for(cast.village_cadre)
    client.post(
        reverse("supplies:threshold", args=[stocked.village.pk]),
        {"item": items.lamp.pk, "minimum": "5"},
    )
    assert StockThreshold.objects.get(depot=stocked.village).minimum == 5
    low = body(client.get(reverse("supplies:stock"), {"show": "low"}))
    assert "紫外线消毒灯" in low and "缺5台" in low
    bad = client.post(
        reverse("supplies:threshold", args=[stocked.village.pk]),
        {"item": items.lamp.pk, "minimum": "-2"},
        follow=True,
    )
    assert "最低库存不能为负数。" in body(bad)


def test_a_depot_is_set_up_in_a_village_of_the_town(cast):
    client = client_for(cast.town_cadre)
    response = client.post(
        reverse("supplies:depot_create"),
        {"region": cast.sibling_village.pk, "name": "原家村物资点"},
    )
    assert response.status_code == 302
    refused = client.post(
        reverse("supplies:depot_create"), {"region": cast.other_town.pk, "name": "外镇仓库"}
    )
    assert refused.status_code == 404


def test_the_movement_list_costs_the_same_queries_for_more_rows(cast, items, depots):
    client = client_for(cast.town_cadre)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("supplies:movements")).status_code == 200
        return len(captured)

    donate(cast.superuser, depots.town, (items.mask, 1))
    few = queries()
    for _ in range(6):
        donate(cast.superuser, depots.village, (items.mask, 1), (items.disinfectant, 1))
    assert queries() == few


# --- spreadsheets ----------------------------------------------------------------------------


def test_the_stock_export_is_scoped_audited_and_neutralises_formulas(cast, items, stocked):
    donate(cast.superuser, stocked.village, (items.mask, 3), donor='=HYPERLINK("x")')
    client = client_for(cast.town_cadre)
    response = client.get(reverse("supplies:export", args=["stock", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    depots = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    assert depots == {"南村镇物资库", "南村村物资点", "原家村物资点"}
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert event.actor == cast.town_cadre and event.detail["export"] == "stock"

    moves = client.get(reverse("supplies:export", args=["movements", "csv"]))
    rows = list(csv.reader(io.StringIO(moves.content.decode("utf-8-sig"))))
    donors = [row[8] for row in rows[1:] if len(row) > 8]
    assert '\'=HYPERLINK("x")' in donors
    assert not any(row and row[0].startswith("=") for row in rows)
    assert all("米山镇物资库" not in ",".join(row) for row in rows)


def test_a_donation_list_is_imported_and_bad_rows_write_nothing(cast, items, depots):
    header = "捐赠日期,捐赠方,捐赠证书编号,入库仓库,物资名称,数量,计量单位,批号,有效期至,备注\n"
    good = header + (
        f"{days_ago(2)},晋城市慈善总会,JZ-1,南村镇物资库,医用外科口罩,20000,个,,,\n"
        f"{days_ago(2)},晋城市慈善总会,JZ-1,南村镇物资库,84消毒液,100.5,升,84-A,,\n"
        f"{days_ago(1)},某企业,,南村村物资点,医用防护服,50,套,,,\n"
    )
    client = client_for(cast.town_cadre)
    upload = io.BytesIO(good.encode("utf-8"))
    upload.name = "donations.csv"
    response = client.post(reverse("supplies:import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["result"].created == 2
    assert Movement.objects.get(certificate_no="JZ-1").lines.count() == 2

    bad = header + (
        f"{days_ago(2)},某公司,JZ-2,南村镇物资库,医用外科口罩,2.5,个,,,\n"
        f"{days_ago(2)},某公司,JZ-3,米山镇物资库,医用外科口罩,5,个,,,\n"
        f"{days_ago(2)},某公司,JZ-1,南村镇物资库,医用外科口罩,5,个,,,\n"
        f"{days_ago(2)},某公司,JZ-4,南村镇物资库,棉被,5,条,,,\n"
        f"{days_ago(2)},某公司,JZ-5,南村镇物资库,医用外科口罩,5,箱,,,\n"
        f"{days_ago(2)},某公司,JZ-6,南村镇物资库,医用外科口罩,5,个,,,\n"
    )
    before = writes()
    upload = io.BytesIO(bad.encode("utf-8"))
    upload.name = "bad.csv"
    response = client.post(reverse("supplies:import"), {"file": upload})
    assert response.status_code == 400
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert errors == [
        (2, "数量"),
        (3, "入库仓库"),
        (4, "捐赠证书编号"),
        (5, "物资名称"),
        (6, "计量单位"),
    ]
    assert "按个计，数量必须是整数" in body(response)
    assert writes() == before


def test_the_donation_template_has_the_columns(cast, items):
    response = client_for(cast.village_cadre).get(reverse("supplies:template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == [
        "*捐赠日期",
        "*捐赠方",
        "捐赠证书编号",
        "*入库仓库",
        "*物资名称",
        "*数量",
    ]


def test_a_purchase_is_entered_with_its_prices(cast, items, depots):
    response = client_for(cast.hq).post(
        reverse("supplies:procurement_create"),
        with_lines(
            {
                "depot": depots.district.pk,
                "supplier": "晋城市医药有限公司",
                "occurred_on": days_ago(1),
            },
            {"item": items.lamp.pk, "quantity": "10", "unit_price": "380.00"},
        ),
    )
    assert response.status_code == 302
    movement = Movement.objects.get(kind=Movement.Kind.PROCUREMENT)
    assert str(movement.lines.get().unit_price) == "380.00"
    detail = body(client_for(cast.hq).get(reverse("supplies:movement", args=[movement.pk])))
    assert "晋城市医药有限公司" in detail and "380.00" in detail


def test_a_household_is_given_supplies_and_shown_without_its_members_ids(cast, items, stocked):
    home = add_household(cast.village, "0009")
    add_person(home, "李四", dt.date(1975, 1, 9), id_number="11010519491231002X")
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("supplies:distribution_create"),
        with_lines(
            {
                "depot": stocked.village.pk,
                "recipient_kind": "household",
                "household": home.pk,
                "occurred_on": days_ago(0).isoformat(),
            },
            {"item": items.disinfectant.pk, "quantity": "1.5"},
        ),
    )
    assert response.status_code == 302
    movement = Movement.objects.get(kind=Movement.Kind.DISTRIBUTION)
    assert movement.household == home
    detail = body(client.get(reverse("supplies:movement", args=[movement.pk])))
    assert "0009" in detail and "11010519491231002X" not in detail


def test_the_expiry_page_flags_expired_and_near_expiry_lots(cast, items, depots):
    donate(cast.superuser, depots.village, (items.disinfectant, 5, "GONE", days_ago(2)), days=30)
    donate(cast.superuser, depots.village, (items.disinfectant, 6, "SOON", days_ago(-9)))
    text = body(client_for(cast.village_cadre).get(reverse("supplies:expiry")))
    assert "GONE" in text and "已过期" in text
    assert "SOON" in text and "临期（剩9天）" in text
    depot = body(
        client_for(cast.village_cadre).get(reverse("supplies:depot", args=[depots.village.pk]))
    )
    assert "批次与有效期" in depot and "SOON" in depot


def test_the_menu_offers_supplies_only_to_those_who_manage_them(cast):
    assert "物资总览" in body(client_for(cast.village_cadre).get("/"))
    assert "物资总览" not in body(client_for(cast.grid_worker).get("/"))


def test_the_person_picker_can_list_only_the_elderly(cast, items, stocked):
    home = add_household(cast.village, "0001")
    add_person(home, "张奶奶", dt.date(1949, 12, 31))
    add_person(home, "张建国", dt.date(1990, 5, 1))
    client = client_for(cast.village_cadre)
    everyone = body(client.get(reverse("supplies:distribution_create")))
    elderly = body(client.get(reverse("supplies:distribution_create"), {"elderly": "1"}))
    assert "张建国" in everyone and "张奶奶" in everyone
    assert "张建国" not in elderly and "张奶奶" in elderly


@pytest.mark.parametrize("url", [reverse("supplies:stock"), EXPORTS[0], EXPORTS[3]])
def test_stock_pages_and_exports_cost_the_same_queries_for_more_depots(cast, items, depots, url):
    client = client_for(cast.hq)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    donate(cast.superuser, depots.town, (items.mask, 1))
    few = queries()
    for depot in (depots.district, depots.village, depots.sibling):
        donate(cast.superuser, depot, (items.mask, 1), (items.disinfectant, 2))
    assert queries() == few
