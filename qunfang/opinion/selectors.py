"""Scoped reads for the monitoring pages. The feed pages by keyset (published_at, id), never by
OFFSET or COUNT, so its cost does not grow with the millions of posts behind it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from qunfang.opinion.models import (
    Debunk,
    Event,
    OpinionAlert,
    Post,
    PostScheme,
    Scheme,
    Source,
    Ticket,
)
from qunfang.org.access import scoped, subtree_q

PAGE = 50


@dataclass(frozen=True)
class FeedFilter:
    region: str = ""  # a region code inside the user's scope
    source: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    sentiment: str = ""
    risk: str = ""  # low / medium / high, or "elevated" for medium and high
    category: str = ""
    scheme: int | None = None
    event: int | None = None
    epidemic: bool | None = None
    local: bool | None = None
    q: str = ""


def feed(user, f: FeedFilter, *, before: tuple[dt.datetime, int] | None = None) -> QuerySet:
    """Posts the user may see, newest first, filtered; slice [:PAGE + 1] to know if more follow."""
    qs = scoped(Post.objects.all(), user)
    if f.region:
        qs = qs.filter(subtree_q(f.region, "region_code"))
    if f.source:
        qs = qs.filter(source_id=f.source)
    if f.since:
        qs = qs.filter(published_at__gte=f.since)
    if f.until:
        qs = qs.filter(published_at__lt=f.until)
    if f.sentiment:
        qs = qs.filter(sentiment=f.sentiment)
    if f.risk == "elevated":
        qs = qs.exclude(risk_level="low")
    elif f.risk:
        qs = qs.filter(risk_level=f.risk)
    if f.category:
        qs = qs.filter(risk_categories__contains=f",{f.category},")
    if f.scheme:
        qs = qs.filter(
            Exists(PostScheme.objects.filter(post_id=OuterRef("pk"), scheme_id=f.scheme))
        )
    if f.event:
        qs = qs.filter(event_id=f.event)
    if f.epidemic is not None:
        qs = qs.filter(epidemic=f.epidemic)
    if f.local is not None:
        qs = qs.filter(local=f.local)
    if f.q:
        qs = qs.filter(text__contains=f.q)
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk))
    return qs.select_related("source", "debunk", "event").order_by("-published_at", "-id")


def visible_sources(user) -> QuerySet:
    return scoped(Source.objects.select_related("region"), user)


def visible_schemes(user) -> QuerySet:
    return scoped(Scheme.objects.select_related("region"), user)


def visible_events(user) -> QuerySet:
    return scoped(Event.objects.all(), user)


def visible_alerts(user) -> QuerySet:
    return scoped(OpinionAlert.objects.select_related("post", "post__source", "scheme"), user)


def visible_tickets(user) -> QuerySet:
    """Tickets in the user's scope, and those they own wherever they are."""
    in_scope = scoped(Ticket.objects.all(), user).values("pk")
    return Ticket.objects.filter(Q(pk__in=in_scope) | Q(owner=user)).select_related(
        "department", "owner", "created_by", "post"
    )


def visible_debunks(user) -> QuerySet:
    """Debunks of the user's region, of any region above it (a city's debunk holds for its
    districts), and the seed library at the top."""
    from qunfang.org.access import scope_for

    scope = scope_for(user)
    if scope.unlimited:
        return Debunk.objects.select_related("region")
    above = Q(pk__in=[])
    for root in scope.roots:
        prefixes = [root[:n] for n in range(1, len(root) + 1)]
        above |= Q(region__code__in=prefixes)
    return Debunk.objects.filter(above | scope.q("region__code")).select_related("region")


def timeline(posts: QuerySet, *, bucket: str = "hour") -> list[tuple[dt.datetime, int]]:
    """Posts per hour (or day), empty buckets included, in local time."""
    from django.db.models import Count
    from django.db.models.functions import TruncDay, TruncHour

    trunc = TruncHour if bucket == "hour" else TruncDay
    rows = (
        posts.order_by()
        .annotate(b=trunc("published_at"))
        .values("b")
        .annotate(n=Count("id"))
        .order_by("b")
    )
    counts = {timezone.localtime(row["b"]): row["n"] for row in rows}
    if not counts:
        return []
    step = dt.timedelta(hours=1) if bucket == "hour" else dt.timedelta(days=1)
    out, at, last = [], min(counts), max(counts)
    while at <= last and len(out) < 24 * 60:
        out.append((at, counts.get(at, 0)))
        at += step
    return out
