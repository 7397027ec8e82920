"""Two planners booking the same counsellor at once, on PostgreSQL (SQLite serialises writers
by itself). The first holds its transaction open after its write; the second must wait for it
and then see the first shift, not book an overlapping one."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from qunfang.core.testing import race
from qunfang.hotlines import services
from qunfang.hotlines.models import Shift

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="行锁（SELECT … FOR UPDATE）只在 PostgreSQL 上测试"
)


def test_two_planners_cannot_book_overlapping_shifts_at_once(transactional_db, cast, lines):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)

    def book(offset_hours: int):
        def action():
            services.shift_create(
                actor=cast.hq,
                line=lines.psych,
                counsellor=cast.counsellor,
                starts_at=start + dt.timedelta(hours=offset_hours),
                ends_at=start + dt.timedelta(hours=offset_hours + 8),
            )

        return action

    results = race(book(0), book(4))
    assert results["first"] == "ok"
    assert results["second_waited"] is True
    assert "已有班次" in results["second"][0]
    assert Shift.objects.filter(counsellor=cast.counsellor).count() == 1
