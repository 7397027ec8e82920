import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_urls_allowed, assert_urls_refused, client_for
from qunfang.relief import services
from qunfang.relief.models import AssistanceCase, CareArrangement, FamilyEvent, WeChatGroup
from qunfang.relief.tests.conftest import (
    add_household,
    add_person,
    child_birth,
    days_ago,
    grant,
    on_run,
)

LIST_PAGES = [
    "relief:overview",
    "relief:assistance",
    "relief:care",
    "relief:events",
    "relief:wechat",
]
CREATE_PAGES = [
    "relief:assistance_create",
    "relief:care_create",
    "relief:event_create",
    "relief:wechat_create",
]
MODELS = [AssistanceCase, CareArrangement, FamilyEvent, WeChatGroup]


def counts() -> list[int]:
    return [model.objects.count() for model in MODELS]


def body(response) -> str:
    return response.content.decode()


# --- who may open what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["superuser", "hq", "dept", "town_cadre", "village_cadre", "grid_worker"]
)
def test_every_page_renders_for_the_ledger_roles(cast, cases, care, events, groups, persona):
    assert_urls_allowed(getattr(cast, persona), [reverse(name) for name in LIST_PAGES])
    assert_urls_allowed(getattr(cast, persona), [reverse(name) for name in CREATE_PAGES])


@pytest.mark.parametrize("persona", ["volunteer", "auditor", "counsellor"])
def test_roles_without_the_ledger_are_refused_every_page(cast, cases, persona):
    urls = [reverse(name) for name in LIST_PAGES + CREATE_PAGES]
    urls.append(reverse("relief:paperwork", args=[cases.overdue.pk]))
    assert_urls_refused(getattr(cast, persona), urls, unchanged=[cases.overdue])


def test_anonymous_visitors_are_sent_to_login(db):
    client = Client(HTTP_HOST="127.0.0.1")
    for name in LIST_PAGES + CREATE_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_menu_offers_relief_to_ledger_roles_only(cast):
    assert "临时救助与关爱" in body(client_for(cast.village_cadre).get("/"))
    assert "临时救助与关爱" not in body(client_for(cast.volunteer).get("/"))


# --- lists are scoped ---------------------------------------------------------------------------


def test_a_village_cadre_never_sees_the_sibling_villages_rows(
    cast, homes, cases, care, events, groups
):
    client = client_for(cast.village_cadre)
    pages = {name: body(client.get(reverse(name))) for name in LIST_PAGES[1:]}
    assert f'id="case-{cases.overdue.pk}"' in pages["relief:assistance"]
    assert f'id="case-{cases.sibling.pk}"' not in pages["relief:assistance"]
    assert "王五" not in pages["relief:assistance"]
    assert f'id="care-{care.own.pk}"' in pages["relief:care"]
    assert "王小花" not in pages["relief:care"]
    assert f'id="event-{events.own.pk}"' in pages["relief:events"]
    assert f'id="event-{events.sibling.pk}"' not in pages["relief:events"]
    assert "钱家" not in pages["relief:events"]
    assert "南村村民政事务群" in pages["relief:wechat"]
    assert "原家村民政事务群" not in pages["relief:wechat"]
    assert "外县民政事务群" not in pages["relief:wechat"]


def test_a_town_cadre_sees_both_villages_but_not_another_county(cast, cases, care, events, groups):
    page = body(client_for(cast.town_cadre).get(reverse("relief:assistance")))
    assert f'id="case-{cases.overdue.pk}"' in page
    assert f'id="case-{cases.sibling.pk}"' in page
    assert f'id="case-{cases.foreign.pk}"' not in page
    assert "赵六" not in page


def test_the_lists_follow_the_region_switcher(cast, cases):
    client = client_for(cast.town_cadre)
    client.post(reverse("org:region_switch"), {"code": cast.sibling_village.code})
    page = body(client.get(reverse("relief:assistance")))
    assert f'id="case-{cases.sibling.pk}"' in page
    assert f'id="case-{cases.overdue.pk}"' not in page


