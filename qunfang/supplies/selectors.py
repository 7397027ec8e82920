"""Reads of the supplies line. Each takes the acting user, goes through the scoping primitive
and narrows to the region on screen and below. Balances are sums of the stock ledger."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from qunfang.org.access import can, scope_for, scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Capability
from qunfang.residents.models import Household, Person
from qunfang.supplies.models import (
    NEAR_EXPIRY_DAYS,
    Depot,
    Item,
    Movement,
    StockEntry,
    StockThreshold,
)


def _below(queryset: QuerySet, user, region: Region | None, path: str) -> QuerySet:
    queryset = scoped(queryset, user, path=path)
    if region is not None:
        queryset = queryset.filter(subtree_q(region.code, path))
    return queryset


def depot_list(user, *, region: Region | None = None) -> QuerySet:
    return (
        _below(Depot.objects.all(), user, region, "region__code")
        .select_related("region")
        .order_by("region__code", "name")
    )


def movement_list(
    user, *, region: Region | None = None, kind: str = "", status: str = ""
) -> QuerySet:
    """Documents of depots in scope below `region`: a transfer shows at both ends."""
    scope = scope_for(user)
    visible = Movement.objects.filter(scope.q("region__code") | scope.q("source__region__code"))
    if region is not None:
        visible = visible.filter(
            subtree_q(region.code, "region__code") | subtree_q(region.code, "source__region__code")
        )
    if kind:
        visible = visible.filter(kind=kind)
    if status:
        visible = visible.filter(status=status)
    return visible.select_related(
        "region", "source", "target", "household", "person", "created_by"
    ).order_by("-occurred_on", "-id")


def movement_visible(user) -> QuerySet:
    """Every movement the user may open (for access_object)."""
    scope = scope_for(user)
    return Movement.objects.filter(scope.q("region__code") | scope.q("source__region__code"))


def in_transit_to(user, *, region: Region | None = None) -> QuerySet:
    """Convoys on the road to depots below `region`, oldest first."""
    return (
        _below(
            Movement.objects.filter(kind=Movement.Kind.TRANSFER, status=Movement.Status.IN_TRANSIT),
            user,
            region,
            "target__region__code",
        )
        .select_related("source", "target", "region")
        .prefetch_related("lines__item", "vehicles")
        .order_by("departed_at", "id")
    )


@dataclass
class StockRow:
    depot: Depot
    item: Item
    balance: Decimal
    minimum: Decimal | None
    in_transit: Decimal

    @property
    def low(self) -> bool:
        return self.minimum is not None and self.minimum > 0 and self.balance < self.minimum

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal(0), (self.minimum or Decimal(0)) - self.balance)


def stock_rows(
    user, *, region: Region | None = None, depot: Depot | None = None, low_only: bool = False
) -> list[StockRow]:
    """The balance of every item at every depot in scope (and below `region`), with its
    threshold and what is on the road to it; an item with a threshold but no stock shows
    with 0. Three aggregate queries whatever the number of depots."""
    entries = _below(StockEntry.objects.all(), user, region, "depot__region__code")
    thresholds = _below(StockThreshold.objects.all(), user, region, "depot__region__code")
    transit = _below(
        Movement.objects.filter(kind=Movement.Kind.TRANSFER, status=Movement.Status.IN_TRANSIT),
        user,
        region,
        "target__region__code",
    )
    if depot is not None:
        entries = entries.filter(depot=depot)
        thresholds = thresholds.filter(depot=depot)
        transit = transit.filter(target=depot)
    balances = {
        (row["depot"], row["item"]): row["total"]
        for row in entries.values("depot", "item").annotate(total=Sum("quantity"))
    }
    minimums = {(t.depot_id, t.item_id): t.minimum for t in thresholds}
    on_road = {
        (row["target"], row["lines__item"]): row["total"]
        for row in transit.values("target", "lines__item").annotate(total=Sum("lines__quantity"))
    }
    keys = set(balances) | set(minimums) | set(on_road)
    depots = Depot.objects.select_related("region").in_bulk({k[0] for k in keys})
    items = Item.objects.in_bulk({k[1] for k in keys})
    rows = [
        StockRow(
            depot=depots[d],
            item=items[i],
            balance=balances.get((d, i)) or Decimal(0),
            minimum=minimums.get((d, i)),
            in_transit=on_road.get((d, i)) or Decimal(0),
        )
        for d, i in keys
    ]
    rows = [row for row in rows if row.balance or row.low or row.in_transit or row.minimum]
    if low_only:
        rows = [row for row in rows if row.low]
    rows.sort(key=lambda r: (r.depot.region.code, r.depot.name, r.item.category, r.item.name))
    return rows


@dataclass
class LotRow:
    depot: Depot
    item: Item
    lot_no: str
    expires_on: dt.date | None
    balance: Decimal
    days_left: int | None

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def near_expiry(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= NEAR_EXPIRY_DAYS


def lot_rows(
    user,
    *,
    region: Region | None = None,
    depot: Depot | None = None,
    expiring_only: bool = False,
    today: dt.date | None = None,
) -> list[LotRow]:
    """Lots with stock left, soonest expiry first; `expiring_only` keeps the expired and
    those within NEAR_EXPIRY_DAYS."""
    today = today or timezone.localdate()
    entries = _below(StockEntry.objects.all(), user, region, "depot__region__code")
    if depot is not None:
        entries = entries.filter(depot=depot)
    if expiring_only:
        entries = entries.filter(expires_on__lte=today + dt.timedelta(days=NEAR_EXPIRY_DAYS))
    grouped = (
        entries.values("depot", "item", "lot_no", "expires_on")
        .annotate(total=Sum("quantity"))
        .filter(total__gt=0)
    )
    grouped = list(grouped)
    depots = Depot.objects.select_related("region").in_bulk({g["depot"] for g in grouped})
    items = Item.objects.in_bulk({g["item"] for g in grouped})
    rows = [
        LotRow(
            depot=depots[g["depot"]],
            item=items[g["item"]],
            lot_no=g["lot_no"],
            expires_on=g["expires_on"],
            balance=g["total"],
            days_left=(g["expires_on"] - today).days if g["expires_on"] else None,
        )
        for g in grouped
    ]
    rows.sort(
        key=lambda r: (
            r.expires_on or dt.date.max,
            r.depot.region.code,
            r.item.name,
            r.lot_no,
        )
    )
    return rows


# --- what forms may offer --------------------------------------------------------------------


def depots_managed(user, *, region: Region | None = None) -> list[Depot]:
    """Active depots below `region` where the user may manage supplies."""
    return [
        depot
        for depot in depot_list(user, region=region).filter(is_active=True)
        if can(user, Capability.MANAGE_SUPPLIES, depot.region.code)
    ]


def transfer_targets(user) -> QuerySet:
    """Active depots anywhere in the user's scope: a town sends to its villages and back up
    to its own depot, never to another town."""
    return depot_list(user).filter(is_active=True)


def item_choices() -> QuerySet:
    return Item.objects.order_by("category", "name")


def household_choices(user, *, region: Region) -> QuerySet:
    return (
        _below(Household.objects.all(), user, region, "region__code")
        .select_related("region")
        .order_by("region__code", "register_no", "id")
    )


def person_choices(user, *, region: Region, elderly_age: int = 0) -> QuerySet:
    """Persons living below `region`; with `elderly_age`, only those at least that old."""
    people = _below(Person.objects.all(), user, region, "region__code").filter(
        status__in=[Person.Status.RESIDENT, Person.Status.AWAY]
    )
    if elderly_age:
        today = timezone.localdate()
        try:
            born_by = today.replace(year=today.year - elderly_age)
        except ValueError:  # 29 February
            born_by = today.replace(year=today.year - elderly_age, day=28)
        people = people.filter(birth_date__lte=born_by)
    return people.select_related("region").order_by("region__code", "household_id", "id")
