import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from opinion_engine.dedup import (
    _LSH_BANDS_ROWS,
    Deduplicator,
    _minhash_parameters,
    affine32_permutations,
    canonical_text,
    hamming,
    minhash_batch,
    near_duplicate_groups,
    shingle_hashes,
    simhash,
)
from opinion_engine.normalize import Normalizer
from opinion_engine.types import Post

ORIGINAL = (
    "武汉市新型冠状病毒感染的肺炎疫情防控指挥部发布通告：自2020年1月23日10时起，全市城市公交、"
    "地铁、轮渡、长途客运暂停运营，机场、火车站离汉通道暂时关闭。"
)
OTHER = "今天天气很好，出门散步，公园里的梅花开了，拍了几张照片分享给大家，春天快来了。"


def make_posts(*texts: str) -> list[Post]:
    posts = [Post(source="weibo", external_id=f"p{i}", text=t) for i, t in enumerate(texts)]
    return list(Normalizer().pipe(posts))


@pytest.mark.parametrize(
    ("_case", "copy"),
    [
        ("repost filler", "转发微博 " + ORIGINAL),
        ("repost chain", "太难了//@张三:转发微博//@李四:" + ORIGINAL),
        ("short comment", "大家注意！" + ORIGINAL),
        ("topic and link added", "#武汉封城# " + ORIGINAL + " http://t.cn/A6abc"),
        ("traditional characters", ORIGINAL.replace("汉", "漢").replace("发", "發")),
    ],
)
def test_a_copy_points_at_the_first_post(_case, copy):
    first, second = make_posts(ORIGINAL, copy)

    dedup = Deduplicator()
    list(dedup.pipe([first, second]))

    assert first.duplicate_of == ""
    assert second.duplicate_of == "p0"
    assert dedup.groups() == [[("weibo", "p0"), ("weibo", "p1")]]


def test_different_posts_stay_apart():
    posts = make_posts(ORIGINAL, OTHER, "口罩买不到了，药店全部断货，家里只剩两个，怎么办才好啊。")
    dedup = Deduplicator()

    list(dedup.pipe(posts))

    assert [p.duplicate_of for p in posts] == ["", "", ""]
    assert dedup.groups() == []
    assert len(dedup.groups(min_size=1)) == 3


def test_the_same_story_in_other_words_is_not_a_copy():
    posts = make_posts(
        ORIGINAL,
        "1月23日上午10点开始，武汉的公交地铁轮渡和长途客运都停了，机场和火车站的离汉通道也关了。",
    )

    list(Deduplicator().pipe(posts))

    assert posts[1].duplicate_of == ""


@pytest.mark.parametrize(
    ("_case", "texts", "expected"),
    [
        ("equal short posts", ["好！", "好"], ["", "p0"]),
        ("different short posts", ["好的", "好啊"], ["", ""]),
        ("short post inside a long one", ["加油武汉", "加油武汉，中国加油，一定能赢"], ["", ""]),
    ],
)
def test_short_posts_compare_exactly(_case, texts, expected):
    posts = make_posts(*texts)

    list(Deduplicator().pipe(posts))

    assert [p.duplicate_of for p in posts] == expected


def test_a_post_without_text_is_left_ungrouped():
    posts = make_posts("转发微博", "转发微博", "[心][心]")
    dedup = Deduplicator()

    list(dedup.pipe(posts))

    assert [p.duplicate_of for p in posts] == ["", "", ""]
    assert dedup.groups(min_size=1) == []


def test_state_is_kept_across_calls_and_batches():
    first, second, third = make_posts(ORIGINAL, OTHER, "转发微博 " + ORIGINAL)
    dedup = Deduplicator()

    dedup(first)
    list(dedup.pipe([second], batch_size=1))
    dedup(third)

    assert third.duplicate_of == "p0"


def test_calling_and_piping_agree():
    texts = [ORIGINAL, OTHER, "转发 " + ORIGINAL, "好", "好", OTHER + "！！"]
    called, piped = make_posts(*texts), make_posts(*texts)
    dedup_called, dedup_piped = Deduplicator(), Deduplicator()

    for post in called:
        dedup_called(post)
    list(dedup_piped.pipe(piped, batch_size=4))

    assert [p.duplicate_of for p in called] == [p.duplicate_of for p in piped]
    assert [p.fingerprint for p in called] == [p.fingerprint for p in piped]
    assert dedup_called.groups() == dedup_piped.groups()


def test_fingerprints_are_close_for_copies_and_far_for_other_posts():
    copy, other = simhash("大家注意！" + ORIGINAL), simhash(OTHER)
    original = simhash(ORIGINAL)

    assert 0 <= original < 2**64
    assert hamming(original, copy) <= 8
    assert hamming(original, other) >= 16


def test_the_stage_sets_the_fingerprint():
    (post,) = make_posts(ORIGINAL)

    Deduplicator()(post)

    assert post.fingerprint == simhash(post.normalized)


