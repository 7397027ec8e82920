"""Supplies on the cast's tree: a small catalogue, a depot at the district, the town, the
cast's village, its sibling village and a town of another county, and helpers that put
stock into a depot through the services (stock is never typed)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from qunfang.supplies import services
from qunfang.supplies.models import Depot, Item
from qunfang.supplies.services import LineInput


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def items(db) -> SimpleNamespace:
    C = Item.Category
    return SimpleNamespace(
        mask=Item.objects.create(name="医用外科口罩", unit="个", category=C.PROTECTIVE),
        disinfectant=Item.objects.create(
            name="84消毒液",
            unit="升",
            category=C.DISINFECTION,
            shelf_life_days=365,
            fractional=True,
        ),
        alcohol=Item.objects.create(
            name="75%医用酒精", unit="升", category=C.DISINFECTION, fractional=True
        ),
        lamp=Item.objects.create(name="紫外线消毒灯", unit="台", category=C.MEDICAL_DEVICE),
        suit=Item.objects.create(name="医用防护服", unit="套", category=C.PROTECTIVE),
    )


@pytest.fixture
def depots(cast) -> SimpleNamespace:
    def make(region, name: str) -> Depot:
        return services.depot_create(actor=cast.superuser, region=region, name=name)

    return SimpleNamespace(
        district=make(cast.district, "泽州县防疫物资库"),
        town=make(cast.town, "南村镇物资库"),
        village=make(cast.village, "南村村物资点"),
        sibling=make(cast.sibling_village, "原家村物资点"),
        foreign=make(cast.other_town, "米山镇物资库"),
    )


def donate(actor, depot: Depot, *lines: tuple, days: int = 5, certificate: str = "", **kwargs):
    """Put stock into `depot` through a donation: lines are (item, quantity[, lot, expiry])."""
    return services.donation_record(
        actor=actor,
        depot=depot,
        donor=kwargs.pop("donor", "晋城市慈善总会"),
        certificate_no=certificate,
        occurred_on=days_ago(days),
        lines=[
            LineInput(
                item=line[0],
                quantity=Decimal(line[1]),
                lot_no=line[2] if len(line) > 2 else "",
                expires_on=line[3] if len(line) > 3 else None,
            )
            for line in lines
        ],
        **kwargs,
    )


def line(item: Item, quantity, **kwargs) -> LineInput:
    return LineInput(item=item, quantity=Decimal(str(quantity)), **kwargs)


@pytest.fixture
def stocked(cast, items, depots) -> SimpleNamespace:
    """Stock in every depot: 1000 masks and 50 litres of disinfectant each."""
    for depot in vars(depots).values():
        donate(cast.superuser, depot, (items.mask, 1000), (items.disinfectant, 50))
    return depots
