from qunfang.core.models import AuditEvent
from qunfang.enterprises.models import Application
from qunfang.enterprises.tests.conftest import apply
from qunfang.org.testing import assert_admin_scoped, client_for


def test_the_enterprise_admin_is_scoped(cast, ents):
    assert_admin_scoped(
        cast.hq,
        changelist_url="/admin/enterprises/enterprise/",
        visible=ents.own,
        hidden=ents.foreign,
    )
    assert_admin_scoped(
        cast.other_town_cadre,
        changelist_url="/admin/enterprises/enterprise/",
        visible=ents.foreign,
        hidden=ents.own,
    )


def test_the_position_and_application_admins_are_scoped(cast, fairs):
    mine, _ = apply(fairs.position)
    theirs, _ = apply(fairs.foreign_position)
    assert_admin_scoped(
        cast.hq,
        changelist_url="/admin/enterprises/position/",
        visible=fairs.position,
        hidden=fairs.foreign_position,
    )
    assert_admin_scoped(
        cast.town_cadre,
        changelist_url="/admin/enterprises/application/",
        visible=mine,
        hidden=theirs,
    )


def test_the_application_admin_shows_masked_numbers_and_audits_changes(cast, fairs):
    application, _ = apply(fairs.position)
    client = client_for(cast.hq)
    url = f"/admin/enterprises/application/{application.pk}/change/"
    page = client.get(url).content.decode()
    # Neither the number nor its ciphertext.
    assert "136****1111" in page and "13600001111" not in page and application.phone not in page
    assert client.post(url, {"status": "contacted"}).status_code == 302
    assert Application.objects.get().status == "contacted"
    assert AuditEvent.objects.filter(target=f"求职申请 {application.pk}（后台）").exists()
    assert (
        client.post(f"/admin/enterprises/application/{application.pk}/delete/").status_code == 403
    )
