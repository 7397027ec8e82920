import pytest

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_admin_scoped, client_for
from qunfang.volunteers.models import Shift, SignUp, Team

CHANGELISTS = {
    "campaigns": "/admin/volunteers/campaign/",
    "signups": "/admin/volunteers/signup/",
    "volunteers": "/admin/volunteers/volunteer/",
    "teams": "/admin/volunteers/team/",
    "shifts": "/admin/volunteers/shift/",
    "assignments": "/admin/volunteers/assignment/",
    "rounds": "/admin/volunteers/disinfectionround/",
    "enterprises": "/admin/volunteers/caringenterprise/",
    "families": "/admin/volunteers/medicfamily/",
    "needs": "/admin/volunteers/helpneed/",
}


@pytest.mark.parametrize("kind", CHANGELISTS)
def test_staff_see_only_their_subtree(cast, made, kind):
    rows = getattr(made, kind)
    assert_admin_scoped(
        cast.town_cadre, changelist_url=CHANGELISTS[kind], visible=rows.own, hidden=rows.foreign
    )
    assert_admin_scoped(
        cast.other_town_cadre,
        changelist_url=CHANGELISTS[kind],
        visible=rows.foreign,
        hidden=rows.own,
    )


def test_the_auditor_does_not_see_volunteer_records(cast, made):
    assert client_for(cast.auditor).get(CHANGELISTS["volunteers"]).status_code == 403


def test_numbers_are_masked_and_records_never_added_or_deleted_here(cast, made):
    client = client_for(cast.superuser)
    page = client.get(f"{CHANGELISTS['volunteers']}{made.volunteers.own.pk}/change/")
    body = page.content.decode()
    assert made.volunteers.own.id_masked in body
    assert "13912345678" not in body and made.volunteers.own.id_number not in body
    assert client.get(f"{CHANGELISTS['volunteers']}add/").status_code == 403
    response = client.post(
        f"{CHANGELISTS['signups']}{made.signups.own.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert SignUp.objects.filter(pk=made.signups.own.pk).exists()


def test_a_sign_up_cannot_be_approved_in_the_admin(cast, made):
    url = f"{CHANGELISTS['signups']}{made.signups.own.pk}/change/"
    response = client_for(cast.town_cadre).post(url, {"status": "approved"})
    assert response.status_code == 403  # refused as a change, not merely an invalid form
    made.signups.own.refresh_from_db()
    assert made.signups.own.status == "pending"


def test_a_shift_edit_cannot_go_below_the_people_assigned_and_is_audited(cast, made):
    url = f"{CHANGELISTS['shifts']}{made.shifts.own.pk}/change/"
    client = client_for(cast.town_cadre)
    form = {"place": "新卡点", "needed": "0", "note": ""}
    refused = client.post(url, form)
    assert "需要人数不能少于已安排人数" in refused.content.decode()
    assert client.post(url, form | {"needed": "5"}).status_code == 302
    shift = Shift.objects.get(pk=made.shifts.own.pk)
    assert (shift.place, shift.needed) == ("新卡点", 5)
    event = AuditEvent.objects.get(target__startswith="值守班次", target__endswith="（后台）")
    assert event.region_code == cast.village.code


def test_a_team_renamed_to_a_neighbours_name_is_told_so_not_a_server_error(cast, made):
    # The region is read-only in the admin, so Django left the (region, name) rule unchecked
    # and the clash reached the database as an IntegrityError.
    own = made.teams.own
    Team.objects.create(region=own.region, name="第二小分队", kind=own.kind)
    url = f"{CHANGELISTS['teams']}{own.pk}/change/"
    response = client_for(cast.town_cadre).post(url, {"name": "第二小分队", "kind": own.kind})
    assert response.status_code == 200
    assert "该区域已有同名小分队。" in response.content.decode()
    own.refresh_from_db()
    assert own.name == "南村小分队"