def test_overdue_paperwork_is_flagged(cast, cases):
    page = body(client_for(cast.village_cadre).get(reverse("relief:assistance")))
    assert f'<tr id="case-{cases.overdue.pk}" class="overdue">' in page
    assert "逾期" in page
    sibling = body(client_for(cast.sibling_cadre).get(reverse("relief:assistance")))
    assert f'<tr id="case-{cases.sibling.pk}">' in sibling
    assert 'class="overdue"' not in sibling
    assert 'class="badge overdue"' not in sibling
    only = body(client_for(cast.town_cadre).get(reverse("relief:assistance") + "?show=overdue"))
    assert f'id="case-{cases.overdue.pk}"' in only
    assert f'id="case-{cases.sibling.pk}"' not in only


def test_list_pages_show_masked_phones_only(cast, care, groups):
    client = client_for(cast.town_cadre)
    care_page = body(client.get(reverse("relief:care")))
    assert "139****0001" in care_page
    assert "13912340001" not in care_page
    group_page = body(client.get(reverse("relief:wechat")))
    assert "138****1111" in group_page
    assert "13800001111" not in group_page


def test_the_overview_counts_the_current_region(cast, cases, care, events, groups):
    page = body(client_for(cast.town_cadre).get(reverse("relief:overview")))
    assert "共办理临时救助2户（2笔）。" in page
    assert "南村镇" in page
    village = body(client_for(cast.village_cadre).get(reverse("relief:overview")))
    assert "共办理临时救助1户（1笔）。" in village


def test_the_overview_counts_a_window(cast, cases):
    url = reverse("relief:overview") + f"?start={days_ago(10).isoformat()}"
    assert "共办理临时救助1户（1笔）。" in body(client_for(cast.town_cadre).get(url))
    bad = body(client_for(cast.town_cadre).get(reverse("relief:overview") + "?start=yesterday"))
    assert "请填写有效日期" in bad
    assert "共办理临时救助2户" in bad


def test_a_grid_worker_sees_their_grid_but_not_the_rest_of_the_village(cast, homes, cases):
    in_grid = grant(cast.superuser, homes.grid_home)
    page = body(client_for(cast.grid_worker).get(reverse("relief:assistance")))
    assert f'id="case-{in_grid.pk}"' in page
    assert f'id="case-{cases.overdue.pk}"' not in page
    assert "补手续" in page


# --- foreign rows are 404 on every method --------------------------------------------------------


def test_a_village_cadre_cannot_reach_the_sibling_villages_rows(cast, cases, care, events):
    urls = [
        reverse("relief:paperwork", args=[cases.sibling.pk]),
        reverse("relief:care_end", args=[care.sibling.pk]),
        reverse("relief:event_update", args=[events.sibling.pk]),
    ]
    client = client_for(cast.village_cadre)
    for url in urls:
        assert client.post(url, {"status": "cancelled"}).status_code == 404
        assert client.get(url).status_code == 405
    assert_urls_refused(
        cast.village_cadre, urls, unchanged=[cases.sibling, care.sibling, events.sibling]
    )


def test_another_county_cannot_reach_this_towns_rows(cast, cases, care, events):
    urls = [
        reverse("relief:paperwork", args=[cases.overdue.pk]),
        reverse("relief:care_end", args=[care.own.pk]),
        reverse("relief:event_update", args=[events.own.pk]),
    ]
    assert_urls_refused(
        cast.other_town_cadre, urls, unchanged=[cases.overdue, care.own, events.own]
    )


def test_missing_rows_are_the_same_404(cast):
    client = client_for(cast.town_cadre)
    for name in ["relief:paperwork", "relief:care_end", "relief:event_update"]:
        assert client.post(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("page", "field", "target"),
    [
        ("relief:assistance_create", "household", "sibling_home"),
        ("relief:care_create", "person", "sibling_child"),
        ("relief:event_create", "village", "sibling_village"),
        ("relief:event_create", "household", "sibling_home"),
        ("relief:wechat_create", "village", "sibling_village"),
    ],
)
def test_a_create_form_refuses_a_foreign_pick_with_404(cast, homes, page, field, target):
    foreign = getattr(homes, target, None) or getattr(cast, target)
    good = {
        "relief:assistance_create": {
            "household": homes.home.pk,
            "reason": "epidemic",
            "form": "cash",
            "cash_amount": "100",
            "granted_on": days_ago(1),
        },
        "relief:care_create": {
            "person": homes.child.pk,
            "reason": "carer_isolated",
            "carer_name": "李红",
            "carer_phone": "13912340001",
            "place": "村委会",
            "start_date": days_ago(1),
        },
        "relief:event_create": {
            "village": cast.village.pk,
            "kind": "wedding",
            "family_name": "赵家",
            "original_date": days_ago(1),
            "expected_size": "10",
            "status": "postponed",
        },
        "relief:wechat_create": {
            "village": cast.village.pk,
            "name": "群",
            "admin_name": "王",
            "members": "3",
        },
    }[page]
    response = client_for(cast.village_cadre).post(reverse(page), good | {field: foreign.pk})
    assert response.status_code == 404
    assert counts() == [0, 0, 0, 0]
    # The same form with the cadre's own pick is accepted, so the 404 is about the pick.
    ok = client_for(cast.village_cadre).post(reverse(page), good)
    assert ok.status_code == 302
    assert sum(counts()) == 1


