import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine.rumours import (
    SEED_PATH,
    RumourLibrary,
    RumourMatcher,
    evaluate_links,
    is_refutation,
    read_debunks,
    tune_threshold,
)
from opinion_engine.tests import hostile
from opinion_engine.types import Debunk, Post

LINKS = Path(__file__).parent / "data" / "rumour_links.csv"


@pytest.fixture(scope="module")
def library() -> RumourLibrary:
    return RumourLibrary.from_jsonl()


@pytest.fixture(scope="module")
def tiny() -> RumourLibrary:
    return RumourLibrary(
        [
            Debunk(id="liquor", claim="喝高度白酒可以杀灭新型冠状病毒"),
            Debunk(id="vinegar", claim="在家熏醋可以杀灭新型冠状病毒"),
        ]
    )


@pytest.mark.parametrize(
    ("_case", "text", "debunk_id"),
    [
        (
            "health myth in other words",
            "听说喝双黄连口服液能预防新冠肺炎，药店都卖空了",
            "shuanghuanglian-prevents",
        ),
        (
            "attributed to an expert",
            "我妈让我每天用淡盐水漱口，说这样能防新型冠状病毒",
            "saltwater-gargle",
        ),
        (
            "a lockdown that did not happen",
            "网传襄阳今天零点封城，湖北全省封省",
            "xiangyang-lockdown",
        ),
        ("asked as a question", "听说抽烟的人不容易感染冠状病毒，是真的吗", "smoking-prevents"),
        (
            "inside a longer post",
            "姐妹们我跟你们说，今天群里疯传：美国10艘医疗军舰开进纽约港了，每艘都相当于一个雷神山"
            "医院。我看完半天没说出话来，你们怎么看？",
            "us-ten-hospital-ships",
        ),
    ],
)
def test_a_restated_rumour_is_linked_to_its_debunk(library, _case, text, debunk_id):
    found = library.match(text)

    assert found is not None
    assert found[0] == debunk_id
    assert library.threshold <= found[1] <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "今天在家做了红烧肉，一家人其乐融融",
        "北京新发地市场发现多例新冠确诊病例，丰台区对市场实行封闭管理",
        "钟南山院士呼吁公众继续保持社交距离",
        "疾控中心提醒：吸烟者感染新冠后发展为重症的风险更高",
        "陕西省教育厅公布开学时间：高三3月30日开学，初三4月7日开学",
        "",
    ],
)
def test_a_post_that_restates_no_known_rumour_is_not_linked(library, text):
    assert library.match(text) is None


def test_the_stage_sets_and_clears_the_link(library):
    rumour = Post(source="t", external_id="1", text="网传襄阳今天零点封城，湖北全省封省")
    calm = Post(source="t", external_id="2", text="今天在家做了红烧肉", debunk_id="stale")
    matcher = RumourMatcher(library)

    list(matcher.pipe([rumour, calm]))

    assert rumour.debunk_id == "xiangyang-lockdown"
    assert rumour.debunk_similarity >= library.threshold
    assert (calm.debunk_id, calm.debunk_similarity) == ("", 0.0)


@pytest.mark.parametrize(
    ("_case", "published_at", "linked"),
    [
        ("while it circulated", dt.datetime(2020, 1, 25, 8), True),
        ("unknown date", None, True),
        ("long before the rumour", dt.datetime(2019, 6, 1, 8), False),
    ],
)
def test_a_post_from_long_before_a_rumour_is_not_linked_to_it(library, _case, published_at, linked):
    post = Post("t", "1", "网传襄阳今天零点封城，湖北全省封省", published_at=published_at)

    RumourMatcher(library)(post)

    assert (post.debunk_id == "xiangyang-lockdown") is linked


def test_rank_gives_one_entry_per_debunk_best_first(library):
    ranked = library.rank("听说喝双黄连口服液能预防新冠肺炎，板蓝根也能预防")

    ids = [debunk_id for debunk_id, _ in ranked]
    scores = [score for _, score in ranked]
    assert ids[0] == "shuanghuanglian-prevents"
    assert len(ids) == len(set(ids))
    assert scores == sorted(scores, reverse=True)


ROWS = [
    {"text": "喝高度白酒能杀灭新冠病毒，大家多喝点", "label": "liquor"},  # right link
    {"text": "熏醋可以杀灭新型冠状病毒，今晚都熏起来", "label": "liquor"},  # wrong debunk
    {"text": "今天天气不错，去公园散步", "label": ""},  # rightly left alone
    {"text": "熏醋杀灭新型冠状病毒的说法传遍了朋友圈", "label": ""},  # scores 0.42
    {"text": "白酒", "label": "liquor"},  # missed
]


@pytest.mark.parametrize(
    ("_case", "threshold", "expected"),
    [
        (
            "library threshold (0.5)",
            None,
            {"precision": 1 / 2, "recall": 1 / 3, "n": 5, "tp": 1, "fp": 1, "fn": 2},
        ),
        (
            "lower threshold",
            0.4,
            {"precision": 1 / 3, "recall": 1 / 3, "n": 5, "tp": 1, "fp": 2, "fn": 2},
        ),
    ],
)
def test_evaluate_links_counts_right_wrong_and_missed_links(tiny, _case, threshold, expected):
    assert tiny.threshold == 0.5

    scores = evaluate_links(tiny, ROWS, threshold=threshold)

    assert scores == pytest.approx(expected)


