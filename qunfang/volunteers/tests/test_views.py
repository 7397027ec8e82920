import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_urls_allowed, assert_urls_refused, client_for
from qunfang.volunteers import services, views
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    DisinfectionRound,
    HelpNeed,
    MedicFamily,
    Shift,
    SignUp,
    Team,
    Volunteer,
)
from qunfang.volunteers.tests.conftest import at, make_id_number, make_shift, today

LIST_PAGES = [
    "volunteers:overview",
    "volunteers:campaigns",
    "volunteers:campaign_create",
    "volunteers:signups",
    "volunteers:volunteers",
    "volunteers:teams",
    "volunteers:shifts",
    "volunteers:shift_create",
    "volunteers:rounds",
    "volunteers:round_schedule",
    "volunteers:angels",
    "volunteers:family_create",
    "volunteers:need_create",
    "volunteers:enterprises",
]


def object_urls(made, key: str) -> list[str]:
    """Every page and action that names one of `key`'s (own/sibling/foreign) rows."""
    r = lambda name, obj: reverse(f"volunteers:{name}", args=[obj.pk])  # noqa: E731
    return [
        r("campaign", getattr(made.campaigns, key, made.campaigns.foreign)),
        r("campaign_qr", getattr(made.campaigns, key, made.campaigns.foreign)),
        r("campaign_poster", getattr(made.campaigns, key, made.campaigns.foreign)),
        r("campaign_toggle", getattr(made.campaigns, key, made.campaigns.foreign)),
        r("signup_vet", getattr(made.signups, key)),
        r("volunteer", getattr(made.volunteers, key)),
        r("team", getattr(made.teams, key)),
        r("shift", getattr(made.shifts, key)),
        r("shift_assign", getattr(made.shifts, key)),
        r("check_in", getattr(made.assignments, key)),
        r("check_out", getattr(made.assignments, key)),
        r("assignment_cancel", getattr(made.assignments, key)),
        r("round_done", getattr(made.rounds, key)),
        r("round_reopen", getattr(made.rounds, key)),
        r("need_match", getattr(made.needs, key)),
        r("need_done", getattr(made.needs, key)),
    ]


def rows_of(made, key: str) -> list:
    return [
        getattr(made.signups, key),
        getattr(made.volunteers, key),
        getattr(made.teams, key),
        getattr(made.shifts, key),
        getattr(made.assignments, key),
        getattr(made.rounds, key),
        getattr(made.needs, key),
    ]


def test_another_county_gets_404_on_every_object_and_nothing_changes(cast, made):
    assert_urls_refused(
        cast.other_town_cadre, object_urls(made, "own"), unchanged=rows_of(made, "own")
    )
    assert_urls_refused(
        cast.town_cadre,
        object_urls(made, "foreign"),
        unchanged=[*rows_of(made, "foreign"), made.campaigns.foreign],
    )


def test_a_village_cadre_cannot_reach_the_sibling_village(cast, made):
    urls = [u for u in object_urls(made, "sibling") if "/campaigns/" not in u]
    assert_urls_refused(cast.village_cadre, urls, unchanged=rows_of(made, "sibling"))


def test_users_without_the_volunteer_capability_are_refused_every_page(cast, made):
    pages = [reverse(name) for name in LIST_PAGES]
    pages.append(reverse("volunteers:volunteer_export", args=["csv"]))
    for user in (cast.grid_worker, cast.auditor, cast.counsellor, cast.volunteer):
        assert_urls_refused(user, pages, methods=("get",))
    assert_urls_refused(cast.grid_worker, object_urls(made, "own"), unchanged=rows_of(made, "own"))