def test_minhash_values_are_datasketchs_for_the_same_shingle_hashes():
    text = canonical_text(ORIGINAL)
    hashes, offsets = shingle_hashes([text])
    permutations, _, _ = _minhash_parameters(64, 0.7, 1)
    reference = MinHash(num_perm=64, seed=1, hashfunc=lambda value: value, scheme="affine32")

    reference.update_batch([int(h) & 0xFFFFFFFF for h in hashes])
    ours = minhash_batch(hashes, offsets, np.array([hashes.size]), permutations)

    assert ours[0].tolist() == reference.hashvalues.tolist()


@pytest.mark.parametrize("seed", [1, 2, 2020])
def test_affine32_permutations_are_the_ones_datasketch_draws(seed):
    reference = MinHash(num_perm=64, seed=seed, scheme="affine32").permutations

    ours = affine32_permutations(64, seed)

    assert ours.dtype == reference.dtype
    assert ours.tolist() == reference.tolist()


@pytest.mark.parametrize(("num_perm", "threshold"), sorted(_LSH_BANDS_ROWS))
def test_the_bands_and_rows_kept_are_the_ones_datasketch_picks(num_perm, threshold):
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)

    assert _minhash_parameters(num_perm, threshold, 1)[1:] == (lsh.b, lsh.r)


def test_another_configuration_asks_datasketch():
    lsh = MinHashLSH(threshold=0.8, num_perm=32)

    assert (32, 0.8) not in _LSH_BANDS_ROWS
    assert _minhash_parameters(32, 0.8, 1)[1:] == (lsh.b, lsh.r)


def test_building_the_stage_does_not_import_datasketch():
    # datasketch brings scipy, a Redis client, asyncio and ssl: about 55 MB of every process.
    code = (
        "import sys; from opinion_engine.dedup import Deduplicator; from opinion_engine.types "
        "import Post; Deduplicator()(Post('s', '1', '泽州县疫情防控指挥部发布通告')); "
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )

    assert out.stdout.strip() == "[]"


def test_canonical_text_drops_filler_punctuation_and_case():
    assert canonical_text("转发微博：Hello, 武汉 加油！") == "hello武汉加油"


def test_minhash_in_runs_of_a_small_scratch_gives_the_same_values():
    texts = [canonical_text(t) for t in (ORIGINAL, "", OTHER, "好", ORIGINAL * 3, OTHER + ORIGINAL)]
    hashes, offsets = shingle_hashes(texts)
    counts = np.array([max(len(t) - 2, 0) for t in texts])
    permutations, _, _ = _minhash_parameters(64, 0.7, 1)
    # 50 shingles a run: most runs hold one text, and ORIGINAL * 3 needs an array of its own.
    scratch = np.empty((64, 50), dtype=np.uint32)

    in_runs = minhash_batch(hashes, offsets, counts, permutations, scratch=scratch)
    at_once = minhash_batch(hashes, offsets, counts, permutations)

    assert in_runs.tolist() == at_once.tolist()
    assert len(set(map(tuple, at_once.tolist()))) == 5  # "" and 好 both have no shingles


# Three stories that are not copies of one another, and a copy of each.
STORIES = [ORIGINAL, OTHER, "考研倒计时三百天，今天背了两百个单词，晚上还要复习政治和英语，加油！"]
COPIES = ["转发微博 " + text for text in STORIES]


def test_a_story_nobody_copies_for_two_generations_is_forgotten():
    posts = make_posts(STORIES[0], STORIES[1], STORIES[2], COPIES[1], COPIES[0])
    dedup = Deduplicator(capacity=1)  # a generation per group

    list(dedup.pipe(posts))

    # Each group fills a generation: p1 and p0 were forgotten before their copies came, and
    # only the last generation (p4's) is left once p4 has filled it.
    assert [p.duplicate_of for p in posts] == ["", "", "", "", ""]
    assert dedup.groups(min_size=1) == [[posts[4].key]]


def test_a_story_copied_again_is_carried_into_the_newer_generation():
    posts = make_posts(STORIES[0], STORIES[1], COPIES[0], STORIES[2], COPIES[0] + "！")
    dedup = Deduplicator(capacity=2)

    list(dedup.pipe(posts, batch_size=1))

    # p0's generation is forgotten when p3 fills the next, but p2 had carried its group over.
    assert [p.duplicate_of for p in posts] == ["", "", "p0", "", "p0"]
    assert dedup.groups() == [[posts[2].key, posts[4].key]]


def test_near_duplicate_groups_join_chains_of_copies_and_nothing_else():
    edited = ORIGINAL.replace("长途客运", "长途汽车客运")
    twice_edited = edited.replace("轮渡", "轮渡和索道")
    texts = [
        ORIGINAL,
        OTHER,
        "转发微博 //@某人:" + edited,  # a repost with an edit
        twice_edited,  # like the repost, a little less like the original
        "[泪]",  # nothing left once canonical: a copy only of the same text
        "[泪]",
        "[心]",
        "好",
    ]
    groups = near_duplicate_groups(texts)
    assert groups[0] == groups[2] == groups[3]
    assert groups[4] == groups[5]
    assert len({groups[0], groups[1], groups[4], groups[6], groups[7]}) == 5
    assert np.array_equal(groups, near_duplicate_groups(texts))  # deterministic
