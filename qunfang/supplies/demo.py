"""Demo supplies for 泽州县 (140525) and 南村镇 (140525100), dated relative to today so that
stock, near-expiry lots and shortages are current whenever the demo is built:

- the catalogue (口罩, 防护服, 84消毒液 by the litre, 紫外线消毒灯 …);
- a district depot, the town depot, a depot in every village of 南村镇 and the district news
  centre's supplies point (区新闻中心);
- donations with certificates (捐赠证书), one purchase;
- a convoy from outside the province with a leader and three vehicles carrying over a million
  pieces, received into the district depot, and a second convoy still on the road to the town;
- transfers district → town → villages, hand-outs to elderly people in the residents ledger
  (through the charity federation and civil affairs, 市慈善总会和市民政局), and to the news
  centre as a unit;
- the news centre short of alcohol, disinfectant and UV lamps (存在问题一), and a lot of
  instant noodles past its date at the town depot.

Skipped when the district depot is already there, so seed_demo may run any number of times.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from qunfang.core.demo_context import DemoContext
from qunfang.org.access import subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.residents.models import Person
from qunfang.supplies import services
from qunfang.supplies.models import Depot, Item, Movement
from qunfang.supplies.services import LineInput

DISTRICT = "140525"  # 泽州县
TOWN = "140525100"  # 南村镇
C = Item.Category
# name, unit, category, shelf life (days), fractional
ITEMS = [
    ("医用外科口罩", "个", C.PROTECTIVE, 730, False),
    ("KN95口罩", "个", C.PROTECTIVE, 1095, False),
    ("医用防护服", "套", C.PROTECTIVE, 730, False),
    ("医用橡胶手套", "副", C.PROTECTIVE, 1095, False),
    ("护目镜", "个", C.PROTECTIVE, None, False),
    ("84消毒液", "升", C.DISINFECTION, 365, True),
    ("75%医用酒精", "升", C.DISINFECTION, 730, True),
    ("紫外线消毒灯", "台", C.MEDICAL_DEVICE, None, False),
    ("红外测温枪", "把", C.MEDICAL_DEVICE, None, False),
    ("方便面", "箱", C.LIVING, 180, False),
    ("大米", "千克", C.LIVING, 365, True),
]
CONVOY = [
    ("医用外科口罩", 800_000),
    ("KN95口罩", 150_000),
    ("医用橡胶手套", 40_000),
    ("医用防护服", 12_000),
    ("护目镜", 3_000),
    ("84消毒液", 2_000),
    ("75%医用酒精", 600),
]
NEWS_CENTRE = "区新闻中心"
CADRE_VILLAGES = ("140525100200", "140525100201")  # 南村村, 原家村


def seed(ctx: DemoContext) -> None:
    district = Region.objects.filter(code=DISTRICT).first()
    town = Region.objects.filter(code=TOWN).first()
    if district is None or town is None:
        ctx.say("物资：没有泽州县/南村镇区划，未生成演示数据")
        return
    if Depot.objects.filter(region=district).exists():
        ctx.say("物资：泽州县已有物资仓库，跳过")
        return
    users = get_user_model().objects
    hq = ctx.objects.get("user:zz_zhihui") or users.get(username="zz_zhihui")
    town_cadre = ctx.objects.get("user:nc_zhen") or users.get(username="nc_zhen")
    village_cadre = ctx.objects.get("user:nc_nancun") or users.get(username="nc_nancun")
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    def at(days: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(ago(days), dt.time(hour)))

    items = {}
    for name, unit, category, shelf_life, fractional in ITEMS:
        items[name], _created = Item.objects.get_or_create(
            name=name,
            defaults={
                "unit": unit,
                "category": category,
                "shelf_life_days": shelf_life,
                "fractional": fractional,
            },
        )

    def lines(*pairs, **lot) -> list[LineInput]:
        return [LineInput(item=items[n], quantity=Decimal(q), **lot) for n, q in pairs]

    district_depot = services.depot_create(
        actor=hq, region=district, name="泽州县防疫物资库", keeper="赵保管"
    )
    news_depot = services.depot_create(
        actor=hq, region=district, name="区新闻中心防疫物资点", keeper="新闻中心办公室"
    )
    town_depot = services.depot_create(
        actor=town_cadre, region=town, name="南村镇物资库", keeper="镇民政所"
    )
    villages = list(town.children.filter(level=Level.VILLAGE).order_by("code"))
    village_depots = [
        services.depot_create(
            actor=town_cadre, region=village, name=f"{village.display_name}物资点"
        )
        for village in villages
    ]

    donations = [
        ("晋城市慈善总会", "JCCS-2020-0001", 30, [("医用外科口罩", 50_000), ("84消毒液", 500)]),
        ("山西某药业有限公司", "JCCS-2020-0002", 28, [("75%医用酒精", 300), ("红外测温枪", 200)]),
        ("泽州县工商联", "ZZGSL-2020-001", 26, [("医用防护服", 2_000), ("方便面", 800)]),
    ]
    for donor, certificate, days, pairs in donations:
        services.donation_record(
            actor=hq,
            depot=district_depot,
            donor=donor,
            certificate_no=certificate,
            occurred_on=ago(days),
            lines=lines(*pairs),
        )
    services.procurement_record(
        actor=hq,
        depot=district_depot,
        supplier="晋城市医药有限公司",
        occurred_on=ago(27),
        lines=[
            LineInput(item=items["紫外线消毒灯"], quantity=Decimal(60), unit_price=Decimal(380)),
            LineInput(item=items["75%医用酒精"], quantity=Decimal(200), unit_price=Decimal(25)),
        ],
    )

    # The convoy the Youth League organised: a leader on board, three lorries, 百余万件.
    convoy = services.transfer_dispatch(
        actor=hq,
        target=district_depot,
        origin="浙江省义乌市",
        leader_name="李振华",
        leader_phone="13903561234",
        occurred_on=ago(25),
        departed_at=at(25, 6),
        vehicles=[("晋E12345", "王师傅"), ("晋E23456", "张师傅"), ("晋EA3456", "刘师傅")],
        lines=lines(*CONVOY, lot_no="YW2020-02"),
    )
    services.transfer_receive(actor=hq, movement=convoy, arrived_at=at(23, 20))

    to_town = services.transfer_dispatch(
        actor=hq,
        source=district_depot,
        target=town_depot,
        occurred_on=ago(20),
        leader_name="赵保管",
        vehicles=[("晋E66666", "")],
        lines=lines(
            ("医用外科口罩", 60_000),
            ("KN95口罩", 5_000),
            ("84消毒液", 300),
            ("75%医用酒精", 100),
            ("医用橡胶手套", 4_000),
        ),
    )
    services.transfer_receive(actor=town_cadre, movement=to_town, arrived_at=at(20, 15))
    # Instant noodles from a local shop whose date has since passed (a lot to write off).
    services.donation_record(
        actor=town_cadre,
        depot=town_depot,
        donor="南村镇爱心超市",
        certificate_no="NC-2020-001",
        occurred_on=ago(60),
        lines=[
            LineInput(
                item=items["方便面"], quantity=Decimal(40), lot_no="FB-01", expires_on=ago(3)
            ),
            LineInput(
                item=items["84消毒液"], quantity=Decimal(50), lot_no="84-NC", expires_on=ago(-20)
            ),
        ],
    )
    # The demo cadres' villages (南村村, 原家村) first, then two more.
    served_depots = sorted(
        village_depots, key=lambda d: (d.region.code not in CADRE_VILLAGES, d.region.code)
    )[:4]
    for depot in served_depots:
        to_village = services.transfer_dispatch(
            actor=town_cadre,
            source=town_depot,
            target=depot,
            occurred_on=ago(18),
            leader_name="镇民政所",
            lines=lines(("医用外科口罩", 3_000), ("84消毒液", 20), ("医用橡胶手套", 200)),
        )
        services.transfer_receive(actor=town_cadre, movement=to_village, arrived_at=at(18, 16))

    # A second convoy on the road to the town, to be received on the phone.
    services.transfer_dispatch(
        actor=hq,
        source=district_depot,
        target=town_depot,
        occurred_on=today,
        leader_name="赵保管",
        vehicles=[("晋E88888", "陈师傅")],
        lines=lines(("医用外科口罩", 20_000), ("方便面", 200)),
    )

    served = _elderly_hand_outs(ctx, village_cadre, town_cadre, served_depots, items, ago)

    # The newsroom: masks handed to it as a unit, and its own supplies point kept short of
    # alcohol, disinfectant and UV lamps (存在问题一).
    services.distribution_record(
        actor=hq,
        depot=district_depot,
        occurred_on=ago(15),
        recipient_kind=Movement.Recipient.UNIT,
        unit_name=NEWS_CENTRE,
        channel="区宣传舆情组",
        lines=lines(("医用外科口罩", 2_000), ("医用防护服", 50)),
    )
    services.transfer_dispatch(
        actor=hq,
        source=district_depot,
        target=news_depot,
        occurred_on=ago(15),
        lines=lines(("75%医用酒精", 10), ("84消毒液", 15), ("紫外线消毒灯", 2)),
    )
    news = Movement.objects.filter(target=news_depot).latest("id")
    services.transfer_receive(actor=hq, movement=news, arrived_at=at(15, 11))
    for name, minimum in (("75%医用酒精", 50), ("84消毒液", 100), ("紫外线消毒灯", 10)):
        services.threshold_set(
            actor=hq, depot=news_depot, item=items[name], minimum=Decimal(minimum)
        )
    services.threshold_set(
        actor=town_cadre, depot=town_depot, item=items["75%医用酒精"], minimum=Decimal(200)
    )
    services.threshold_set(
        actor=hq, depot=district_depot, item=items["医用外科口罩"], minimum=Decimal(100_000)
    )
    ctx.say(
        f"物资：{len(village_depots) + 3} 个仓库，车队运抵 "
        f"{sum(q for n, q in CONVOY if not items[n].fractional):,} 件，向 {served} 位老人发放，"
        "区新闻中心缺酒精、消毒液、紫外线灯"
    )


def _elderly_hand_outs(ctx, village_cadre, town_cadre, village_depots, items, ago) -> int:
    """Masks and disinfectant to elderly people of the villages that have stock, through the
    charity federation (慈善总会) and civil affairs (民政)."""
    born_by = timezone.localdate().replace(year=timezone.localdate().year - 60, day=1)
    served = 0
    for index, depot in enumerate(village_depots):
        people = Person.objects.filter(
            subtree_q(depot.region.code, "region__code"),
            birth_date__lte=born_by,
            status=Person.Status.RESIDENT,
        ).order_by("id")[:8]
        actor = village_cadre if depot.region.code.startswith(_code(village_cadre)) else town_cadre
        for person in people:
            services.distribution_record(
                actor=actor,
                depot=depot,
                occurred_on=ago(16 - index),
                recipient_kind=Movement.Recipient.PERSON,
                person=person,
                channel="市慈善总会" if served % 2 else "市民政局",
                lines=[
                    LineInput(item=items["医用外科口罩"], quantity=Decimal(20)),
                    LineInput(item=items["84消毒液"], quantity=Decimal("0.5")),
                ],
            )
            served += 1
    if not served:
        ctx.say("物资：南村镇台账中没有老人，未生成发放记录")
    return served


def _code(user) -> str:
    membership = user.memberships.filter(is_active=True).select_related("region").first()
    return membership.region.code if membership else "-"
