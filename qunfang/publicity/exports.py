"""Spreadsheets a town office or the publicity group hands on: the announcements issued, the
materials handed out, press coverage, articles and expert broadcasts, each scoped to the
region on screen. No personal data is in them; the view audits every export."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from qunfang.org.models import Region
from qunfang.publicity import selectors


@dataclass(frozen=True)
class Export:
    title: str
    headers: Sequence[str]
    rows: Callable[[Any, Region], list[list[Any]]]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _announcements(user, region: Region) -> list[list[Any]]:
    return [
        [
            a.series.name,
            a.number,
            a.title,
            _local(a.issued_at),
            "、".join(c.get_channel_display() for c in a.channels.all()),
            a.region.display_name,
            a.source_label,
        ]
        for a in selectors.announcement_list(user, region=region)
    ]


def _materials(user, region: Region) -> list[list[Any]]:
    return [
        [m.region.display_name, m.get_kind_display(), m.title, m.quantity, m.distributed_on]
        for m in selectors.material_list(user, region=region)
    ]


def _press(user, region: Region) -> list[list[Any]]:
    return [
        [p.outlet, p.get_level_display(), p.title, p.published_on, p.url, p.region.display_name]
        for p in selectors.press_list(user, region=region)
    ]


def _articles(user, region: Region) -> list[list[Any]]:
    return [
        [a.account, a.title, a.published_on, a.reads, a.reprints, a.reprinted_by]
        for a in selectors.article_list(user, region=region)
    ]


def _experts(user, region: Region) -> list[list[Any]]:
    return [
        [e.topic, e.expert, e.expert_org, e.aired_on, e.platform, e.viewers]
        for e in selectors.expert_list(user, region=region)
    ]


EXPORTS: dict[str, Export] = {
    "announcements": Export(
        "公告发布台账",
        ["公告系列", "期号", "标题", "发布时间", "发布渠道", "发布单位", "来源"],
        _announcements,
    ),
    "materials": Export(
        "宣传材料发放台账", ["区域", "材料类别", "材料名称", "数量", "发放日期"], _materials
    ),
    "press": Export("媒体报道台账", ["媒体", "级别", "标题", "刊发日期", "链接", "区域"], _press),
    "articles": Export(
        "新媒体作品台账",
        ["公众号/平台", "标题", "发布日期", "阅读量", "上级媒体转载", "转载媒体"],
        _articles,
    ),
    "experts": Export(
        "专家直播台账", ["主题", "专家", "单位", "直播日期", "平台", "收看人次"], _experts
    ),
}
