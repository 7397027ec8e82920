import io
from pathlib import Path

from qunfang.broadcast.models import Programme
from qunfang.core.demo_context import DemoContext
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.publicity import demo, stats
from qunfang.publicity.models import Announcement, MaterialDistribution


def context(cast) -> DemoContext:
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={"user:zz_xuanchuan": cast.dept},
    )


def test_it_seeds_numbered_announcements_and_materials_for_every_village_once(cast):
    demo.seed(context(cast))
    villages = Region.objects.filter(parent=cast.town, level=Level.VILLAGE).count()
    series = {s.name: s for s in stats.announcements_by_series(cast.hq, cast.district)}
    assert series[demo.DAILY].latest_number == demo.DAILY_ISSUES
    assert series[demo.NOTICES].latest_number == len(demo.NOTICE_TITLES)
    assert (
        Programme.objects.filter(announcement__isnull=False).count() == Announcement.objects.count()
    )
    covered = (
        MaterialDistribution.objects.filter(region__parent=cast.town).values("region").distinct()
    )
    assert covered.count() == villages

    again = context(cast)
    demo.seed(again)
    assert Announcement.objects.count() == demo.DAILY_ISSUES + len(demo.NOTICE_TITLES)
    assert "已存在" in again.stdout.getvalue()
