import datetime as dt
import json
import os
import statistics
import subprocess
import sys

import pytest
import rjieba

from opinion_engine.cluster import (
    POSTINGS_PER_WORD,
    EventClusterer,
    _idf,
    bucket_start,
    idf_pairs,
    volume_spikes,
)
from opinion_engine.normalize import Normalizer
from opinion_engine.types import Post

T0 = dt.datetime(2020, 6, 13, 8, 0)

# One outbreak in one place told five ways, one rumour told four ways, and unrelated posts.
XINFADI = [
    "北京新发地市场发现多例新冠确诊病例，丰台区对新发地市场实行封闭管理",
    "新发地批发市场疫情：丰台区新增确诊病例，市场商户接受核酸检测",
    "丰台新发地市场相关人员集中隔离，北京启动新发地密接者排查",
    "去过新发地市场的人都要做核酸检测，丰台区设了好几个采样点",
    "新发地市场海鲜摊位的案板检出病毒，北京丰台区全面排查",
]
XIANGYANG = [
    "襄阳封城了，湖北全省封省",
    "今天凌晨襄阳宣布封城，整个湖北省封省了",
    "湖北最后一座城市襄阳也封城了，至此湖北封省",
    "大年初一襄阳封城，湖北封省载入史册",
]
NOISE = [
    "今天在家做了红烧肉，一家人其乐融融",
    "考研倒计时三百天，今天背了两百个单词",
]


def make_posts(texts: list[str], *, start: dt.datetime = T0, step=dt.timedelta(minutes=20)):
    posts = [
        Post("weibo", f"{start:%d%H%M}-{i}", t, published_at=start + i * step)
        for i, t in enumerate(texts)
    ]
    return list(Normalizer().pipe(posts))


def interleave(*groups: list[Post]) -> list[Post]:
    out = []
    for index in range(max(len(g) for g in groups)):
        out += [g[index] for g in groups if index < len(g)]
    return out


def test_the_same_story_told_differently_becomes_one_event():
    xinfadi, xiangyang = make_posts(XINFADI), make_posts(XIANGYANG)
    noise = make_posts(NOISE)
    clusterer = EventClusterer(min_posts=3)

    for post in interleave(xinfadi, xiangyang, noise):
        clusterer.add(post)
    events = clusterer.events()

    assert [sorted(e.post_keys) for e in events] == [
        sorted(p.key for p in xinfadi),
        sorted(p.key for p in xiangyang),
    ]
    assert {"丰台区", "核酸"} <= set(events[0].keywords)
    assert {"襄阳", "封城"} <= set(events[1].keywords)
    assert [e.label for e in events] == ["·".join(e.keywords[:3]) for e in events]


def test_an_event_spans_its_first_and_last_post():
    posts = make_posts(XINFADI)
    clusterer = EventClusterer(min_posts=1)

    for post in posts:
        clusterer.add(post)
    (event,) = clusterer.events()

    assert event.first_seen == posts[0].published_at
    assert event.last_seen == posts[-1].published_at
    assert event.id.startswith("evt-")


def test_events_with_too_few_posts_are_not_reported():
    clusterer = EventClusterer(min_posts=6)

    for post in make_posts(XINFADI):
        clusterer.add(post)

    assert clusterer.events() == []


def test_the_timeline_counts_posts_per_hour_with_empty_hours_kept():
    times = [T0, T0 + dt.timedelta(minutes=10), T0 + dt.timedelta(hours=2, minutes=5)]
    posts = make_posts(XINFADI[:3])
    for post, when in zip(posts, times, strict=True):
        post.published_at = when
    clusterer = EventClusterer(min_posts=1, bucket="hour")

    for post in posts:
        clusterer.add(post)

    assert clusterer.events()[0].timeline == [
        (dt.datetime(2020, 6, 13, 8), 2),
        (dt.datetime(2020, 6, 13, 9), 0),
        (dt.datetime(2020, 6, 13, 10), 1),
    ]