def test_a_foreign_pick_is_404_even_when_the_rest_of_the_form_is_wrong(cast, homes):
    response = client_for(cast.village_cadre).post(
        reverse("relief:assistance_create"), {"household": homes.foreign_home.pk}
    )
    assert response.status_code == 404


def test_create_forms_offer_only_scoped_choices(cast, homes):
    client = client_for(cast.village_cadre)
    page = body(client.get(reverse("relief:assistance_create")))
    assert f'value="{homes.home.pk}"' in page
    assert "张建国" in page
    assert f'value="{homes.sibling_home.pk}"' not in page
    people = body(client.get(reverse("relief:care_create")))
    assert "张小明" in people
    assert "张奶奶" in people
    assert "张建国" not in people  # a working-age adult is not offered for care
    assert "王小花" not in people
    villages = body(client.get(reverse("relief:wechat_create")))
    assert f'value="{cast.village.pk}"' in villages
    assert f'value="{cast.sibling_village.pk}"' not in villages


# --- writes -------------------------------------------------------------------------------------


def test_a_cadre_grants_assistance_from_the_page(cast, homes):
    response = client_for(cast.village_cadre).post(
        reverse("relief:assistance_create"),
        {
            "household": homes.home.pk,
            "reason": "epidemic",
            "reason_detail": "务工收入中断",
            "form": "both",
            "cash_amount": "600.00",
            "in_kind_description": "米面油",
            "granted_on": days_ago(2).isoformat(),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("relief:assistance")
    assert "已登记临时救助" in body(response)
    case = AssistanceCase.objects.get()
    assert (case.household, case.region, str(case.cash_amount)) == (
        homes.home,
        cast.village,
        "600.00",
    )
    assert case.granted_by == cast.village_cadre
    assert AuditEvent.objects.filter(action="create", region_code=cast.village.code).exists()


@pytest.mark.parametrize(
    ("_case", "changes", "message"),
    [
        ("negative amount", {"cash_amount": "-100"}, "救助金额不能为负数。"),
        ("amount not a number", {"cash_amount": "五百"}, "请填写金额"),
        ("cash without amount", {"cash_amount": ""}, "现金救助须填写大于 0 的金额。"),
        ("no date", {"granted_on": ""}, "必填。"),
        ("bad date", {"granted_on": "2020-02-30"}, "请填写有效日期"),
        ("no reason", {"reason": ""}, "必填。"),
        (
            "granted tomorrow",
            {"granted_on": lambda: days_ago(-1).isoformat()},
            "发放日期不能晚于今天。",
        ),
    ],
)
def test_bad_assistance_input_is_a_chinese_message_and_writes_nothing(
    cast, homes, _case, changes, message
):
    data = {
        "household": homes.home.pk,
        "reason": "epidemic",
        "form": "cash",
        "cash_amount": "100",
        "granted_on": days_ago(1).isoformat(),
    } | on_run(changes)
    response = client_for(cast.village_cadre).post(reverse("relief:assistance_create"), data)
    assert response.status_code == 200
    assert message in body(response)
    assert "请修正标出的问题后再保存。" in body(response)
    assert counts() == [0, 0, 0, 0]


def test_a_missing_household_is_a_message_not_an_error(cast, homes):
    response = client_for(cast.village_cadre).post(
        reverse("relief:assistance_create"), {"reason": "epidemic", "form": "cash"}
    )
    assert response.status_code == 200
    assert "请选择。" in body(response)


def test_paperwork_is_marked_done_from_the_list(cast, cases):
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("relief:paperwork", args=[cases.overdue.pk]),
        {"done_on": days_ago(0).isoformat()},
        follow=True,
    )
    assert "已补齐手续。" in body(response)
    cases.overdue.refresh_from_db()
    assert cases.overdue.paperwork_done_on == days_ago(0)
    assert f'<tr id="case-{cases.overdue.pk}" class="overdue">' not in body(response)
    again = client.post(reverse("relief:paperwork", args=[cases.overdue.pk]), follow=True)
    assert "这笔救助的手续已经补齐。" in body(again)


def test_a_bad_paperwork_date_changes_nothing(cast, cases):
    response = client_for(cast.village_cadre).post(
        reverse("relief:paperwork", args=[cases.overdue.pk]), {"done_on": "明天"}, follow=True
    )
    assert "请填写有效日期" in body(response)
    cases.overdue.refresh_from_db()
    assert cases.overdue.paperwork_done_on is None


def test_a_cadre_arranges_and_ends_care(cast, homes):
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("relief:care_create"),
        {
            "person": homes.elder.pk,
            "reason": "carer_hospitalised",
            "carer_name": "邻居李红",
            "carer_phone": "13912340001",
            "place": "邻居家",
            "start_date": days_ago(3).isoformat(),
        },
        follow=True,
    )
    assert "已安排临时照料。" in body(response)
    assert "139****0001" in body(response)
    arrangement = CareArrangement.objects.get()
    response = client.post(reverse("relief:care_end", args=[arrangement.pk]), {}, follow=True)
    assert "已结束临时照料。" in body(response)
    arrangement.refresh_from_db()
    assert arrangement.status == CareArrangement.Status.ENDED


