"""Batching: how a stream of posts is cut into the batches every stage works on."""

from opinion_engine.pipeline import BATCH_SIZE, batches
from opinion_engine.types import Post


def posts(*lengths: int) -> list[Post]:
    return [Post("t", str(i), "字" * n) for i, n in enumerate(lengths)]


def test_batches_hold_at_most_the_batch_size_in_stream_order():
    stream = posts(*[5] * 7)
    cut = list(batches(iter(stream), size=3))
    assert [len(batch) for batch in cut] == [3, 3, 1]
    assert [post for batch in cut for post in batch] == stream


def test_a_batch_closes_early_once_it_holds_enough_characters():
    cut = list(batches(posts(40, 40, 40, 10, 10), size=100, chars=100))
    assert [len(batch) for batch in cut] == [3, 2]


def test_a_post_longer_than_the_character_budget_is_a_batch_of_its_own():
    cut = list(batches(posts(500, 3, 3), size=100, chars=100))
    assert [len(batch) for batch in cut] == [1, 2]


def test_posts_whose_text_is_not_a_string_still_pass_through():
    # Stages report such a post as an error; the batching must not be what fails on it.
    odd = Post("t", "x", None)  # type: ignore[arg-type]
    assert list(batches([odd, *posts(3)])) == [[odd, *posts(3)]]


def test_weibo_length_posts_fill_whole_batches():
    cut = list(batches(posts(*[140] * (BATCH_SIZE + 1))))
    assert [len(batch) for batch in cut] == [BATCH_SIZE, 1]


def test_the_character_budget_grows_with_the_batch_size():
    long_posts = posts(200, 200, 200, 200)
    assert [len(batch) for batch in batches(long_posts, size=4)] == [3, 1]  # 4 × 140 characters
    assert [len(batch) for batch in batches(long_posts, size=8)] == [4]
