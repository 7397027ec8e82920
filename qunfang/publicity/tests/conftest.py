"""Publicity rows on the cast's tree: one of each kind in the cast's village, its sibling
village and a village of another county, plus a district series with two issues."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.publicity import services
from qunfang.publicity.models import MaterialKind, PressLevel


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def moment(days: int, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(days_ago(days), dt.time(hour), timezone.get_current_timezone())


@pytest.fixture
def other_village(cast) -> Region:
    return Region.objects.filter(parent=cast.other_town, level=Level.VILLAGE).order_by("code")[0]


def _record_all(actor, region: Region, tag: str) -> SimpleNamespace:
    return SimpleNamespace(
        material=services.material_record(
            actor=actor,
            region=region,
            kind=MaterialKind.LETTER,
            title=f"{tag}一封信",
            quantity=100,
            distributed_on=days_ago(3),
        ),
        press=services.press_item_record(
            actor=actor,
            region=region,
            outlet=f"{tag}日报",
            level=PressLevel.PROVINCE,
            title=f"{tag}防控见实效",
            published_on=days_ago(3),
        ),
        article=services.article_record(
            actor=actor,
            region=region,
            account=f"{tag}发布",
            title=f"{tag}青年突击队",
            published_on=days_ago(3),
            reads=1000,
            reprints=1,
        ),
        expert=services.expert_broadcast_record(
            actor=actor,
            region=region,
            topic=f"{tag}科学防护",
            expert=f"{tag}专家",
            aired_on=days_ago(3),
            platform="FM",
            viewers=500,
        ),
        announcement=services.announcement_publish(
            actor=actor,
            region=region,
            series=f"{tag}通告",
            title=f"{tag}第一号通告",
            body="",
            channels=["tv"],
            issued_at=moment(3),
        ),
    )


@pytest.fixture
def records(cast, other_village) -> SimpleNamespace:
    return SimpleNamespace(
        own=_record_all(cast.superuser, cast.village, "南村"),
        sibling=_record_all(cast.superuser, cast.sibling_village, "原家"),
        foreign=_record_all(cast.superuser, other_village, "米山"),
    )
