import io
from pathlib import Path

from django.utils import timezone

from qunfang.core.demo_context import DemoContext
from qunfang.volunteers import demo, stats
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    CaringEnterprise,
    DisinfectionRound,
    HelpNeed,
    MedicFamily,
    Shift,
    SignUp,
    Team,
    Volunteer,
)


def context(cast) -> DemoContext:
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={
            "user:nc_zhen": cast.town_cadre,
            "user:jc_tuanwei": cast.hq,
            "user:nc_zhiyuan": cast.volunteer,
        },
    )


def counts() -> list[int]:
    return [
        m.objects.count()
        for m in (Campaign, SignUp, Volunteer, Team, Shift, DisinfectionRound, MedicFamily)
    ]


def test_it_seeds_a_campaign_volunteers_a_week_of_shifts_and_help_once(cast):
    ctx = context(cast)
    seeded_on = timezone.localdate()
    demo.seed(ctx)

    campaign = Campaign.objects.get(title=demo.TITLE)
    assert campaign.merged == 5
    assert campaign.rejected == 3
    assert SignUp.objects.count() == demo.PEOPLE
    assert SignUp.objects.filter(status="pending").count() == 9
    assert SignUp.objects.filter(status="rejected").count() == 3
    assert Volunteer.objects.count() == demo.PEOPLE - 12
    assert Team.objects.filter(kind="disinfection").count() == 1
    assert Team.objects.filter(leader__isnull=False).count() >= 10
    assert Shift.objects.count() == 7 * 8 + 1
    served = Assignment.objects.filter(checked_out_at__isnull=False)
    assert served.count() >= 6 * 8 * 3
    assert DisinfectionRound.objects.filter(done_at__isnull=True).count() >= 5
    assert HelpNeed.objects.filter(status="done").count() == 8
    assert CaringEnterprise.objects.count() == 5

    now = timezone.now()
    mine = Assignment.objects.get(
        volunteer__user=cast.volunteer, starts_at__lte=now, ends_at__gt=now
    )
    assert mine.checked_in_at is None

    summary = stats.youth_summary(cast.superuser, cast.district)
    assert summary.recruitment.recruited == demo.PEOPLE - 12
    assert summary.service.person_times == served.count()
    assert all(n > 0 for _key, _label, n, _h in summary.service.by_category)
    # One round is overdue on the day the demo is seeded; a run that crosses midnight also
    # finds that day's rounds still to do overdue (faketime at 23:59 China time found 5).
    late = DisinfectionRound.objects.filter(
        done_at__isnull=True, scheduled_on__gte=seeded_on, scheduled_on__lt=timezone.localdate()
    ).count()
    assert summary.disinfection.overdue == 1 + late
    assert summary.angels.enterprises == 5

    before = counts()
    again = context(cast)
    demo.seed(again)
    assert counts() == before
    assert "跳过" in again.stdout.getvalue()
