"""The numbers the work summaries give for supplies: "为全市人民带来了百余万件紧缺的防疫物资",
"分批发放给广大市民特别是老年群体", and what is short ("医用酒精、消毒液、紫外线消毒灯等紧缺").

Every function takes the acting user, a region and an optional date window, and counts only
stock at depots in the user's scope below that region. "件" (pieces) counts items that are
counted whole (口罩 个, 防护服 套 …); supplies measured by volume or weight (消毒液 升) are
in the per-category and per-item figures with their own units, not in the piece count.

Received means what came into the region's depots from outside the region (donations,
purchases, convoys from elsewhere, transfers from a depot above); moving stock between the
region's own depots is not receiving. Distributed means handed out to households, persons and
units; transfers to villages are counted apart.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.supplies import selectors
from qunfang.supplies.models import Item, Movement, StockEntry

ELDERLY_AGE = 60  # the same line as temporary care (relief.ELDERLY_AGE)
ZERO = Decimal(0)


def _window(field: str, start: dt.date | None, end: dt.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= Q(**{f"{field}__lte": end})
    return condition


def _entries(user, region: Region, start, end) -> QuerySet:
    return (
        scoped(StockEntry.objects.all(), user)
        .filter(subtree_q(region.code, "depot__region__code"))
        .filter(_window("occurred_on", start, end))
    )


def _from_outside(region: Region) -> Q:
    """Entries whose movement did not start at a depot inside `region`."""
    return Q(movement__source__isnull=True) | ~subtree_q(
        region.code, "movement__source__region__code"
    )


def _received(user, region: Region, start, end) -> QuerySet:
    return _entries(user, region, start, end).filter(Q(quantity__gt=0) & _from_outside(region))


def _distributed(user, region: Region, start, end) -> QuerySet:
    return _entries(user, region, start, end).filter(
        quantity__lt=0, movement__kind=Movement.Kind.DISTRIBUTION
    )


def _pieces(entries: QuerySet) -> Decimal:
    total = entries.filter(item__fractional=False).aggregate(total=Sum("quantity"))["total"]
    return abs(total or ZERO)


def items_received(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> Decimal:
    """Pieces received into the region's depots from outside it in the window."""
    return _pieces(_received(user, region, start, end))


