import pytest

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_admin_scoped, client_for
from qunfang.relief.models import AssistanceCase, CareArrangement

CHANGELISTS = {
    "cases": "/admin/relief/assistancecase/",
    "care": "/admin/relief/carearrangement/",
    "events": "/admin/relief/familyevent/",
    "groups": "/admin/relief/wechatgroup/",
}


@pytest.mark.parametrize("kind", CHANGELISTS)
def test_staff_see_only_their_subtree(cast, cases, care, events, groups, kind):
    made = {"cases": cases, "care": care, "events": events, "groups": groups}[kind]
    assert_admin_scoped(
        cast.town_cadre, changelist_url=CHANGELISTS[kind], visible=made.own, hidden=made.foreign
    )
    assert_admin_scoped(
        cast.other_town_cadre,
        changelist_url=CHANGELISTS[kind],
        visible=made.foreign,
        hidden=made.sibling,
    )


def test_the_auditor_does_not_see_relief_records(cast, cases):
    assert client_for(cast.auditor).get(CHANGELISTS["cases"]).status_code == 403


def test_an_admin_edit_is_validated_like_the_page(cast, cases):
    url = f"{CHANGELISTS['cases']}{cases.overdue.pk}/change/"
    form = {
        "household": cases.overdue.household_id,
        "reason": "epidemic",
        "reason_detail": "",
        "form": "cash",
        "cash_amount": "-5",
        "in_kind_description": "",
        "granted_on": cases.overdue.granted_on.isoformat(),
        "paperwork_due": cases.overdue.paperwork_due.isoformat(),
        "paperwork_done_on": "",
    }
    client = client_for(cast.town_cadre)
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "救助金额不能为负数。" in refused.content.decode()
    cases.overdue.refresh_from_db()
    assert cases.overdue.cash_amount == 500

    accepted = client.post(url, form | {"cash_amount": "650"})
    assert accepted.status_code == 302
    cases.overdue.refresh_from_db()
    assert cases.overdue.cash_amount == 650
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, target__startswith="临时救助")
    assert event.region_code == cast.village.code
    assert event.detail == {"changed": ["cash_amount"]}


def test_an_admin_edit_cannot_pick_a_household_outside_the_scope(cast, homes, cases):
    url = f"{CHANGELISTS['cases']}{cases.overdue.pk}/change/"
    response = client_for(cast.town_cadre).post(
        url,
        {
            "household": homes.foreign_home.pk,
            "reason": "epidemic",
            "form": "cash",
            "cash_amount": "500",
            "granted_on": cases.overdue.granted_on.isoformat(),
            "paperwork_due": cases.overdue.paperwork_due.isoformat(),
        },
    )
    assert response.status_code == 200
    cases.overdue.refresh_from_db()
    assert cases.overdue.household == homes.home


def test_moving_a_case_to_another_household_moves_its_region(cast, homes, cases):
    url = f"{CHANGELISTS['cases']}{cases.overdue.pk}/change/"
    response = client_for(cast.town_cadre).post(
        url,
        {
            "household": homes.grid_home.pk,
            "reason": "epidemic",
            "form": "cash",
            "cash_amount": "500",
            "granted_on": cases.overdue.granted_on.isoformat(),
            "paperwork_due": cases.overdue.paperwork_due.isoformat(),
        },
    )
    assert response.status_code == 302
    cases.overdue.refresh_from_db()
    assert cases.overdue.region == cast.grid


def test_relief_records_are_never_deleted_in_the_admin(cast, cases):
    client = client_for(cast.superuser)
    response = client.post(f"{CHANGELISTS['cases']}{cases.overdue.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AssistanceCase.objects.filter(pk=cases.overdue.pk).exists()


def test_care_is_arranged_on_the_page_not_in_the_admin(cast, care):
    client = client_for(cast.superuser)
    assert client.get(f"{CHANGELISTS['care']}add/").status_code == 403
    page = client.get(f"{CHANGELISTS['care']}{care.own.pk}/change/").content.decode()
    assert "139****0001" in page
    assert "13912340001" not in page
    assert care.own.carer_phone not in page


def test_ending_care_in_the_admin_needs_an_end_date(cast, care):
    url = f"{CHANGELISTS['care']}{care.own.pk}/change/"
    form = {
        "person": care.own.person_id,
        "reason": care.own.reason,
        "carer_name": care.own.carer_name,
        "place": care.own.place,
        "start_date": care.own.start_date.isoformat(),
        "end_date": "",
        "status": CareArrangement.Status.ENDED,
        "note": "",
    }
    refused = client_for(cast.town_cadre).post(url, form)
    assert "已结束的照料须填写结束日期。" in refused.content.decode()
    care.own.refresh_from_db()
    assert care.own.status == CareArrangement.Status.ACTIVE


def test_an_admin_event_edit_keeps_gatherings_small(cast, events):
    url = f"{CHANGELISTS['events']}{events.own.pk}/change/"
    response = client_for(cast.town_cadre).post(
        url,
        {
            "region": events.own.region_id,
            "kind": "wedding",
            "family_name": "赵家",
            "original_date": events.own.original_date.isoformat(),
            "expected_size": "120",
            "status": "held",
        },
    )
    assert "不能超过 50 人" in response.content.decode()
    events.own.refresh_from_db()
    assert events.own.status == "postponed"