def test_managers_open_every_page_of_their_scope(cast, made):
    pages = [reverse(name) for name in LIST_PAGES] + [reverse("volunteers:my_shifts")]
    own = [
        reverse(f"volunteers:{name}", args=[obj.pk])
        for name, obj in [
            ("campaign", made.campaigns.own),
            ("campaign_qr", made.campaigns.own),
            ("campaign_poster", made.campaigns.own),
            ("volunteer", made.volunteers.own),
            ("team", made.teams.own),
            ("shift", made.shifts.own),
        ]
    ]
    assert_urls_allowed(cast.town_cadre, pages + own)
    assert_urls_allowed(cast.village_cadre, pages + own[3:])
    assert_urls_allowed(cast.other_town_cadre, pages)


def test_lists_show_only_the_scope(cast, made):
    client = client_for(cast.village_cadre)
    page = client.get(reverse("volunteers:volunteers")).content.decode()
    assert "张志远" in page and "王晓东" not in page and "赵海燕" not in page
    assert made.volunteers.own.id_masked in page
    assert "13912345678" not in page
    signups = client.get(reverse("volunteers:signups")).content.decode()
    assert "陈待审" in signups and "周待审" not in signups


# --- the public sign-up ------------------------------------------------------------------------


def public_client(**kwargs) -> Client:
    return Client(HTTP_HOST="127.0.0.1", **kwargs)


def form_of(campaign: Campaign, home, **changes) -> dict:
    return {
        "name": "李青",
        "id_number": make_id_number(),
        "phone": "13912345678",
        "region": home.code,
        "skills": ["driving"],
        "days": ["0", "6"],
        "slots": ["morning", "evening"],
        "health_declared": "on",
        "consent": "on",
        "consent_version": campaign.consent.version,
        "website": "",
    } | changes


def test_anyone_signs_up_on_the_public_page_and_a_second_time_merges(cast, campaigns):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    client = public_client()
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert campaigns.own.title in body and services.CONSENT_BODY in body
    assert cast.village.display_name in body and 'name="website"' in body
    form = form_of(campaigns.own, cast.village)
    first = client.post(url, form)
    assert first.status_code == 302
    assert first["Location"] == reverse("volunteers:signup_done", args=[campaigns.own.token])
    again = client.post(url, form | {"phone": "13700001111"})
    assert again["Location"].endswith("?merged=1")
    done = client.get(again["Location"]).content.decode()
    assert "已合并" in done
    assert SignUp.objects.count() == 1
    campaigns.own.refresh_from_db()
    assert (campaigns.own.submitted, campaigns.own.merged) == (2, 1)


def test_bad_input_is_answered_in_chinese_and_nothing_is_stored(cast, campaigns):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    response = public_client().post(
        url,
        form_of(
            campaigns.own,
            cast.village,
            name="",
            id_number="140525199001011234",
            phone="1",
            region="140581101",
            days=[],
            consent="",
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "姓名应为",
        "校验位错误",
        "手机号应为11位",
        "请从列表中选择",
        "可服务日",
        "须同意",
    ):
        assert message in body
    assert 'value="140525199001011234"' in body  # what was typed is kept
    assert SignUp.objects.count() == 0
    campaigns.own.refresh_from_db()
    assert campaigns.own.rejected == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "x" * 10000},
        {"id_number": "'; DROP TABLE volunteers_signup; --"},
        {"region": "<script>alert(1)</script>"},
        {"skills": ["driving"] * 500},
        {"days": ["-1", "abc", "７"]},
        {"slots": ["\x00"]},
        {"phone": "１３９１２３４５６７８"},
        {"consent_version": "x" * 5000},
        {"health_declared": ""},
    ],
)
def test_malicious_or_malformed_input_never_gives_a_500(cast, campaigns, changes):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    response = public_client().post(url, form_of(campaigns.own, cast.village, **changes))
    assert response.status_code in (302, 400)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_full_width_phone_number_is_accepted(cast, campaigns):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    form = form_of(campaigns.own, cast.village, phone="１３９１２３４５６７８")
    assert public_client().post(url, form).status_code == 302
    assert SignUp.objects.get().phone_masked == "139****5678"


