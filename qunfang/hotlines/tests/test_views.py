import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from qunfang.core.models import AuditEvent
from qunfang.hotlines import selectors
from qunfang.hotlines.models import Call, Escalation, Line, Shift
from qunfang.org.models import Region
from qunfang.org.testing import (
    assert_queryset_scoped,
    assert_urls_allowed,
    assert_urls_refused,
    client_for,
)
from qunfang.relief.models import CareArrangement
from qunfang.relief.tests.conftest import add_household, add_person, child_birth, make_id_number
from qunfang.residents.models import Relation

LISTS = [
    "hotlines:overview",
    "hotlines:lines",
    "hotlines:shifts",
    "hotlines:calls",
    "hotlines:escalations",
    "hotlines:line_create",
    "hotlines:shift_create",
    "hotlines:call_create",
]


def test_hotline_staff_open_every_page(cast, calls):
    urls = [reverse(name) for name in LISTS] + [
        reverse("hotlines:call", args=[calls.own.pk]),
        reverse("hotlines:call_escalate", args=[calls.own.pk]),
        reverse("hotlines:call_export", args=["csv"]),
    ]
    for user in (cast.counsellor, cast.hq, cast.town_cadre, cast.superuser):
        assert_urls_allowed(user, urls)


def test_people_without_the_hotline_role_are_refused(cast, calls):
    urls = [reverse(name) for name in LISTS if name != "hotlines:escalations"] + [
        reverse("hotlines:call", args=[calls.own.pk]),
        reverse("hotlines:call_follow_up", args=[calls.sibling.pk]),
        reverse("hotlines:call_export", args=["xlsx"]),
    ]
    for user in (cast.village_cadre, cast.grid_worker, cast.volunteer, cast.auditor):
        assert_urls_refused(user, urls, unchanged=[calls.own, calls.sibling])


def test_calls_of_another_county_are_a_404(cast, calls):
    urls = [
        reverse("hotlines:call", args=[calls.foreign.pk]),
        reverse("hotlines:call_follow_up", args=[calls.foreign.pk]),
        reverse("hotlines:call_escalate", args=[calls.foreign.pk]),
    ]
    client = client_for(cast.counsellor)
    for url in urls:
        assert client.get(url).status_code in (404, 405)
        assert client.post(url).status_code == 404
    assert_urls_refused(cast.counsellor, urls, unchanged=[calls.foreign])


def test_every_list_is_scoped(cast, lines, calls):
    # Asked for the whole city, so only the user's scope can leave the other county's call out.
    def call_list(user):
        return selectors.call_list(user, region=cast.district.parent)

    assert_queryset_scoped(
        call_list, user=cast.counsellor, visible=[calls.own, calls.sibling], hidden=[calls.foreign]
    )

    def town_calls(user):
        return selectors.call_list(user, region=cast.town)

    assert_queryset_scoped(
        town_calls, user=cast.town_cadre, visible=[calls.own], hidden=[calls.foreign]
    )
    assert_queryset_scoped(
        town_calls, user=cast.village_cadre, visible=[calls.own], hidden=[calls.sibling]
    )
    page = client_for(cast.counsellor).get(reverse("hotlines:calls")).content.decode()
    assert f"call-{calls.own.pk}" in page and f"call-{calls.foreign.pk}" not in page
    page = client_for(cast.other_town_cadre).get(reverse("hotlines:calls")).content.decode()
    assert f"call-{calls.foreign.pk}" in page and f"call-{calls.own.pk}" not in page


def test_the_list_masks_numbers_and_shows_no_notes(cast, calls):
    page = client_for(cast.hq).get(reverse("hotlines:calls")).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "睡不着" not in page


def test_opening_a_call_shows_the_notes_and_audits_the_read(cast, calls):
    response = client_for(cast.counsellor).get(reverse("hotlines:call", args=[calls.own.pk]))
    assert "睡不着" in response.content.decode()
    assert "13812345678" not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ)
    assert event.actor == cast.counsellor and "咨询记录" in event.target


def test_revealing_the_number_needs_view_sensitive_and_is_audited(cast, calls):
    url = reverse("hotlines:call", args=[calls.own.pk])
    assert client_for(cast.counsellor).post(url, {"reveal": "1"}).status_code == 403
    response = client_for(cast.hq).post(url, {"reveal": "1"})
    assert "13812345678" in response.content.decode()
    assert "睡不着" not in response.content.decode()  # the leader sees the number, not the notes
    assert AuditEvent.objects.filter(target__contains="完整来电号码", actor=cast.hq).exists()


