import datetime as dt

from qunfang.enterprises import services, stats
from qunfang.enterprises.models import BlockedSubmission
from qunfang.enterprises.tests.conftest import apply, today


def test_enterprise_service_is_counted_within_the_scope_and_window(cast, ents):
    for enterprise, days in ((ents.own, 1), (ents.own, 3), (ents.sibling, 20), (ents.foreign, 1)):
        services.visit_record(
            actor=cast.superuser,
            enterprise=enterprise,
            visited_on=today() - dt.timedelta(days=days),
            visitors="工作组",
        )
    labour = services.problem_raise(
        actor=cast.superuser,
        enterprise=ents.own,
        category="labour",
        description="缺工50人",
        raised_on=today() - dt.timedelta(days=3),
    )
    services.problem_raise(
        actor=cast.superuser,
        enterprise=ents.sibling,
        category="funding",
        description="贷款到期",
        raised_on=today(),
    )
    services.problem_solve(actor=cast.superuser, problem=labour, resolution="网络招聘会对接")
    services.resumption_report(
        actor=cast.superuser,
        enterprise=ents.own,
        status="full",
        reported_on=today(),
        workers_back=110,
    )
    services.resumption_report(
        actor=cast.superuser,
        enterprise=ents.foreign,
        status="partial",
        reported_on=today(),
        workers_back=40,
    )

    summary = stats.service_summary(cast.hq, cast.district)
    assert (summary.enterprises, summary.assigned) == (2, 1)
    assert (summary.served, summary.visits) == (2, 3)
    assert (summary.problems_raised, summary.problems_solved, summary.problems_open) == (2, 1, 1)
    assert summary.by_category["labour"] == 1 and summary.by_category["funding"] == 1
    assert (summary.full, summary.partial, summary.stopped, summary.workers_back) == (1, 0, 1, 110)

    week = stats.service_summary(cast.hq, cast.district, today() - dt.timedelta(days=7), today())
    assert (week.served, week.visits) == (1, 2)
    village = stats.service_summary(cast.village_cadre, cast.village)
    assert village.enterprises == 1
    assert stats.service_summary(cast.superuser, cast.district.parent).enterprises == 3


def test_the_fair_sentence_counts_enterprises_jobs_and_applications(cast, fairs, ents):
    services.entry_apply(actor=cast.hq, fair=fairs.fair, enterprise=ents.sibling)
    apply(fairs.position)
    apply(fairs.position)  # the same phone again: merged, counted as a submission
    apply(fairs.position, name="李梅", phone="13600002222")
    apply(fairs.foreign_position)
    BlockedSubmission.objects.create(fair=fairs.fair, reason="honeypot")
    BlockedSubmission.objects.create(fair=fairs.foreign_fair, reason="honeypot")

    summary = stats.fair_summary(cast.hq, cast.district)
    assert summary.enterprises_applied == 2  # 申报企业2家 (one still pending)
    assert summary.enterprises_approved == 1
    assert (summary.positions, summary.jobs) == (1, 20)  # 提供岗位20个
    assert (summary.applications, summary.submissions) == (2, 3)
    assert summary.blocked == 1

    other = stats.fair_summary(cast.other_town_cadre, cast.other_town)
    assert (other.enterprises_applied, other.jobs, other.applications, other.blocked) == (
        1,
        5,
        1,
        1,
    )
    one_fair = stats.fair_summary(cast.superuser, cast.district.parent, fair=fairs.foreign_fair)
    assert one_fair.applications == 1
    tomorrow = today() + dt.timedelta(days=1)
    assert stats.fair_summary(cast.hq, cast.district, tomorrow, None).applications == 0
