"""Households and persons on the cast's tree, made directly with the ORM, and relief rows on
them: one of each in the cast's village, its sibling village and a village of another county."""

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from qunfang.core.crypto import blind_index, encrypt
from qunfang.core.idcard import check_char, mask_id_number, mask_phone
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief import services
from qunfang.relief.models import AssistanceCase, FamilyEvent
from qunfang.residents.models import Household, Person, Relation, Sex

ELDER_ID = "11010519491231002X"  # a valid number: born 1949-12-31, female
_serial = itertools.count(11)


def make_id_number(birth: dt.date) -> str:
    first17 = f"140525{birth:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + check_char(first17)


def add_household(region: Region, register_no: str) -> Household:
    return Household.objects.create(
        region=region,
        village_code=region.code[:12],
        register_no=register_no,
        address=f"{region.display_name}{register_no}号",
    )


def add_person(
    household: Household,
    name: str,
    birth: dt.date,
    *,
    relation: str = Relation.OTHER,
    id_number: str | None = None,
    phone: str = "13812345678",
) -> Person:
    id_number = id_number or make_id_number(birth)
    return Person.objects.create(
        household=household,
        region=household.region,
        village_code=household.village_code,
        name=name,
        sex=Sex.MALE if int(id_number[16]) % 2 else Sex.FEMALE,
        birth_date=birth,
        id_number=encrypt(id_number),
        id_index=blind_index(id_number),
        id_masked=mask_id_number(id_number),
        phone=encrypt(phone),
        phone_masked=mask_phone(phone),
        relation=relation,
    )


def child_birth() -> dt.date:
    """About eight years old whatever the date the tests run."""
    return dt.date(timezone.localdate().year - 8, 6, 1)


@pytest.fixture
def homes(cast) -> SimpleNamespace:
    """A household in the cast's village (head, child, elderly member), one in its grid, one in
    the sibling village and one in a village of another county."""
    other_village = Region.objects.filter(parent=cast.other_town, level=Level.VILLAGE).order_by(
        "code"
    )[0]
    home = add_household(cast.village, "0001")
    grid_home = add_household(cast.grid, "0002")
    sibling_home = add_household(cast.sibling_village, "0001")
    foreign_home = add_household(other_village, "0001")
    return SimpleNamespace(
        home=home,
        head=add_person(home, "张建国", dt.date(1980, 5, 1), relation=Relation.HEAD),
        child=add_person(home, "张小明", child_birth(), relation=Relation.CHILD),
        elder=add_person(home, "张奶奶", dt.date(1949, 12, 31), id_number=ELDER_ID),
        grid_home=grid_home,
        grid_head=add_person(grid_home, "李四", dt.date(1975, 1, 9), relation=Relation.HEAD),
        sibling_home=sibling_home,
        sibling_head=add_person(sibling_home, "王五", dt.date(1970, 3, 3), relation=Relation.HEAD),
        sibling_child=add_person(sibling_home, "王小花", child_birth(), relation=Relation.CHILD),
        other_village=other_village,
        foreign_home=foreign_home,
        foreign_head=add_person(foreign_home, "赵六", dt.date(1946, 7, 7), relation=Relation.HEAD),
    )


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def on_run(values: dict) -> dict:
    """Parametrized values with their dates worked out as the test runs: pytest builds the
    parameters when it collects the tests, and a run that crosses midnight (China time) would
    otherwise try yesterday's "tomorrow", which is today. A date is given as a function."""
    return {key: value() if callable(value) else value for key, value in values.items()}


def grant(actor, household: Household, *, days: int = 5, cash: str = "500", **kwargs):
    return services.assistance_grant(
        actor=actor,
        household=household,
        reason=kwargs.pop("reason", AssistanceCase.Reason.EPIDEMIC),
        form=kwargs.pop("form", AssistanceCase.Form.CASH),
        cash_amount=Decimal(cash) if cash is not None else None,
        granted_on=days_ago(days),
        **kwargs,
    )


@pytest.fixture
def cases(cast, homes) -> SimpleNamespace:
    """A grant per village; the one in the cast's village has its paperwork overdue."""
    overdue = grant(cast.superuser, homes.home, days=40)
    return SimpleNamespace(
        own=overdue,
        overdue=overdue,
        sibling=grant(cast.superuser, homes.sibling_home, days=3),
        foreign=grant(cast.superuser, homes.foreign_home, days=3),
    )


@pytest.fixture
def care(cast, homes) -> SimpleNamespace:
    def arrange(person: Person):
        return services.care_arrange(
            actor=cast.superuser,
            person=person,
            reason="carer_isolated",
            carer_name="邻居李红",
            carer_phone="13912340001",
            place="村委会临时照料点",
            start_date=days_ago(10),
        )

    return SimpleNamespace(
        own=arrange(homes.child),
        sibling=arrange(homes.sibling_child),
        foreign=arrange(homes.foreign_head),
    )


@pytest.fixture
def events(cast, homes) -> SimpleNamespace:
    def record(village: Region, family_name: str):
        return services.family_event_record(
            actor=cast.superuser,
            region=village,
            kind=FamilyEvent.Kind.WEDDING,
            family_name=family_name,
            original_date=days_ago(20),
            expected_size=120,
            status=FamilyEvent.Status.POSTPONED,
        )

    return SimpleNamespace(
        own=record(cast.village, "赵家"),
        sibling=record(cast.sibling_village, "钱家"),
        foreign=record(homes.other_village, "孙家"),
    )


@pytest.fixture
def groups(cast, homes) -> SimpleNamespace:
    def save(village: Region, name: str):
        group, _created = services.wechat_group_save(
            actor=cast.superuser,
            region=village,
            name=name,
            admin_name="王主任",
            admin_phone="13800001111",
            members=30,
        )
        return group

    return SimpleNamespace(
        own=save(cast.village, "南村村民政事务群"),
        sibling=save(cast.sibling_village, "原家村民政事务群"),
        foreign=save(homes.other_village, "外县民政事务群"),
    )
