"""Enterprise rows on the cast's tree: an enterprise in the cast's village, its sibling village
and the other county's town; a district work group; a published district job fair with an
approved entry and a position, and a fair run by the other county."""

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from qunfang.enterprises import services
from qunfang.enterprises.credit_code import check_character
from qunfang.org.models import Department
from qunfang.org.services import department_create

_serial = itertools.count(1)


def make_code(region_code: str = "140525") -> str:
    first17 = f"91{region_code[:6]}MA{next(_serial):07d}"
    return first17 + check_character(first17)


def add_enterprise(actor, region, name: str, **kwargs):
    values = {
        "credit_code": make_code(region.code),
        "industry": "C",
        "size": "small",
        "employees": 120,
        "contact_name": "刘经理",
        "contact_phone": "13512345678",
    }
    values.update(kwargs)
    return services.enterprise_create(actor=actor, region=region, name=name, **values)


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def group(cast) -> Department:
    return department_create(
        actor=cast.superuser,
        region=cast.district,
        kind=Department.Kind.ENTERPRISE,
        name="企业服务组",
    )


@pytest.fixture
def ents(cast, group) -> SimpleNamespace:
    return SimpleNamespace(
        own=add_enterprise(cast.superuser, cast.village, "南村铸造有限公司", work_group=group),
        sibling=add_enterprise(cast.superuser, cast.sibling_village, "原家村食品厂"),
        foreign=add_enterprise(
            cast.superuser, cast.other_town, "米山机械厂", credit_code=make_code("140581")
        ),
    )


@pytest.fixture
def fairs(cast, group, ents) -> SimpleNamespace:
    fair = services.fair_create(
        actor=cast.superuser,
        region=cast.district,
        organiser=group,
        title="泽州县首届线上招聘会",
        starts_on=today() - dt.timedelta(days=1),
        ends_on=today() + dt.timedelta(days=10),
        publish=True,
    )
    foreign_fair = services.fair_create(
        actor=cast.superuser,
        region=cast.other_town,
        title="米山镇线上招聘会",
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=5),
        publish=True,
    )
    own_entry = services.entry_apply(actor=cast.superuser, fair=fair, enterprise=ents.own)
    own_entry = services.entry_vet(actor=cast.superuser, entry=own_entry, approve=True)
    foreign_entry = services.entry_apply(
        actor=cast.superuser, fair=foreign_fair, enterprise=ents.foreign
    )
    foreign_entry = services.entry_vet(actor=cast.superuser, entry=foreign_entry, approve=True)
    position = services.position_add(
        actor=cast.superuser,
        entry=own_entry,
        title="铸造工",
        headcount=20,
        salary_min=4000,
        salary_max=6000,
        place="南村镇工业园",
        requirements="身体健康，能适应倒班",
    )
    foreign_position = services.position_add(
        actor=cast.superuser,
        entry=foreign_entry,
        title="装配工",
        headcount=5,
        salary_min=3500,
        salary_max=4500,
        place="米山镇",
    )
    return SimpleNamespace(
        fair=fair,
        foreign_fair=foreign_fair,
        own_entry=own_entry,
        foreign_entry=foreign_entry,
        position=position,
        foreign_position=foreign_position,
    )


def apply(position, name="王强", phone="13600001111", **kwargs):
    return services.application_submit(position=position, name=name, phone=phone, **kwargs)
