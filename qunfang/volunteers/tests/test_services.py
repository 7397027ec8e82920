import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from qunfang.core.crypto import decrypt
from qunfang.core.models import AuditEvent
from qunfang.volunteers import services
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    ConsentText,
    HelpNeed,
    SignUp,
    Volunteer,
)
from qunfang.volunteers.tests.conftest import (
    at,
    make_campaign,
    make_id_number,
    make_shift,
    replace,
    signup_data,
    today,
)


def counters(campaign: Campaign) -> tuple[int, int, int, int]:
    campaign.refresh_from_db()
    return campaign.submitted, campaign.merged, campaign.rejected, campaign.rate_limited


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- sign-up ---------------------------------------------------------------------------------


def test_a_sign_up_is_stored_encrypted_masked_and_with_the_consent_version(cast, campaigns):
    id_number = make_id_number(dt.date(1996, 5, 4))
    data = signup_data(campaigns.own, cast.village, id_number=id_number, phone="139 1234 5678")
    outcome = services.signup_submit(campaign=campaigns.own, data=data)

    signup = SignUp.objects.get(pk=outcome.signup.pk)
    assert outcome.merged is False
    assert id_number not in signup.id_number and decrypt(signup.id_number) == id_number
    assert signup.id_masked == id_number[:6] + "********" + id_number[-4:]
    assert signup.phone_masked == "139****5678" and decrypt(signup.phone) == "13912345678"
    assert signup.birth_date == dt.date(1996, 5, 4)
    assert signup.consent.version == services.CONSENT_VERSION
    assert signup.consent.body == services.CONSENT_BODY
    assert signup.available_days == [0, 2, 4]
    assert signup.status == SignUp.Status.PENDING
    assert counters(campaigns.own) == (1, 0, 0, 0)
    event = AuditEvent.objects.get(target__startswith="志愿者报名")
    assert event.actor_name == "公众报名" and event.region_code == cast.village.code


@pytest.mark.parametrize(
    ("_case", "changes", "field", "message"),
    [
        ("name empty", {"name": " "}, "name", "姓名应为2至30个汉字或字母。"),
        ("name markup", {"name": "<script>"}, "name", "姓名应为2至30个汉字或字母。"),
        ("id check digit", {"id_number": "140525199001011234"}, "id_number", "校验位错误"),
        ("id old 15", {"id_number": "140525900101123"}, "id_number", "15位旧身份证号"),
        ("phone", {"phone": "12345"}, "phone", "手机号应为11位数字"),
        ("landline", {"phone": "0356-1234567"}, "phone", "手机号应为11位数字"),
        ("skill", {"skills": ["hacking"]}, "skills", "特长选项无效"),
        ("no days", {"days": []}, "days", "请至少选择一个可服务日。"),
        ("bad day", {"days": ["9"]}, "days", "请至少选择一个可服务日。"),
        ("no slots", {"slots": []}, "slots", "请至少选择一个可服务时段。"),
        ("bad slot", {"slots": ["dawn"]}, "slots", "请至少选择一个可服务时段。"),
        ("health", {"health_declared": False}, "health_declared", "健康承诺"),
        ("consent", {"consented": False}, "consent", "须同意个人信息使用说明"),
        ("old consent", {"consent_version": "2019-01"}, "consent", "已更新"),
        ("region", {"region_code": "140581101"}, "region", "请从列表中选择"),
    ],
)
def test_every_sign_up_field_is_checked_with_a_chinese_reason(
    cast, campaigns, _case, changes, field, message
):
    data = signup_data(campaigns.own, cast.village, **changes)
    with pytest.raises(ValidationError) as excinfo:
        services.signup_submit(campaign=campaigns.own, data=data)
    assert any(message in text for text in errors_of(excinfo)[field])
    assert SignUp.objects.count() == 0
    assert counters(campaigns.own) == (1, 0, 1, 0)


def test_a_minor_cannot_sign_up(cast, campaigns):
    born = today().replace(year=today().year - 16)
    data = signup_data(campaigns.own, cast.village, id_number=make_id_number(born))
    with pytest.raises(ValidationError) as excinfo:
        services.signup_submit(campaign=campaigns.own, data=data)
    assert errors_of(excinfo)["id_number"] == ["未满18周岁不能报名。"]


def test_a_closed_campaign_refuses_sign_ups(cast, campaigns):
    services.campaign_set_open(actor=cast.superuser, campaign=campaigns.own, is_open=False)
    with pytest.raises(ValidationError) as excinfo:
        services.signup_submit(
            campaign=campaigns.own, data=signup_data(campaigns.own, cast.village)
        )
    assert errors_of(excinfo)["__all__"] == ["本次招募已结束或尚未开始。"]


