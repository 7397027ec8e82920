import datetime as dt

from django.utils import timezone

from qunfang.hotlines import services, stats
from qunfang.hotlines.models import Call
from qunfang.hotlines.tests.conftest import log_call


def test_calls_are_counted_by_line_topic_and_risk_within_the_scope(cast, lines, calls):
    summary = stats.hotline_summary(cast.counsellor, cast.district)
    assert summary.calls == 2
    # Asked for the whole city: the other county's call is outside the counsellor's scope.
    assert stats.hotline_summary(cast.counsellor, cast.district.parent).calls == 2
    assert {(line.number, line.calls) for line in summary.by_line} == {
        ("12355", 1),
        ("0356-6666666", 1),
    }
    assert summary.by_topic[Call.Topic.EPIDEMIC_ANXIETY] == 1
    assert summary.by_topic[Call.Topic.UNATTENDED] == 1
    assert summary.by_topic[Call.Topic.STUDY] == 0
    assert summary.by_risk == {"low": 1, "medium": 0, "high": 1, "critical": 0}
    assert summary.minutes == 30
    assert summary.follow_ups_due == 1 and summary.follow_ups_done == 0

    village = stats.hotline_summary(cast.counsellor, cast.village)
    assert village.calls == 1
    assert stats.hotline_summary(cast.superuser, cast.district).calls == 2
    assert stats.hotline_summary(cast.other_town_cadre, cast.other_town).calls == 1


def test_the_window_counts_calls_by_their_local_date(cast, lines):
    today = timezone.localdate()
    week_ago = timezone.now() - dt.timedelta(days=7)
    log_call(cast.counsellor, lines.psych, cast.village, received_at=week_ago)
    # Not the fixture's "two hours ago": between midnight and 2 am that is yesterday.
    log_call(cast.counsellor, lines.psych, cast.village, received_at=timezone.now())
    assert stats.hotline_summary(cast.counsellor, cast.district, today, today).calls == 1
    since = today - dt.timedelta(days=7)
    assert stats.hotline_summary(cast.counsellor, cast.district, since, today).calls == 2
    assert stats.hotline_summary(cast.counsellor, cast.district, None, since).calls == 1


def test_escalations_and_follow_ups_are_counted(cast, lines, calls):
    overdue = log_call(
        cast.counsellor,
        lines.psych,
        cast.village,
        received_at=timezone.now() - dt.timedelta(days=4),
        risk=Call.Risk.HIGH,
        follow_up_due=timezone.localdate() - dt.timedelta(days=1),
    )
    services.call_escalate(
        actor=cast.counsellor,
        call=calls.sibling,
        village=cast.sibling_village,
        child_name="王小花",
        situation="独自在家",
        reason="carer_away",
    )
    services.call_follow_up(actor=cast.counsellor, call=calls.sibling, note="已由民政接手")
    summary = stats.hotline_summary(cast.counsellor, cast.district)
    assert summary.escalations == 1
    assert summary.escalations_placed == 0
    assert summary.follow_ups_due == 2
    assert summary.follow_ups_done == 1
    assert summary.follow_ups_overdue == 1
    services.call_follow_up(actor=cast.counsellor, call=overdue, note="好转")
    assert stats.hotline_summary(cast.counsellor, cast.district).follow_ups_overdue == 0