def test_the_timeline_can_count_per_day():
    posts = make_posts(XINFADI, step=dt.timedelta(hours=10))
    clusterer = EventClusterer(min_posts=1, bucket="day")

    for post in posts:
        clusterer.add(post)

    assert clusterer.events()[0].timeline == [
        (dt.datetime(2020, 6, 13), 2),
        (dt.datetime(2020, 6, 14), 2),
        (dt.datetime(2020, 6, 15), 1),
    ]


def test_a_story_that_returns_after_the_window_is_a_new_event():
    early = make_posts(XIANGYANG[:2])
    late = make_posts(XIANGYANG[2:], start=T0 + dt.timedelta(days=10))
    clusterer = EventClusterer(window=dt.timedelta(days=3), min_posts=1)

    for post in early + late:
        clusterer.add(post)

    assert [len(e.post_keys) for e in clusterer.events()] == [2, 2]


def test_a_near_duplicate_joins_the_event_of_the_post_it_copies():
    first, unrelated = make_posts([XIANGYANG[0], NOISE[0]])
    copy = make_posts([NOISE[1]], start=T0 + dt.timedelta(hours=1))[0]
    copy.duplicate_of = first.external_id
    clusterer = EventClusterer(min_posts=2)

    for post in (first, unrelated, copy):
        clusterer.add(post)

    assert [e.post_keys for e in clusterer.events()] == [[first.key, copy.key]]


def test_an_event_two_windows_past_its_last_post_is_retired_and_still_reported():
    early = make_posts(XIANGYANG[:2])
    later = make_posts(NOISE[:1], start=T0 + dt.timedelta(hours=5))
    returning = make_posts(XIANGYANG[2:3], start=T0 + dt.timedelta(hours=5, minutes=10))
    clusterer = EventClusterer(window=dt.timedelta(hours=2), min_posts=1)

    for post in early + later:
        clusterer.add(post)
    retired_id = clusterer.events()[0].id
    clusterer.add(returning[0])

    assert clusterer.open_count == 2  # the noise post's event and the returning story's
    assert [e.post_keys for e in clusterer.events()] == [
        [p.key for p in early],
        [later[0].key],
        [returning[0].key],
    ]
    assert clusterer.events()[0].id == retired_id


def test_a_post_up_to_a_window_late_still_finds_its_event():
    story = make_posts(XIANGYANG[:2])
    newer = make_posts(NOISE[:1], start=T0 + dt.timedelta(hours=3))
    late = make_posts(XIANGYANG[2:3], start=T0 + dt.timedelta(minutes=50))
    clusterer = EventClusterer(window=dt.timedelta(hours=2), min_posts=2)

    for post in story + newer + late:
        clusterer.add(post)

    assert [e.post_keys for e in clusterer.events()] == [[p.key for p in story + late]]


def test_no_more_than_max_clusters_events_stay_open():
    posts = make_posts([XINFADI[0], XIANGYANG[0], NOISE[0], NOISE[1]])
    for post in posts:
        post.published_at = None
    clusterer = EventClusterer(min_posts=1, max_clusters=2)

    for post in posts:
        clusterer.add(post)

    assert clusterer.open_count == 2
    # Retired events are still listed, in the order they began.
    assert [e.post_keys for e in clusterer.events()] == [[p.key] for p in posts]


def test_only_the_last_max_finished_retired_events_are_listed():
    posts = make_posts([XINFADI[0], XIANGYANG[0], NOISE[0], NOISE[1]])
    for post in posts:
        post.published_at = None
    clusterer = EventClusterer(min_posts=1, max_clusters=1, max_finished=1)

    for post in posts:
        clusterer.add(post)

    assert [e.post_keys for e in clusterer.events()] == [[posts[2].key], [posts[3].key]]


def test_keywords_are_weighted_by_jiebas_own_idf_table():
    pairs = dict(idf_pairs())
    table, median, _ = _idf()

    assert len(table) == len(pairs) > 200_000
    assert all(table.get(word, -1.0) == value for word, value in pairs.items())
    assert median == statistics.median(pairs.values())