def test_the_honeypot_is_counted_and_stores_nothing(cast, campaigns):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    response = public_client().post(
        url, form_of(campaigns.own, cast.village, website="http://spam.example")
    )
    assert response.status_code == 302
    assert SignUp.objects.count() == 0
    campaigns.own.refresh_from_db()
    assert (campaigns.own.submitted, campaigns.own.rejected) == (1, 1)


def test_posts_beyond_the_limit_are_refused_and_counted(cast, campaigns):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    client = public_client()
    for _ in range(views.SIGNUP_LIMIT.count):
        assert client.post(url, form_of(campaigns.own, cast.village)).status_code == 302
    refused = client.post(url, form_of(campaigns.own, cast.village))
    assert refused.status_code == 429
    assert "提交过于频繁" in refused.content.decode()
    assert client.get(url).status_code == 200  # reading the page is not limited
    campaigns.own.refresh_from_db()
    assert campaigns.own.rate_limited == 1
    assert SignUp.objects.count() == views.SIGNUP_LIMIT.count


def test_the_sign_up_needs_a_csrf_token(cast, campaigns):
    url = reverse("volunteers:signup", args=[campaigns.own.token])
    response = public_client(enforce_csrf_checks=True).post(
        url, form_of(campaigns.own, cast.village)
    )
    assert response.status_code == 403
    assert SignUp.objects.count() == 0


def test_an_unknown_or_closed_campaign(cast, campaigns):
    assert public_client().get("/volunteers/join/nope/").status_code == 404
    services.campaign_set_open(actor=cast.superuser, campaign=campaigns.own, is_open=False)
    page = public_client().get(reverse("volunteers:signup", args=[campaigns.own.token]))
    assert "本次招募已结束或尚未开始" in page.content.decode()
    assert 'id="signup-form"' not in page.content.decode()


def test_the_qr_code_encodes_the_public_sign_up_address(cast, campaigns):
    response = client_for(cast.town_cadre).get(
        reverse("volunteers:campaign_qr", args=[campaigns.own.pk])
    )
    assert response["Content-Type"] == "image/svg+xml"
    address = "http://127.0.0.1" + reverse("volunteers:signup", args=[campaigns.own.token])
    expected = io.BytesIO()
    segno.make(address, error="m").save(
        expected, kind="svg", scale=8, border=2, xmldecl=False, title=campaigns.own.title
    )
    assert response.content == expected.getvalue()
    poster = client_for(cast.town_cadre).get(
        reverse("volunteers:campaign_poster", args=[campaigns.own.pk])
    )
    assert address in poster.content.decode()


def test_a_cadre_publishes_a_campaign_with_its_own_token(cast):
    client = client_for(cast.town_cadre)
    response = client.post(
        reverse("volunteers:campaign_create"),
        {
            "title": "南村镇招募令",
            "description": "",
            "starts_on": today().isoformat(),
            "ends_on": today().isoformat(),
            "target": "50",
        },
    )
    campaign = Campaign.objects.get(title="南村镇招募令")
    assert response["Location"] == reverse("volunteers:campaign", args=[campaign.pk])
    assert campaign.region == cast.town and len(campaign.token) >= 16
    bad = client.post(
        reverse("volunteers:campaign_create"),
        {"title": "", "starts_on": "2020-02-30", "ends_on": "x", "target": "-1"},
    )
    assert bad.status_code == 200 and Campaign.objects.count() == 1


# --- vetting, placing, shifts --------------------------------------------------------------


def test_vetting_on_the_page(cast, made):
    client = client_for(cast.village_cadre)
    url = reverse("volunteers:signup_vet", args=[made.signups.own.pk])
    refused = client.post(url, {"decision": "reject", "reason": ""}, follow=True)
    assert "请填写未通过原因。" in refused.content.decode()
    client.post(url, {"decision": "approve"})
    made.signups.own.refresh_from_db()
    assert made.signups.own.status == "approved"
    assert Volunteer.objects.filter(name="陈待审", region=cast.village).exists()


