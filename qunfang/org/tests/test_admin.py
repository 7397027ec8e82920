import pytest

from qunfang.core.models import AuditEvent
from qunfang.org.models import Membership
from qunfang.org.testing import assert_admin_scoped, client_for


def test_the_admin_is_in_chinese(cast):
    body = client_for(cast.superuser).get("/admin/").content.decode()
    assert "群防 Qunfang 后台管理" in body
    assert "组织与区域" in body
    assert "区域" in body


def test_staff_see_only_their_subtree_of_regions(cast):
    assert_admin_scoped(
        cast.town_cadre,
        changelist_url="/admin/org/region/",
        visible=cast.village,
        hidden=cast.other_town,
    )


def test_staff_see_only_their_subtree_of_memberships(cast):
    own = Membership.objects.get(user=cast.village_cadre)
    foreign = Membership.objects.get(user=cast.other_town_cadre)
    assert_admin_scoped(
        cast.town_cadre,
        changelist_url="/admin/org/membership/",
        visible=own,
        hidden=foreign,
    )


def test_nbs_divisions_are_read_only_but_grids_are_editable(cast):
    client = client_for(cast.town_cadre)
    response = client.post(
        f"/admin/org/region/{cast.village.pk}/change/",
        {"code": cast.village.code, "name": "改名", "level": "village"},
    )
    assert response.status_code in (403, 200)
    cast.village.refresh_from_db()
    assert cast.village.name == "南村村委会"
    grid_page = client.get(f"/admin/org/region/{cast.grid.pk}/change/")
    assert grid_page.status_code == 200
    assert 'name="name"' in grid_page.content.decode()


def test_membership_foreign_keys_offer_only_scoped_regions(cast):
    page = client_for(cast.town_cadre).get("/admin/org/department/add/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    regions = form.fields["region"].queryset
    assert regions.filter(pk=cast.village.pk).exists()
    assert not regions.filter(pk=cast.other_town.pk).exists()


def test_the_auditor_reads_the_trail_and_changes_nothing(cast):
    client = client_for(cast.auditor)
    assert client.get("/admin/core/auditevent/").status_code == 200
    event = AuditEvent.objects.filter(region_code__startswith=cast.district.code).first()
    assert event is not None
    assert client.post(
        f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}
    ).status_code in (
        403,
        302,
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/org/membership/").status_code == 403


def test_a_village_cadre_has_no_admin(cast):
    response = client_for(cast.village_cadre).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_applies_the_role_level_rule_and_audits_memberships(cast):
    client = client_for(cast.superuser)
    before = AuditEvent.objects.filter(action="permission").count()
    wrong = client.post(
        "/admin/org/membership/add/",
        {
            "user": cast.volunteer.pk,
            "region": cast.town.pk,
            "role": "village_cadre",
            "is_active": "on",
        },
    )
    assert wrong.status_code == 200
    assert "不能设在" in wrong.content.decode()
    assert not Membership.objects.filter(user=cast.volunteer, role="village_cadre").exists()
    right = client.post(
        "/admin/org/membership/add/",
        {
            "user": cast.volunteer.pk,
            "region": cast.village.pk,
            "role": "village_cadre",
            "is_active": "on",
        },
    )
    assert right.status_code == 302
    assert Membership.objects.filter(user=cast.volunteer, role="village_cadre").exists()
    assert AuditEvent.objects.filter(action="permission").count() == before + 1


@pytest.mark.parametrize(
    "url",
    [
        "/admin/volunteers/team/?region=99999999999999999999",  # SQLite: OverflowError
        "/admin/supplies/item/?id=-99999999999999999999",
    ],
)
def test_an_admin_filter_on_a_number_no_row_can_have_is_djangos_incorrect_lookup(cast, url):
    response = client_for(cast.superuser).get(url)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