def test_a_word_is_compared_with_its_most_recent_events_only():
    # Every post shares 口罩 and otherwise has two words of its own, so each starts an event.
    own = sorted(word for word, _ in idf_pairs() if len(word) == 2 and rjieba.cut(word) == [word])
    own = own[1000 : 1000 + 2 * (POSTINGS_PER_WORD + 20)]
    texts = [f"口罩，{own[2 * i]}，{own[2 * i + 1]}" for i in range(POSTINGS_PER_WORD + 20)]
    clusterer = EventClusterer(min_posts=1, threshold=0.99)

    for post in make_posts(texts):
        clusterer.add(post)

    assert clusterer.open_count == len(texts)
    assert len(clusterer._by_word["口罩"]) == POSTINGS_PER_WORD


CLUSTER_IN_A_NEW_PROCESS = """
import json
from opinion_engine.cluster import EventClusterer
from opinion_engine.tests.test_cluster import XIANGYANG, XINFADI, interleave, make_posts
clusterer = EventClusterer(min_posts=2)
for post in interleave(make_posts(XINFADI), make_posts(XIANGYANG)):
    clusterer(post)
print(json.dumps([(e.id, e.label, e.keywords, e.post_keys) for e in clusterer.events()]))
"""


def test_clustering_is_the_same_in_every_process():
    # Python salts str hashes per process: no set or dict order of words may decide an event,
    # or a restarted worker would file the same posts differently.
    outputs = {
        subprocess.run(
            [sys.executable, "-c", CLUSTER_IN_A_NEW_PROCESS],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "4242")
    }
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) == 2  # the two stories


def test_an_unknown_bucket_is_refused():
    with pytest.raises(ValueError, match="bucket"):
        EventClusterer(bucket="week").add(make_posts(XINFADI[:1])[0])


def test_bucket_start_keeps_the_time_zone():
    china = dt.timezone(dt.timedelta(hours=8))
    when = dt.datetime(2020, 1, 23, 10, 42, 7, tzinfo=china)

    assert bucket_start(when, "hour") == dt.datetime(2020, 1, 23, 10, tzinfo=china)
    assert bucket_start(when, "day") == dt.datetime(2020, 1, 23, tzinfo=china)


def hourly(*counts: int) -> list[tuple[dt.datetime, int]]:
    return [(T0 + dt.timedelta(hours=i), c) for i, c in enumerate(counts)]


@pytest.mark.parametrize(
    ("_case", "counts", "spikes"),
    [
        ("burst over a quiet curve", [2, 3, 2, 4, 3, 40, 5], [5]),
        ("burst below min_count", [1, 0, 1, 0, 9, 1], []),
        ("steady high volume", [30, 32, 31, 33, 30], []),
        ("burst from nothing", [0, 0, 0, 12], [3]),
        ("first bucket has no history", [50, 3, 2], []),
        ("just at factor × median is not above it", [10, 10, 10, 30], []),
        ("two bursts", [2, 2, 2, 20, 2, 2, 25], [3, 6]),
    ],
)
def test_volume_spikes(_case, counts, spikes):
    timeline = hourly(*counts)

    found = volume_spikes(timeline, factor=3.0, min_count=10)

    assert found == [timeline[i] for i in spikes]


def test_volume_spikes_look_back_only_over_the_history():
    timeline = hourly(50, 50, 50, 2, 2, 2, 20)

    assert volume_spikes(timeline, history=3) == [timeline[6]]
    assert volume_spikes(timeline, history=24) == []


def test_an_event_lists_its_most_recent_posts_and_counts_them_all(monkeypatch):
    monkeypatch.setattr("opinion_engine.cluster.KEYS_PER_EVENT", 3)
    posts = make_posts(XINFADI)
    clusterer = EventClusterer(min_posts=1)

    for post in posts:
        clusterer.add(post)
    (event,) = clusterer.events()

    assert event.size == 5
    assert event.post_keys == [p.key for p in posts[2:]]
    assert sum(count for _, count in event.timeline) == 5
