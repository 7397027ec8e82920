import pytest

from qunfang.broadcast.models import Programme
from qunfang.org.testing import assert_admin_scoped, client_for

CHANGELISTS = {
    "terminal": "/admin/broadcast/terminal/",
    "fault": "/admin/broadcast/fault/",
    "order": "/admin/broadcast/workorder/",
}


@pytest.mark.parametrize("kind", CHANGELISTS)
def test_staff_see_only_their_subtree(cast, orders, kind):
    def pick(side):
        order = getattr(orders, side)
        return {"terminal": order.fault.terminal, "fault": order.fault, "order": order}[kind]

    assert_admin_scoped(
        cast.town_cadre,
        changelist_url=CHANGELISTS[kind],
        visible=pick("own"),
        hidden=pick("foreign"),
    )
    assert_admin_scoped(
        cast.other_town_cadre,
        changelist_url=CHANGELISTS[kind],
        visible=pick("foreign"),
        hidden=pick("sibling"),
    )


def test_faults_and_orders_are_read_only_in_the_admin(cast, orders):
    client = client_for(cast.superuser)
    assert client.get(f"{CHANGELISTS['fault']}add/").status_code == 403
    response = client.post(f"{CHANGELISTS['order']}{orders.own.pk}/change/", {"status": "closed"})
    assert response.status_code == 403
    orders.own.refresh_from_db()
    assert orders.own.status == "assigned"


def test_the_auditor_does_not_see_terminals(cast, orders):
    assert client_for(cast.auditor).get(CHANGELISTS["terminal"]).status_code == 403


def test_a_bad_schedule_in_the_admin_is_shown_on_the_form(cast):
    # The service's ValidationError named its field; raised from the field's clean that was a
    # TypeError inside Django, a server error.
    response = client_for(cast.superuser).post(
        "/admin/broadcast/programme/add/",
        {
            "region": cast.town.pk,
            "title": "防疫广播",
            "content": "勤洗手",
            "schedule": "07:30, -1",
            "start_date": "2026-11-30",
        },
    )

    assert response.status_code == 200
    assert "格式不对" in response.content.decode()
    assert not Programme.objects.exists()


def test_a_programme_date_beyond_the_calendars_range_is_shown_on_the_form(cast):
    response = client_for(cast.superuser).post(
        "/admin/broadcast/programme/add/",
        {
            "region": cast.town.pk,
            "title": "防疫广播",
            "content": "勤洗手",
            "schedule": "07:30",
            "start_date": "2026-11-30",
            "end_date": "9999-12-31",
        },
    )

    assert response.status_code == 200
    assert "日期应在 1900-01-01 至 2100-12-31 之间" in response.content.decode()
    assert not Programme.objects.exists()


def test_the_admin_takes_play_times_as_the_programme_page_does(cast):
    client = client_for(cast.superuser)
    form = {
        "region": cast.town.pk,
        "title": "防疫广播",
        "content": "勤洗手",
        "start_date": "2026-11-30",
        "end_date": "",
    }
    # A 5,000-digit number in Django's JSON box reached json's int(): a server error.
    response = client.post("/admin/broadcast/programme/add/", {**form, "schedule": "9" * 5000})
    assert response.status_code == 200 and not Programme.objects.exists()

    response = client.post("/admin/broadcast/programme/add/", {**form, "schedule": "18:30，7:00"})
    assert response.status_code == 302
    programme = Programme.objects.get()
    assert programme.schedule == ["07:00", "18:30"]
    page = client.get(f"/admin/broadcast/programme/{programme.pk}/change/").content.decode()
    assert 'value="07:00, 18:30"' in page