def test_a_town_of_the_campaign_region_may_be_picked_but_not_a_grid(cast, campaigns):
    services.signup_submit(campaign=campaigns.own, data=signup_data(campaigns.own, cast.town))
    with pytest.raises(ValidationError):
        services.signup_submit(campaign=campaigns.own, data=signup_data(campaigns.own, cast.grid))


def test_a_second_sign_up_with_the_same_id_number_merges(cast, campaigns):
    data = signup_data(campaigns.own, cast.village)
    first = services.signup_submit(campaign=campaigns.own, data=data).signup
    again = services.signup_submit(
        campaign=campaigns.own,
        data=replace(data, id_number=data.id_number.lower(), phone="13700001111"),
    )
    assert again.merged is True
    assert SignUp.objects.count() == 1
    signup = SignUp.objects.get()
    assert signup.pk == first.pk and signup.submissions == 2
    assert signup.phone_masked == "137****1111"
    assert counters(campaigns.own) == (2, 1, 0, 0)


def test_a_refused_sign_up_sent_again_goes_back_to_pending(cast, campaigns):
    data = signup_data(campaigns.own, cast.village)
    signup = services.signup_submit(campaign=campaigns.own, data=data).signup
    services.signup_reject(actor=cast.village_cadre, signup=signup, reason="电话打不通")
    services.signup_submit(campaign=campaigns.own, data=data)
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING and signup.reject_reason == ""


def test_an_approved_sign_up_keeps_what_was_vetted(cast, campaigns):
    data = signup_data(campaigns.own, cast.village)
    signup = services.signup_submit(campaign=campaigns.own, data=data).signup
    services.signup_approve(actor=cast.village_cadre, signup=signup)
    services.signup_submit(campaign=campaigns.own, data=replace(data, phone="13700009999"))
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.APPROVED
    assert signup.phone_masked == "139****5678"
    assert signup.submissions == 2


def test_approval_creates_one_volunteer_per_person_across_campaigns(cast, campaigns):
    second = make_campaign(cast.superuser, cast.town, "第二批招募令")
    data = signup_data(campaigns.own, cast.village, name="刘洋")
    volunteer = services.signup_approve(
        actor=cast.village_cadre,
        signup=services.signup_submit(campaign=campaigns.own, data=data).signup,
    )
    again = services.signup_approve(
        actor=cast.village_cadre,
        signup=services.signup_submit(
            campaign=second, data=replace(data, skills=["medical"], consent_version="2020-01")
        ).signup,
    )
    assert again.pk == volunteer.pk
    assert Volunteer.objects.count() == 1
    assert Volunteer.objects.get().skills == ["medical"]
    assert SignUp.objects.filter(volunteer=volunteer).count() == 2


def test_vetting_twice_and_rejecting_without_a_reason_are_refused(cast, campaigns):
    signup = services.signup_submit(
        campaign=campaigns.own, data=signup_data(campaigns.own, cast.village)
    ).signup
    with pytest.raises(ValidationError) as excinfo:
        services.signup_reject(actor=cast.village_cadre, signup=signup, reason=" ")
    assert errors_of(excinfo)["reason"] == ["请填写未通过原因。"]
    services.signup_approve(actor=cast.village_cadre, signup=signup)
    with pytest.raises(ValidationError, match="不能重复审核"):
        services.signup_approve(actor=cast.village_cadre, signup=signup)
    assert Volunteer.objects.count() == 1


def test_the_consent_text_is_stored_once_per_version(cast):
    make_campaign(cast.superuser, cast.town)
    make_campaign(cast.superuser, cast.town, "另一个")
    assert ConsentText.objects.count() == 1


# --- volunteers and teams --------------------------------------------------------------------


def test_a_volunteer_is_placed_in_a_team_and_a_grid_of_their_village(cast, made):
    volunteer = made.volunteers.own
    services.volunteer_update(
        actor=cast.village_cadre,
        volunteer=volunteer,
        team=made.teams.own,
        is_core=True,
        grid=cast.grid,
        status=Volunteer.Status.ACTIVE,
    )
    volunteer.refresh_from_db()
    assert (volunteer.team, volunteer.grid, volunteer.is_core) == (made.teams.own, cast.grid, True)
    with pytest.raises(ValidationError) as excinfo:
        services.volunteer_update(
            actor=cast.town_cadre,
            volunteer=volunteer,
            team=made.teams.sibling,
            is_core=True,
            grid=cast.sibling_grid,
            status="gone",
        )
    assert set(errors_of(excinfo)) == {"team", "grid", "status"}


