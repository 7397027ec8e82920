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


PROGRAMME = {
    "title": "防疫广播",
    "content": "勤洗手",
    "schedule": "07:30",
    "start_date": "2026-11-30",
    "end_date": "",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # The service's ValidationError named its field; raised from the field's own clean it
        # was a TypeError inside Django.
        ({"schedule": "07:30, -1"}, "格式不对"),
        # Django's JSON box let this reach json's int().
        ({"schedule": "9" * 5000}, "确保该变量包含不超过 300 字符"),
        ({"end_date": "9999-12-31"}, "日期应在 1900-01-01 至 2100-12-31 之间"),
    ],
)
def test_a_bad_programme_in_the_admin_is_shown_on_the_form(cast, change, message):
    data = {**PROGRAMME, "region": cast.town.pk, **change}

    response = client_for(cast.superuser).post("/admin/broadcast/programme/add/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Programme.objects.exists()


def test_the_admin_takes_play_times_as_the_programme_page_does(cast):
    client = client_for(cast.superuser)
    data = {**PROGRAMME, "region": cast.town.pk, "schedule": "18:30，7:00"}

    assert client.post("/admin/broadcast/programme/add/", data).status_code == 302
    programme = Programme.objects.get()
    assert programme.schedule == ["07:00", "18:30"]
    page = client.get(f"/admin/broadcast/programme/{programme.pk}/change/").content.decode()
    assert 'value="07:00, 18:30"' in page