def test_a_call_is_logged_from_the_page_and_bad_input_is_explained(cast, lines):
    client = client_for(cast.counsellor)
    url = reverse("hotlines:call_create")
    bad = client.post(
        url, {"line": lines.psych.pk, "place": cast.village.pk, "received_at": "昨天"}
    )
    assert bad.status_code == 200
    assert "请填写有效时间" in bad.content.decode()
    data = {
        "line": lines.psych.pk,
        "place": cast.village.pk,
        "received_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "12",
        "caller_type": "minor",
        "caller_phone": "13612345678",
        "topic": "study",
        "risk": "medium",
        "action": "counselled",
        "notes": "网课压力大",
    }
    response = client.post(url, data)
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/calls/{call.pk}/")
    # A line or a place outside the scope is a 404, and nothing is written.
    assert client.post(url, {**data, "line": lines.foreign.pk}).status_code == 404
    assert client.post(url, {**data, "place": cast.other_town.pk}).status_code == 404
    # A key beyond any id names no line: the picker says so, as for any other non-choice.
    beyond = client.post(url, {**data, "line": "9" * 30})
    assert beyond.status_code == 200 and "请选择" in beyond.content.decode()
    assert client.get(reverse("hotlines:calls") + "?line=" + "9" * 30).status_code == 200
    assert client.get("/hotlines/calls/" + "9" * 25 + "/").status_code == 404
    assert Call.objects.count() == 1


def test_shifts_are_planned_from_the_page_without_overlaps(cast, lines):
    client = client_for(cast.hq)
    url = reverse("hotlines:shift_create")
    start = timezone.localtime() + dt.timedelta(days=1)
    data = {
        "line": lines.psych.pk,
        "counsellor": cast.counsellor.pk,
        "starts_at": start.strftime("%Y-%m-%dT08:00"),
        "ends_at": start.strftime("%Y-%m-%dT20:00"),
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, "starts_at": start.strftime("%Y-%m-%dT19:00")})
    assert "已有班次" in again.content.decode()
    assert Shift.objects.count() == 1
    # A counsellor outside the planner's scope cannot be picked.
    assert client.post(url, {**data, "counsellor": cast.other_town_cadre.pk}).status_code == 404
    page = client.get(reverse("hotlines:shifts")).content.decode()
    assert "counsellor" in page


