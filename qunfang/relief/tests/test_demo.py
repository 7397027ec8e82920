import io
from pathlib import Path

from qunfang.core.demo_context import DemoContext
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.relief import demo
from qunfang.relief.models import AssistanceCase, CareArrangement, FamilyEvent, WeChatGroup
from qunfang.relief.tests.conftest import add_household, add_person, child_birth
from qunfang.residents.models import Relation


def context(cast) -> DemoContext:
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={"user:nc_zhen": cast.town_cadre},
    )


def counts() -> list[int]:
    return [m.objects.count() for m in (AssistanceCase, CareArrangement, FamilyEvent, WeChatGroup)]


def test_without_the_residents_ledger_it_creates_nothing_and_says_so(cast):
    ctx = context(cast)
    demo.seed(ctx)
    assert counts() == [0, 0, 0, 0]
    assert "没有户籍台账数据" in ctx.stdout.getvalue()


def test_it_seeds_the_demo_town_once(cast):
    villages = list(Region.objects.filter(parent=cast.town, level=Level.VILLAGE).order_by("code"))
    for number, village in enumerate(villages[:6]):
        home = add_household(village, f"{number:04d}")
        add_person(home, f"户主{number}", child_birth().replace(year=1980), relation=Relation.HEAD)
        add_person(home, f"孩子{number}", child_birth(), relation=Relation.CHILD)

    demo.seed(context(cast))
    assert counts() == [5, 3, 4, len(villages)]
    assert AssistanceCase.objects.values("household").distinct().count() == 5
    overdue = [case for case in AssistanceCase.objects.all() if case.paperwork_overdue]
    assert len(overdue) == 1
    assert set(FamilyEvent.objects.filter(kind="wedding").values_list("status", flat=True)) <= {
        "postponed",
        "cancelled",
    }
    assert FamilyEvent.objects.get(kind="funeral").status == "simplified"

    again = context(cast)
    demo.seed(again)
    assert counts() == [5, 3, 4, len(villages)]
    assert "跳过" in again.stdout.getvalue()
