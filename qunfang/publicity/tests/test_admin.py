import pytest

from qunfang.org.testing import assert_admin_scoped, client_for

CHANGELISTS = {
    "announcement": "/admin/publicity/announcement/",
    "press": "/admin/publicity/pressitem/",
    "article": "/admin/publicity/article/",
    "material": "/admin/publicity/materialdistribution/",
    "expert": "/admin/publicity/expertbroadcast/",
}


@pytest.mark.parametrize("kind", CHANGELISTS)
def test_staff_see_only_their_subtree(cast, records, kind):
    assert_admin_scoped(
        cast.town_cadre,
        changelist_url=CHANGELISTS[kind],
        visible=getattr(records.own, kind),
        hidden=getattr(records.foreign, kind),
    )
    assert_admin_scoped(
        cast.other_town_cadre,
        changelist_url=CHANGELISTS[kind],
        visible=getattr(records.foreign, kind),
        hidden=getattr(records.sibling, kind),
    )


def test_the_auditor_does_not_see_publicity_records(cast, records):
    assert client_for(cast.auditor).get(CHANGELISTS["press"]).status_code == 403


def test_announcements_are_added_on_the_page_not_in_the_admin(cast):
    assert client_for(cast.superuser).get(f"{CHANGELISTS['announcement']}add/").status_code == 403
