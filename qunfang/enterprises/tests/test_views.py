import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from qunfang.core.models import AuditEvent
from qunfang.enterprises import selectors
from qunfang.enterprises.models import (
    Application,
    BlockedSubmission,
    Enterprise,
    FairEntry,
    Position,
    Problem,
)
from qunfang.enterprises.tests.conftest import apply, make_code
from qunfang.enterprises.views import APPLY_LIMIT
from qunfang.org.testing import (
    assert_queryset_scoped,
    assert_urls_allowed,
    assert_urls_refused,
    client_for,
)

STAFF_LISTS = [
    "enterprises:overview",
    "enterprises:list",
    "enterprises:create",
    "enterprises:fairs",
    "enterprises:fair_create",
]


def anonymous() -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.8")


def test_staff_with_the_enterprise_line_open_every_page(cast, ents, fairs):
    urls = [reverse(name) for name in STAFF_LISTS] + [
        reverse("enterprises:detail", args=[ents.own.pk]),
        reverse("enterprises:visit_create", args=[ents.own.pk]),
        reverse("enterprises:problem_create", args=[ents.own.pk]),
        reverse("enterprises:resumption_create", args=[ents.own.pk]),
        reverse("enterprises:fair", args=[fairs.fair.pk]),
        reverse("enterprises:applications", args=[fairs.fair.pk]),
        reverse("enterprises:position_create", args=[fairs.own_entry.pk]),
        reverse("enterprises:fair_export", args=[fairs.fair.pk, "positions", "csv"]),
        reverse("enterprises:fair_export", args=[fairs.fair.pk, "applications", "xlsx"]),
    ]
    for user in (cast.hq, cast.dept, cast.town_cadre, cast.superuser):
        assert_urls_allowed(user, urls)


def test_roles_without_the_enterprise_line_are_refused(cast, ents, fairs):
    urls = [reverse(name) for name in STAFF_LISTS] + [
        reverse("enterprises:detail", args=[ents.own.pk]),
        reverse("enterprises:fair", args=[fairs.fair.pk]),
        reverse("enterprises:applications", args=[fairs.fair.pk]),
        reverse("enterprises:fair_export", args=[fairs.fair.pk, "applications", "csv"]),
    ]
    for user in (
        cast.village_cadre,
        cast.grid_worker,
        cast.volunteer,
        cast.auditor,
        cast.counsellor,
    ):
        assert_urls_refused(user, urls, unchanged=[ents.own, fairs.position])


def test_objects_of_another_county_are_a_404(cast, ents, fairs):
    application, _ = apply(fairs.foreign_position)
    problem = Problem.objects.create(
        enterprise=ents.foreign, category="other", description="x", raised_on="2020-02-10"
    )
    urls = [
        reverse("enterprises:detail", args=[ents.foreign.pk]),
        reverse("enterprises:assign", args=[ents.foreign.pk]),
        reverse("enterprises:visit_create", args=[ents.foreign.pk]),
        reverse("enterprises:problem_create", args=[ents.foreign.pk]),
        reverse("enterprises:resumption_create", args=[ents.foreign.pk]),
        reverse("enterprises:problem_solve", args=[problem.pk]),
        reverse("enterprises:fair", args=[fairs.foreign_fair.pk]),
        reverse("enterprises:fair_publish", args=[fairs.foreign_fair.pk]),
        reverse("enterprises:entry_create", args=[fairs.foreign_fair.pk]),
        reverse("enterprises:applications", args=[fairs.foreign_fair.pk]),
        reverse("enterprises:entry_vet", args=[fairs.foreign_entry.pk]),
        reverse("enterprises:position_create", args=[fairs.foreign_entry.pk]),
        reverse("enterprises:position_close", args=[fairs.foreign_position.pk]),
        reverse("enterprises:application_status", args=[application.pk]),
        reverse("enterprises:fair_export", args=[fairs.foreign_fair.pk, "positions", "csv"]),
    ]
    client = client_for(cast.hq)
    for url in urls:
        assert client.post(url).status_code in (404, 405), url
    for url in (urls[0], urls[6], urls[9], urls[14]):  # the pages read by GET
        assert client.get(url).status_code == 404, url
    assert_urls_refused(
        cast.hq,
        urls,
        unchanged=[ents.foreign, problem, fairs.foreign_fair, fairs.foreign_position, application],
    )