def test_a_team_leader_must_be_a_member_and_becomes_core(cast, made):
    with pytest.raises(ValidationError) as excinfo:
        services.team_set_leader(
            actor=cast.village_cadre, team=made.teams.own, leader=made.volunteers.own
        )
    assert errors_of(excinfo)["leader"] == ["队长须是本小分队的队员。"]
    services.volunteer_update(
        actor=cast.village_cadre,
        volunteer=made.volunteers.own,
        team=made.teams.own,
        is_core=False,
        grid=None,
        status="active",
    )
    services.team_set_leader(
        actor=cast.village_cadre, team=made.teams.own, leader=made.volunteers.own
    )
    made.volunteers.own.refresh_from_db()
    assert made.volunteers.own.is_core is True


def test_a_leader_who_leaves_the_team_stops_leading_it(cast, made):
    volunteer = made.volunteers.own
    args = {"actor": cast.village_cadre, "is_core": True, "grid": None, "status": "active"}
    services.volunteer_update(volunteer=volunteer, team=made.teams.own, **args)
    services.team_set_leader(actor=cast.village_cadre, team=made.teams.own, leader=volunteer)
    services.volunteer_update(volunteer=volunteer, team=None, **args)
    made.teams.own.refresh_from_db()
    assert made.teams.own.leader is None


def test_a_team_name_is_unique_in_its_region(cast, made):
    with pytest.raises(ValidationError) as excinfo:
        services.team_create(
            actor=cast.village_cadre, region=cast.village, name="南村小分队", kind="general"
        )
    assert errors_of(excinfo)["name"] == ["该区域已有同名小分队。"]


def test_one_login_links_one_volunteer(cast, made):
    args = {"actor": cast.town_cadre, "team": None, "is_core": False, "grid": None}
    services.volunteer_update(
        volunteer=made.volunteers.own, status="active", user=cast.volunteer, **args
    )
    with pytest.raises(ValidationError) as excinfo:
        services.volunteer_update(
            volunteer=made.volunteers.sibling, status="active", user=cast.volunteer, **args
        )
    assert errors_of(excinfo)["user"] == ["该账号已绑定其他志愿者。"]


def test_revealing_numbers_is_audited(cast, made):
    revealed = services.volunteer_reveal(actor=cast.village_cadre, volunteer=made.volunteers.own)
    assert revealed["phone"] == "13912345678"
    assert len(revealed["id_number"]) == 18
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ)
    assert event.actor == cast.village_cadre and event.region_code == cast.village.code


# --- shifts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "changes", "field"),
    [
        ("category", {"category": "party"}, "category"),
        ("place", {"place": "  "}, "place"),
        ("order", {"ends_at": at(1, 7)}, "ends_at"),
        ("too long", {"ends_at": at(3, 9)}, "ends_at"),
        ("nobody", {"needed": 0}, "needed"),
        ("crowd", {"needed": 5000}, "needed"),
        ("skill", {"skills": ["flying"]}, "skills"),
    ],
)
def test_a_shift_is_validated(cast, _case, changes, field):
    values = {
        "category": "checkpoint",
        "place": "卡口",
        "starts_at": at(1, 8),
        "ends_at": at(1, 12),
        "needed": 2,
        "skills": [],
    } | changes
    with pytest.raises(ValidationError) as excinfo:
        services.shift_create(actor=cast.village_cadre, region=cast.village, **values)
    assert field in errors_of(excinfo)


def test_a_volunteer_cannot_be_booked_on_overlapping_shifts(cast, made):
    volunteer = made.volunteers.own  # already on made.shifts.own: tomorrow 08:00–12:00
    overlapping = make_shift(cast.superuser, cast.village, start=at(1, 11), place="村口")
    with pytest.raises(ValidationError) as excinfo:
        services.shift_assign(actor=cast.village_cadre, shift=overlapping, volunteer=volunteer)
    message = excinfo.value.messages[0]
    assert "张志远" in message and "重叠" in message and "高速口卡点" in message
    back_to_back = make_shift(cast.superuser, cast.village, start=at(1, 12), place="村口")
    services.shift_assign(actor=cast.village_cadre, shift=back_to_back, volunteer=volunteer)
    assert Assignment.objects.filter(volunteer=volunteer).count() == 2


def test_a_full_shift_and_a_second_booking_on_one_shift_are_refused(cast, made):
    shift = make_shift(cast.superuser, cast.village, start=at(2, 8), needed=1)
    services.shift_assign(actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.own)
    with pytest.raises(ValidationError, match="已在这个班次中"):
        services.shift_assign(actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.own)
    with pytest.raises(ValidationError, match="已满1人"):
        services.shift_assign(
            actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.sibling
        )


