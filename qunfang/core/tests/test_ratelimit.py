import time_machine
from django.core.cache import cache
from django.test import RequestFactory

from qunfang.core.ratelimit import Limit, hit

LIMIT = Limit("signup-test", count=3, seconds=60)


def request_from(address: str):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def setup_function():
    cache.clear()


def test_a_client_is_refused_after_its_count_within_the_window():
    answers = [hit(request_from("10.0.0.1"), LIMIT) for _ in range(5)]
    assert answers == [True, True, True, False, False]


def test_clients_are_counted_apart():
    for _ in range(3):
        hit(request_from("10.0.0.1"), LIMIT)
    assert hit(request_from("10.0.0.1"), LIMIT) is False
    assert hit(request_from("10.0.0.2"), LIMIT) is True


def test_the_next_window_starts_afresh():
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        for _ in range(4):
            hit(request_from("10.0.0.3"), LIMIT)
        assert hit(request_from("10.0.0.3"), LIMIT) is False
        clock.shift(61)
        assert hit(request_from("10.0.0.3"), LIMIT) is True
