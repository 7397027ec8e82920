"""Training on a tiny slice: reproducible, and what it fits is what classify.Scorer computes."""

import csv
from pathlib import Path

import numpy as np
import pytest

from opinion_engine import train
from opinion_engine.classify import (
    MODELS_DIR,
    N_BUCKETS,
    Scorer,
    blend_sentiment,
    distorter,
    emotion_to_sentiment,
    hash_features,
    load_artefact,
    save_artefact,
    text_inputs,
)
from opinion_engine.wordvec import read_vectors

HAPPY = [
    "武汉加油，致敬最美逆行者[心]",
    "感谢医护人员，辛苦了[赞]",
    "疫情终于好转了，太开心了[哈哈]",
]
ANGRY = [
    "气死了，口罩都买不到，还涨价！",
    "黑心商家哄抬物价，必须严查！",
    "瞒报疫情的官员太可恶了[怒]",
]
NEUTRAL = ["今天新增确诊病例12例", "明天起地铁恢复运营", "本市发布最新防控通告"]


def labelled_copies(groups: dict[str, list[str]], copies: int) -> tuple[list[str], list[str]]:
    """Each group's posts `copies` times, each copy a little different, with its label."""
    texts: list[str] = []
    labels: list[str] = []
    for number in range(copies):
        for label, group in groups.items():
            texts += [f"{text}{'！' * (number % 3)}第{number}条" for text in group]
            labels += [label] * len(group)
    return texts, labels


def tiny_slice(copies: int = 6) -> tuple[list[str], list[str]]:
    return labelled_copies({"happy": HAPPY, "angry": ANGRY, "neutral": NEUTRAL}, copies)


def fit_tiny():
    texts, labels = tiny_slice()
    return train.train_model(
        "emotion", texts, labels, config=train.ModelConfig(min_df=1, c=0.5), folds=3
    )


