"""Posts in: a batch is checked whole, analysed, stored once, and raises alerts and events."""

import datetime as dt

import pytest
from django.utils import timezone

from qunfang.opinion import ingest, services
from qunfang.opinion.models import Event, OpinionAlert, Post, PostScheme, SourceRejection
from qunfang.opinion.tests.conftest import push


def problems_of(items) -> list[tuple[int, str]]:
    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.validate_items(items)
    return [(p["index"], p["field"]) for p in caught.value.problems]


def test_a_good_batch_validates_with_times_read_as_china_time():
    items = ingest.validate_items(
        [{"id": 1, "text": " 泽州县今天新增病例吗 ", "published_at": "2020-02-03 10:15"}]
    )
    assert items[0].external_id == "1"
    assert items[0].text == "泽州县今天新增病例吗"
    assert items[0].published_at == dt.datetime(2020, 2, 3, 2, 15, tzinfo=dt.UTC)


def test_every_bad_item_is_reported_with_its_index_and_field():
    assert problems_of(
        [
            {"id": "a", "text": "好"},
            {"text": "没有编号"},
            {"id": "b"},
            {"id": "a", "text": "编号重复"},
            {"id": "c", "text": "<script>alert(1)</script>真的吗"},
            {"id": "d", "text": "时间不对", "published_at": "昨天下午"},
            "不是对象",
            {"id": "e", "text": "网址不对", "url": "javascript:alert(1)"},
        ]
    ) == [
        (1, "id"),
        (2, "text"),
        (3, "id"),
        (4, "text"),
        (5, "published_at"),
        (6, ""),
        (7, "url"),
    ]


def test_a_less_than_sign_is_text_not_html():
    assert ingest.validate_items([{"id": "x", "text": "体温<37.3 就不用去发热门诊 <3"}])


def test_oversized_and_empty_batches_are_refused_whole():
    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.validate_items([{"id": str(i), "text": "t"} for i in range(ingest.MAX_BATCH + 1)])
    assert caught.value.status == 413
    with pytest.raises(ingest.BatchRejected):
        ingest.validate_items([])
    with pytest.raises(ingest.BatchRejected):
        ingest.validate_items({"id": "1"})


def test_posts_in_the_future_are_refused():
    later = (timezone.now() + dt.timedelta(days=2)).isoformat()
    assert problems_of([{"id": "f", "text": "未来", "published_at": later}]) == [
        (0, "published_at")
    ]


def test_ingest_stores_the_analysis_and_places_the_post_in_the_region_it_concerns(source, cast):
    result = push(source, "南村镇南村村今天发现一例发热病人，已送医院隔离观察")
    post = Post.objects.get(pk=result.post_ids[0])
    assert post.region_code == cast.village.code  # the most specific region named, in scope
    assert post.local is True
    assert post.epidemic is True
    assert cast.village.code in post.concerns
    assert post.fingerprint != 0  # the near-duplicate stage's signature, for later copies
    # The risk stage's verdict: no risk category, so a score of 0, but the modifiers it found
    # stored as reasons in the analyst's words.
    assert (post.risk_score, post.risk_level, post.risk_categories) == (
        0.0,
        "low",
        ",epidemic,local,",
    )
    assert {r["category"]: r["text"][:3] for r in post.reasons} == {
        "epidemic": "涉疫：",
        "local": "涉及本",
    }


def test_a_post_about_nowhere_in_particular_stays_with_its_source(source, cast):
    result = push(source, "今天天气不错，出门散步了")
    post = Post.objects.get(pk=result.post_ids[0])
    assert (post.region_code, post.local) == (cast.district.code, False)


def test_resending_a_batch_stores_nothing_twice(source):
    first = push(source, "第一条", "第二条", ids=["x1", "x2"])
    again = push(source, "第一条", "第二条", "第三条", ids=["x1", "x2", "x3"])
    assert (first.accepted, again.accepted, again.duplicates) == (2, 1, 2)
    assert Post.objects.filter(source=source).count() == 3
    source.refresh_from_db()
    assert (source.received, source.accepted, source.duplicates) == (5, 3, 2)


def test_a_repost_points_at_its_original(source):
    text = "紧急扩散：泽州县所有超市明天起停止营业，大家赶紧去囤货，内部消息千真万确"
    push(source, text, ids=["orig"])
    push(source, "转发微博 " + text, ids=["copy"])
    copy = Post.objects.get(external_id="copy")
    assert copy.duplicate_of == Post.objects.get(external_id="orig")


def test_scheme_matches_are_stored_for_the_feed_filter(source, cast):
    scheme = services.scheme_save(
        actor=cast.hq, region=cast.district, name="泽州涉疫", expression="泽州 AND (疫情 OR 发热)"
    )
    result = push(source, "泽州县疫情防控指挥部发布通告", "高平今天很热闹")
    matched = PostScheme.objects.filter(scheme=scheme).values_list("post_id", flat=True)
    assert list(matched) == [result.post_ids[0]]


def test_a_high_risk_post_raises_one_alert(source, cast):
    services.scheme_save(
        actor=cast.hq,
        region=cast.district,
        name="号召聚集",
        expression="集合 AND (明天 OR 门口)",
        category="gathering",
    )
    result = push(
        source,
        "泽州县的人明天上午十点都到县政府门口集合讨说法，转发扩散，大家都去，政府无能瞒报疫情！",
    )
    post = Post.objects.get(pk=result.post_ids[0])
    assert post.risk_level == "high", post.reasons
    assert "gathering" in post.category_list
    assert post.reasons and all(reason["text"] for reason in post.reasons)
    assert OpinionAlert.objects.filter(post=post, kind="risk").count() == 1


def test_a_volume_spike_raises_one_alert_per_scheme_and_hour(source, cast):
    scheme = services.scheme_save(
        actor=cast.hq, region=cast.district, name="口罩", expression="口罩"
    )
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    quiet = [f"第{i}天出门戴口罩" for i in range(3)]
    push(source, *quiet, at=hour - dt.timedelta(hours=5))
    burst = [f"药店口罩又断货了，第{i}家" for i in range(ingest.SPIKE_MIN + 5)]
    push(source, *burst[:15], at=hour + dt.timedelta(minutes=5))
    assert not OpinionAlert.objects.filter(kind="spike").exists()  # 15 < SPIKE_MIN
    push(source, *burst[15:], at=hour + dt.timedelta(minutes=20))
    push(source, "还是买不到口罩", at=hour + dt.timedelta(minutes=30))
    alerts = OpinionAlert.objects.filter(kind="spike", scheme=scheme)
    assert alerts.count() == 1
    assert "口罩" in alerts.get().summary


def test_related_posts_become_an_event_once_there_are_three(source):
    texts = [
        "南村镇卡口志愿者为返乡人员测量体温登记信息",
        "南村镇卡口志愿者冒雪坚守为返乡人员测量体温",
        "南村镇卡口的志愿者辛苦了，为返乡人员测量体温",
    ]
    push(source, *texts[:2])
    assert not Event.objects.exists()
    push(source, texts[2])
    event = Event.objects.get()
    assert event.post_count == 3
    assert Post.objects.filter(event=event).count() == 3
    assert event.label


def test_a_rejection_is_counted_in_the_source_health(source):
    error = ingest.BatchRejected(
        400, "2 处错误，整批未入库", [ingest._problem(1, "text", "缺少正文 text")]
    )
    ingest.record_rejection(source, error, items=3)
    source.refresh_from_db()
    assert source.rejected_batches == 1
    assert "第 2 条 text" in source.last_error
    assert SourceRejection.objects.get(source=source).items == 3