@pytest.mark.parametrize(
    ("_case", "changes", "message"),
    [
        ("bad phone", {"carer_phone": "12345"}, "联系电话应为11位手机号或带区号的固定电话"),
        ("no carer", {"carer_name": ""}, "必填。"),
        ("adult", {"person": "head"}, "临时照料对象应为未满 18 周岁的儿童或 60 周岁以上的老年人。"),
    ],
)
def test_bad_care_input_is_a_chinese_message_and_writes_nothing(
    cast, homes, _case, changes, message
):
    data = {
        "person": homes.child.pk,
        "reason": "carer_isolated",
        "carer_name": "李红",
        "carer_phone": "13912340001",
        "place": "村委会",
        "start_date": days_ago(1).isoformat(),
    } | changes
    if data["person"] == "head":
        data["person"] = homes.head.pk
    response = client_for(cast.village_cadre).post(reverse("relief:care_create"), data)
    assert response.status_code == 200
    assert message in body(response)
    assert counts() == [0, 0, 0, 0]


def test_a_cadre_records_a_postponed_wedding(cast, homes):
    response = client_for(cast.village_cadre).post(
        reverse("relief:event_create"),
        {
            "village": cast.village.pk,
            "household": homes.home.pk,
            "kind": "wedding",
            "family_name": "张家",
            "original_date": days_ago(5).isoformat(),
            "new_date": days_ago(-100).isoformat(),
            "expected_size": "200",
            "status": "postponed",
        },
        follow=True,
    )
    assert "已登记婚丧事。" in body(response)
    event = FamilyEvent.objects.get()
    assert (event.region, event.household, event.expected_size) == (cast.village, homes.home, 200)


@pytest.mark.parametrize(
    ("_case", "changes", "message"),
    [
        ("a gathering over 50", {"status": "simplified", "expected_size": "51"}, "不能超过 50 人"),
        ("fractional head count", {"expected_size": "12.5"}, "请填写整数，不能有小数。"),
        ("negative head count", {"expected_size": "-3"}, "预计人数应为不小于 0 的整数。"),
        ("no family", {"family_name": ""}, "必填。"),
        ("no village", {"village": ""}, "请选择。"),
        ("new date too early", {"new_date": "2000-01-01"}, "新日期应晚于原定日期。"),
    ],
)
def test_bad_event_input_is_a_chinese_message_and_writes_nothing(cast, _case, changes, message):
    data = {
        "village": cast.village.pk,
        "kind": "funeral",
        "family_name": "周家",
        "original_date": days_ago(2).isoformat(),
        "expected_size": "20",
        "status": "simplified",
    } | changes
    response = client_for(cast.village_cadre).post(reverse("relief:event_create"), data)
    assert response.status_code == 200
    assert message in body(response)
    assert counts() == [0, 0, 0, 0]