def test_placing_a_volunteer_links_a_login_only_in_scope(cast, made):
    client = client_for(cast.town_cadre)
    url = reverse("volunteers:volunteer", args=[made.volunteers.own.pk])
    form = {
        "team": made.teams.own.pk,
        "is_core": "on",
        "grid": cast.grid.pk,
        "status": "active",
        "username": "other_town_cadre",
    }
    refused = client.post(url, form)
    assert "不在您的管辖范围内" in refused.content.decode()
    assert client.post(url, form | {"username": "volunteer"}).status_code == 302
    made.volunteers.own.refresh_from_db()
    assert made.volunteers.own.user == cast.volunteer and made.volunteers.own.is_core
    foreign_team = client.post(url, form | {"team": made.teams.foreign.pk, "username": ""})
    assert foreign_team.status_code == 404


def test_revealing_on_the_page_needs_view_sensitive_and_is_audited(cast, made):
    url = reverse("volunteers:volunteer", args=[made.volunteers.own.pk])
    page = client_for(cast.village_cadre).post(url, {"action": "reveal"}).content.decode()
    assert "13912345678" in page
    assert AuditEvent.objects.filter(action="read", actor=cast.village_cadre).count() == 1
    assert client_for(cast.dept).post(url, {"action": "reveal"}).status_code == 403


def test_assigning_on_the_shift_page_refuses_double_booking_clearly(cast, made):
    client = client_for(cast.village_cadre)
    clash = make_shift(cast.superuser, cast.village, start=at(1, 10), place="村口")
    page = client.get(reverse("volunteers:shift", args=[clash.pk])).content.decode()
    assert 'id="suggestions"' in page
    response = client.post(
        reverse("volunteers:shift_assign", args=[clash.pk]),
        {"volunteer": made.volunteers.own.pk},
        follow=True,
    )
    assert "与本班次时间重叠，不能重复安排" in response.content.decode()
    assert not Assignment.objects.filter(shift=clash).exists()
    foreign = client.post(
        reverse("volunteers:shift_assign", args=[clash.pk]),
        {"volunteer": made.volunteers.foreign.pk},
    )
    assert foreign.status_code == 404


def test_a_cadre_creates_a_shift_and_bad_times_are_explained(cast):
    client = client_for(cast.village_cadre)
    form = {
        "region": cast.village.code,
        "category": "screening",
        "place": "入户排查",
        "starts_at": at(1, 8).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(1, 6).strftime("%Y-%m-%dT%H:%M"),
        "needed": "2",
    }
    bad = client.post(reverse("volunteers:shift_create"), form)
    assert "结束时间应晚于开始时间。" in bad.content.decode()
    good = client.post(
        reverse("volunteers:shift_create"), form | {"ends_at": at(1, 12).strftime("%Y-%m-%dT%H:%M")}
    )
    shift = Shift.objects.get(place="入户排查")
    assert good["Location"] == reverse("volunteers:shift", args=[shift.pk])
    assert shift.created_by == cast.village_cadre
    sibling = client.post(
        reverse("volunteers:shift_create"), form | {"region": cast.sibling_village.code}
    )
    assert sibling.status_code == 404


def link(cast, volunteer, user, team=None) -> None:
    services.volunteer_update(
        actor=cast.superuser,
        volunteer=volunteer,
        team=team,
        is_core=False,
        grid=None,
        status="active",
        user=user,
    )


def running_shift(cast, region, volunteer):
    shift = make_shift(cast.superuser, region, start=timezone.now() - dt.timedelta(minutes=30))
    return services.shift_assign(actor=cast.superuser, shift=shift, volunteer=volunteer)


