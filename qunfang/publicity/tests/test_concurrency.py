"""Two publishers of one series at once, on PostgreSQL (SQLite serialises writers by itself).
The first holds its transaction open after publishing; the second must wait on the series
lock and then take the next number, or be told its number is taken."""

import pytest
from django.db import connection

from qunfang.core.testing import race
from qunfang.publicity import services
from qunfang.publicity.models import Announcement, AnnouncementSeries

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="行锁（SELECT … FOR UPDATE）只在 PostgreSQL 上测试"
)


def publish(cast, series, number=None):
    return services.announcement_publish(
        actor=cast.hq,
        region=cast.district,
        series=series,
        title="通报",
        body="",
        channels=["tv"],
        number=number,
    ).number


def test_two_publishers_take_consecutive_numbers(transactional_db, cast):
    series = AnnouncementSeries.objects.create(region=cast.district, name="疫情防控指挥部通告")
    results = race(lambda: publish(cast, series), lambda: publish(cast, series))
    assert results["second_waited"] is True
    assert (results["first"], results["second"]) == (1, 2)


def test_the_same_number_chosen_twice_at_once_is_refused_the_second_time(transactional_db, cast):
    series = AnnouncementSeries.objects.create(region=cast.district, name="疫情防控指挥部通告")
    results = race(lambda: publish(cast, series, 7), lambda: publish(cast, "疫情防控指挥部通告", 7))
    assert results["second_waited"] is True
    assert results["first"] == 7
    assert "第7号已于" in results["second"][0] and "下一期应为第8号" in results["second"][0]
    assert Announcement.objects.count() == 1
