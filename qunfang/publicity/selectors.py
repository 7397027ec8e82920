"""Reads of publicity work. Each takes the acting user and goes through the scoping primitive,
then narrows to the region on screen and everything below it."""

from django.db.models import Count, Max, QuerySet

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.publicity.models import (
    Announcement,
    AnnouncementSeries,
    Article,
    ExpertBroadcast,
    MaterialDistribution,
    PressItem,
)


def _in_region(queryset: QuerySet, user, region: Region | None) -> QuerySet:
    queryset = scoped(queryset, user)
    if region is not None:
        queryset = queryset.filter(subtree_q(region.code, "region__code"))
    return queryset


def series_list(user, *, region: Region | None = None) -> QuerySet:
    """Series in scope with `issued` (已发布X期: announcements so far) and `latest` number."""
    return (
        _in_region(AnnouncementSeries.objects.all(), user, region)
        .annotate(issued=Count("announcements"), latest=Max("announcements__number"))
        .select_related("region")
        .order_by("region__code", "name")
    )


def announcement_list(user, *, region: Region | None = None, series_id: int | None = None):
    announcements = _in_region(Announcement.objects.all(), user, region)
    if series_id is not None:
        announcements = announcements.filter(series_id=series_id)
    return (
        announcements.select_related("series", "region")
        .prefetch_related("channels")
        .order_by("-issued_at", "-id")
    )


def press_list(user, *, region: Region | None = None) -> QuerySet:
    return _in_region(PressItem.objects.all(), user, region).select_related("region")


def article_list(user, *, region: Region | None = None) -> QuerySet:
    return _in_region(Article.objects.all(), user, region).select_related("region")


def material_list(user, *, region: Region | None = None) -> QuerySet:
    return _in_region(MaterialDistribution.objects.all(), user, region).select_related("region")


def expert_list(user, *, region: Region | None = None) -> QuerySet:
    return _in_region(ExpertBroadcast.objects.all(), user, region).select_related("region")