def test_a_volunteer_checks_themself_in_and_out_but_nobody_else(cast, made):
    link(cast, made.volunteers.own, cast.volunteer)
    mine = running_shift(cast, cast.village, made.volunteers.own)
    theirs = running_shift(cast, cast.sibling_village, made.volunteers.sibling)
    client = client_for(cast.volunteer)
    page = client.get(reverse("volunteers:my_shifts")).content.decode()
    assert f'id="mine-{mine.pk}"' in page and "王晓东" not in page
    assert client.post(reverse("volunteers:check_in", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("volunteers:check_in", args=[mine.pk]), follow=True)
    assert "张志远已签到。" in response.content.decode()
    response = client.post(reverse("volunteers:check_out", args=[mine.pk]), follow=True)
    assert "已签退" in response.content.decode()
    mine.refresh_from_db()
    assert mine.checked_in_by == cast.volunteer and mine.checked_out_by == cast.volunteer
    assert mine.hours is not None and mine.hours < 0.1
    theirs.refresh_from_db()
    assert theirs.checked_in_at is None


def test_a_team_leader_checks_in_a_member_and_a_cadre_can_too(cast, made):
    leader, member = made.volunteers.sibling, made.volunteers.own
    team = services.team_create(
        actor=cast.superuser, region=cast.town, name="镇小分队", kind=Team.Kind.GENERAL
    )
    link(cast, leader, cast.volunteer, team)
    link(cast, member, None, team)
    services.team_set_leader(actor=cast.superuser, team=team, leader=leader)
    assignment = running_shift(cast, cast.village, member)
    page = client_for(cast.volunteer).get(reverse("volunteers:my_shifts")).content.decode()
    assert f'id="led-{assignment.pk}"' in page
    client_for(cast.volunteer).post(reverse("volunteers:check_in", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.checked_in_by == cast.volunteer
    client_for(cast.village_cadre).post(reverse("volunteers:check_out", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.checked_out_by == cast.village_cadre


def test_a_redirect_after_check_in_stays_on_this_site(cast, made):
    link(cast, made.volunteers.own, cast.volunteer)
    mine = running_shift(cast, cast.village, made.volunteers.own)
    response = client_for(cast.volunteer).post(
        reverse("volunteers:check_in", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("volunteers:my_shifts")


# --- export ----------------------------------------------------------------------------------


def test_the_export_is_scoped_masked_and_audited(cast, made):
    client = client_for(cast.village_cadre)
    response = client.get(reverse("volunteers:volunteer_export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["姓名", "性别", "身份证号", "手机号"]
    names = {row[0] for row in rows[1:] if row}
    assert "张志远" in names and "王晓东" not in names and "赵海燕" not in names
    assert "139****5678" in text and "13912345678" not in text
    assert "导出人：village_cadre" in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.detail == {"rows": 1, "reveal": False, "format": "csv"}


def test_the_full_export_needs_view_sensitive(cast, made):
    full = client_for(cast.town_cadre).get(
        reverse("volunteers:volunteer_export", args=["xlsx"]) + "?reveal=1"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(full.content)).active
    values = [cell.value for cell in sheet[2]]
    assert "13912345678" in values
    assert re.fullmatch(r"\d{17}[\dX]", str(values[2]))
    refused = client_for(cast.dept).get(
        reverse("volunteers:volunteer_export", args=["xlsx"]) + "?reveal=1"
    )
    assert refused.status_code == 403
    assert client_for(cast.town_cadre).get("/volunteers/people/export.pdf").status_code == 404


# --- disinfection and Guardian-Angel pages -------------------------------------------------


def test_rounds_are_scheduled_and_done_on_the_page(cast, made):
    client = client_for(cast.town_cadre)
    response = client.post(
        reverse("volunteers:round_schedule"),
        {
            "region": cast.village.code,
            "squad": made.squads.own.pk,
            "places": "南村小学\n南村卫生室",
            "start": today().isoformat(),
            "days": "2",
            "equipment": ["aerosol", "ulv"],
        },
    )
    assert response.status_code == 302
    assert DisinfectionRound.objects.filter(place__in=["南村小学", "南村卫生室"]).count() == 4
    overdue = client.get(reverse("volunteers:rounds") + "?show=overdue").content.decode()
    assert f'id="round-{made.rounds.own.pk}"' in overdue
    assert "南村小学" not in overdue
    client.post(
        reverse("volunteers:round_done", args=[made.rounds.own.pk]),
        {"volunteers": [made.volunteers.own.pk], "note": "已消杀"},
    )
    made.rounds.own.refresh_from_db()
    assert made.rounds.own.done_at is not None
    assert list(made.rounds.own.volunteers.all()) == [made.volunteers.own]
    foreign = client.post(
        reverse("volunteers:round_done", args=[made.rounds.sibling.pk]),
        {"volunteers": [made.volunteers.foreign.pk]},
    )
    assert foreign.status_code == 404


def test_a_family_need_is_registered_matched_and_done_on_the_page(cast, made):
    client = client_for(cast.village_cadre)
    client.post(
        reverse("volunteers:family_create"),
        {
            "region": cast.village.code,
            "medic_name": "周丽",
            "medic_unit": "泽州县人民医院",
            "deployed_to": "湖北武汉",
            "contact_name": "周父",
            "contact_phone": "13811112222",
        },
    )
    family = MedicFamily.objects.get(medic_name="周丽")
    assert family.contact_phone_masked == "138****2222"
    client.post(
        reverse("volunteers:need_create"),
        {
            "family": family.pk,
            "kind": "tutoring",
            "description": "初三物理辅导",
            "requested_on": today().isoformat(),
        },
    )
    need = HelpNeed.objects.get(family=family)
    both = client.post(
        reverse("volunteers:need_match", args=[need.pk]),
        {"volunteer": made.volunteers.own.pk, "enterprise": made.enterprises.own.pk},
        follow=True,
    )
    assert "只选一个" in both.content.decode()
    client.post(
        reverse("volunteers:need_match", args=[need.pk]), {"enterprise": made.enterprises.own.pk}
    )
    client.post(reverse("volunteers:need_done", args=[need.pk]), {"result": "每周两次"})
    need.refresh_from_db()
    assert (need.status, need.enterprise, need.result) == ("done", made.enterprises.own, "每周两次")
    page = client.get(reverse("volunteers:overview")).content.decode()
    assert "完成需求1件" in page


def test_enterprises_are_registered_with_a_masked_phone(cast, made):
    client = client_for(cast.village_cadre)
    bad = client.post(
        reverse("volunteers:enterprises"),
        {"name": "", "offers": "", "contact_name": "", "contact_phone": "x", "joined_on": ""},
    )
    assert bad.status_code == 200 and "必填。" in bad.content.decode()
    client.post(
        reverse("volunteers:enterprises"),
        {
            "name": "晋城智学教育",
            "offers": "线上辅导",
            "contact_name": "孙老师",
            "contact_phone": "13900003333",
            "joined_on": today().isoformat(),
        },
    )
    page = client.get(reverse("volunteers:enterprises")).content.decode()
    assert "晋城智学教育" in page and "139****3333" in page and "13900003333" not in page


def test_the_overview_writes_the_seed_sentence(cast, made):
    page = client_for(cast.town_cadre).get(reverse("volunteers:overview")).content.decode()
    assert "招募志愿者2人，组建小分队3支，骨干0人，累计服务0人次。" in page


def test_the_menu_offers_the_line_to_managers_and_my_shifts_to_linked_volunteers(cast, made):
    manager = client_for(cast.village_cadre).get(reverse("volunteers:overview")).content.decode()
    assert reverse("volunteers:shifts") in manager
    link(cast, made.volunteers.own, cast.volunteer)
    volunteer_page = (
        client_for(cast.volunteer).get(reverse("volunteers:my_shifts")).content.decode()
    )
    assert reverse("volunteers:my_shifts") in volunteer_page
    assert reverse("volunteers:shifts") not in volunteer_page