def test_same_data_and_seed_give_identical_weights(tmp_path: Path):
    first, first_report = fit_tiny()
    second, second_report = fit_tiny()
    assert np.array_equal(first.buckets, second.buckets)
    assert np.array_equal(first.coef, second.coef)
    assert np.array_equal(first.intercept, second.intercept)
    assert np.array_equal(first.calibration, second.calibration)
    assert first_report == second_report
    save_artefact(first, tmp_path / "a.npz")
    save_artefact(second, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_scorer_computes_what_training_fitted(tmp_path: Path):
    artefact, _ = fit_tiny()
    save_artefact(artefact, tmp_path / "emotion.npz")
    loaded = load_artefact(tmp_path / "emotion.npz")
    texts = ["武汉加油！", "口罩涨价气死了", "新增病例", ""]
    rows, buckets, n = train.featurize(texts)
    x = train.tfidf_matrix(rows, buckets, n, artefact.buckets, artefact.idf)
    expected = x @ loaded.coef.astype(np.float64) + loaded.intercept
    got = Scorer([loaded]).scores(*text_inputs(texts))["emotion"]
    assert got == pytest.approx(expected, abs=2e-3)  # float16 idf and float32 sums


def test_a_model_that_masks_its_posts_scores_as_trained_after_a_round_trip(tmp_path: Path):
    texts, labels = tiny_slice()
    config = train.ModelConfig(min_df=1, c=0.5, distortion=12)
    artefact, report = train.train_model("emotion", texts, labels, config=config, folds=3)
    # The twelve most frequent characters of the posts it learnt from, spaces and digits aside.
    assert artefact.distortion == report["distortion"]["characters"]
    assert len(artefact.distortion) == 12 and "第" in artefact.distortion
    assert artefact.buckets.max() >= N_BUCKETS  # the masked copy's n-grams are in the model
    save_artefact(artefact, tmp_path / "emotion.npz")
    loaded = load_artefact(tmp_path / "emotion.npz")
    probe = ["武汉加油！", "口罩涨价气死了", "新增病例", ""]
    normalized, extras = text_inputs(probe)
    rows, buckets = hash_features(normalized, extras, distorter=distorter(loaded.distortion))
    space = 2 * N_BUCKETS
    x = train.tfidf_matrix(rows, buckets, len(probe), artefact.buckets, artefact.idf, space=space)
    expected = x @ loaded.coef.astype(np.float64) + loaded.intercept
    got = Scorer([loaded]).scores(normalized, extras)["emotion"]
    assert got == pytest.approx(expected, abs=2e-3)


def test_tiny_model_learns_the_slice():
    artefact, report = fit_tiny()
    probabilities = Scorer([artefact]).probabilities(*text_inputs(["致敬逆行者[心]"]))["emotion"]
    assert artefact.classes[int(probabilities.argmax())] == "happy"
    assert report["cv_macro_f1"] > 0.5


def test_training_command_on_own_files_records_the_data(tmp_path: Path):
    texts, labels = tiny_slice()
    path = tmp_path / "own.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels, strict=True))
        writer.writerow(["", "happy"])  # empty text: skipped, and counted
    out = tmp_path / "models"
    assert train.main(["--only", "emotion", "--emotion", str(path), "--out", str(out),
                       "--terms", "our own posts"]) == 0  # fmt: skip
    meta = load_artefact(out / "emotion.npz").meta
    assert meta["seed"] == train.SEED
    assert meta["n_train"] == len(texts)
    [entry] = meta["training_sets"]
    assert entry["terms"] == "our own posts" and entry["rows_skipped"] == 1
    assert entry["file"] == "own.csv" and len(entry["sha256"]) == 64
    assert "transfer" not in meta  # the shipped teacher learnt from other posts


def test_a_training_file_without_labels_stops_before_any_model_is_written(tmp_path, capsys):
    emotion = tmp_path / "emotion.csv"
    emotion.write_text("text,label\n武汉加油,happy\n", encoding="utf-8")
    raw = tmp_path / "raw.csv"
    raw.write_text("weibo_id,text\n1,武汉加油\n", encoding="utf-8")
    out = tmp_path / "models"
    args = ["--only", "emotion", "sentiment", "--emotion", str(emotion), "--sentiment", str(raw)]
    assert train.main([*args, "--out", str(out)]) == 2
    assert "sentiment: " in (err := capsys.readouterr().err) and "no label column" in err
    assert not out.exists() or not any(out.iterdir())  # the emotion model was not trained either


def test_training_command_reports_missing_files(tmp_path: Path, capsys):
    assert train.main(["--only", "rumour", "--data-dir", str(tmp_path)]) == 2
    assert "missing training file" in capsys.readouterr().err


def test_offsets_raise_macro_f1_on_a_skewed_problem():
    rng = np.random.default_rng(0)
    y = np.array([0] * 90 + [1] * 10)
    scores = np.column_stack([rng.normal(1.0, 1.0, 100), rng.normal(0.0, 1.0, 100)])
    scores[y == 1, 1] += 1.5
    offsets = train.tune_offsets(scores, y)

    # Plain argmax gives the minority class a quarter of the majority's posts; the offsets move
    # the boundary back, and macro-F1 rises on these scores and on a fresh draw.
    assert offsets[0] - offsets[1] > 0
    assert train._macro_f1(y, (scores + offsets).argmax(1), 2) > train._macro_f1(
        y, scores.argmax(1), 2
    )
    fresh = np.column_stack([rng.normal(1.0, 1.0, 100), rng.normal(0.0, 1.0, 100)])
    fresh[y == 1, 1] += 1.5
    assert train._macro_f1(y, (fresh + offsets).argmax(1), 2) > train._macro_f1(
        y, fresh.argmax(1), 2
    )


def test_file_balanced_weights_weigh_every_class_alike_within_each_file():
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1, 2])
    files = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    weights = np.array([1.0, 1, 1, 1, 2, 2, 2, 2, 2])
    out = train.file_balanced_weights(y, weights, files)
    for file in (0, 1):
        rows = files == file
        per_class = [out[rows & (y == label)].sum() for label in np.unique(y[rows])]
        assert np.allclose(per_class, per_class[0])  # each class alike within the file
        assert np.isclose(out[rows].sum(), weights[rows].sum())  # the file keeps its total
    assert out[0] == 4 / (2 * 3) and out[3] == 4 / (2 * 1)
    assert np.array_equal(weights, [1.0, 1, 1, 1, 2, 2, 2, 2, 2])  # not changed in place


def test_a_model_balanced_per_file_gives_the_svm_file_balanced_weights(monkeypatch):
    fitted = []
    real_svc = train._svc

    def recording_svc(c, *, balanced=True):
        model = real_svc(c, balanced=balanced)
        real_fit = model.fit

        def fit(x, y, sample_weight=None):
            fitted.append((model.class_weight, y.copy(), sample_weight.copy()))
            return real_fit(x, y, sample_weight=sample_weight)

        model.fit = fit
        return model

    monkeypatch.setattr(train, "_svc", recording_svc)
    texts, labels = tiny_slice()
    sources = np.arange(len(texts)) % 2
    sources[:9] = 0  # the two files' class shares differ
    weights = np.where(sources == 1, 2.0, 1.0)
    for flag in (False, True):
        fitted.clear()
        config = train.ModelConfig(min_df=1, c=0.5, tune_offsets=False, balance_per_file=flag)
        train.train_model(
            "emotion", texts, labels, weights=weights, sources=sources, config=config, folds=3
        )
        class_weight, y, sample_weight = fitted[-1]  # the final model, on every row
        if flag:
            assert class_weight is None
            assert np.allclose(sample_weight, train.file_balanced_weights(y, weights, sources))
        else:
            assert class_weight == "balanced" and np.array_equal(sample_weight, weights)
        assert len(fitted) == 4  # three folds and the final model, all weighted alike


