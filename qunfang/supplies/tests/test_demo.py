import datetime as dt
import io
from pathlib import Path

from qunfang.core.demo_context import DemoContext
from qunfang.relief.tests.conftest import add_household, add_person
from qunfang.residents.models import Relation
from qunfang.supplies import demo, selectors, stats
from qunfang.supplies.models import Depot, Movement


def context(cast) -> DemoContext:
    return DemoContext(
        city_code="1405",
        persons=0,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={
            "user:zz_zhihui": cast.hq,
            "user:nc_zhen": cast.town_cadre,
            "user:nc_nancun": cast.village_cadre,
        },
    )


def test_it_seeds_the_demo_district_once(cast):
    for number, village in enumerate([cast.village, cast.sibling_village]):
        home = add_household(village, f"{number:04d}")
        add_person(home, f"户主{number}", dt.date(1975, 1, 1), relation=Relation.HEAD)
        add_person(home, f"老人{number}", dt.date(1945, 3, 1), relation=Relation.PARENT)

    demo.seed(context(cast))
    summary = stats.supplies_summary(cast.hq, cast.district)
    assert summary.received_by_convoy > 1_000_000
    assert stats.approximate(summary.received) == "百余万"
    assert summary.served.elderly == 2
    assert summary.served.units == 1
    assert summary.served.villages == 4
    assert summary.in_transit == 1
    assert Movement.objects.filter(kind="donation").exclude(certificate_no="").count() == 4
    news = Depot.objects.get(name="区新闻中心防疫物资点")
    short = {row.item.name for row in selectors.stock_rows(cast.hq, depot=news, low_only=True)}
    assert short == {"75%医用酒精", "84消毒液", "紫外线消毒灯"}
    assert any(lot.expired for lot in selectors.lot_rows(cast.hq, region=cast.town))
    village_stock = selectors.stock_rows(cast.village_cadre, region=cast.village)
    assert any(row.item.name == "医用外科口罩" and row.balance > 0 for row in village_stock)

    movements = Movement.objects.count()
    again = context(cast)
    demo.seed(again)
    assert Movement.objects.count() == movements
    assert "跳过" in again.stdout.getvalue()
