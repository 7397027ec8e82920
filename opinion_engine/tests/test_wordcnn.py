"""The word CNN: segmentation, numpy inference equal to the trained network, packing."""

import numpy as np
import pytest

from opinion_engine import wordcnn
from opinion_engine.wordvec import read_vectors, read_words

WORDS = ["武汉", "武汉加油", "加油", "口罩", "不", "开心", "开"]


def test_segmenter_takes_the_longest_listed_word_first():
    segment = wordcnn.Segmenter(WORDS)
    assert [WORDS[i] for i in segment("武汉加油口罩")] == ["武汉加油", "口罩"]
    assert [WORDS[i] for i in segment("不开心")] == ["不", "开心"]


def test_unlisted_characters_fall_into_buckets_and_spaces_are_skipped():
    segment = wordcnn.Segmenter(WORDS)
    ids = segment("口罩 贵!")
    assert ids[0] == WORDS.index("口罩")
    assert ids[1:] == [len(WORDS) + ord("贵") % wordcnn.OOV_BUCKETS,
                       len(WORDS) + ord("!") % wordcnn.OOV_BUCKETS]  # fmt: skip
    assert segment("") == [] and segment("   ") == []
    assert len(segment("口罩" * 1000)) == wordcnn.MAX_WORDS


def test_the_batch_segmenter_cuts_every_post_as_the_definition_does():
    import csv
    from pathlib import Path

    from opinion_engine.normalize import normalize_text

    data = Path(__file__).parent / "data"
    texts = [
        row["text"]
        for name in ("smp2020_virus_train_head.csv", "ncov_weibo_unlabeled_head.csv")
        for row in csv.DictReader((data / name).open(encoding="utf-8"))
    ]
    texts = [normalize_text(text)[0] for text in texts]
    texts += ["", " ", "a b", "口罩" * 500, "\x00武汉", "武汉\u3000加油 ", "😀😀口罩", "口"]
    segment = wordcnn.default_segmenter()
    # Posts made of listed words, their halves, punctuation, spaces and unlisted characters,
    # so that longest matches overlap every way they can.
    rng = np.random.default_rng(0)
    pieces = [*segment.words[:3000:7], *(w[:-1] for w in segment.words[:3000:11]), "，", " ", "😷"]
    texts += ["".join(rng.choice(pieces, size=rng.integers(1, 60))) for _ in range(300)]
    for first in range(0, len(texts), 37):  # batches of 37 posts and the rest
        chunk = texts[first : first + 37]
        flat, lengths = segment.batch(chunk)
        parts = np.split(flat, np.cumsum(lengths)[:-1])
        assert [part.tolist() for part in parts] == [segment(text) for text in chunk]
    for text in ["", "口罩" * 500, texts[0]]:  # a batch of a single post
        flat, lengths = segment.batch([text])
        assert flat.tolist() == segment(text) and lengths.tolist() == [len(segment(text))]
    assert [len(ids) for ids in wordcnn.segment_all(texts)] == [len(segment(t)) for t in texts]
    flat, lengths = segment.batch([])
    assert len(flat) == 0 and len(lengths) == 0


def random_network(vocabulary: int, k: int = 3, seed: int = 0) -> wordcnn.Network:
    rng = np.random.default_rng(seed)
    dims = 8
    return wordcnn.Network(
        embeddings=rng.normal(size=(vocabulary, dims)).astype(np.float32),
        taps=rng.normal(size=(sum(wordcnn.WIDTHS), dims, wordcnn.FILTERS)).astype(np.float32),
        conv_bias=rng.normal(size=len(wordcnn.WIDTHS) * wordcnn.FILTERS).astype(np.float32),
        out=rng.normal(size=(len(wordcnn.WIDTHS) * wordcnn.FILTERS, k)).astype(np.float32),
        out_bias=rng.normal(size=k).astype(np.float32),
    )


def reference_log_probabilities(network: wordcnn.Network, ids: list[int]) -> np.ndarray:
    """One post, convolution by convolution, as the network's definition reads."""
    x = network.embeddings[ids]
    pooled = []
    tap = 0
    for block, width in enumerate(wordcnn.WIDTHS):
        bias = network.conv_bias[block * wordcnn.FILTERS : (block + 1) * wordcnn.FILTERS]
        windows = [
            sum(x[start + offset] @ network.taps[tap + offset] for offset in range(width))
            for start in range(len(ids) - width + 1)
        ]
        tap += width
        # relu(max(...)) of no window at all is 0, as the trained network's masked max gives
        pooled.append(np.maximum(np.max(windows, axis=0) + bias, 0) if windows else 0 * bias)
    logits = np.concatenate(pooled) @ network.out + network.out_bias
    return logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()


def test_batched_inference_equals_the_network_post_by_post():
    network = random_network(vocabulary=40)
    rng = np.random.default_rng(1)
    lengths = [5, 0, 1, 2, 3, 12, 0, 2, *rng.integers(0, 30, size=30)]  # several groups
    posts = [list(rng.integers(0, 40, size=length)) for length in lengths]
    assert len(posts) > 2 * wordcnn.GROUP
    got = wordcnn.Projection(network).log_probabilities(*wordcnn.flatten(posts))
    for row, ids in enumerate(posts):
        expected = reference_log_probabilities(network, ids)
        assert got[row] == pytest.approx(expected, rel=1e-3, abs=1e-2)  # int16 products
    # A post scores the same whatever else is in its batch.
    alone = wordcnn.Projection(network).log_probabilities(*wordcnn.flatten([posts[5]]))
    assert alone[0] == pytest.approx(got[5], rel=1e-6, abs=1e-4)
    assert wordcnn.Projection(network).log_probabilities(*wordcnn.flatten([])).shape == (0, 3)