def test_a_model_configured_without_offsets_ships_none_and_chooses_its_network_without_them():
    texts, labels = tiny_slice()
    config = train.ModelConfig(min_df=1, c=0.5, tune_offsets=False)
    _, report = train.train_model("emotion", texts, labels, config=config, folds=3)
    assert set(report["class_offsets"].values()) == {0.0}

    rng = np.random.default_rng(1)
    y = np.array([0] * 80 + [1] * 20)
    linear = rng.normal(0.0, 1.0, (100, 2))
    network = rng.normal(0.0, 1.0, (100, 2))
    _, trials = train.choose_network_weight(linear, network, y, np.zeros(100), offsets=False)
    for weight in train.NETWORK_WEIGHTS:
        raw = train._macro_f1(y, (linear + weight * network).argmax(1), 2)
        assert trials[str(weight)] == [round(raw, 4)]


SENTIMENT_OF = {"happy": "positive", "angry": "negative", "neutral": "neutral"}


def test_training_both_models_blends_sentiment_with_emotion(tmp_path: Path):
    texts, labels = tiny_slice()
    emotion_file, sentiment_file = tmp_path / "emotion.csv", tmp_path / "sentiment.csv"
    for path, rows in (
        (emotion_file, zip(texts, labels, strict=True)),
        (
            sentiment_file,
            ((t, SENTIMENT_OF[label]) for t, label in zip(texts, labels, strict=True)),
        ),
    ):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(rows)
    out = tmp_path / "models"
    assert train.main(["--only", "emotion", "sentiment", "--emotion", str(emotion_file),
                       "--sentiment", str(sentiment_file), "--out", str(out)]) == 0  # fmt: skip
    emotion, sentiment = load_artefact(out / "emotion.npz"), load_artefact(out / "sentiment.npz")
    blend = sentiment.meta["blend"]
    assert np.array(blend["coef"]).shape == (3, 6) and len(blend["offsets"]) == 3
    assert "blend" in sentiment.meta["report"]

    inputs = text_inputs(["致敬逆行者[心]", "口罩涨价气死了", "新增病例"])
    both = Scorer([emotion, sentiment]).probabilities(*inputs)["sentiment"]
    alone = Scorer([sentiment]).probabilities(*inputs)["sentiment"]
    assert both.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-5)
    emotion_probabilities = Scorer([emotion]).probabilities(*inputs)["emotion"]
    expected = blend_sentiment(alone, emotion_probabilities, emotion.classes, blend)
    assert both == pytest.approx(expected, abs=1e-6)  # applied when both models are loaded
    assert [sentiment.classes[i] for i in both.argmax(axis=1)] == [
        "positive",
        "negative",
        "neutral",
    ]

    # Retraining sentiment alone cannot fit a blend, and says so by shipping none.
    assert train.main(["--only", "sentiment", "--sentiment", str(sentiment_file),
                       "--out", str(out)]) == 0  # fmt: skip
    assert "blend" not in load_artefact(out / "sentiment.npz").meta


def test_the_blend_regresses_on_both_models_log_probabilities():
    sentiment = np.array([[0.5, 0.3, 0.2]])
    emotion = np.array([[0.0, 0.2, 0.0, 0.0, 0.8, 0.0]])  # surprise drops out: all angry
    classes = ("happy", "angry", "sad", "fear", "surprise", "neutral")
    coef = [[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 2]]  # corrections
    blend = {
        "groups": train.SENTIMENT_GROUPS,
        "coef": coef,
        "intercept": [0, 0.5, 0],
        "offsets": [0, 0, 0.25],
        "temperature": 2,
    }
    implied = np.array([1.0, 1e-6, 1e-6])  # floored before the log
    product = np.log(sentiment[0]) + np.log(implied)
    z = product + np.array([np.log(0.5), 0.5, 2 * np.log(implied[2]) + 0.25])
    expected = np.exp(2 * z) / np.exp(2 * z).sum()
    assert blend_sentiment(sentiment, emotion, classes, blend) == pytest.approx(
        expected[None, :], rel=1e-5
    )


