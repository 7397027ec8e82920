import io

import openpyxl
import pytest
from django.urls import reverse

from qunfang.core.crypto import decrypt
from qunfang.core.models import AuditEvent
from qunfang.org.testing import (
    assert_admin_scoped,
    assert_queryset_scoped,
    assert_urls_allowed,
    assert_urls_refused,
    client_for,
)
from qunfang.residents import selectors
from qunfang.residents.models import Alert, HealthCheck, Person
from qunfang.residents.services import health_check_record
from qunfang.residents.testing import make_id, make_person

PAGES = [
    "/residents/round/",
    "/residents/alerts/",
    "/residents/persons/",
    "/residents/audit/",
    "/residents/import/",
]


@pytest.fixture
def people(cast):
    own = make_person(cast.village, name="王秀英", tag="elderly")
    plain = make_person(cast.village, name="李明", register_no="0002")
    foreign = make_person(cast.sibling_village, name="赵大", tag="dibao")
    _c, own_alert = health_check_record(
        actor=cast.village_cadre, person=own, method="phone", cough=True
    )
    _c, foreign_alert = health_check_record(
        actor=cast.sibling_cadre, person=foreign, method="phone", cough=True
    )
    return {
        "own": own,
        "plain": plain,
        "foreign": foreign,
        "own_alert": own_alert,
        "foreign_alert": foreign_alert,
    }


def test_every_ledger_page_renders_for_those_who_may_see_it(cast, people):
    for persona in ("village_cadre", "town_cadre", "hq", "grid_worker", "superuser"):
        assert_urls_allowed(getattr(cast, persona), PAGES)


def test_roles_without_the_ledger_are_refused(cast, people):
    for persona in ("volunteer", "auditor", "counsellor"):
        assert_urls_refused(getattr(cast, persona), PAGES, methods=("get",))


def test_a_village_cadre_cannot_reach_a_sibling_villages_people_or_alerts(cast, people):
    foreign, alert = people["foreign"], people["foreign_alert"]
    assert_urls_refused(
        cast.village_cadre,
        [
            reverse("residents:person", args=[foreign.pk]),
            reverse("residents:check", args=[foreign.pk]),
            reverse("residents:alert", args=[alert.pk]),
            reverse("residents:alert_transition", args=[alert.pk]),
        ],
        unchanged=[foreign, alert],
    )
    assert not HealthCheck.objects.filter(person=foreign, checked_by=cast.village_cadre).exists()


def test_selectors_are_scoped(cast, people):
    assert_queryset_scoped(
        lambda user: selectors.person_list(user, cast.town),
        user=cast.village_cadre,
        visible=[people["own"], people["plain"]],
        hidden=[people["foreign"]],
    )
    assert_queryset_scoped(
        lambda user: selectors.alert_list(user, cast.town),
        user=cast.village_cadre,
        visible=[people["own_alert"]],
        hidden=[people["foreign_alert"]],
    )
    assert_queryset_scoped(
        lambda user: selectors.alert_list(user, cast.town),
        user=cast.town_cadre,
        visible=[people["own_alert"], people["foreign_alert"]],
        hidden=[],
    )


def test_the_admin_is_scoped(cast, people):
    assert_admin_scoped(
        cast.town_cadre,
        changelist_url="/admin/residents/person/",
        visible=people["own"],
        hidden=make_person(cast.other_town, name="外县人"),
    )


def test_the_round_lists_alerts_then_vulnerable_and_hides_others(cast, people):
    # Tagged but with no alert: after 王秀英, who has one, though its name and household come first.
    make_person(cast.village, name="丁婆婆", tag="elderly", register_no="0000")
    response = client_for(cast.village_cadre).get("/residents/round/")
    assert [p.name for p in response.context["page"]] == ["王秀英", "丁婆婆"]
    body = response.content.decode()
    assert "王秀英" in body
    assert "李明" not in body
    assert "赵大" not in body
    assert "预警中" in body
    everyone = client_for(cast.village_cadre).get("/residents/round/?all=1").content.decode()
    assert "李明" in everyone


