"""Spreadsheets a town office hands to the station: its terminals with their status, and the
faults with their repair orders (response and repair hours), scoped to the region on screen.
Reporters appear by account name only; the view audits every export."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from qunfang.broadcast import selectors
from qunfang.org.models import Region


@dataclass(frozen=True)
class Export:
    title: str
    headers: Sequence[str]
    rows: Callable[[Any, Region], list[list[Any]]]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _hours(later, earlier) -> float | str:
    if later is None or earlier is None:
        return ""
    return round((later - earlier).total_seconds() / 3600, 1)


def _terminals(user, region: Region) -> list[list[Any]]:
    return [
        [
            t.code,
            t.region.display_name,
            t.location,
            t.model,
            t.get_status_display(),
            "是" if t.monitored else "否",
            _local(t.last_heartbeat_at),
            _local(t.last_reported_at),
        ]
        for t in selectors.terminal_list(user, region=region)
    ]


def _faults(user, region: Region) -> list[list[Any]]:
    rows = []
    for fault in selectors.fault_list(user, region=region):
        order = getattr(fault, "order", None)
        rows.append(
            [
                fault.terminal.code,
                fault.region.display_name,
                fault.get_source_display(),
                fault.get_kind_display(),
                fault.get_cause_display() if fault.cause else "",
                fault.get_status_display(),
                _local(fault.reported_at),
                order.get_team_display() if order else "",
                order.crew if order else "",
                _local(order.responded_at) if order else "",
                _local(order.repaired_at) if order else "",
                _hours(order.responded_at, fault.reported_at) if order else "",
                _hours(order.repaired_at, fault.reported_at) if order else "",
            ]
        )
    return rows


EXPORTS: dict[str, Export] = {
    "terminals": Export(
        "村村响终端台账",
        ["终端编号", "村（社区）", "安装位置", "型号", "状态", "在线监测", "最后心跳", "最后上报"],
        _terminals,
    ),
    "faults": Export(
        "村村响故障维修台账",
        [
            "终端编号",
            "村（社区）",
            "来源",
            "上报类别",
            "查明原因",
            "状态",
            "上报时间",
            "维修力量",
            "维修人员",
            "到场时间",
            "修复时间",
            "响应用时（小时）",
            "修复用时（小时）",
        ],
        _faults,
    ),
}
