"""Youth League rows on the cast's tree, made through the services: in the cast's village, its
sibling village and a village of another county, so every scoping test has one of each."""

import dataclasses
import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from qunfang.core.idcard import check_char
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.volunteers import services
from qunfang.volunteers.models import Campaign, Category, Equipment, HelpNeed, Team, Volunteer

_serial = itertools.count(101)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The rate limit lives in the cache, which outlives a test; every test starts afresh."""
    cache.clear()
    yield
    cache.clear()


def make_id_number(birth: dt.date = dt.date(1995, 3, 8), place: str = "140525") -> str:
    first17 = f"{place}{birth:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + check_char(first17)


def signup_data(campaign: Campaign, region: Region, **changes) -> services.SignUpData:
    values = {
        "name": "李青",
        "id_number": make_id_number(),
        "phone": "13912345678",
        "region_code": region.code,
        "skills": ["driving", "logistics"],
        "days": ["0", "2", "4"],
        "slots": ["morning"],
        "health_declared": True,
        "health_note": "",
        "consented": True,
        "consent_version": campaign.consent.version,
    }
    values.update(changes)
    return services.SignUpData(**values)


def today() -> dt.date:
    return timezone.localdate()


def make_campaign(actor, region: Region, title: str = "青年志愿者招募令") -> Campaign:
    return services.campaign_create(
        actor=actor,
        region=region,
        title=title,
        starts_on=today() - dt.timedelta(days=3),
        ends_on=today() + dt.timedelta(days=30),
        target=100,
    )


def make_volunteer(actor, campaign: Campaign, region: Region, **changes) -> Volunteer:
    outcome = services.signup_submit(
        campaign=campaign, data=signup_data(campaign, region, **changes)
    )
    return services.signup_approve(actor=actor, signup=outcome.signup)


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    day = today() + dt.timedelta(days=day_offset)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_shift(actor, region: Region, *, start: dt.datetime, hours: int = 4, needed: int = 3, **kw):
    return services.shift_create(
        actor=actor,
        region=region,
        category=kw.pop("category", Category.CHECKPOINT),
        place=kw.pop("place", "高速口卡点"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        needed=needed,
        **kw,
    )


@pytest.fixture
def other_village(cast) -> Region:
    return Region.objects.filter(parent=cast.other_town, level=Level.VILLAGE).order_by("code")[0]


@pytest.fixture
def campaigns(cast, other_village) -> SimpleNamespace:
    """A campaign over the cast's town and one over the other county's town."""
    return SimpleNamespace(
        own=make_campaign(cast.superuser, cast.town),
        foreign=make_campaign(cast.superuser, cast.other_town, "高平市招募令"),
    )


@pytest.fixture
def made(cast, campaigns, other_village) -> SimpleNamespace:
    """One of everything in the cast's village, its sibling village and the other county."""
    su = cast.superuser
    own = make_volunteer(su, campaigns.own, cast.village, name="张志远")
    sibling = make_volunteer(su, campaigns.own, cast.sibling_village, name="王晓东")
    foreign = make_volunteer(su, campaigns.foreign, other_village, name="赵海燕")
    pending = services.signup_submit(
        campaign=campaigns.own, data=signup_data(campaigns.own, cast.village, name="陈待审")
    ).signup
    sibling_pending = services.signup_submit(
        campaign=campaigns.own,
        data=signup_data(campaigns.own, cast.sibling_village, name="周待审"),
    ).signup
    foreign_pending = services.signup_submit(
        campaign=campaigns.foreign,
        data=signup_data(campaigns.foreign, other_village, name="吴待审"),
    ).signup
    teams = SimpleNamespace(
        own=services.team_create(actor=su, region=cast.village, name="南村小分队", kind="general"),
        sibling=services.team_create(
            actor=su, region=cast.sibling_village, name="原家小分队", kind="general"
        ),
        foreign=services.team_create(
            actor=su, region=other_village, name="外县小分队", kind="general"
        ),
    )
    squads = SimpleNamespace(
        own=services.team_create(
            actor=su, region=cast.town, name="南村镇消杀专业小队", kind=Team.Kind.DISINFECTION
        ),
        foreign=services.team_create(
            actor=su, region=cast.other_town, name="米山镇消杀小队", kind=Team.Kind.DISINFECTION
        ),
    )
    shifts = SimpleNamespace(
        own=make_shift(su, cast.village, start=at(1, 8)),
        sibling=make_shift(su, cast.sibling_village, start=at(1, 8)),
        foreign=make_shift(su, other_village, start=at(1, 8)),
    )
    assignments = SimpleNamespace(
        own=services.shift_assign(actor=su, shift=shifts.own, volunteer=own),
        sibling=services.shift_assign(actor=su, shift=shifts.sibling, volunteer=sibling),
        foreign=services.shift_assign(actor=su, shift=shifts.foreign, volunteer=foreign),
    )

    def schedule(region, squad, place):
        return services.rounds_schedule(
            actor=su,
            region=region,
            squad=squad,
            places=[place],
            start=today() - dt.timedelta(days=2),
            days=1,
            equipment=[Equipment.AEROSOL],
        ).created[0]

    rounds = SimpleNamespace(
        own=schedule(cast.village, squads.own, "南村村委会"),
        sibling=schedule(cast.sibling_village, squads.own, "原家村委会"),
        foreign=schedule(other_village, squads.foreign, "米山村委会"),
    )

    def family(region, name):
        return services.family_register(
            actor=su,
            region=region,
            medic_name=name,
            medic_unit="泽州县人民医院",
            deployed_to="湖北武汉",
            contact_name=f"{name[0]}家属",
            contact_phone="13800001111",
        )

    families = SimpleNamespace(
        own=family(cast.village, "李静"),
        sibling=family(cast.sibling_village, "王芳"),
        foreign=family(other_village, "赵敏"),
    )

    def need(family_):
        return services.need_create(
            actor=su,
            family=family_,
            kind=HelpNeed.Kind.ERRAND,
            description="代买药品",
            requested_on=today(),
        )

    needs = SimpleNamespace(
        own=need(families.own), sibling=need(families.sibling), foreign=need(families.foreign)
    )

    def enterprise(region, name):
        return services.enterprise_register(
            actor=su,
            region=region,
            name=name,
            offers="送菜上门",
            contact_name="联络员",
            contact_phone="13900002222",
            joined_on=today(),
        )

    enterprises = SimpleNamespace(
        own=enterprise(cast.village, "南村爱心超市"),
        sibling=enterprise(cast.sibling_village, "原家爱心药房"),
        foreign=enterprise(other_village, "米山爱心企业"),
    )
    return SimpleNamespace(
        volunteers=SimpleNamespace(own=own, sibling=sibling, foreign=foreign),
        signups=SimpleNamespace(own=pending, sibling=sibling_pending, foreign=foreign_pending),
        campaigns=campaigns,
        teams=teams,
        squads=squads,
        shifts=shifts,
        assignments=assignments,
        rounds=rounds,
        families=families,
        needs=needs,
        enterprises=enterprises,
        other_village=other_village,
    )


def replace(data: services.SignUpData, **changes) -> services.SignUpData:
    return dataclasses.replace(data, **changes)
