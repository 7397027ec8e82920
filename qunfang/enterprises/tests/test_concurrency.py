"""The same job-seeker pressing 提交 twice at once, on PostgreSQL (SQLite serialises writers by
itself): the second insert waits on the unique index, then merges into the first."""

import pytest
from django.db import connection

from qunfang.core.testing import race
from qunfang.enterprises.models import Application
from qunfang.enterprises.tests.conftest import apply

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="唯一约束等待只在 PostgreSQL 上测试"
)


def test_two_simultaneous_submissions_make_one_application_counted_twice(
    transactional_db, cast, fairs
):
    def submit():
        apply(fairs.position)

    results = race(submit, submit)
    assert results["first"] == "ok"
    assert results["second_waited"] is True
    assert results["second"] == "ok"
    application = Application.objects.get()
    assert application.submissions == 2