def test_the_blend_weighs_each_file_and_each_class_in_it_alike():
    sources = np.array([0] * 6 + [1] * 3)
    y = np.array([0, 0, 0, 0, 1, 2, 0, 1, 1])
    weights = train.blend_row_weights(sources, y, 3)
    totals = {
        (s, c): weights[(sources == s) & (y == c)].sum()
        for s, c in set(zip(sources, y, strict=True))
    }
    assert set(np.round(list(totals.values()), 9)) == {1.0}
    assert len(totals) == 5  # file 1 has no class 2: no weight goes to an empty cell


def test_the_blend_regression_reads_each_file_by_the_model_that_is_right_there():
    # A large file where the sentiment model is surely right and the emotion model says
    # nothing, and a small one where the sentiment model is surely wrong and the emotion model
    # mildly right: the product alone gets the small file wrong.
    rng = np.random.default_rng(0)
    n_large, n_small = 3000, 300
    y = np.concatenate([rng.integers(0, 3, n_large), rng.integers(0, 3, n_small)])
    sources = np.array([0] * n_large + [1] * n_small)
    sure = np.where((sources == 0)[:, None], np.eye(3)[y], np.eye(3)[(y + 1) % 3])
    sentiment = sure * 0.9 + 0.05
    emotion = np.full((len(y), 6), 1 / 6)
    implied = np.array([1, 5, 0])[y]  # negative: angry, neutral: neutral, positive: happy
    small = np.flatnonzero(sources == 1)
    emotion[small] = 0.5 / 5
    emotion[small, implied[small]] = 0.5
    emotion_artefact = load_artefact(MODELS_DIR / "emotion.npz")
    texts = [f"post {i}" for i in range(len(y))]
    blend, report = train.fit_sentiment_blend(
        {"texts": texts, "sources": sources, "y": y, "probabilities": sentiment},
        {"texts": texts, "probabilities": emotion},
        emotion_artefact,
    )
    assert report["cv_macro_f1_per_file"] == [1.0, 1.0]
    product = np.log(sentiment) + np.log(
        emotion_to_sentiment(emotion, emotion_artefact.classes, train.SENTIMENT_GROUPS)
    )
    assert np.mean(product[small].argmax(axis=1) == y[small]) < 0.5
    final = blend_sentiment(sentiment, emotion, emotion_artefact.classes, blend)
    assert final.sum(axis=1) == pytest.approx(np.ones(len(y)))


def test_an_older_blend_mixes_in_what_the_emotions_imply():
    sentiment = np.array([[0.5, 0.3, 0.2]])
    emotion = np.array([[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]])  # all happy
    classes = ("happy", "angry", "sad", "fear", "surprise", "neutral")
    blend = {
        "weight": 0.5,
        "groups": train.SENTIMENT_GROUPS,
        "offsets": [0, 0, 0],
        "temperature": 1,
    }
    assert blend_sentiment(sentiment, emotion, classes, blend) == pytest.approx(
        np.array([[0.25, 0.15, 0.6]])
    )
    surprised = np.array([[0.0, 0.2, 0.0, 0.0, 0.8, 0.0]])  # surprise drops out: all angry
    assert blend_sentiment(sentiment, surprised, classes, blend) == pytest.approx(
        np.array([[0.75, 0.15, 0.1]])
    )


def test_training_weighs_a_word_cnn_beside_the_linear_model_out_of_fold():
    texts, labels = tiny_slice()
    config = train.ModelConfig(min_df=1, c=0.5, network_epochs=2)
    artefact, report = train.train_model("emotion", texts, labels, config=config, folds=3)
    trials = report["network"]["cv_macro_f1_by_weight_per_file"]
    assert set(trials) == {str(weight) for weight in train.NETWORK_WEIGHTS}
    weight = report["network"]["weight"]
    assert sum(trials[str(weight)]) == max(sum(scores) for scores in trials.values())
    assert (artefact.network is None) == (weight == 0)


def test_near_copies_stay_in_one_cross_validation_fold():
    y = np.array([0, 1] * 12)
    groups = np.repeat(np.arange(6), 4)  # six stories, four copies each, both classes

    def straddling(folds):
        return [set(groups[train_rows]) & set(groups[test_rows]) for train_rows, test_rows in folds]

    assert not any(straddling(train._folds(y, y, 3, groups)))
    assert any(straddling(train._folds(y, y, 3)))  # shuffled folds would split them
    assert sorted(np.concatenate([rows for _, rows in train._folds(y, y, 3, groups)])) == list(
        range(24)
    )