def test_one_tap_records_a_normal_check_and_the_progress_moves(cast, people):
    client = client_for(cast.village_cadre)
    plain = make_person(cast.village, name="孙婆婆", tag="elderly", register_no="0003")
    response = client.post(
        reverse("residents:check", args=[plain.pk]), {"method": "visit"}, follow=True
    )
    assert "孙婆婆：已记录，无异常" in response.content.decode()
    assert HealthCheck.objects.get(person=plain).method == "visit"
    assert response.context["progress"]["checked"] == 2


def test_a_fever_from_the_round_raises_an_alert_visible_to_the_town_and_district(cast, people):
    plain = people["plain"]
    response = client_for(cast.grid_worker).post(
        reverse("residents:check", args=[plain.pk]), {"method": "phone", "temperature": "38.1"}
    )
    assert response.status_code == 404  # the grid worker's scope is one grid, not the village
    response = client_for(cast.village_cadre).post(
        reverse("residents:check", args=[plain.pk]),
        {"method": "phone", "temperature": "38.1"},
        follow=True,
    )
    assert "已上报症状预警" in response.content.decode()
    alert = Alert.objects.get(person=plain)
    for persona in ("town_cadre", "hq"):
        assert (
            "李明" in client_for(getattr(cast, persona)).get("/residents/alerts/").content.decode()
        )
    assert alert.reason == "体温38.1℃"


@pytest.mark.parametrize(
    ("temperature", "message"),
    [
        ("abc", "体温请填数字，如 36.5"),
        ("50", "体温应在 34.0–43.0 ℃ 之间"),
        ("36.55", "体温保留一位小数，如 36.5"),
    ],
)
def test_a_bad_temperature_is_a_message_not_a_500(cast, people, temperature, message):
    response = client_for(cast.village_cadre).post(
        reverse("residents:check", args=[people["plain"].pk]),
        {"method": "phone", "temperature": temperature},
        follow=True,
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HealthCheck.objects.filter(person=people["plain"]).exists()


def test_overdue_alerts_stand_out(cast, people):
    Alert.objects.filter(pk=people["own_alert"].pk).update(due_at="2020-01-01T00:00:00Z")
    health_check_record(
        actor=cast.village_cadre, person=people["plain"], method="phone", cough=True
    )
    body = client_for(cast.village_cadre).get("/residents/alerts/").content.decode()
    assert body.count('class="overdue"') == 1
    assert body.count('<strong class="danger">超时</strong>') == 1
    assert "李明" in body  # the alert still within its time
    overdue = (
        client_for(cast.village_cadre).get("/residents/alerts/?state=overdue").content.decode()
    )
    assert "王秀英" in overdue and "李明" not in overdue


def test_an_alert_moves_from_its_page(cast, people):
    alert = people["own_alert"]
    client = client_for(cast.town_cadre)
    page = client.get(reverse("residents:alert", args=[alert.pk])).content.decode()
    assert "居家隔离" in page
    client.post(
        reverse("residents:alert_transition", args=[alert.pk]), {"to_status": "isolated_central"}
    )
    alert.refresh_from_db()
    assert alert.status == "isolated_central"
    refused = client.post(
        reverse("residents:alert_transition", args=[alert.pk]), {"to_status": "closed"}, follow=True
    )
    assert "不能改为" in refused.content.decode()


def test_lists_show_masked_numbers_only(cast, people):
    body = client_for(cast.town_cadre).get("/residents/persons/").content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body
    assert "140525********" in body
    for person in people.values():
        if hasattr(person, "id_number"):
            assert decrypt(person.id_number) not in body


def test_a_full_reveal_needs_a_reason_the_right_role_and_is_audited(cast, people):
    # The grid worker sees this person (their grid) but may not reveal.
    in_grid = make_person(cast.grid, name="孙梅", register_no="0031")
    grid_url = reverse("residents:person", args=[in_grid.pk])
    assert client_for(cast.grid_worker).get(grid_url).status_code == 200
    assert client_for(cast.grid_worker).post(grid_url, {"reason": "送医"}).status_code == 403
    url = reverse("residents:person", args=[people["own"].pk])
    no_reason = client_for(cast.village_cadre).post(url, {"reason": ""}).content.decode()
    assert "13812345678" not in no_reason
    assert not AuditEvent.objects.filter(action="read").exists()
    body = client_for(cast.village_cadre).post(url, {"reason": "送医"}).content.decode()
    assert "13812345678" in body
    assert AuditEvent.objects.filter(action="read", actor=cast.village_cadre).count() == 1
    masked = client_for(cast.village_cadre).get(url).content.decode()
    assert "13812345678" not in masked


def test_exports_are_scoped_masked_audited_and_watermarked(cast, people):
    response = client_for(cast.village_cadre).get("/residents/export/persons.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True) if row[4]]
    assert sorted(names) == ["李明", "王秀英"]
    assert all(
        "*" in (row[7] or "") for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)
    )
    assert "导出人：village_cadre" in str(sheet.cell(sheet.max_row, 1).value)
    assert AuditEvent.objects.filter(action="export", actor=cast.village_cadre).count() == 1


def test_a_full_export_needs_the_sensitive_clearance(cast, people):
    assert (
        client_for(cast.grid_worker).get("/residents/export/persons.csv?reveal=1").status_code
        == 403
    )
    response = client_for(cast.village_cadre).get("/residents/export/persons.csv?reveal=1")
    assert "13812345678" in response.content.decode("utf-8-sig")
    assert AuditEvent.objects.get(action="export").detail["reveal"] is True


def test_the_template_downloads_with_chinese_headers(cast):
    response = client_for(cast.village_cadre).get("/residents/templates/persons.xlsx")
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).active[1]]
    assert {"*姓名", "*身份证号", "联系电话", "*户号"} <= set(headers)
    assert (
        client_for(cast.village_cadre).get("/residents/templates/nothing.xlsx").status_code == 404
    )