def test_lists_are_scoped(cast, ents, fairs):
    mine, _ = apply(fairs.position)
    theirs, _ = apply(fairs.foreign_position)

    def enterprises(user):
        return selectors.enterprise_list(user, region=cast.district.parent)

    assert_queryset_scoped(
        enterprises, user=cast.town_cadre, visible=[ents.own, ents.sibling], hidden=[ents.foreign]
    )
    assert_queryset_scoped(
        lambda user: selectors.application_list(user),
        user=cast.hq,
        visible=[mine],
        hidden=[theirs],
    )
    assert_queryset_scoped(
        lambda user: selectors.position_list(user),
        user=cast.other_town_cadre,
        visible=[fairs.foreign_position],
        hidden=[fairs.position],
    )
    page = client_for(cast.hq).get(reverse("enterprises:list")).content.decode()
    assert "南村铸造" in page and "米山机械厂" not in page


def test_a_district_cadre_sees_a_city_fair_but_only_their_own_enterprises_entries(
    cast, ents, fairs
):
    from qunfang.enterprises import services

    city_fair = services.fair_create(
        actor=cast.superuser,
        region=cast.district.parent,
        title="全市线上招聘会",
        starts_on=fairs.fair.starts_on,
        ends_on=fairs.fair.ends_on,
        publish=True,
    )
    own = services.entry_apply(actor=cast.hq, fair=city_fair, enterprise=ents.own)
    foreign = services.entry_apply(actor=cast.superuser, fair=city_fair, enterprise=ents.foreign)
    page = (
        client_for(cast.hq).get(reverse("enterprises:fair", args=[city_fair.pk])).content.decode()
    )
    assert f"entry-{own.pk}" in page and f"entry-{foreign.pk}" not in page
    # Vetting belongs to the city's organisers.
    vet = reverse("enterprises:entry_vet", args=[own.pk])
    assert client_for(cast.hq).post(vet, {"decision": "approve"}).status_code == 403
    assert client_for(cast.superuser).post(vet, {"decision": "approve"}).status_code == 302
    own.refresh_from_db()
    assert own.status == FairEntry.Status.APPROVED


def test_an_enterprise_is_registered_from_the_page(cast, group):
    client = client_for(cast.town_cadre)
    url = reverse("enterprises:create")
    data = {
        "name": "南村新材料有限公司",
        "credit_code": "91350100M000100Y44",
        "place": cast.village.pk,
        "industry": "C",
        "size": "medium",
        "employees": "300",
        "contact_name": "赵总",
        "contact_phone": "13512340000",
        "work_group": group.pk,
    }
    response = client.post(url, data)
    assert "校验位错误" in response.content.decode()
    assert Enterprise.objects.count() == 0
    code = make_code()
    response = client.post(url, {**data, "credit_code": code})
    enterprise = Enterprise.objects.get()
    assert response["Location"] == reverse("enterprises:detail", args=[enterprise.pk])
    assert enterprise.work_group == group and enterprise.credit_code == code
    assert client.post(url, {**data, "place": cast.other_town.pk}).status_code == 404