def test_a_word_cnn_is_reproducible_and_scores_as_trained_after_a_round_trip(tmp_path: Path):
    texts, labels = tiny_slice()
    y = np.array([train.CLASSES["emotion"].index(label) for label in labels])
    folds = train._folds(y, y, 3)
    normalized = text_inputs(texts)[0]
    out_of_fold = train.network_scores(normalized, y, np.ones(len(y)), 6, folds, 2)
    again_out_of_fold = train.network_scores(normalized, y, np.ones(len(y)), 6, folds, 2)
    network = train.final_network(normalized, y, np.ones(len(y)), 6, 2)
    again = train.final_network(normalized, y, np.ones(len(y)), 6, 2)
    assert np.array_equal(out_of_fold, again_out_of_fold)
    assert np.array_equal(network.taps, again.taps)

    linear, _ = fit_tiny()
    artefact = train.Artefact(**{**linear.__dict__, "network": network})
    meta = {"name": "emotion", **train._network_meta(artefact, {"network": {"weight": 0.3}}, 1)}
    artefact = train.Artefact(**{**artefact.__dict__, "meta": meta})
    save_artefact(artefact, tmp_path / "a.npz")
    save_artefact(artefact, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()

    loaded = load_artefact(tmp_path / "a.npz")
    inputs = text_inputs(["武汉加油！", "口罩涨价气死了", "新增病例", ""])
    with_network = Scorer([loaded]).scores(*inputs)["emotion"]
    alone = Scorer([train.Artefact(**{**loaded.__dict__, "network": None})]).scores(*inputs)[
        "emotion"
    ]
    from opinion_engine.wordcnn import Projection, default_segmenter

    words = default_segmenter().batch(inputs[0])
    expected = alone + 0.3 * Projection(network).log_probabilities(*words)
    assert with_network == pytest.approx(expected, abs=1e-4)
    assert not np.allclose(with_network, alone)


RUMOURS = [
    "紧急扩散！喝白酒能预防新冠病毒",
    "内部消息：明天全城封路，赶紧囤菜",
    "据说吃大蒜可以杀死病毒",
]
NEWS = [
    "【#本市新增确诊病例3例#】市卫健委通报",
    "【#地铁恢复运营#】明日起恢复运营",
    "【#发布会#】最新防控措施",
]


def rumour_slice(copies: int = 6) -> tuple[list[str], list[str]]:
    return labelled_copies({"fake": RUMOURS, "real": NEWS}, copies)


def test_a_binary_model_adds_its_networks_log_odds_before_the_sigmoid(tmp_path, monkeypatch):
    # A network's two log-probabilities reach the single score of a binary model as the
    # log-odds of its second class ("fake"); adding both columns would score something else.
    monkeypatch.setattr(train, "NETWORK_WEIGHTS", (0.5,))
    texts, labels = rumour_slice()
    config = train.ModelConfig(min_df=1, c=0.5, tune_offsets=False, network_epochs=2)
    artefact, report = train.train_model("rumour", texts, labels, config=config, folds=3)
    weight = report["network"]["weight"]
    assert artefact.network is not None and weight > 0
    meta = {"name": "rumour", **train._network_meta(artefact, report, 1)}
    save_artefact(train.Artefact(**{**artefact.__dict__, "meta": meta}), tmp_path / "r.npz")
    loaded = load_artefact(tmp_path / "r.npz")
    inputs = text_inputs(["据说喝白酒能防病毒", "【#本市发布会#】通报", "今天天气不错"])
    with_network = Scorer([loaded]).scores(*inputs)["rumour"]
    alone = Scorer([train.Artefact(**{**loaded.__dict__, "network": None})]).scores(*inputs)
    from opinion_engine.wordcnn import Projection, default_segmenter

    log_p = Projection(loaded.network).log_probabilities(*default_segmenter().batch(inputs[0]))
    assert with_network.shape == (3, 1)
    expected = alone["rumour"] + weight * (log_p[:, 1:] - log_p[:, :1])
    assert with_network == pytest.approx(expected, abs=1e-4)
    slope, offset = loaded.calibration
    probabilities = Scorer([loaded]).probabilities(*inputs)["rumour"]
    assert probabilities == pytest.approx(
        0.5 * (1 + np.tanh(0.5 * (slope * expected[:, 0] + offset)))
    )
    assert probabilities[0] > 0.5 > probabilities[1]


def test_a_model_can_keep_the_teachers_posts_for_its_network_alone(monkeypatch):
    monkeypatch.setattr(train, "NETWORK_WEIGHTS", (0.5,))
    texts, labels = rumour_slice()
    taught = (["恐龙蛋能治新冠"] * 6, ["fake"] * 6, np.ones(6))
    options = {"min_df": 1, "c": 0.5, "tune_offsets": False, "network_epochs": 2}
    fits = {}
    for name, linear_transfer, transfer in [
        ("plain", True, None),
        ("both", True, taught),
        ("network", False, taught),
    ]:
        config = train.ModelConfig(**options, linear_transfer=linear_transfer)
        fits[name], _ = train.train_model(
            "rumour", texts, labels, config=config, folds=3, transfer=transfer
        )
    assert np.array_equal(fits["network"].coef, fits["plain"].coef)
    assert np.array_equal(fits["network"].buckets, fits["plain"].buckets)
    assert not np.array_equal(fits["both"].buckets, fits["plain"].buckets)
    assert not np.array_equal(fits["network"].network.taps, fits["plain"].network.taps)


def test_a_network_without_teacher_posts_may_keep_the_pretrained_vectors(monkeypatch):
    # Learning from labelled rows alone (a deployment's own files), the network keeps the
    # vectors as pretrained; given a teacher's posts, which use far more words, it tunes them.
    monkeypatch.setattr(train, "NETWORK_WEIGHTS", (0.5,))
    texts, labels = rumour_slice()
    taught = (["恐龙蛋能治新冠", "今天天气不错"] * 3, ["fake", "real"] * 3, np.ones(6))
    options = {"min_df": 1, "c": 0.5, "tune_offsets": False, "network_epochs": 2}
    base = read_vectors()
    moved, meta = {}, {}
    for name, freeze, transfer in [
        ("tuned", False, None),
        ("frozen", True, None),
        ("taught", True, taught),
    ]:
        config = train.ModelConfig(**options, freeze_vectors_without_teacher=freeze)
        artefact, report = train.train_model(
            "rumour", texts, labels, config=config, folds=3, transfer=transfer
        )
        moved[name] = np.any(artefact.network.embeddings[: len(base)] != base, axis=1).sum()
        meta[name] = train._network_meta(artefact, report, 1)["network"]["method"]
    assert moved["frozen"] == 0 < min(moved["tuned"], moved["taught"])
    assert "vectors kept as they are" in meta["frozen"]
    assert "vectors fine-tuned" in meta["tuned"] and "vectors fine-tuned" in meta["taught"]


def test_a_binary_models_network_weight_is_in_log_odds_and_may_be_fixed(monkeypatch):
    # The linear margin's sigmoid slope sets the scale: weight × slope is the log-odds weight.
    monkeypatch.setattr(train, "NETWORK_WEIGHTS", (0.0, 0.5))
    texts, labels = rumour_slice()
    options = {"min_df": 1, "c": 0.5, "tune_offsets": False}
    config = train.ModelConfig(**options, network_epochs=2, network_weight=0.5)
    artefact, report = train.train_model("rumour", texts, labels, config=config, folds=3)
    plain, _ = train.train_model(
        "rumour", texts, labels, config=train.ModelConfig(**options), folds=3
    )
    assert report["network"]["fixed"] == 0.5
    assert set(report["network"]["cv_macro_f1_by_weight_per_file"]) == {"0.0", "0.5"}
    assert artefact.network is not None
    assert report["network"]["weight"] * plain.calibration[0] == pytest.approx(0.5, rel=1e-4)


def test_a_one_class_file_counts_its_accuracy_when_the_network_weight_is_chosen():
    # Background posts are all "real": one of them flagged would halve their macro-F1 and
    # outweigh every other file; their accuracy moves by one post's share.
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0])
    sources = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    linear = np.array([[2.0], [-2.0], [2.0], [-2.0], [-2.0], [-2.0], [-2.0], [-2.0]])
    network = np.array([[0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [9.0]])
    _, trials = train.choose_network_weight(linear, network, y, sources, offsets=False)
    assert trials["0.0"] == [1.0, 1.0]
    assert trials["0.5"] == [1.0, 0.75]


# A word the labelled slice never uses, which only the teacher's posts teach.
TAUGHT = ["恐龙又涨价了，气死", "恐龙店坑人，太可恶", "恐龙们哄抬物价！"]


def test_teacher_labelled_posts_teach_the_model_but_are_never_scored_out_of_fold():
    texts, labels = tiny_slice()
    copy_of_labelled = texts[0]
    extra = [*TAUGHT * 3, copy_of_labelled]
    transfer = (extra, ["angry"] * (len(extra) - 1) + ["sad"], np.full(len(extra), 0.9))
    oof: dict = {}
    artefact, report = train.train_model(
        "emotion", texts, labels, config=train.ModelConfig(min_df=1, c=0.5), folds=3,
        oof_out=oof, transfer=transfer,
    )  # fmt: skip
    plain, _ = fit_tiny()
    assert len(oof["y"]) == len(texts) == len(oof["probabilities"])
    assert report["transfer"]["near_copies_dropped"] == 1  # it would tell the fold its label
    assert report["transfer"]["labels"] == {"angry": len(TAUGHT) * 3}

    def emotion_of(model):
        scores = Scorer([model]).probabilities(*text_inputs(["恐龙们又来了"]))["emotion"]
        return model.classes[int(scores.argmax())]

    assert emotion_of(artefact) == "angry"
    assert emotion_of(plain) != "angry"


def write_teacher_file(tmp_path: Path, training: Path, labelled: dict[str, list[float]]):
    from opinion_engine.teacher import write_teacher_labels

    meta = {
        "classes": list(train.CLASSES["emotion"]),
        "training_file": {"sha256": train._sha256(training)},
        "model": "tiny",
    }
    path = tmp_path / "teacher.npz"
    write_teacher_labels(path, list(labelled), np.array(list(labelled.values())), meta)
    return path


def test_a_plan_reads_its_teachers_labels_for_the_transfer_posts(tmp_path: Path):
    training = tmp_path / "train.csv"
    training.write_text("text,label\n武汉加油,happy\n", encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("weibo_id,text\n1,：恐龙又涨价了\n2,没人标过的帖子\n3,好\n", encoding="utf-8")
    angry = [0.0, 0.8, 0.1, 0.1, 0.0, 0.0]  # happy angry sad fear surprise neutral
    teacher = write_teacher_file(tmp_path, training, {"恐龙又涨价了": angry})
    plan = train.TrainingPlan(
        "emotion", [train.TrainingFile(training, "t")], transfer=[posts], teacher=teacher
    )
    (texts, labels, weights), described = train.teacher_transfer(plan, train.CLASSES["emotion"])
    assert texts == ["恐龙又涨价了"] and labels == ["angry"]
    assert weights == pytest.approx([0.8], abs=1e-3)  # an unsure label teaches less
    assert described["posts_labelled"] == 1 and described["posts_read"] == 2
    assert described["files"][0]["file"] == "posts.csv"


def test_labels_a_teacher_made_from_another_training_file_are_left_out(tmp_path: Path, capsys):
    training = tmp_path / "train.csv"
    training.write_text("text,label\n武汉加油,happy\n", encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("weibo_id,text\n1,恐龙又涨价了\n", encoding="utf-8")
    teacher = write_teacher_file(tmp_path, training, {"恐龙又涨价了": [0, 1, 0, 0, 0, 0]})
    training.write_text("text,label\n武汉加油,happy\n口罩,neutral\n", encoding="utf-8")
    plan = train.TrainingPlan(
        "emotion", [train.TrainingFile(training, "t")], transfer=[posts], teacher=teacher
    )
    assert train.teacher_transfer(plan, train.CLASSES["emotion"]) == (None, None)
    assert "another training file" in capsys.readouterr().err
    posts.unlink()
    assert train.teacher_transfer(plan, train.CLASSES["emotion"]) == (None, None)
    assert "missing" in capsys.readouterr().err


def test_a_teacher_of_several_files_is_used_only_with_the_same_files_in_order(
    tmp_path: Path, capsys
):
    ncov, smp = tmp_path / "ncov.csv", tmp_path / "smp.csv"
    ncov.write_text("text,label\n口罩买到了,1\n", encoding="utf-8")
    smp.write_text("text,label\n武汉加油,happy\n", encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("weibo_id,text\n1,恐龙又涨价了\n", encoding="utf-8")
    from opinion_engine.teacher import write_teacher_labels

    teacher = tmp_path / "teacher.npz"
    meta = {
        "classes": list(train.CLASSES["sentiment"]),
        "training_files": [{"sha256": train._sha256(ncov)}, {"sha256": train._sha256(smp)}],
    }
    write_teacher_labels(teacher, ["恐龙又涨价了"], np.array([[0.9, 0.05, 0.05]]), meta)

    def plan(*files: Path) -> train.TrainingPlan:
        specs = [train.TrainingFile(path, "t") for path in files]
        return train.TrainingPlan("sentiment", specs, transfer=[posts], teacher=teacher)

    (texts, labels, _), _ = train.teacher_transfer(plan(ncov, smp), train.CLASSES["sentiment"])
    assert texts == ["恐龙又涨价了"] and labels == ["negative"]
    for files in [(smp, ncov), (ncov,)]:
        assert train.teacher_transfer(plan(*files), train.CLASSES["sentiment"]) == (None, None)
        assert "another training file" in capsys.readouterr().err


def test_the_shipped_models_learn_from_the_emotion_teacher_and_a_rumour_teacher(tmp_path: Path):
    # A sentiment teacher was tried and lost on the held-out fold; the emotion teacher's labels,
    # grouped into sentiments, won there (docs/model-card.md, tenth and eleventh rounds).
    plans = train.default_plans(tmp_path)
    for task in ("emotion", "sentiment"):
        assert plans[task].teacher.name == "teacher_emotion.npz" and plans[task].transfer
        assert plans[task].transfer_weight == 1.0
    assert plans["emotion"].teacher_groups is None
    assert plans["sentiment"].teacher_groups == train.SENTIMENT_GROUPS
    # The rumour teacher labels ordinary posts only, and they weigh less than CHECKED's rows.
    rumour = plans["rumour"]
    assert rumour.teacher.name == "teacher_rumour.npz" and rumour.teacher_groups is None
    assert [path.name for path in rumour.transfer] == ["unlabeled_raw_posts.csv"]
    assert rumour.transfer_weight == train.RUMOUR_TRANSFER_WEIGHT < 1
    assert train.CONFIGS["rumour"].network_epochs > 0
    # Retrained without the teacher, its network keeps the pretrained vectors as they are.
    assert train.CONFIGS["rumour"].freeze_vectors_without_teacher
    assert not train.CONFIGS["emotion"].freeze_vectors_without_teacher


def test_a_plans_transfer_weight_scales_its_teachers_labels(tmp_path: Path):
    training = tmp_path / "train.csv"
    training.write_text("text,label\n武汉加油,happy\n", encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text("weibo_id,text\n1,恐龙又涨价了\n", encoding="utf-8")
    teacher = write_teacher_file(tmp_path, training, {"恐龙又涨价了": [0, 0.8, 0.2, 0, 0, 0]})
    plan = train.TrainingPlan(
        "emotion",
        [train.TrainingFile(training, "t")],
        transfer=[posts],
        teacher=teacher,
        transfer_weight=0.3,
    )
    (_, labels, weights), _ = train.teacher_transfer(plan, train.CLASSES["emotion"])
    assert labels == ["angry"] and weights == pytest.approx([0.24], abs=1e-3)


def test_an_emotion_teacher_labels_the_sentiment_plan_through_the_groups(tmp_path: Path, capsys):
    ncov, smp = tmp_path / "ncov.csv", tmp_path / "smp.csv"
    ncov.write_text("text,label\n口罩买到了,1\n", encoding="utf-8")
    smp.write_text("text,label\n武汉加油,happy\n", encoding="utf-8")
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "weibo_id,text\n1,恐龙又涨价了\n2,居然是真的\n3,今天好开心\n", encoding="utf-8"
    )
    # happy angry sad fear surprise neutral
    teacher = write_teacher_file(
        tmp_path,
        smp,
        {
            "恐龙又涨价了": [0.0, 0.3, 0.1, 0.2, 0.0, 0.4],  # neutral is likeliest: not negative
            "居然是真的": [0.1, 0.1, 0.1, 0.1, 0.5, 0.1],  # surprise is in no group
            "今天好开心": [0.7, 0.0, 0.0, 0.0, 0.1, 0.2],
        },
    )

    def plan(*files: Path) -> train.TrainingPlan:
        return train.TrainingPlan(
            "sentiment",
            [train.TrainingFile(path, "t") for path in files],
            transfer=[posts],
            teacher=teacher,
            teacher_groups=train.SENTIMENT_GROUPS,
        )

    (texts, labels, weights), described = train.teacher_transfer(
        plan(ncov, smp), train.CLASSES["sentiment"]
    )
    assert texts == ["恐龙又涨价了", "今天好开心"] and labels == ["neutral", "positive"]
    assert weights == pytest.approx([0.4, 0.7], abs=1e-3)
    assert described["posts_in_no_group"] == 1
    # The teacher learnt the SMP posts: a plan without them would take their labels second-hand.
    assert train.teacher_transfer(plan(ncov), train.CLASSES["sentiment"]) == (None, None)
    assert "another training file" in capsys.readouterr().err
    (texts, _, _), _ = train.teacher_transfer(plan(smp), train.CLASSES["sentiment"])
    assert texts == ["恐龙又涨价了", "今天好开心"]


def test_no_shipped_plan_reads_an_evaluation_file_and_rumour_fits_checked_dev(tmp_path: Path):
    # The evaluation files report figures only; CHECKED's development split is training data
    # (time-ordered split: the latest labelled posts teach the most about later ones).
    evaluation = {"virus_eval_labeled.csv", "dev.csv", "benchmark_test.csv"}
    plans = train.default_plans(tmp_path)
    read = [spec.path.name for plan in plans.values() for spec in plan.files]
    assert not evaluation & set(read)
    rumour = {spec.path.name: spec.role for spec in plans["rumour"].files}
    assert rumour["benchmark_train.csv"] == rumour["benchmark_dev.csv"] == "train"
