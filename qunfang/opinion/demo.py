"""Demo monitoring for 泽州县: sources, schemes for the demo city, the seed rumour library, the
10,000 real posts of the ncov-weibo set replayed over the last seven days, a few hand-written
local posts (marked as such), and supervision tickets in every state."""

import datetime as dt
import lzma
import random
import shutil
import tempfile
from pathlib import Path

from django.utils import timezone

from opinion_engine.rumours import read_debunks
from opinion_engine.sources import iter_posts
from qunfang.core.demo_context import DemoContext
from qunfang.opinion import ingest, runtime, services
from qunfang.opinion.models import Debunk, OpinionAlert, Post, Source, Ticket
from qunfang.org.models import Department, Region

POSTS = Path(__file__).with_name("data") / "ncov-unlabeled-raw-posts.csv.xz"
DISTRICT = "140525"

SCHEMES = [
    # (name, expression, category)
    (
        "泽州县涉疫信息",
        "(泽州 OR 晋城 OR 南村 OR 巴公 OR 北石店 OR 高都 OR 金村) AND "
        "(疫情 OR 肺炎 OR 确诊 OR 感染 OR 隔离 OR 发热 OR 口罩) NOT (演习 OR 电视剧)",
        "",
    ),
    ("晋城城区涉疫信息", "(城区 OR 晋城市区 OR 凤台街) AND (疫情 OR 确诊 OR 封闭 OR 隔离)", ""),
    ("高平市涉疫信息", "高平 AND (疫情 OR 确诊 OR 隔离 OR 封村)", ""),
    ("全网疫情动态", "新冠 OR 新型冠状病毒 OR 肺炎疫情 OR 确诊病例 OR 疑似病例", ""),
    (
        "谣言线索",
        "(封城 OR 封路 OR 断供 OR 内部消息 OR 紧急通知 OR 速转 OR 据说 OR 听说) NOT (辟谣 OR 不实)",
        "rumour",
    ),
    (
        "号召聚集",
        "NEAR/12(集合 OR 聚集 OR 一起去 OR 讨说法 OR 拉横幅 OR 聚会, 明天 OR 今晚 OR 门口 OR 广场)",
        "gathering",
    ),
    ("煽动性言论", "转发扩散 OR 不转不是中国人 OR 大家都去 OR 让他们付出代价", "inciting"),
    (
        "攻击党委政府",
        "(政府 OR 官员 OR 干部 OR 领导) AND (无能 OR 瞒报 OR 下台 OR 滚 OR 草菅人命)",
        "anti_government",
    ),
    (
        "防疫物资短缺",
        "(口罩 OR 酒精 OR 消毒液 OR 紫外线灯 OR 84) AND (买不到 OR 断货 OR 缺 OR 涨价)",
        "",
    ),
    ("医护人员家属", "(医护 OR 医生 OR 护士 OR 援鄂) AND (家属 OR 孩子 OR 老人 OR 家人)", ""),
]

# Written for the demo (not real posts): they make the local side of the feed visible.
LOCAL_POSTS = [
    ("demo-local-1", "泽州县南村镇今天在村口设了卡口，志愿者给每个人量体温，辛苦了[心]"),
    ("demo-local-2", "听说泽州要封城了，内部消息，大家赶紧去超市囤货，速转！"),
    ("demo-local-3", "喝双黄连口服液可以预防新冠肺炎，家里赶紧备上，泽州的药店都断货了"),
    ("demo-local-4", "南村镇明天上午十点在镇政府门口集合讨说法，大家一起去！"),
    ("demo-local-5", "晋城的口罩和酒精都买不到了，药店说断货好几天了"),
    ("demo-local-6", "巴公镇发现一例发热病人，已经送去定点医院隔离观察"),
    ("demo-local-7", "泽州县疫情防控指挥部发布第5号通告，全县公共场所暂停营业"),
    ("demo-local-8", "我们村的大喇叭每天三遍讲防疫知识，老人们都听进去了"),
    ("demo-local-9", "援鄂护士的孩子在家上网课没人辅导，团委的志愿者上门帮忙了，感谢"),
    ("demo-local-10", "高平这边隔离点的饭菜不错，工作人员很耐心"),
    ("demo-local-11", "泽州县领导瞒报疫情，无能！下台！"),
    ("demo-local-12", "北石店镇的消毒液快用完了，紫外线灯也缺，希望能送一些过来"),
]


def _spread(count: int, end: dt.datetime, days: int, seed: int) -> list[dt.datetime]:
    """`count` times over `days` days before `end`, in order, fewer at night."""
    rng = random.Random(seed)
    weights = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 8, 8, 7, 6, 6, 7, 8, 7, 5, 3, 2]
    start = end - dt.timedelta(days=days)
    hours = [start + dt.timedelta(hours=h) for h in range(days * 24)]
    picks = rng.choices(hours, weights=[weights[h.hour] for h in hours], k=count)
    return sorted(at + dt.timedelta(seconds=rng.randrange(3600)) for at in picks)