def test_the_whole_service_cycle_through_the_pages(cast, ents):
    client = client_for(cast.hq)
    pk = ents.own.pk
    assert (
        client.post(
            reverse("enterprises:visit_create", args=[pk]),
            {"visited_on": "2020-02-20", "visitors": "团机关入企服务工作组", "notes": "了解困难"},
        ).status_code
        == 302
    )
    visit = ents.own.visits.get()
    assert (
        client.post(
            reverse("enterprises:problem_create", args=[pk]),
            {
                "category": "logistics",
                "description": "原料运不进来",
                "raised_on": "2020-02-20",
                "visit": visit.pk,
            },
        ).status_code
        == 302
    )
    problem = Problem.objects.get()
    client.post(
        reverse("enterprises:problem_solve", args=[problem.pk]),
        {"resolution": "办理车辆通行证", "solved_on": "2020-02-22"},
    )
    problem.refresh_from_db()
    assert problem.status == "solved"
    client.post(
        reverse("enterprises:resumption_create", args=[pk]),
        {"status": "partial", "reported_on": "2020-02-22", "workers_back": "70"},
    )
    ents.own.refresh_from_db()
    assert (ents.own.resumption, ents.own.workers_back) == ("partial", 70)
    page = client.get(reverse("enterprises:overview")).content.decode()
    assert "入企服务企业1家，走访1次，帮助企业解决问题1个。" in page


def test_exports_hold_the_fairs_applications_masked_and_audited(cast, fairs):
    # (Another county's fair export is a 404: test_objects_of_another_county_are_a_404.)
    apply(fairs.position)
    apply(fairs.foreign_position, name="外县人", phone="13600009999")  # at the other fair
    url = reverse("enterprises:fair_export", args=[fairs.fair.pk, "applications", "csv"])
    body = client_for(cast.hq).get(url).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    names = [row[3] for row in rows[1:] if len(row) > 3]
    assert rows[0][3] == "姓名" and names[0] == "王强" and "外县人" not in names
    assert "136****1111" in body and "13600001111" not in body and "外县人" not in body
    assert client_for(cast.dept).get(url + "?reveal=1").status_code == 403
    assert "13600001111" in client_for(cast.hq).get(url + "?reveal=1").content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 2
    positions = reverse("enterprises:fair_export", args=[fairs.fair.pk, "positions", "xlsx"])
    assert client_for(cast.hq).get(positions)["Content-Type"].startswith("application/vnd")
    bad = reverse("enterprises:fair_export", args=[fairs.fair.pk, "secrets", "csv"])
    assert client_for(cast.hq).get(bad).status_code == 404


# --- the public pages -----------------------------------------------------------------------


def test_anyone_browses_a_published_fair_and_applies(cast, fairs):
    client = anonymous()
    index = client.get(reverse("enterprises:jobs")).content.decode()
    assert "泽州县首届线上招聘会" in index
    page = client.get(reverse("enterprises:jobs_fair", args=[fairs.fair.pk])).content.decode()
    assert "铸造工" in page and "4000–6000" in page
    url = reverse("enterprises:jobs_apply", args=[fairs.position.pk])
    assert client.get(url).status_code == 200
    data = {"name": "王强", "phone": "13600001111", "age": "28", "consent": "on"}
    response = client.post(url, data)
    assert response.status_code == 200 and "申请已提交" in response.content.decode()
    again = client.post(url, data)
    assert "您已申请过这个岗位" in again.content.decode()
    application = Application.objects.get()
    assert application.submissions == 2
    # The enterprise's cadre sees it, masked.
    staff = client_for(cast.town_cadre).get(
        reverse("enterprises:applications", args=[fairs.fair.pk])
    )
    assert "136****1111" in staff.content.decode() and "13600001111" not in staff.content.decode()


def test_unpublished_unknown_or_closed_things_are_a_404(cast, fairs):
    client = anonymous()
    fairs.fair.is_published = False
    fairs.fair.save()
    for url in [
        reverse("enterprises:jobs_fair", args=[fairs.fair.pk]),
        reverse("enterprises:jobs_apply", args=[fairs.position.pk]),
        reverse("enterprises:jobs_fair", args=[999999]),
        "/enterprises/jobs/99999999999999999999999/",
        "/enterprises/jobs/positions/99999999999999999999999/apply/",
    ]:
        assert client.get(url).status_code == 404, url
    Position.objects.filter(pk=fairs.foreign_position.pk).update(is_open=False)
    url = reverse("enterprises:jobs_apply", args=[fairs.foreign_position.pk])
    assert (
        client.post(url, {"name": "王强", "phone": "13600001111", "consent": "on"}).status_code
        == 404
    )
    assert Application.objects.count() == 0


