"""With a broker, the push API answers 202 once the batch is valid and a real Celery worker
(here on the local Redis) analyses and stores it; bad input is still refused at once."""

import json
import socket
import time

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from config.celery import app
from qunfang.opinion import runtime, services
from qunfang.opinion.models import Post
from qunfang.org.testing import build_cast

BROKER = "redis://127.0.0.1:6379/15"


def redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture
def worker(transactional_db):
    if not redis_answers():
        pytest.skip("Redis 未在 127.0.0.1:6379 运行：跳过真实队列测试")
    from celery.contrib.testing.worker import start_worker

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    try:
        # No result backend here, so no ping check: the test waits for the rows instead.
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60):
            yield
    finally:
        app.conf.update(saved)


def test_a_queued_batch_is_stored_by_the_worker(worker):
    runtime.reset()
    cast = build_cast()
    source, token = services.source_create(
        actor=cast.hq, region=cast.district, name="队列", platform="weibo"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    body = json.dumps(
        {"posts": [{"id": "q1", "text": "南村镇卡口"}, {"id": "q2", "text": "泽州县通告"}]},
        ensure_ascii=False,
    )
    # The bad batch goes first: on SQLite (one in-memory database shared between this thread
    # and the worker's), a write of this thread while the worker stores the good batch fails
    # with "database table is locked" instead of waiting, as it did once in CI.
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        bad = client.post(
            "/api/v1/opinion/posts/",
            data=b'[{"id": "x"}]',
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        answer = client.post(
            "/api/v1/opinion/posts/",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    assert answer.status_code == 202
    assert answer.json() == {"received": 2, "queued": True}
    assert bad.status_code == 400
    deadline = time.monotonic() + 120  # the worker builds the engine first: slow on a busy machine
    while stored(source) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(Post.objects.filter(source=source).values_list("external_id", flat=True)) == {
        "q1",
        "q2",
    }


def stored(source) -> int:
    """Posts of the source stored so far; 0 while the worker's write holds SQLite's table lock."""
    try:
        return Post.objects.filter(source=source).count()
    except OperationalError:
        return 0
