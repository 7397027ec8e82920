"""The summary figures count what happened in the region's tree and the period, nothing else."""

import datetime as dt

from django.utils import timezone

from qunfang.opinion import services, stats
from qunfang.opinion.models import Post
from qunfang.opinion.tests.conftest import push
from qunfang.org.models import Department


def test_counts_for_a_region_and_period(cast, source, other_source):
    now = timezone.now()
    push(source, "南村镇发热病人已隔离", "泽州县卡口志愿者真辛苦", at=now - dt.timedelta(hours=2))
    push(source, "上个月的旧帖", at=now - dt.timedelta(days=40))
    push(other_source, "米山镇疫情", at=now - dt.timedelta(hours=2))
    Post.objects.filter(text__contains="发热").update(
        sentiment="negative", risk_level="high", risk_categories=",rumour,"
    )
    office = Department.objects.get(region=cast.town, kind=Department.Kind.CIVIL_AFFAIRS)
    ticket = services.ticket_create(
        actor=cast.hq,
        department=office,
        owner=cast.town_cadre,
        title="核实",
        deadline=now + dt.timedelta(hours=3),
    )
    services.ticket_reply(actor=cast.town_cadre, ticket=ticket, reply="已核实")
    services.debunk_save(
        actor=cast.hq, region=cast.district, claim="泽州封城", published_on=timezone.localdate()
    )

    until = timezone.now() + dt.timedelta(minutes=1)
    counts = stats.opinion_counts(cast.district.code, now - dt.timedelta(days=7), until)
    assert (counts.found, counts.local, counts.epidemic) == (2, 2, 1)
    assert (counts.negative, counts.high_risk, counts.by_category["rumour"]) == (1, 1, 1)
    assert (counts.escalated, counts.replied, counts.overdue, counts.debunked) == (1, 1, 0, 1)
    assert counts.sentence().startswith("监测到相关信息2条，其中涉及本地2条、涉疫1条、负面1条")

    town = stats.opinion_counts(cast.town.code, now - dt.timedelta(days=7), until)
    assert (town.found, town.escalated) == (1, 1)
    month = stats.opinion_counts(cast.district.code, now - dt.timedelta(days=60), until)
    assert month.found == 3


def test_daily_volume_for_the_chart(cast, source):
    # Yesterday at noon, China time: "five minutes before" stays on the same local day
    # whenever the test runs (at 00:03 it would not).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    noon -= dt.timedelta(days=1)
    push(source, "一", "二", at=noon - dt.timedelta(days=1))
    push(source, "三", at=noon - dt.timedelta(minutes=5))
    days = stats.daily_volume(cast.district.code, noon - dt.timedelta(days=3), noon)
    assert [(d["day"], d["posts"]) for d in days] == [
        ((noon - dt.timedelta(days=1)).date().isoformat(), 2),
        (noon.date().isoformat(), 1),
    ]
