"""Two planners booking the same counsellor at once, on PostgreSQL (SQLite serialises writers
by itself). The first holds its transaction open after its write; the second must wait for it
and then see the first shift, not book an overlapping one."""

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from qunfang.hotlines import services
from qunfang.hotlines.models import Shift

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="行锁（SELECT … FOR UPDATE）只在 PostgreSQL 上测试"
)


def race(first_action, second_action) -> dict:
    holding, release = threading.Event(), threading.Event()
    results: dict = {}

    def first() -> None:
        try:
            with transaction.atomic():
                first_action()
                holding.set()
                release.wait(10)
            results["first"] = "ok"
        finally:
            connection.close()

    def second() -> None:
        holding.wait(10)
        try:
            second_action()
            results["second"] = "ok"
        except ValidationError as error:
            results["second"] = error.messages
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    time.sleep(0.5)
    results["second_waited"] = threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(20)
    return results


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