def test_an_inactive_volunteer_is_not_assigned(cast, made):
    volunteer = made.volunteers.sibling
    services.volunteer_update(
        actor=cast.town_cadre,
        volunteer=volunteer,
        team=None,
        is_core=False,
        grid=None,
        status=Volunteer.Status.INACTIVE,
    )
    shift = make_shift(cast.superuser, cast.village, start=at(3, 8))
    with pytest.raises(ValidationError, match="暂停服务"):
        services.shift_assign(actor=cast.town_cadre, shift=shift, volunteer=volunteer)


def test_check_in_and_out_compute_the_hours(cast, made):
    shift = make_shift(cast.superuser, cast.village, start=at(-1, 8))
    assignment = services.shift_assign(
        actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.sibling
    )
    with pytest.raises(ValidationError, match="尚未签到"):
        services.assignment_check_out(actor=cast.village_cadre, assignment=assignment)
    with pytest.raises(ValidationError, match="最早可提前60分钟签到"):
        services.assignment_check_in(
            actor=cast.village_cadre, assignment=assignment, at=at(-1, 6, 30)
        )
    services.assignment_check_in(actor=cast.village_cadre, assignment=assignment, at=at(-1, 7, 45))
    with pytest.raises(ValidationError, match="已经签到"):
        services.assignment_check_in(actor=cast.village_cadre, assignment=assignment, at=at(-1, 8))
    done = services.assignment_check_out(
        actor=cast.village_cadre, assignment=assignment, at=at(-1, 11, 45)
    )
    assert done.hours == 4.0
    assert done.checked_in_by == cast.village_cadre
    with pytest.raises(ValidationError, match="已经签退"):
        services.assignment_check_out(actor=cast.village_cadre, assignment=assignment)


def test_a_forgotten_check_out_counts_up_to_two_hours_after_the_end(cast, made):
    shift = make_shift(cast.superuser, cast.village, start=at(-2, 8))
    assignment = services.shift_assign(
        actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.sibling
    )
    services.assignment_check_in(actor=cast.village_cadre, assignment=assignment, at=at(-2, 8))
    done = services.assignment_check_out(actor=cast.village_cadre, assignment=assignment)
    assert done.checked_out_at == at(-2, 14)
    assert done.hours == 6.0


def test_a_shift_that_is_over_cannot_be_checked_into(cast, made):
    shift = make_shift(cast.superuser, cast.village, start=at(-1, 8))
    assignment = services.shift_assign(
        actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.sibling
    )
    with pytest.raises(ValidationError, match="班次已结束"):
        services.assignment_check_in(actor=cast.village_cadre, assignment=assignment)


