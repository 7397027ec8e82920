import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine.engine import Engine
from opinion_engine.tests import hostile
from opinion_engine.types import Debunk, Post, Scheme

TZ = dt.timezone(dt.timedelta(hours=8))
REGIONS = [("14", "山西省"), ("1405", "晋城市"), ("140525", "泽州县"), ("140525100", "南村镇")]
SCHEMES = [
    Scheme("local-epidemic", "泽州疫情", "(泽州 OR 晋城) AND (疫情 OR 确诊 OR 发热)", "epidemic"),
    Scheme("gathering", "号召聚集", "(集合 OR 聚集) AND (明天 OR 今晚)", "gathering"),
]
DEBUNKS = [Debunk(id="d1", claim="双黄连口服液可以预防新型冠状病毒", source="人民日报")]


def post(i: int, text: str, hour: int = 9) -> Post:
    return Post("weibo", str(i), text, published_at=dt.datetime(2020, 2, 1, hour, tzinfo=TZ))


@pytest.fixture(scope="module")
def engine_without_models():
    return Engine.build(schemes=SCHEMES, region_rows=REGIONS, debunks=DEBUNKS, classify=False)


def test_every_stage_leaves_its_mark(engine_without_models):
    posts = list(
        engine_without_models.analyse(
            [
                post(1, "泽州县南村镇发现一例确诊病例，大家不要恐慌[加油]"),
                post(2, "听说双黄连口服液可以预防新型冠状病毒，快去买！"),
                post(3, "明天上午九点大家到镇政府门口集合讨说法，转发扩散！"),
                post(4, "泽州县南村镇发现一例确诊病例，大家不要恐慌！！"),
            ]
        )
    )
    local, rumour, gathering, copy = posts
    assert local.normalized.startswith("泽州县南村镇")
    assert local.features["emoticons"] == ["加油"]
    assert local.schemes == ["local-epidemic"]
    assert local.regions[0] == "140525100"
    assert local.epidemic is True
    assert rumour.debunk_id == "d1"
    assert rumour.risk.level in ("medium", "high")
    assert any("谣言" in reason.text for reason in rumour.risk.reasons)
    assert "gathering" in gathering.risk.categories
    assert copy.duplicate_of == "1"
    assert local.risk.score < gathering.risk.score


def test_a_broken_post_is_reported_and_the_stream_goes_on(engine):
    posts = [post(1, "正常的一条"), Post("weibo", "2", None), post(3, "又一条")]  # type: ignore[arg-type]
    out = list(engine.analyse(posts))
    assert [p.external_id for p in out] == ["1", "2", "3"]
    assert out[1].meta["errors"] == ["classify: TypeError: post.text is NoneType, not str"]
    assert "errors" not in out[0].meta and "errors" not in out[2].meta
    assert out[2].risk is not None and out[2].emotion  # the posts after it are analysed


def test_events_gather_the_same_story():
    engine = Engine.build(schemes=SCHEMES, region_rows=REGIONS, debunks=DEBUNKS, classify=False)
    texts = [
        "南村镇封闭小区出入口，实行人员登记测温",
        "南村镇各小区出入口封闭管理，进出登记测温",
        "南村镇小区封闭，出入口人员一律登记测温",
    ]
    list(engine.analyse([post(i, t, hour=8 + i) for i, t in enumerate(texts)]))
    events = engine.events()
    assert len(events) == 1
    assert len(events[0].post_keys) == 3
    assert sum(count for _hour, count in events[0].timeline) == 3


def test_the_shipped_models_classify_raw_posts():
    engine = Engine.build(schemes=SCHEMES, region_rows=REGIONS, debunks=DEBUNKS)
    positive, negative = engine.analyse(
        [post(1, "武汉加油！致敬最美逆行者[心][心]"), post(2, "气死了，口罩都买不到，还涨价！[怒]")]
    )
    assert positive.sentiment == "positive"
    assert negative.sentiment == "negative"
    assert negative.emotion == "angry"
    assert 0.0 <= negative.rumour_score <= 1.0


def test_settle_takes_the_built_engine_out_of_the_collectors_sight():
    import gc

    from opinion_engine.engine import settle

    engine = Engine.build(classify=False, events=False)
    gc.unfreeze()
    tracked_before = len(gc.get_objects())
    try:
        settle()
        assert gc.get_freeze_count() >= tracked_before // 2
        assert len(gc.get_objects()) < tracked_before // 2
        # A settled engine still works, and new objects are still collected as usual.
        post = next(iter(engine.analyse([Post("s", "1", "泽州县今天新增确诊")])))
        assert post.normalized
    finally:
        gc.unfreeze()


@pytest.fixture(scope="module")
def engine():
    return Engine.build(schemes=SCHEMES, region_rows=REGIONS, debunks=DEBUNKS)


hostile_posts = st.lists(
    st.tuples(hostile.texts, st.one_of(st.none(), st.integers(0, 23))),
    min_size=1,
    max_size=10,
)


@hostile.PROPERTIES
@given(hostile_posts)
def test_any_posts_come_out_analysed_in_order_without_errors(engine, batch):
    posts = [
        Post(
            "weibo",
            str(i),
            text,
            published_at=None if hour is None else post(i, "", hour).published_at,
        )
        for i, (text, hour) in enumerate(batch)
    ]

    out = list(engine.analyse(posts))

    assert [p.external_id for p in out] == [str(i) for i in range(len(batch))]
    for analysed in out:
        assert analysed.meta.get("errors") is None, (analysed.text, analysed.meta["errors"])
        risk = analysed.risk
        assert 0.0 <= risk.score <= 100.0
        # A score comes with its reasons, in words the analyst reads, for every category named.
        assert (risk.score > 0) is any(reason.weight > 0 for reason in risk.reasons)
        assert set(risk.categories) <= {reason.category for reason in risk.reasons}
        assert all(hostile.in_chinese(reason.text) for reason in risk.reasons), risk.reasons
        assert analysed.sentiment in ("negative", "neutral", "positive")
        assert 0.0 <= analysed.rumour_score <= 1.0
        analysed.normalized.encode("utf-8")
    for event in engine.events():
        event.label.encode("utf-8")  # storable
        assert event.size >= len(event.post_keys) > 0
        # The volume curve counts the event's dated posts, hour by hour, in order.
        starts = [start for start, _ in event.timeline]
        assert starts == sorted(set(starts))
        assert sum(count for _, count in event.timeline) <= event.size
        if event.first_seen is not None:
            assert event.first_seen <= event.last_seen