def test_an_event_is_updated_from_the_list(cast, events):
    client = client_for(cast.village_cadre)
    url = reverse("relief:event_update", args=[events.own.pk])
    refused = client.post(url, {"status": "held"}, follow=True)
    assert "不能超过 50 人" in body(refused)
    events.own.refresh_from_db()
    assert events.own.status == FamilyEvent.Status.POSTPONED
    done = client.post(url, {"status": "cancelled"}, follow=True)
    assert "已更新婚丧事办理情况。" in body(done)
    events.own.refresh_from_db()
    assert events.own.status == FamilyEvent.Status.CANCELLED


def test_a_cadre_registers_and_then_updates_a_wechat_group(cast):
    client = client_for(cast.village_cadre)
    data = {
        "village": cast.village.pk,
        "name": "南村村民政群",
        "admin_name": "王主任",
        "admin_phone": "13800001111",
        "members": "30",
    }
    first = client.post(reverse("relief:wechat_create"), data, follow=True)
    assert "已登记民政事务微信群。" in body(first)
    assert "13800001111" not in body(first)
    second = client.post(reverse("relief:wechat_create"), data | {"members": "35"}, follow=True)
    assert "已更新其信息" in body(second)
    assert WeChatGroup.objects.get().members == 35


@pytest.mark.parametrize(
    ("_case", "changes", "message"),
    [
        ("fractional members", {"members": "3.5"}, "请填写整数，不能有小数。"),
        ("negative members", {"members": "-1"}, "成员数应为不小于 0 的整数。"),
        ("bad phone", {"admin_phone": "123"}, "联系电话应为11位手机号或带区号的固定电话"),
        ("no name", {"name": ""}, "必填。"),
    ],
)
def test_bad_group_input_is_a_chinese_message_and_writes_nothing(cast, _case, changes, message):
    data = {"village": cast.village.pk, "name": "群", "admin_name": "王", "members": "3"} | changes
    response = client_for(cast.village_cadre).post(reverse("relief:wechat_create"), data)
    assert response.status_code == 200
    assert message in body(response)
    assert counts() == [0, 0, 0, 0]


def test_only_post_changes_state(cast, cases, care, events):
    client = client_for(cast.town_cadre)
    for url in [
        reverse("relief:paperwork", args=[cases.overdue.pk]),
        reverse("relief:care_end", args=[care.own.pk]),
        reverse("relief:event_update", args=[events.own.pk]),
    ]:
        assert client.get(url).status_code == 405
    cases.overdue.refresh_from_db()
    assert cases.overdue.paperwork_done_on is None


def test_state_changes_need_a_csrf_token(cast, homes, cases):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(cast.village_cadre)
    response = client.post(reverse("relief:paperwork", args=[cases.overdue.pk]))
    assert response.status_code == 403
    response = client.post(
        reverse("relief:wechat_create"),
        {"village": cast.village.pk, "name": "无令牌", "admin_name": "王", "members": "1"},
    )
    assert response.status_code == 403
    assert not WeChatGroup.objects.exists()
    cases.overdue.refresh_from_db()
    assert cases.overdue.paperwork_done_on is None


@pytest.mark.parametrize("page", LIST_PAGES)
def test_list_pages_take_the_same_queries_for_one_row_or_many(cast, homes, page):
    def queries() -> int:
        client = client_for(cast.town_cadre)
        client.get(reverse(page))  # warm the session and the membership cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(page)).status_code == 200
        return len(captured)

    def add_rows(number: int) -> None:
        home = add_household(cast.village, f"9{number:03d}")
        add_person(home, f"户主{number}", child_birth().replace(year=1980), relation="head")
        child = add_person(home, f"孩子{number}", child_birth())
        grant(cast.superuser, home)
        services.care_arrange(
            actor=cast.superuser,
            person=child,
            reason="carer_away",
            carer_name="李红",
            carer_phone="13912340001",
            place="村委会",
            start_date=days_ago(1),
        )
        services.family_event_record(
            actor=cast.superuser,
            region=cast.village,
            household=home,
            kind="wedding",
            family_name=f"户主{number}",
            original_date=days_ago(1),
            expected_size=10,
            status="postponed",
        )
        services.wechat_group_save(
            actor=cast.superuser, region=cast.village, name=f"群{number}", admin_name="王"
        )

    add_rows(1)
    one = queries()
    for number in range(2, 8):
        add_rows(number)
    assert queries() == one
