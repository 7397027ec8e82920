"""Terminals on the cast's tree: one in the cast's village, one in its sibling village and one
in a village of another county, all beating a minute ago."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from qunfang.broadcast import services
from qunfang.broadcast.models import Terminal
from qunfang.org.models import Region
from qunfang.org.roles import Level


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def register(actor, village: Region, code: str, **kwargs) -> Terminal:
    terminal = services.terminal_register(
        actor=actor,
        region=village,
        code=code,
        location=f"{village.display_name}村委会楼顶",
        **kwargs,
    )
    Terminal.objects.filter(pk=terminal.pk).update(last_heartbeat_at=ago(minutes=1))
    terminal.refresh_from_db()
    return terminal


@pytest.fixture
def other_village(cast) -> Region:
    return Region.objects.filter(parent=cast.other_town, level=Level.VILLAGE).order_by("code")[0]


@pytest.fixture
def terminals(cast, other_village) -> SimpleNamespace:
    return SimpleNamespace(
        own=register(cast.superuser, cast.village, "NC-200-01"),
        sibling=register(cast.superuser, cast.sibling_village, "NC-201-01"),
        foreign=register(cast.superuser, other_village, "MS-01"),
    )


@pytest.fixture
def faults(cast, terminals) -> SimpleNamespace:
    """A silent loudspeaker reported by the cadre of each village."""
    return SimpleNamespace(
        own=services.fault_report(actor=cast.village_cadre, terminal=terminals.own, kind="silent"),
        sibling=services.fault_report(
            actor=cast.sibling_cadre, terminal=terminals.sibling, kind="power_cut"
        ),
        foreign=services.fault_report(
            actor=cast.other_town_cadre, terminal=terminals.foreign, kind="silent"
        ),
    )


@pytest.fixture
def orders(cast, faults) -> SimpleNamespace:
    return SimpleNamespace(
        own=services.fault_dispatch(
            actor=cast.dept, fault=faults.own, team="joint", assignee=cast.town_cadre
        ),
        sibling=services.fault_dispatch(
            actor=cast.town_cadre, fault=faults.sibling, team="town", crew="镇电工老王"
        ),
        foreign=services.fault_dispatch(
            actor=cast.other_town_cadre, fault=faults.foreign, team="town", crew="米山镇维修队"
        ),
    )
