"""Hotline rows on the cast's tree: a line run by the district and one by the other county's
town, and a call in the cast's village, its sibling village and the other town."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from qunfang.hotlines import services
from qunfang.hotlines.models import Call, Line


def hours_ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def log_call(actor, line: Line, region, **kwargs) -> Call:
    values = {
        "received_at": hours_ago(2),
        "duration_minutes": 15,
        "caller_type": Call.CallerType.PARENT,
        "topic": Call.Topic.EPIDEMIC_ANXIETY,
        "risk": Call.Risk.LOW,
        "action": Call.Action.COUNSELLED,
        "caller_phone": "13812345678",
        "notes": "孩子担心父母在一线工作，夜里睡不着。",
    }
    values.update(kwargs)
    return services.call_record(actor=actor, line=line, region=region, **values)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lines(cast) -> SimpleNamespace:
    return SimpleNamespace(
        psych=services.line_create(
            actor=cast.superuser,
            region=cast.district,
            name="12355青少年服务台",
            number="12355",
            kind=Line.Kind.PSYCHOLOGICAL,
        ),
        rescue=services.line_create(
            actor=cast.superuser,
            region=cast.district,
            name="未成年人救助服务热线",
            number="0356-6666666",
            kind=Line.Kind.MINORS_RESCUE,
        ),
        foreign=services.line_create(
            actor=cast.superuser,
            region=cast.other_town,
            name="米山镇心理热线",
            number="0356-5555555",
            kind=Line.Kind.OTHER,
        ),
    )


@pytest.fixture
def calls(cast, lines) -> SimpleNamespace:
    return SimpleNamespace(
        own=log_call(cast.counsellor, lines.psych, cast.village),
        sibling=log_call(
            cast.counsellor,
            lines.rescue,
            cast.sibling_village,
            topic=Call.Topic.UNATTENDED,
            risk=Call.Risk.HIGH,
            follow_up_due=timezone.localdate(),
            caller_phone="13900001111",
        ),
        foreign=log_call(cast.other_town_cadre, lines.foreign, cast.other_town),
    )
