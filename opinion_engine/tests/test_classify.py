"""The shipped classifiers: they load, label raw Weibo-style posts sensibly, keep the contract."""

from pathlib import Path

import numpy as np
import pytest

from opinion_engine.classify import (
    MODEL_NAMES,
    MODELS_DIR,
    N_BUCKETS,
    Artefact,
    Classifiers,
    Scorer,
    default_classifiers,
    distorter,
    extra_tokens,
    hash_features,
    load_artefact,
    predict_emotion,
    predict_rumour,
    predict_sentiment,
    save_artefact,
    text_inputs,
)
from opinion_engine.errors import ModelMissing
from opinion_engine.normalize import normalize_text
from opinion_engine.npz import write_npz
from opinion_engine.types import Post


@pytest.fixture(scope="module")
def classifiers() -> Classifiers:
    return default_classifiers()


def make_post(text: str, number: int = 0) -> Post:
    return Post(source="test", external_id=str(number), text=text)


@pytest.mark.parametrize(
    ("text", "sentiment", "emotion"),
    [
        ("武汉加油！致敬最美逆行者[心][心]", "positive", "happy"),
        ("气死了，口罩都买不到，还涨价！", "negative", "angry"),
        ("感谢医护人员的辛苦付出，祝大家平安健康[抱抱]", "positive", "happy"),
        ("太可怕了，又新增这么多病例，好害怕家人被感染[泪]", "negative", None),
    ],
)
def test_labels_of_raw_posts(classifiers, text, sentiment, emotion):
    post = classifiers(make_post(text))
    assert post.sentiment == sentiment
    if emotion:
        assert post.emotion == emotion
    assert set(post.emotion_scores) == {"happy", "angry", "sad", "fear", "surprise", "neutral"}
    assert sum(post.emotion_scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert set(post.sentiment_scores) == {"negative", "neutral", "positive"}
    assert 0.0 <= post.rumour_score <= 1.0


def test_official_news_scores_lower_as_rumour_than_a_forwarded_claim(classifiers):
    news = (
        "【#国家卫健委通报最新疫情#】4月6日0—24时，31个省（自治区、直辖市）和新疆生产建设兵团"
        "报告新增确诊病例32例，其中境外输入病例30例。"
    )
    claim = "紧急扩散！听说喝高度白酒能杀死新冠病毒，家里有老人的赶紧转给他们看看，宁可信其有！！"
    news_score, claim_score = predict_rumour([news, claim])
    assert claim_score > news_score


def test_ordinary_posts_are_not_flagged_as_rumours():
    # A model of CHECKED alone flagged most ordinary posts: its real posts are all news accounts.
    ordinary = ["武汉加油！致敬最美逆行者[心][心]", "在家憋了一个月，好想出去吃火锅[泪]"]
    assert all(score < 0.5 for score in predict_rumour(ordinary))


def test_plain_functions_take_raw_texts():
    texts = ["武汉加油！", "口罩都买不到，气死了！", ""]
    assert predict_sentiment(texts)[:2] == ["positive", "negative"]
    assert len(predict_emotion(texts)) == 3
    scores = predict_rumour(texts)
    assert len(scores) == 3 and all(isinstance(score, float) for score in scores)


def test_uses_the_pipelines_normalisation_when_present(classifiers):
    text = "致敬[心]//@某网友:武汉加油"
    ready = make_post(text)
    ready.normalized, ready.features = normalize_text(text)
    fresh = make_post(text)
    classifiers.process_batch([ready, fresh], on_error=_fail)
    assert fresh.normalized == ready.normalized
    assert ready.emotion_scores == pytest.approx(fresh.emotion_scores)


def test_a_bad_post_goes_to_on_error_and_the_rest_are_classified(classifiers):
    errors = []
    bad = make_post("x")
    bad.text = None  # what a broken ingest could hand over
    good = make_post("武汉加油！致敬最美逆行者[心]", 1)
    out = classifiers.process_batch(
        [bad, good], on_error=lambda stage, post, error: errors.append((stage, post))
    )
    assert out == [bad, good]
    assert errors == [("classify", bad)]
    assert good.sentiment == "positive" and bad.sentiment == ""


def test_pipe_streams_in_batches(classifiers):
    posts = [make_post(f"第{i}天，武汉加油", i) for i in range(600)]
    out = list(classifiers.pipe(posts, batch_size=256))
    assert out == posts and all(post.emotion for post in out)


def test_empty_text_gets_the_models_prior(classifiers):
    # No feature fires, so each model says what it says of a post it knows nothing about: the
    # commonest class of its training posts, neutral, and no confident guess.
    post = classifiers(make_post(""))
    assert post.emotion == "neutral" and post.sentiment == "neutral"
    assert max(post.emotion_scores.values()) < 0.6
    assert post.rumour_score < 0.5


def test_missing_models_raise_model_missing(tmp_path: Path):
    with pytest.raises(ModelMissing, match=r"opinion_engine\.train"):
        Classifiers.load(tmp_path)


def test_a_model_trained_with_another_affect_lexicon_is_refused(tmp_path: Path):
    shipped = load_artefact(MODELS_DIR / "emotion.npz")
    assert shipped.meta["lexicon"]["sha256"]  # the shipped models record theirs, and it matches
    meta = {**shipped.meta, "lexicon": {**shipped.meta["lexicon"], "sha256": "0" * 64}}
    save_artefact(Artefact(**{**shipped.__dict__, "meta": meta}), tmp_path / "emotion.npz")
    with pytest.raises(ModelMissing, match=r"another affect lexicon.*opinion_engine\.train"):
        load_artefact(tmp_path / "emotion.npz")


def test_a_model_trained_with_other_word_vectors_is_refused(tmp_path: Path):
    shipped = load_artefact(MODELS_DIR / "emotion.npz")
    assert shipped.network is not None and shipped.meta["network"]["wordvec_sha256"]
    network = {**shipped.meta["network"], "wordvec_sha256": "0" * 64}
    meta = {**shipped.meta, "network": network}
    save_artefact(Artefact(**{**shipped.__dict__, "meta": meta}), tmp_path / "emotion.npz")
    with pytest.raises(ModelMissing, match=r"other word vectors.*opinion_engine\.train"):
        load_artefact(tmp_path / "emotion.npz")


def _rewritten(source: Path, target: Path, **changes: np.ndarray) -> Path:
    """An artefact file with some arrays replaced (or removed, given None)."""
    with np.load(source, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    write_npz(arrays, target)
    return target


def test_a_format_3_artefact_listing_its_buckets_still_loads(tmp_path: Path):
    # A model a deployment retrained before format 4 differs only in how it lists its buckets.
    shipped = load_artefact(MODELS_DIR / "rumour.npz")
    old = _rewritten(
        MODELS_DIR / "rumour.npz",
        tmp_path / "rumour.npz",
        format_version=np.array(3, dtype=np.int32),
        bucket_bitmap=None,
        buckets=shipped.buckets.astype(np.int32),
    )
    loaded = load_artefact(old)
    assert len(loaded.buckets) > 100_000
    assert np.array_equal(loaded.buckets, shipped.buckets)
    assert np.array_equal(loaded.coef, shipped.coef)


def test_the_bucket_bitmap_keeps_every_bucket_from_the_first_to_the_last(tmp_path: Path):
    shipped = load_artefact(MODELS_DIR / "rumour.npz")
    buckets = np.array([0, 7, 8, 9, 131_072, (1 << 18) - 1])
    fields = {"buckets": buckets, "idf": shipped.idf[:6], "coef": shipped.coef[:6]}
    save_artefact(Artefact(**{**shipped.__dict__, **fields}), tmp_path / "rumour.npz")
    assert load_artefact(tmp_path / "rumour.npz").buckets.tolist() == buckets.tolist()


def test_an_older_format_is_refused_with_the_command_that_retrains(tmp_path: Path):
    old = _rewritten(MODELS_DIR / "rumour.npz", tmp_path / "rumour.npz", format_version=np.array(2))
    with pytest.raises(ModelMissing, match=r"format 2 .*formats 3-5.*opinion_engine\.train"):
        load_artefact(old)


def test_init_only_stores_configuration(tmp_path: Path):
    stage = Classifiers(path=tmp_path)  # nothing is read until it is used
    assert stage.path == tmp_path
    with pytest.raises(ModelMissing):
        stage(make_post("武汉加油"))


def test_shipped_artefacts_are_small_and_all_load():
    # How fast they load is a benchmark figure (bench's load_seconds), not a unit test's.
    sizes = sum(path.stat().st_size for path in MODELS_DIR.glob("*.npz"))
    assert sizes < 15e6
    loaded = Classifiers.load()._scorer().artefacts
    assert sorted(loaded) == ["emotion", "rumour", "sentiment"]


def test_artefacts_record_their_training_sets_and_terms(classifiers):
    for artefact in classifiers._scorer().artefacts.values():
        meta = artefact.meta
        assert meta["seed"] and meta["n_train"] > 0
        assert all(entry["terms"] and entry["rows_used"] > 0 for entry in meta["training_sets"])
    rumour = classifiers._scorer().artefacts["rumour"].meta
    assert "academic research" in rumour["training_sets"][0]["terms"]


def test_hashing_is_fixed():
    # The shipped artefacts index these buckets: a change here must come with retrained models.
    rows, buckets = hash_features(["武汉", "a"], [["[心]"], []])
    assert rows.tolist() == [0, 0, 1, 0, 0]
    assert buckets.tolist() == EXPECTED_BUCKETS


def test_ngrams_do_not_cross_posts():
    rows, _ = hash_features(["ab", "cd"], [[], []])
    # a, b, ab for the first post; c, d, cd for the second; no "bc"
    assert np.bincount(rows).tolist() == [3, 3]


def test_extra_tokens_keep_what_normalisation_took_out():
    _, features = normalize_text("真的吗？？？[吃惊]#武汉#@某人 http://t.cn/abc")
    tokens = extra_tokens(features, "真的吗？？？[吃惊]#武汉#@某人 http://t.cn/abc")
    assert "[吃惊]" in tokens and "<p？3>" in tokens
    assert {"<url>", "<at>", "<topic>"} <= set(tokens)


def _fail(stage: str, post: Post, error: Exception) -> None:
    raise error


EXPECTED_BUCKETS = [255468, 168713, 88988, 57417, 13835]


def test_engines_share_one_loaded_set_of_models():
    from opinion_engine.classify import shared_classifiers
    from opinion_engine.engine import Engine

    first, second = Engine.build(), Engine.build()
    [stage] = [s for s in first.stages if s.name == "classify"]
    assert [s for s in second.stages if s.name == "classify"] == [stage]
    assert stage is shared_classifiers() is shared_classifiers(MODELS_DIR) is default_classifiers()


def test_shipped_artefacts_read_back_and_write_out_byte_for_byte(tmp_path: Path):
    for name in MODEL_NAMES:
        save_artefact(load_artefact(MODELS_DIR / f"{name}.npz"), tmp_path / f"{name}.npz")
        assert (tmp_path / f"{name}.npz").read_bytes() == (MODELS_DIR / f"{name}.npz").read_bytes()


def test_a_masked_copy_adds_its_ngrams_in_a_hash_space_of_its_own():
    texts, extras = ["据说武汉封城了!!", "新增12例"], [[], ["[心]"]]
    plain_rows, plain_buckets = hash_features(texts, extras)
    rows, buckets = hash_features(texts, extras, distorter=distorter("据说了!"))
    # The plain features come first and unchanged, so a model that reads only them scores
    # the same whether or not another model beside it reads the masked copy.
    assert rows[: len(plain_rows)].tolist() == plain_rows.tolist()
    assert buckets[: len(plain_buckets)].tolist() == plain_buckets.tolist()
    masked = buckets[len(plain_buckets) :]
    assert plain_buckets.max() < N_BUCKETS <= masked.min() and masked.max() < 2 * N_BUCKETS
    # 2- to 5-grams of the masked texts (9 and 5 characters), inside each text.
    assert np.bincount(rows[len(plain_rows) :]).tolist() == [8 + 7 + 6 + 5, 4 + 3 + 2 + 1]
    # Two stories told alike share every masked n-gram.
    _, one = hash_features(["据说武汉封城了!!"], [[]], distorter=distorter("据说了!"))
    _, other = hash_features(["据说北京封路了!!"], [[]], distorter=distorter("据说了!"))
    assert sorted(one[one >= N_BUCKETS]) == sorted(other[other >= N_BUCKETS])
    assert sorted(one[one < N_BUCKETS]) != sorted(other[other < N_BUCKETS])


def _masking(artefact: Artefact, characters: str) -> Artefact:
    """`artefact` given masked-copy weights for the buckets of `characters`' masked texts."""
    _, buckets = hash_features(["据说武汉封城了!!"], [[]], distorter=distorter(characters))
    extra = np.unique(buckets[buckets >= N_BUCKETS])
    plain = artefact.buckets < N_BUCKETS  # a shipped model's own masked weights are left out
    k = artefact.coef.shape[1]
    return Artefact(
        **{
            **artefact.__dict__,
            "buckets": np.concatenate([artefact.buckets[plain], extra]),
            "idf": np.concatenate([artefact.idf[plain], np.full(len(extra), 2.0, np.float32)]),
            "coef": np.concatenate(
                [artefact.coef[plain], np.full((len(extra), k), 0.5, np.float32)]
            ),
            "distortion": characters,
        }
    )


def _unmasked(artefact: Artefact) -> Artefact:
    plain = artefact.buckets < N_BUCKETS
    return Artefact(
        **{
            **artefact.__dict__,
            "buckets": artefact.buckets[plain],
            "idf": artefact.idf[plain],
            "coef": artefact.coef[plain],
            "distortion": "",
        }
    )


def test_a_masking_model_round_trips_as_format_5_and_leaves_its_neighbours_alone(tmp_path):
    rumour = _masking(load_artefact(MODELS_DIR / "rumour.npz"), "据说了!")
    save_artefact(rumour, tmp_path / "rumour.npz")
    with np.load(tmp_path / "rumour.npz") as data:
        assert int(data["format_version"]) == 5
    loaded = load_artefact(tmp_path / "rumour.npz")
    assert loaded.distortion == "据说了!"
    assert loaded.buckets.tolist() == rumour.buckets.tolist()
    assert loaded.buckets.max() >= N_BUCKETS
    inputs = text_inputs(["据说武汉封城了!!", "今天新增确诊病例12例"])
    emotion = load_artefact(MODELS_DIR / "emotion.npz")
    beside = Scorer([emotion, loaded]).scores(*inputs)
    alone = Scorer([emotion]).scores(*inputs)
    assert beside["emotion"].tolist() == alone["emotion"].tolist()
    # The masked copy's weights count: the claim scores higher than without them.
    plain = Scorer([_unmasked(load_artefact(MODELS_DIR / "rumour.npz"))]).scores(*inputs)["rumour"]
    assert beside["rumour"][0, 0] > plain[0, 0]


def test_models_that_mask_with_different_characters_are_refused_together():
    rumour = load_artefact(MODELS_DIR / "rumour.npz")
    emotion = load_artefact(MODELS_DIR / "emotion.npz")
    with pytest.raises(ModelMissing, match="different character lists"):
        Scorer([_masking(emotion, "的了"), _masking(rumour, "据说了!")])