def test_packing_keeps_unmoved_vectors_exact_and_rounds_moved_ones():
    words, vectors = read_words(), read_vectors()
    embeddings = np.concatenate(
        [vectors, np.full((wordcnn.OOV_BUCKETS, vectors.shape[1]), 0.05, dtype=np.float32)]
    )
    embeddings[7] += 0.3  # training moved one word
    network = wordcnn.Network(
        embeddings=embeddings,
        taps=np.zeros((6, vectors.shape[1], wordcnn.FILTERS), dtype=np.float32),
        conv_bias=np.zeros(3 * wordcnn.FILTERS, dtype=np.float32),
        out=np.zeros((3 * wordcnn.FILTERS, 2), dtype=np.float32),
        out_bias=np.zeros(2, dtype=np.float32),
    )
    arrays = wordcnn.pack(network)
    assert arrays["network_rows"].tolist() == [7, *range(len(words), len(embeddings))]
    restored = wordcnn.unpack(arrays).embeddings
    assert np.array_equal(restored[:7], vectors[:7])
    assert np.array_equal(restored[8 : len(words)], vectors[8:])
    assert restored[7] == pytest.approx(embeddings[7], abs=0.01)
    assert np.array_equal(wordcnn.shipped(wordcnn.shipped(network)).embeddings, restored)


def tiny_posts():
    segment = wordcnn.default_segmenter()
    happy = ["太开心了", "致敬医护人员", "感谢志愿者", "武汉加油", "好消息"]
    angry = ["气死了", "太可恶了", "严惩黑心商家", "愤怒", "无耻"]
    texts = [text for _ in range(4) for text in happy + angry]
    return [segment(text) for text in texts], np.array(([0] * 5 + [1] * 5) * 4)


def test_training_learns_a_tiny_task_and_is_reproducible():
    tokens, y = tiny_posts()
    weights = np.ones(len(y))
    first = wordcnn.fit_network(tokens, y, weights, 2, seed=3, epochs=30)
    second = wordcnn.fit_network(tokens, y, weights, 2, seed=3, epochs=30)
    for field in ("embeddings", "taps", "conv_bias", "out", "out_bias"):
        assert np.array_equal(getattr(first, field), getattr(second, field))
    predicted = wordcnn.Projection(first).log_probabilities(*wordcnn.flatten(tokens)).argmax(axis=1)
    assert (predicted == y).mean() == 1.0


def test_a_frozen_network_keeps_every_pretrained_vector_and_still_learns():
    # Kept as they are, the vectors of words no post used stay beside the ones the filters
    # learnt from; only the out-of-list buckets ship (pack stores the rows that differ).
    tokens, y = tiny_posts()
    vectors = read_vectors()
    frozen = wordcnn.fit_network(tokens, y, np.ones(len(y)), 2, seed=3, epochs=30, freeze=True)
    tuned = wordcnn.fit_network(tokens, y, np.ones(len(y)), 2, seed=3, epochs=30)
    assert np.array_equal(frozen.embeddings[: len(vectors)], vectors)
    assert not np.array_equal(tuned.embeddings[: len(vectors)], vectors)
    predicted = wordcnn.Projection(frozen).log_probabilities(*wordcnn.flatten(tokens))
    assert (predicted.argmax(axis=1) == y).mean() == 1.0
    rows = wordcnn.pack(frozen)["network_rows"]
    assert rows.tolist() == list(range(len(vectors), len(vectors) + wordcnn.OOV_BUCKETS))


def test_numpy_inference_equals_the_trained_torch_network():
    import torch

    tokens, y = tiny_posts()
    network = wordcnn.fit_network(tokens, y, np.ones(len(y)), 2, seed=5, epochs=2)
    convs = []
    tap = 0
    for width in wordcnn.WIDTHS:
        conv = torch.nn.Conv1d(network.taps.shape[1], wordcnn.FILTERS, width)
        weight = np.stack([network.taps[tap + offset].T for offset in range(width)], axis=2)
        tap += width
        conv.weight.data = torch.from_numpy(weight)
        conv.bias.data = torch.from_numpy(network.conv_bias).reshape(3, -1)[len(convs)].clone()
        convs.append(conv)
    long_enough = [ids for ids in tokens if len(ids) >= max(wordcnn.WIDTHS)]
    assert len(long_enough) >= 3
    with torch.no_grad():
        for ids in long_enough[:6]:
            x = torch.from_numpy(network.embeddings[ids]).T[None]
            pooled = torch.cat([torch.relu(conv(x)).max(dim=2).values[0] for conv in convs])
            logits = pooled @ torch.from_numpy(network.out) + torch.from_numpy(network.out_bias)
            expected = torch.log_softmax(logits, dim=0).numpy()
            got = wordcnn.Projection(network).log_probabilities(*wordcnn.flatten([ids]))[0]
            assert got == pytest.approx(expected, abs=2e-3), ids
