"""Test support for races on PostgreSQL: two people acting on the same rows at the same moment."""

import threading
import time
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection, transaction


def race(first_action: Callable[[], object], second_action: Callable[[], object]) -> dict:
    """Run `first_action` in a transaction held open until the second has started and is
    blocked; RETURNS what each did and whether the second was still waiting.

    "first" and "second" hold what the action returned, or "ok" when it returned nothing;
    a second action refused with a ValidationError gives its messages instead.
    "second_waited" is True when the second was still running half a second after the first
    had written: it was waiting on the first's lock.
    """
    holding, release = threading.Event(), threading.Event()
    results: dict = {}

    def first() -> None:
        try:
            with transaction.atomic():
                value = first_action()
                holding.set()
                release.wait(10)
            results["first"] = "ok" if value is None else value
        finally:
            connection.close()

    def second() -> None:
        holding.wait(10)
        try:
            value = second_action()
            results["second"] = "ok" if value is None else value
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