def test_evaluate_links_without_links_or_labels_is_perfect(tiny):
    scores = evaluate_links(tiny, [{"text": "今天天气不错", "label": ""}])

    assert scores == {"precision": 1.0, "recall": 1.0, "n": 1, "tp": 0, "fp": 0, "fn": 0}


@pytest.mark.parametrize(
    ("_case", "target", "expected"),
    [
        # 0.3 and 0.4 miss the target; 0.6 has the precision of 0.7 and more recall.
        ("best F0.5 among thresholds reaching the target", 0.5, 0.6),
        ("no threshold reaches the target", 1.01, 0.7),
    ],
)
def test_tune_threshold(tiny, _case, target, expected):
    grid = [0.3, 0.4, 0.5, 0.6, 0.7]

    assert tune_threshold(tiny, ROWS, target_precision=target, grid=grid) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("辟谣：双黄连口服液可以预防新冠肺炎的说法不实", True),
        ("熏醋可以预防新型冠状病毒？统统是假的！", True),
        ("好消息！双黄连口服液可以预防新冠肺炎，快转发", False),
        ("不知道是不是谣言，听说襄阳封城了", False),
    ],
)
def test_is_refutation(text, expected):
    assert is_refutation(text) is expected


def test_the_seed_library_is_complete_and_says_where_it_comes_from():
    debunks, variants = read_debunks()
    header = json.loads(SEED_PATH.read_text(encoding="utf-8").splitlines()[0])

    assert "provenance" in header["_meta"]
    assert len(debunks) >= 40
    assert len({d.id for d in debunks}) == len(debunks)
    for debunk in debunks:
        assert debunk.claim and debunk.rebuttal and debunk.source, debunk.id
        assert dt.date(2020, 1, 1) <= debunk.published_on <= dt.date(2020, 12, 31), debunk.id
    assert set(variants) <= {d.id for d in debunks}


def read_links() -> list[dict[str, str]]:
    with LINKS.open(encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def test_the_labelled_sample_is_split_and_uses_known_debunks(library):
    rows = read_links()
    tune = [r for r in rows if r["split"] == "tune"]
    report = [r for r in rows if r["split"] == "report"]

    assert len(tune) + len(report) == len(rows) >= 60
    assert len(report) >= 60
    assert not {r["origin_id"] for r in tune} & {r["origin_id"] for r in report}
    assert {r["label"] for r in rows if r["label"]} <= set(library.debunks)
    assert sum(1 for r in report if r["label"]) >= 30


def test_links_on_the_held_out_half_stay_precise(library):
    report = [r for r in read_links() if r["split"] == "report"]

    scores = evaluate_links(library, report)

    # Measured when THRESHOLD was tuned on the other half: precision 1.0, recall 0.79.
    assert scores["precision"] >= 0.9
    assert scores["recall"] >= 0.7


def test_batch_prefilter_never_drops_a_post_rank_would_link(library):
    from opinion_engine.normalize import normalize_text
    from opinion_engine.rumours import NON_WORD

    with open(LINKS, encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    texts += ["", "a", "今天天气不错", "双黄连", "双黄连口服液可以预防新冠肺炎，大家快去买"]
    canonical = [NON_WORD.sub("", normalize_text(t)[0]).lower() for t in texts]
    flags = library.candidate_rows(canonical).tolist()
    ranked = [library.rank(c, normalized=True) for c in canonical]
    assert all(flag for flag, found in zip(flags, ranked, strict=True) if found)
    assert sum(flags) < len(flags)  # it does filter
    assert any(found for found in ranked)


def test_matcher_links_the_same_posts_in_a_batch_as_one_by_one(library):
    with open(LINKS, encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    from opinion_engine.normalize import Normalizer

    matcher = RumourMatcher(library)
    posts = [Post("t", str(i), text) for i, text in enumerate(texts)]
    batch = matcher.process_batch(list(Normalizer().pipe(posts)), on_error=lambda *args: None)
    singles = [
        matcher(post)
        for post in Normalizer().pipe(Post("t", str(i), t) for i, t in enumerate(texts))
    ]
    assert [(p.debunk_id, p.debunk_similarity) for p in batch] == [
        (p.debunk_id, p.debunk_similarity) for p in singles
    ]
    assert any(p.debunk_id for p in batch)


@hostile.PROPERTIES
@given(
    st.lists(st.tuples(hostile.texts, st.lists(hostile.texts, max_size=2)), max_size=4),
    st.lists(hostile.texts, min_size=1, max_size=6),
)
def test_any_library_matches_any_text_or_nothing(claims, texts):
    # Claims and their phrasings are typed by people in the admin; posts come from anywhere.
    debunks = [Debunk(id=f"d{i}", claim=claim) for i, (claim, _) in enumerate(claims)]
    variants = {f"d{i}": phrasings for i, (_, phrasings) in enumerate(claims)}
    library = RumourLibrary(debunks, variants=variants)
    for text in texts:
        found = library.match(text)
        assert found is None or (found[0] in library.debunks and 0.0 <= found[1] <= 1.0)