def test_importing_through_the_page_shows_every_bad_row_and_writes_nothing(cast, as_csv):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = {"户号": "0001", "姓名": "周一", "身份证号": make_id()}
    bad = {"户号": "0001", "姓名": "吴二", "身份证号": "110105194912310021"}
    upload = SimpleUploadedFile("台账.xlsx", as_csv(good, bad))
    response = client_for(cast.village_cadre).post(
        "/residents/import/", {"ledger": "persons", "file": upload}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "未写入任何数据" in body
    assert "校验位错误" in body
    assert not Person.objects.filter(name="周一").exists()
    upload = SimpleUploadedFile("台账.csv", as_csv(good))
    response = client_for(cast.village_cadre).post(
        "/residents/import/", {"ledger": "persons", "file": upload}
    )
    assert response.status_code == 200
    assert "新增 1 人" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [("empty.xlsx", b"", "提交的是空文件"), ("x.xlsx", b"PK\x03\x04junk", "损坏")],
)
def test_unreadable_uploads_get_a_clear_message(cast, name, data, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(cast.village_cadre).post(
        "/residents/import/", {"ledger": "persons", "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_audit_page_shows_completeness(cast, people):
    from qunfang.core.ledgers import ledger_import
    from qunfang.core.spreadsheets import write_csv

    # The village's roster names 王秀英 (in the ledger) and one person who is not.
    own = decrypt(people["own"].id_number)
    rows = [[people["own"].household.register_no, "王秀英", own], ["0099", "钱七", make_id()]]
    data = write_csv(["户号", "姓名", "身份证号"], rows)
    imported = ledger_import(
        actor=cast.town_cadre, region=cast.village, ledger_name="roster", data=data
    )
    assert imported.written, imported.errors
    response = client_for(cast.town_cadre).get("/residents/audit/?days=2")
    body = response.content.decode()
    assert "完整性核查" in body
    assert "50.0%" in body  # the village, and the town, whose only roster it is
    assert "未导入名册" in body  # the sibling village
    assert "困难对象2天未巡查" in body
    fallback = client_for(cast.town_cadre).get("/residents/audit/?days=abc")
    assert fallback.status_code == 200 and fallback.context["days"] == 3


def test_an_oversized_upload_is_refused_before_it_is_read(cast, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qunfang.core import spreadsheets

    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 1024 * 1024)
    data = "户号,姓名,身份证号\n".encode() + b"0001,x,y\n" * 200_000
    response = client_for(cast.village_cadre).post(
        "/residents/import/", {"ledger": "persons", "file": SimpleUploadedFile("big.csv", data)}
    )
    assert response.status_code == 400
    assert "文件超过 1 MB" in response.content.decode()
    assert not Person.objects.exists()