def test_the_export_is_scoped_masked_and_audited(cast, calls):
    response = client_for(cast.counsellor).get(reverse("hotlines:call_export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = response.content.decode("utf-8-sig")
    assert rows[0][0] == "来电时间"
    assert len([r for r in rows[1:] if r and r[0].startswith("20")]) == 2
    assert "138****5678" in body and "13812345678" not in body
    assert "米山镇" not in body and "睡不着" not in body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1
    reveal = reverse("hotlines:call_export", args=["xlsx"]) + "?reveal=1"
    assert client_for(cast.counsellor).get(reveal).status_code == 403
    assert client_for(cast.hq).get(reveal).status_code == 200
    assert client_for(cast.hq).get(reverse("hotlines:call_export", args=["pdf"])).status_code == 404


@pytest.fixture
def registered_child(cast):
    home = add_household(cast.village, "0010")
    add_person(home, "陈大山", dt.date(1984, 2, 2), relation=Relation.HEAD)
    id_number = make_id_number(child_birth())
    add_person(home, "陈小朵", child_birth(), relation=Relation.CHILD, id_number=id_number)
    return id_number


def test_civil_affairs_sees_the_escalation_and_places_the_child(cast, calls, registered_child):
    client = client_for(cast.counsellor)
    url = reverse("hotlines:call_escalate", args=[calls.own.pk])
    response = client.post(
        url,
        {
            "village": cast.village.pk,
            "child_name": "陈小朵",
            "situation": "父亲隔离，孩子独自在家",
            "reason": "carer_isolated",
        },
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.status == Escalation.Status.PENDING
    # The town's civil-affairs cadre reads it (no hotline notes) and places the child.
    town = client_for(cast.town_cadre)
    page = town.get(reverse("hotlines:escalations")).content.decode()
    assert f"escalation-{escalation.pk}" in page
    assert "睡不着" not in page
    placed = town.post(
        reverse("hotlines:escalation_place", args=[escalation.pk]),
        {
            "child_id_number": registered_child,
            "carer_name": "王芳",
            "carer_phone": "13700001234",
            "place": "村委会临时照料点",
        },
    )
    assert placed.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.PLACED
    assert CareArrangement.objects.get().hotline_escalation == escalation


def test_escalations_are_scoped_and_only_civil_affairs_place(cast, calls):
    from qunfang.hotlines import services

    own = services.call_escalate(
        actor=cast.counsellor,
        call=calls.own,
        village=cast.village,
        child_name="甲",
        situation="独自在家",
        reason="other",
    )
    foreign_village = Region.objects.filter(parent=cast.other_town, level="village").first()
    foreign = Escalation.objects.create(
        call=calls.foreign,
        region=foreign_village,
        child_name="乙",
        situation="独自在家",
        reason="other",
    )

    def escalations(user):
        return selectors.escalation_list(user, region=cast.district.parent)

    assert_queryset_scoped(escalations, user=cast.counsellor, visible=[own], hidden=[foreign])
    place = [reverse("hotlines:escalation_place", args=[own.pk])]
    # A counsellor takes calls but does not place children; another county sees a 404.
    assert_urls_refused(cast.counsellor, place, unchanged=[own], methods=("post",))
    assert client_for(cast.other_town_cadre).post(place[0]).status_code == 404
    close = reverse("hotlines:escalation_close", args=[foreign.pk])
    assert client_for(cast.town_cadre).post(close).status_code == 404
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.status == foreign.status == Escalation.Status.PENDING
    # Volunteers neither take calls nor read the civil-affairs ledger.
    assert_urls_refused(cast.volunteer, [reverse("hotlines:escalations")])


def test_only_hotline_members_in_scope_are_offered_as_counsellors(cast):
    from qunfang.org.roles import Role
    from qunfang.org.services import membership_create

    # A village cadre who also counsels in the other county: in scope as a cadre, but the
    # hotline membership is outside the planner's scope, so they are not offered.
    membership_create(
        actor=cast.superuser,
        user=cast.village_cadre,
        region=cast.other_town.parent,
        role=Role.COUNSELLOR,
    )
    offered = set(selectors.counsellor_choices(cast.hq, region=cast.district))
    assert cast.counsellor in offered
    assert cast.village_cadre not in offered
    assert cast.other_town_cadre not in offered


def test_the_menu_offers_the_hotline_line_to_hotline_staff_and_referrals_to_civil_affairs(cast):
    from qunfang.core.navigation import menu_for

    def labels(user) -> set[str]:
        groups = {group["key"]: group for group in menu_for(user, "/")}
        return {str(item["label"]) for item in groups.get("hotline", {"items": []})["items"]}

    assert labels(cast.counsellor) == {"热线总览", "来电记录", "值班排班", "困境儿童转介"}
    assert labels(cast.village_cadre) == {"困境儿童转介"}
    assert labels(cast.volunteer) == set()


def test_the_overview_shows_the_seed_sentences(cast, lines, calls):
    page = client_for(cast.counsellor).get(reverse("hotlines:overview")).content.decode()
    assert "接听12355热线1次。" in page
    assert "转介民政困境儿童0人，已妥善安置0人。" in page
    window = client_for(cast.counsellor).get(reverse("hotlines:overview") + "?start=坏日期")
    assert window.status_code == 200 and "请填写有效日期" in window.content.decode()


def test_exports_are_limited_to_thirty_an_hour(cast, calls):
    from qunfang.hotlines.views import EXPORT_LIMIT

    client = client_for(cast.counsellor)
    url = reverse("hotlines:call_export", args=["csv"])
    for _ in range(EXPORT_LIMIT.count):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == EXPORT_LIMIT.count


def test_an_export_takes_text_with_the_control_characters_word_pastes(cast, calls, lines):
    # A line break pasted from Word is \x0b; openpyxl refuses it in a cell, and the xlsx export
    # of every call on that line was a server error.
    Line.objects.filter(pk=lines.psych.pk).update(name="12355\x0b青少年\x01服务台")

    response = client_for(cast.hq).get(reverse("hotlines:call_export", args=["xlsx"]))

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "12355 青少年 服务台" in [row[1] for row in sheet.iter_rows(values_only=True)]
