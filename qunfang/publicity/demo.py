"""Demo publicity work of 泽州县 in early 2020, after the district summary: the daily
《关于加强新型冠状病毒肺炎疫情防控工作的公告》 (已发布X期) and the HQ's numbered 通告 on TV,
radio, 村村响 and new media; letters, proposals, banners and boards in every village of 南村镇;
press reports by higher-level media; WeChat articles with reads and reprints; two expert live
broadcasts. Skipped when the series is already there, so seed_demo may run again."""

import datetime as dt

from django.utils import timezone

from qunfang.core.demo_context import DemoContext
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.publicity import services
from qunfang.publicity.models import AnnouncementSeries, MaterialKind, PressLevel

DISTRICT = "140525"  # 泽州县
TOWN = "140525100"  # 南村镇
DAILY = "关于加强新型冠状病毒肺炎疫情防控工作的公告"
NOTICES = "泽州县疫情防控指挥部通告"
FIRST_DAY = dt.date(2020, 1, 26)
DAILY_ISSUES = 21
NOTICE_TITLES = [
    "关于暂停公交、客车运营的通告",
    "关于关闭景区和公共场馆的通告",
    "关于简办婚丧嫁娶等活动的倡议",
    "关于农村实行封闭式管理的通告",
    "关于严禁聚集性活动的通告",
    "关于辟谣“自来水停供”不实信息的通告",
]
PRESS = [
    ("新华网", PressLevel.CENTRAL, "泽州：网格化管理筑牢疫情防线", dt.date(2020, 2, 3)),
    ("凤凰网", PressLevel.CENTRAL, "泽州乡村大喇叭响起来", dt.date(2020, 2, 5)),
    ("大众日报客户端", PressLevel.PROVINCE, "泽州群防群控见实效", dt.date(2020, 2, 6)),
    ("山西日报", PressLevel.PROVINCE, "泽州县三级宣传体系全覆盖", dt.date(2020, 2, 8)),
    ("太行日报", PressLevel.CITY, "泽州志愿者坚守卡口一线", dt.date(2020, 2, 9)),
    ("晋城新闻网", PressLevel.CITY, "泽州为老人送去防护物资", dt.date(2020, 2, 11)),
    ("泽州新闻", PressLevel.COUNTY, "南村镇镇台联动抢修应急广播", dt.date(2020, 2, 12)),
]
ARTICLES = [
    ("泽州发布", "青年突击队：卡口上的年轻人", dt.date(2020, 2, 2), 18600, 2, "学习强国"),
    ("泽州发布", "这就是泽州青年", dt.date(2020, 2, 4), 25400, 1, "中国青年志愿者"),
    ("泽州发布", "不信谣、不传谣，这些说法都是假的", dt.date(2020, 2, 6), 41200, 3, "今日头条"),
    ("泽州融媒", "一图读懂居家防护", dt.date(2020, 2, 7), 12800, 0, ""),
    ("泽州融媒", "最美的逆行", dt.date(2020, 2, 10), 9700, 1, "太行日报"),
]
EXPERTS = [
    ("新型冠状病毒肺炎的预防", "张医生", "泽州县疾控中心", dt.date(2020, 2, 1), 23000),
    ("中医药与居家防护", "李医生", "泽州县中医院", dt.date(2020, 2, 8), 17500),
]
PLATFORM = "泽州TV1、FM、网络直播平台全媒体同步直播"
# per village: (kind, title, quantity)
VILLAGE_MATERIALS = [
    (MaterialKind.LETTER, "致广大市民朋友的一封信", 600),
    (MaterialKind.PROPOSAL, "关于简办婚丧嫁娶等活动的倡议书", 400),
    (MaterialKind.BANNER, "防控宣传横幅", 6),
    (MaterialKind.BOARD, "宣传版面", 3),
    (MaterialKind.SIGN, "检查督导牌", 2),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), timezone.get_current_timezone())


def seed(ctx: DemoContext) -> None:
    district = Region.objects.get(code=DISTRICT)
    if AnnouncementSeries.objects.filter(region=district, name=DAILY).exists():
        ctx.say("宣传发布：演示数据已存在")
        return
    actor = ctx.objects.get("user:zz_xuanchuan")
    channels = ["tv", "radio", "loudspeaker", "new_media"]
    for index in range(DAILY_ISSUES):
        day = FIRST_DAY + dt.timedelta(days=index)
        services.announcement_publish(
            actor=actor,
            region=district,
            series=DAILY,
            title=f"全区疫情防控情况通报（{day.month}月{day.day}日）",
            body="截至当日，全区疫情防控情况如下……请广大群众不信谣、不传谣，少出门、不聚集。",
            channels=channels,
            issued_at=_at(day, 9),
        )
    for index, title in enumerate(NOTICE_TITLES):
        day = FIRST_DAY + dt.timedelta(days=2 * index + 1)
        services.announcement_publish(
            actor=actor,
            region=district,
            series=NOTICES,
            title=title,
            body=title + "。",
            channels=[*channels, "poster"],
            issued_at=_at(day, 15),
            source_label="舆情辟谣" if "辟谣" in title else "",
        )
    for outlet, level, title, day in PRESS:
        services.press_item_record(
            actor=actor, region=district, outlet=outlet, level=level, title=title, published_on=day
        )
    for account, title, day, reads, reprints, reprinted_by in ARTICLES:
        services.article_record(
            actor=actor,
            region=district,
            account=account,
            title=title,
            published_on=day,
            reads=reads,
            reprints=reprints,
            reprinted_by=reprinted_by,
        )
    for topic, expert, org, day, viewers in EXPERTS:
        services.expert_broadcast_record(
            actor=actor,
            region=district,
            topic=topic,
            expert=expert,
            expert_org=org,
            aired_on=day,
            platform=PLATFORM,
            viewers=viewers,
        )
    villages = list(Region.objects.filter(parent__code=TOWN, level=Level.VILLAGE).order_by("code"))
    for offset, village in enumerate(villages):
        for kind, title, quantity in VILLAGE_MATERIALS:
            services.material_record(
                actor=actor,
                region=village,
                kind=kind,
                title=title,
                quantity=quantity + 10 * (offset % 5),
                distributed_on=FIRST_DAY + dt.timedelta(days=offset % 7),
            )
    services.material_record(
        actor=actor,
        region=district,
        kind=MaterialKind.LEAFLET,
        title="新型冠状病毒肺炎防控知识宣传单",
        quantity=50000,
        distributed_on=FIRST_DAY,
    )
    ctx.say(
        f"宣传发布：公告 {DAILY_ISSUES + len(NOTICE_TITLES)} 期，媒体报道 {len(PRESS)} 条，"
        f"新媒体作品 {len(ARTICLES)} 篇，南村镇 {len(villages)} 个村的宣传材料"
    )
