from qunfang.core.models import AuditEvent
from qunfang.hotlines.models import Call
from qunfang.org.testing import assert_admin_scoped, client_for


def test_the_call_admin_is_scoped(cast, calls):
    assert_admin_scoped(
        cast.hq,
        changelist_url="/admin/hotlines/call/",
        visible=calls.own,
        hidden=calls.foreign,
    )
    assert_admin_scoped(
        cast.other_town_cadre,
        changelist_url="/admin/hotlines/call/",
        visible=calls.foreign,
        hidden=calls.own,
    )


def test_the_line_admin_is_scoped(cast, lines):
    assert_admin_scoped(
        cast.town_cadre.__class__.objects.get(username="hq"),
        changelist_url="/admin/hotlines/line/",
        visible=lines.psych,
        hidden=lines.foreign,
    )


def test_the_admin_shows_no_encrypted_field_and_audits_a_correction(cast, calls):
    client = client_for(cast.hq)
    page = client.get(f"/admin/hotlines/call/{calls.own.pk}/change/").content.decode()
    assert "138****5678" in page
    assert calls.own.caller_phone not in page and calls.own.notes not in page  # ciphertexts
    assert "13812345678" not in page and "睡不着" not in page  # and what they hold
    response = client.post(
        f"/admin/hotlines/call/{calls.own.pk}/change/",
        {
            "duration_minutes": "20",
            "caller_type": "parent",
            "topic": "study",
            "risk": "low",
            "follow_up_due": "",
            "follow_up_done_on": "",
            "follow_up_note": "",
        },
    )
    assert response.status_code == 302
    assert Call.objects.get(pk=calls.own.pk).topic == "study"
    assert AuditEvent.objects.filter(target__endswith="（后台）").count() == 1
    assert client.post(f"/admin/hotlines/call/{calls.own.pk}/delete/").status_code == 403
