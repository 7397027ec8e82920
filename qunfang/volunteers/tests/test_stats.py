import datetime as dt

from qunfang.volunteers import services, stats
from qunfang.volunteers.tests.conftest import at, make_shift, today


def serve(cast, volunteer, *, day: int, hour: int, hours: int, category: str, region=None):
    shift = make_shift(
        cast.superuser, region or cast.village, start=at(day, hour), hours=hours, category=category
    )
    assignment = services.shift_assign(actor=cast.superuser, shift=shift, volunteer=volunteer)
    services.assignment_check_in(actor=cast.superuser, assignment=assignment, at=at(day, hour))
    return services.assignment_check_out(
        actor=cast.superuser, assignment=assignment, at=at(day, hour + hours)
    )


def test_person_times_and_hours_are_counted_by_category_in_scope(cast, made):
    serve(cast, made.volunteers.own, day=-2, hour=8, hours=4, category="checkpoint")
    serve(cast, made.volunteers.own, day=-1, hour=8, hours=3, category="checkpoint")
    serve(cast, made.volunteers.own, day=-1, hour=14, hours=2, category="disinfection")
    serve(
        cast,
        made.volunteers.sibling,
        day=-1,
        hour=8,
        hours=5,
        category="delivery",
        region=cast.sibling_village,
    )
    serve(
        cast,
        made.volunteers.foreign,
        day=-1,
        hour=8,
        hours=6,
        category="delivery",
        region=made.other_village,
    )

    town = stats.service_summary(cast.town_cadre, cast.town)
    by_key = {key: (n, hours) for key, _label, n, hours in town.by_category}
    assert town.person_times == 4
    assert town.hours == 14.0
    assert by_key["checkpoint"] == (2, 7.0)
    assert by_key["disinfection"] == (1, 2.0)
    assert by_key["delivery"] == (1, 5.0)
    assert len(town.by_category) == 8

    village = stats.service_summary(cast.village_cadre, cast.village)
    assert village.person_times == 3
    yesterday = today() - dt.timedelta(days=1)
    window = stats.service_summary(cast.town_cadre, cast.town, yesterday, yesterday)
    assert window.person_times == 3
    # The other town's cadre asking about this town gets nothing: scope comes first.
    assert stats.service_summary(cast.other_town_cadre, cast.town).person_times == 0


def test_an_assignment_not_checked_out_is_not_a_person_time_yet(cast, made):
    assert stats.service_summary(cast.town_cadre, cast.town).person_times == 0
    shift = make_shift(cast.superuser, cast.village, start=at(-1, 23), hours=4)
    running = services.shift_assign(
        actor=cast.superuser, shift=shift, volunteer=made.volunteers.sibling
    )
    services.assignment_check_in(actor=cast.superuser, assignment=running, at=at(0, 0))
    summary = stats.service_summary(cast.town_cadre, cast.town)
    assert summary.person_times == 0 and summary.on_duty == 1


def test_recruitment_counts_volunteers_teams_core_and_the_sign_up_counters(cast, made):
    services.volunteer_update(
        actor=cast.superuser,
        volunteer=made.volunteers.own,
        team=made.teams.own,
        is_core=True,
        grid=None,
        status="active",
    )
    services.campaign_count(made.campaigns.own, "rate_limited")
    summary = stats.recruitment_summary(cast.town_cadre, cast.town)
    assert summary.recruited == 2  # own and sibling; foreign is in another county
    assert summary.teams == 3  # two village teams and the town squad
    assert summary.core == 1
    assert summary.pending == 2
    assert summary.submitted == 4 and summary.rate_limited == 1
    village = stats.recruitment_summary(cast.village_cadre, cast.village)
    assert (village.recruited, village.teams, village.pending) == (1, 1, 1)
    tomorrow = today() + dt.timedelta(days=1)
    assert stats.recruitment_summary(cast.town_cadre, cast.town, tomorrow, None).recruited == 0


def test_disinfection_counts_done_and_overdue(cast, made):
    services.round_done(actor=cast.superuser, round=made.rounds.own)
    summary = stats.disinfection_summary(cast.town_cadre, cast.town)
    assert (summary.scheduled, summary.done, summary.overdue) == (2, 1, 1)


def test_angels_count_families_helped_needs_done_and_enterprises(cast, made):
    services.need_match(actor=cast.superuser, need=made.needs.own, volunteer=made.volunteers.own)
    services.need_done(actor=cast.superuser, need=made.needs.own)
    second = services.need_create(
        actor=cast.superuser,
        family=made.families.own,
        kind="tutoring",
        description="数学辅导",
        requested_on=today(),
    )
    services.need_match(actor=cast.superuser, need=second, enterprise=made.enterprises.own)
    services.need_done(actor=cast.superuser, need=second)
    summary = stats.angel_summary(cast.town_cadre, cast.town)
    assert summary.families == 2
    assert summary.families_helped == 1
    assert summary.needs_done == 2
    assert summary.needs_open == 1
    assert summary.enterprises == 2


def test_the_summary_sentence_fills_in_the_seed_numbers(cast, made):
    serve(cast, made.volunteers.own, day=-1, hour=8, hours=4, category="checkpoint")
    services.volunteer_update(
        actor=cast.superuser,
        volunteer=made.volunteers.own,
        team=made.teams.own,
        is_core=True,
        grid=None,
        status="active",
    )
    lines = stats.youth_summary(cast.town_cadre, cast.town).sentences()
    assert lines[0] == "招募志愿者2人，组建小分队3支，骨干1人，累计服务1人次。"
    assert lines[1] == "累计服务时长4.0小时。"
    assert lines[2] == "其中卡口检测1人次。"
    assert lines[3] == "防疫消杀完成0次（计划2次）。"
    assert "已有2家爱心企业加入" in lines[4]
