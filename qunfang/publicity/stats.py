"""The numbers the publicity group's summary leaves as "X": announcements issued per series
("目前，已发布X期"), letters, proposals, banners and boards handed out ("发放、张贴…XX万多份，
悬挂横幅XX多条，设置…宣传版面XX多个"), press reports by higher-level media ("报道…X多条"),
original articles, reads and reprints ("原创作品35篇，合计阅读量近20万人次，被市级以上媒体转载
报道7篇"), and expert live broadcasts.

Every function takes the acting user, a region and an optional date window, and counts only
rows in the user's scope at or below that region. One aggregate query per function.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.publicity.models import (
    Announcement,
    Article,
    ExpertBroadcast,
    MaterialDistribution,
    MaterialKind,
    PressItem,
    PressLevel,
)


@dataclass(frozen=True)
class SeriesCount:
    series_id: int
    name: str
    issued: int  # issued within the window
    latest_number: int  # 已发布X期: the highest number issued by the end of the window


@dataclass(frozen=True)
class MaterialCount:
    kind: str
    label: str
    quantity: int
    batches: int


@dataclass(frozen=True)
class PressSummary:
    total: int
    by_level: dict[str, int]


@dataclass(frozen=True)
class ArticleSummary:
    articles: int
    reads: int
    reprints: int
    reprinted_articles: int


@dataclass(frozen=True)
class ExpertSummary:
    broadcasts: int
    viewers: int


@dataclass(frozen=True)
class PublicitySummary:
    announcements: list[SeriesCount]
    announcements_total: int
    materials: list[MaterialCount]
    press: PressSummary
    articles: ArticleSummary
    experts: ExpertSummary

    def material(self, kind: str) -> int:
        return next((m.quantity for m in self.materials if m.kind == kind), 0)

    @property
    def letters_and_proposals(self) -> int:
        return self.material(MaterialKind.LETTER) + self.material(MaterialKind.PROPOSAL)

    @property
    def banners(self) -> int:
        return self.material(MaterialKind.BANNER)

    @property
    def boards(self) -> int:
        return self.material(MaterialKind.BOARD) + self.material(MaterialKind.SIGN)


def _below(queryset: QuerySet, user, region: Region) -> QuerySet:
    return scoped(queryset, user).filter(subtree_q(region.code, "region__code"))


def _window(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


def announcements_by_series(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[SeriesCount]:
    """Per series: issues in the window and the latest number by its end ("已发布X期")."""
    rows = _below(Announcement.objects.all(), user, region)
    if end is not None:
        rows = rows.filter(issued_at__date__lte=end)
    in_window = _window("issued_at__date", start, None)
    grouped = (
        rows.values("series_id", "series__name")
        .annotate(issued=Count("id", filter=in_window), latest=Max("number"))
        .order_by("series__name")
    )
    return [
        SeriesCount(
            series_id=row["series_id"],
            name=row["series__name"],
            issued=row["issued"],
            latest_number=row["latest"] or 0,
        )
        for row in grouped
    ]


def materials_by_kind(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[MaterialCount]:
    """Quantities handed out per kind, in the order of MaterialKind; kinds with none are 0."""
    grouped = {
        row["kind"]: row
        for row in _below(MaterialDistribution.objects.all(), user, region)
        .filter(_window("distributed_on", start, end))
        .values("kind")
        .annotate(quantity=Sum("quantity"), batches=Count("id"))
    }
    return [
        MaterialCount(
            kind=kind,
            label=str(label),
            quantity=grouped.get(kind, {}).get("quantity") or 0,
            batches=grouped.get(kind, {}).get("batches") or 0,
        )
        for kind, label in MaterialKind.choices
    ]


def press_by_level(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> PressSummary:
    row = (
        _below(PressItem.objects.all(), user, region)
        .filter(_window("published_on", start, end))
        .aggregate(
            total=Count("id"),
            **{level: Count("id", filter=Q(level=level)) for level in PressLevel.values},
        )
    )
    return PressSummary(
        total=row.pop("total"), by_level={level: row[level] for level in PressLevel.values}
    )


def article_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> ArticleSummary:
    row = (
        _below(Article.objects.all(), user, region)
        .filter(_window("published_on", start, end))
        .aggregate(
            articles=Count("id"),
            total_reads=Coalesce(Sum("reads"), 0),
            total_reprints=Coalesce(Sum("reprints"), 0),
            reprinted_articles=Count("id", filter=Q(reprints__gt=0)),
        )
    )
    return ArticleSummary(
        articles=row["articles"],
        reads=row["total_reads"],
        reprints=row["total_reprints"],
        reprinted_articles=row["reprinted_articles"],
    )


def expert_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> ExpertSummary:
    row = (
        _below(ExpertBroadcast.objects.all(), user, region)
        .filter(_window("aired_on", start, end))
        .aggregate(broadcasts=Count("id"), total_viewers=Coalesce(Sum("viewers"), 0))
    )
    return ExpertSummary(broadcasts=row["broadcasts"], viewers=row["total_viewers"])


def publicity_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> PublicitySummary:
    series = announcements_by_series(user, region, start, end)
    return PublicitySummary(
        announcements=series,
        announcements_total=sum(s.issued for s in series),
        materials=materials_by_kind(user, region, start, end),
        press=press_by_level(user, region, start, end),
        articles=article_summary(user, region, start, end),
        experts=expert_summary(user, region, start, end),
    )