def test_a_checked_in_assignment_cannot_be_cancelled(cast, made):
    shift = make_shift(cast.superuser, cast.village, start=timezone.now() - dt.timedelta(hours=1))
    assignment = services.shift_assign(
        actor=cast.village_cadre, shift=shift, volunteer=made.volunteers.sibling
    )
    services.assignment_check_in(actor=cast.village_cadre, assignment=assignment)
    with pytest.raises(ValidationError, match="已签到的安排不能取消"):
        services.assignment_cancel(actor=cast.village_cadre, assignment=assignment)
    services.assignment_cancel(actor=cast.village_cadre, assignment=made.assignments.own)
    assert not Assignment.objects.filter(pk=made.assignments.own.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_cadres_booking_one_volunteer_at_once_cannot_both_win(cast, made):
    """Two threads, two connections, two overlapping shifts: exactly one assignment is made."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("SQLite in-memory test databases share one connection between threads")
    volunteer = made.volunteers.sibling
    shifts = [
        make_shift(cast.superuser, cast.sibling_village, start=at(5, 8), place=f"卡点{n}")
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(shift):
        try:
            barrier.wait()
            services.shift_assign(actor=cast.sibling_cadre, shift=shift, volunteer=volunteer)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(shift,)) for shift in shifts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    assert "重叠" in next(o for o in outcomes if o != "ok")
    assert Assignment.objects.filter(volunteer=volunteer, shift__in=shifts).count() == 1


# --- disinfection ----------------------------------------------------------------------------


def test_rounds_are_scheduled_per_place_and_day_without_duplicates(cast, made):
    args = {
        "actor": cast.town_cadre,
        "region": cast.village,
        "squad": made.squads.own,
        "start": today(),
        "days": 3,
        "equipment": ["aerosol", "backpack"],
    }
    first = services.rounds_schedule(places=["村委会", "小学", "村委会", " "], **args)
    assert (len(first.created), first.skipped) == (6, 0)
    second = services.rounds_schedule(places=["小学", "卫生室"], **args)
    assert (len(second.created), second.skipped) == (3, 3)


def test_a_round_needs_a_disinfection_squad_places_and_equipment(cast, made):
    with pytest.raises(ValidationError) as excinfo:
        services.rounds_schedule(
            actor=cast.town_cadre,
            region=cast.village,
            squad=made.teams.own,
            places=[],
            start=today(),
            days=40,
            equipment=[],
        )
    assert set(errors_of(excinfo)) == {"squad", "places", "days", "equipment"}
    with pytest.raises(ValidationError) as excinfo:
        services.rounds_schedule(
            actor=cast.town_cadre,
            region=cast.village,
            squad=made.squads.foreign,
            places=["村委会"],
            start=today(),
            days=1,
            equipment=["aerosol"],
        )
    assert errors_of(excinfo)["squad"] == ["消杀小队不在该区域的上级或本级。"]


def test_a_round_is_done_with_volunteers_and_can_be_undone(cast, made):
    round = services.round_done(
        actor=cast.village_cadre, round=made.rounds.own, volunteers=[made.volunteers.own]
    )
    assert round.done_by == cast.village_cadre
    assert list(round.volunteers.all()) == [made.volunteers.own]
    with pytest.raises(ValidationError, match="已完成"):
        services.round_done(actor=cast.village_cadre, round=round)
    services.round_reopen(actor=cast.village_cadre, round=round)
    round.refresh_from_db()
    assert round.done_at is None and round.volunteers.count() == 0


def test_a_future_round_cannot_be_marked_done(cast, made):
    future = services.rounds_schedule(
        actor=cast.town_cadre,
        region=cast.village,
        squad=made.squads.own,
        places=["明天的地点"],
        start=today() + dt.timedelta(days=1),
        days=1,
        equipment=["handheld"],
    ).created[0]
    with pytest.raises(ValidationError, match="计划日期未到"):
        services.round_done(actor=cast.village_cadre, round=future)


def test_volunteers_from_another_county_do_not_join_a_round(cast, made):
    with pytest.raises(ValidationError, match="赵海燕"):
        services.round_done(
            actor=cast.town_cadre, round=made.rounds.own, volunteers=[made.volunteers.foreign]
        )


# --- Guardian-Angel help ---------------------------------------------------------------------


def test_a_need_is_matched_to_one_helper_and_tracked_to_done(cast, made):
    need = made.needs.own
    with pytest.raises(ValidationError, match="尚未对接"):
        services.need_done(actor=cast.village_cadre, need=need)
    with pytest.raises(ValidationError, match="只选一个"):
        services.need_match(
            actor=cast.village_cadre,
            need=need,
            volunteer=made.volunteers.own,
            enterprise=made.enterprises.own,
        )
    with pytest.raises(ValidationError, match="只选一个"):
        services.need_match(actor=cast.village_cadre, need=need)
    services.need_match(actor=cast.village_cadre, need=need, volunteer=made.volunteers.own)
    rematched = services.need_match(
        actor=cast.village_cadre, need=need, enterprise=made.enterprises.own
    )
    assert rematched.volunteer is None and rematched.enterprise == made.enterprises.own
    done = services.need_done(actor=cast.village_cadre, need=need, result="已送达")
    assert done.status == HelpNeed.Status.DONE and done.result == "已送达"
    with pytest.raises(ValidationError, match="已完成"):
        services.need_match(actor=cast.village_cadre, need=need, volunteer=made.volunteers.own)


def test_families_and_enterprises_are_validated(cast, made):
    with pytest.raises(ValidationError) as excinfo:
        services.family_register(
            actor=cast.town_cadre,
            region=cast.town,
            medic_name="",
            medic_unit="医院",
            deployed_to="武汉",
            contact_name="家属",
            contact_phone="123",
        )
    assert set(errors_of(excinfo)) == {"medic_name", "region", "contact_phone"}
    with pytest.raises(ValidationError) as excinfo:
        services.enterprise_register(
            actor=cast.village_cadre,
            region=cast.village,
            name="南村爱心超市",
            offers="",
            contact_name="x",
            contact_phone="13900001111",
            joined_on=today() + dt.timedelta(days=1),
        )
    assert set(errors_of(excinfo)) == {"name", "offers", "joined_on"}
    with pytest.raises(ValidationError) as excinfo:
        services.need_create(
            actor=cast.village_cadre,
            family=made.families.own,
            kind="money",
            description="",
            requested_on=today() + dt.timedelta(days=2),
        )
    assert set(errors_of(excinfo)) == {"kind", "description", "requested_on"}