def test_the_honeypot_stores_nothing_and_is_counted(cast, fairs):
    url = reverse("enterprises:jobs_apply", args=[fairs.position.pk])
    response = anonymous().post(
        url, {"name": "王强", "phone": "13600001111", "consent": "on", "website": "http://spam"}
    )
    assert response.status_code == 200 and "申请已提交" in response.content.decode()
    assert Application.objects.count() == 0
    assert BlockedSubmission.objects.get().reason == "honeypot"


def test_the_application_form_is_rate_limited(cast, fairs):
    url = reverse("enterprises:jobs_apply", args=[fairs.position.pk])
    client = anonymous()
    for number in range(APPLY_LIMIT.count):
        client.post(url, {"name": "王强", "phone": f"1360000{number:04d}", "consent": "on"})
    response = client.post(url, {"name": "王强", "phone": "13611112222", "consent": "on"})
    assert response.status_code == 429
    assert Application.objects.count() == APPLY_LIMIT.count
    assert BlockedSubmission.objects.filter(reason="rate_limit").count() == 1
    other = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.9")
    ok = other.post(url, {"name": "李梅", "phone": "13611112222", "consent": "on"})
    assert ok.status_code == 200


JUNK = [
    {},
    {"name": "", "phone": "", "consent": ""},
    {"name": "王" * 500, "phone": "1" * 500, "age": "9" * 50, "consent": "on"},
    {
        "name": "Robert'); DROP TABLE enterprises_application;--",
        "phone": "13600001111",
        "consent": "on",
    },
    {"name": "<img src=x onerror=alert(1)>", "phone": "+86 136 0000 1111", "consent": "on"},
    {"name": "王强", "phone": "13600001111", "age": "-5", "consent": "on"},
    {"name": "王强", "phone": "13600001111", "age": "abc", "consent": "on"},
    {"name": "王强", "phone": "13600001111", "experience": "x" * 5000, "consent": "on"},
    {"name": "王强\x00", "phone": "1360000\x001111", "consent": "on"},
    {"name": "王强", "phone": "13600001111"},
]


@pytest.mark.parametrize("data", JUNK)
def test_no_input_gets_a_500_and_errors_are_in_chinese(cast, fairs, data):
    url = reverse("enterprises:jobs_apply", args=[fairs.position.pk])
    response = anonymous().post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="error"' in body
    assert "<img src=x" not in body
    assert Application.objects.count() == 0


def test_search_and_paging_parameters_never_break_the_public_page(cast, fairs):
    client = anonymous()
    url = reverse("enterprises:jobs_fair", args=[fairs.fair.pk])
    for query in ["?q=铸造", "?q=%00", "?q=" + "长" * 200, "?page=abc", "?page=-1", "?page=99999"]:
        assert client.get(url + query).status_code == 200, query
    assert "铸造工" in client.get(url + "?q=铸造").content.decode()
    assert "铸造工" not in client.get(url + "?q=会计").content.decode()
    assert "铸造工" in client.get(url + "?q=铸%00造%0A").content.decode()
    staff = client_for(cast.hq).get(reverse("enterprises:list") + "?q=%00南村&resumption=%00")
    assert staff.status_code == 200 and "南村铸造" in staff.content.decode()


def test_the_menu_offers_the_enterprise_line_to_those_who_manage_it(cast):
    from qunfang.core.navigation import menu_for

    def labels(user) -> set[str]:
        groups = {group["key"]: group for group in menu_for(user, "/")}
        return {str(item["label"]) for item in groups.get("enterprise", {"items": []})["items"]}

    assert labels(cast.town_cadre) == {"企业服务总览", "企业台账", "网络招聘会"}
    assert labels(cast.village_cadre) == set()
    assert labels(cast.counsellor) == set()