def seed(ctx: DemoContext) -> None:
    district = Region.objects.get(code=DISTRICT)
    city = Region.objects.get(code=ctx.city_code)
    if Source.objects.filter(region=district, name="微博监测（泽州县）").exists():
        ctx.say("舆情：演示数据已存在，跳过")
        return
    analyst = ctx.objects["user:zz_xuanchuan"]
    runtime.reset()
    for name, expression, category in SCHEMES:
        services.scheme_save(
            actor=analyst, region=district, name=name, expression=expression, category=category
        )
    debunks, variants = read_debunks()
    Debunk.objects.bulk_create(
        [
            Debunk(
                key=d.id,
                region=city,
                claim=d.claim,
                rebuttal=d.rebuttal,
                source=d.source,
                authority=d.source,
                published_on=d.published_on,
                url=d.url,
                variants=variants.get(d.id, []),
            )
            for d in debunks
        ],
        ignore_conflicts=True,
    )
    weibo, _token = services.source_create(
        actor=analyst, region=district, name="微博监测（泽州县）", platform="weibo"
    )
    forum, _token = services.source_create(
        actor=analyst,
        region=district,
        name="本地论坛（演示帖）",
        platform="forum",
        url="https://bbs.example.cn/zezhou",
    )
    services.source_create(
        actor=analyst,
        region=district,
        name="泽州发布（微信公众号留言）",
        platform="wechat",
        account="zezhoufabu",
    )
    now = timezone.now().replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "posts.csv"
        with lzma.open(POSTS, "rb") as packed, path.open("wb") as plain:
            shutil.copyfileobj(packed, plain)
        posts = list(iter_posts(path, source=str(weibo.pk)))[: ctx.posts]
    times = _spread(len(posts), now - dt.timedelta(minutes=5), days=7, seed=20200123)
    batch: list[ingest.Item] = []
    accepted = 0
    for post, at in zip(posts, times, strict=True):
        if ingest.HTML_TAG.search(post.text):
            continue
        batch.append(ingest.Item(post.external_id, post.text[: ingest.MAX_TEXT], at))
        if len(batch) == 500:
            accepted += ingest.ingest_posts(weibo, batch, via="demo").accepted
            batch = []
    if batch:
        accepted += ingest.ingest_posts(weibo, batch, via="demo").accepted
    local_times = _spread(len(LOCAL_POSTS), now - dt.timedelta(minutes=1), days=2, seed=7)
    ingest.ingest_posts(
        forum,
        [
            ingest.Item(key, text, at, author="演示用户")
            for (key, text), at in zip(LOCAL_POSTS, local_times, strict=True)
        ],
        via="demo",
    )
    _tickets(ctx, analyst)
    ctx.say(
        f"舆情：信息源 3 个、监测方案 {len(SCHEMES)} 个、辟谣 {Debunk.objects.count()} 条、"
        f"回放真实帖文 {accepted} 条、预警 {OpinionAlert.objects.count()} 条"
    )


def _tickets(ctx: DemoContext, analyst) -> None:
    """Tickets in every state, sent to the town's command office and answered by its cadre."""
    town_offices = Department.objects.filter(region__code=ctx.objects["region:town"].code)
    town_office = town_offices.filter(kind="command").first() or town_offices.first()
    owner = ctx.objects["user:nc_zhen"]
    local = Post.objects.filter(source__name="本地论坛（演示帖）").order_by("external_id")
    by_key = {p.external_id: p for p in local}
    later = timezone.now() + dt.timedelta(hours=20)
    specs = [
        ("demo-local-4", "核查南村镇“门口集合讨说法”帖文，做好劝导", "open"),
        ("demo-local-2", "核实“泽州封城”传言并发布辟谣", "replied"),
        ("demo-local-12", "北石店镇消毒物资短缺情况核实", "closed"),
        ("demo-local-11", "核查攻击县领导帖文，依法处置", "overdue"),
    ]
    for key, title, state in specs:
        post = by_key.get(key)
        alert = OpinionAlert.objects.filter(post=post, status="open").first() if post else None
        ticket = services.ticket_create(
            actor=analyst,
            department=town_office,
            owner=owner,
            title=title,
            detail="请核实情况，按时限回复处置结果。",
            deadline=later,
            post=post,
            alert=alert,
        )
        if state in ("replied", "closed"):
            services.ticket_reply(
                actor=owner, ticket=ticket, reply="已联系发帖人核实，情况属实部分已处置并公开回应。"
            )
        if state == "closed":
            services.ticket_close(actor=analyst, ticket=Ticket.objects.get(pk=ticket.pk))
        if state == "overdue":
            # A ticket sent two days ago whose deadline has passed, for the overdue view.
            Ticket.objects.filter(pk=ticket.pk).update(
                deadline=timezone.now() - dt.timedelta(hours=6)
            )