def items_received_by_convoy(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> Decimal:
    """Of those, pieces that came by a convoy from outside the district (no source depot)."""
    return _pieces(
        _received(user, region, start, end).filter(
            movement__kind=Movement.Kind.TRANSFER, movement__source__isnull=True
        )
    )


def items_distributed(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> Decimal:
    """Pieces handed out from the region's depots to households, persons and units."""
    return _pieces(_distributed(user, region, start, end))


def _distributions(user, region: Region, start, end) -> QuerySet:
    return (
        scoped(Movement.objects.filter(kind=Movement.Kind.DISTRIBUTION), user)
        .filter(subtree_q(region.code, "region__code"))
        .filter(_window("occurred_on", start, end))
    )


@dataclass(frozen=True)
class Served:
    households: int  # distinct households, incl. those of persons served
    persons: int
    elderly: int  # persons served aged ELDERLY_AGE or more today
    units: int  # distinct named units (区新闻中心 …)
    villages: int  # distinct village depots sent supplies


def served(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> Served:
    today = timezone.localdate()
    try:
        born_by = today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        born_by = today.replace(year=today.year - ELDERLY_AGE, day=28)
    row = _distributions(user, region, start, end).aggregate(
        households=Count("household", distinct=True),
        persons=Count("person", distinct=True),
        elderly=Count("person", distinct=True, filter=Q(person__birth_date__lte=born_by)),
        units=Count("unit_name", distinct=True, filter=~Q(unit_name="")),
    )
    villages = (
        scoped(Movement.objects.filter(kind=Movement.Kind.TRANSFER), user)
        .filter(subtree_q(region.code, "region__code"))
        .filter(_window("occurred_on", start, end))
        .filter(target__region__level=Level.VILLAGE)
        .aggregate(n=Count("target__region", distinct=True))["n"]
    )
    return Served(villages=villages, **row)


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    received: Decimal  # pieces
    distributed: Decimal  # pieces


def by_category(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[CategoryRow]:
    received = dict(
        _received(user, region, start, end)
        .filter(item__fractional=False)
        .values_list("item__category")
        .annotate(total=Sum("quantity"))
    )
    distributed = dict(
        _distributed(user, region, start, end)
        .filter(item__fractional=False)
        .values_list("item__category")
        .annotate(total=Sum("quantity"))
    )
    return [
        CategoryRow(
            category=value,
            label=str(label),
            received=abs(received.get(value) or ZERO),
            distributed=abs(distributed.get(value) or ZERO),
        )
        for value, label in Item.Category.choices
        if received.get(value) or distributed.get(value)
    ]


@dataclass(frozen=True)
class ItemRow:
    item: Item
    received: Decimal
    distributed: Decimal


def by_item(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[ItemRow]:
    """Every item received or distributed, in its own unit (liquids included)."""
    received = dict(
        _received(user, region, start, end).values_list("item").annotate(total=Sum("quantity"))
    )
    distributed = dict(
        _distributed(user, region, start, end).values_list("item").annotate(total=Sum("quantity"))
    )
    items = Item.objects.in_bulk(set(received) | set(distributed))
    rows = [
        ItemRow(
            item=item,
            received=abs(received.get(pk) or ZERO),
            distributed=abs(distributed.get(pk) or ZERO),
        )
        for pk, item in items.items()
    ]
    rows.sort(key=lambda r: (r.item.category, r.item.name))
    return rows


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    received: Decimal
    distributed: Decimal


def per_day(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[DayRow]:
    """Pieces received and distributed on each day with any movement."""
    received = dict(
        _received(user, region, start, end)
        .filter(item__fractional=False)
        .values_list("occurred_on")
        .annotate(total=Sum("quantity"))
    )
    distributed = dict(
        _distributed(user, region, start, end)
        .filter(item__fractional=False)
        .values_list("occurred_on")
        .annotate(total=Sum("quantity"))
    )
    return [
        DayRow(
            day=day,
            received=abs(received.get(day) or ZERO),
            distributed=abs(distributed.get(day) or ZERO),
        )
        for day in sorted(set(received) | set(distributed))
    ]


@dataclass(frozen=True)
class RegionRow:
    region: Region
    received: Decimal
    distributed: Decimal


def per_region(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[RegionRow]:
    """Each child region (town, village) with what it received from outside itself and
    what it handed out: a drill-down of the region on screen."""
    children = scoped(Region.objects.filter(parent=region), user).order_by("code")
    rows = []
    for child in children:
        received = items_received(user, child, start, end)
        distributed = items_distributed(user, child, start, end)
        if received or distributed:
            rows.append(RegionRow(region=child, received=received, distributed=distributed))
    return rows


@dataclass(frozen=True)
class SuppliesSummary:
    received: Decimal
    received_by_convoy: Decimal
    donations: int
    donors: int
    distributed: Decimal
    to_villages: Decimal  # pieces transferred to village depots (received or on the road)
    served: Served
    in_transit: int  # convoys on the road to the region's depots
    low_stock: int  # (depot, item) pairs below their threshold
    expiring: int  # lots expired or within NEAR_EXPIRY_DAYS, with stock left


def supplies_summary(
    user, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> SuppliesSummary:
    donations = (
        scoped(Movement.objects.filter(kind=Movement.Kind.DONATION), user)
        .filter(subtree_q(region.code, "region__code"))
        .filter(_window("occurred_on", start, end))
        .aggregate(n=Count("id"), donors=Count("donor", distinct=True))
    )
    to_villages = (
        (
            scoped(Movement.objects.filter(kind=Movement.Kind.TRANSFER), user)
            .filter(subtree_q(region.code, "region__code"))
            .filter(_window("occurred_on", start, end))
            .filter(target__region__level=Level.VILLAGE, lines__item__fractional=False)
            .aggregate(total=Sum("lines__quantity"))["total"]
        )
        or ZERO
    )
    return SuppliesSummary(
        received=items_received(user, region, start, end),
        received_by_convoy=items_received_by_convoy(user, region, start, end),
        donations=donations["n"],
        donors=donations["donors"],
        distributed=items_distributed(user, region, start, end),
        to_villages=to_villages,
        served=served(user, region, start, end),
        in_transit=selectors.in_transit_to(user, region=region).count(),
        low_stock=len(selectors.stock_rows(user, region=region, low_only=True)),
        expiring=len(selectors.lot_rows(user, region=region, expiring_only=True)),
    )


DIGITS = "零一二三四五六七八九"


def approximate(pieces: Decimal | int) -> str:
    """How a summary writes a large count: 1,030,000 → "百余万", 2,400,000 → "二百余万",
    56,000 → "5万余", 800 → "800"."""
    n = int(pieces)
    if n >= 1_000_000:
        hundreds = n // 1_000_000
        if hundreds >= 10:
            return f"{n // 10_000}万余"
        return ("" if hundreds == 1 else DIGITS[hundreds]) + "百余万"
    if n >= 10_000:
        return f"{n // 10_000}万余"
    return str(n)
