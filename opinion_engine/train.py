"""Train the emotion, sentiment and rumour models and write them to opinion_engine/models/.

    python -m opinion_engine.train [--data-dir ../shared/data] [--out opinion_engine/models]

A deployment retrains from its own labelled posts in the same `text,label` layout:

    python -m opinion_engine.train --emotion my_emotion.csv --sentiment a.csv b.csv \\
        --rumour my_rumours.csv --rumour-dev my_rumours_dev.csv \
        --rumour-background my_ordinary_posts.csv --terms "our own posts"

Every model is a linear classifier (LinearSVC) over sublinear tf·idf of the hashed features of
`classify.hash_features`, which inference computes the same way. Class weights are
balanced; hyper-parameters were chosen by cross-validation on the training files (see
docs/model-card.md); this script only fits and calibrates them:

- the softmax temperature of the multi-class models, and the sentiment model's per-class score
  offsets (which maximise macro-F1), are fitted on out-of-fold scores of the training files
  (the emotion model takes no offsets: see CONFIGS); the folds keep near-copies of a post
  together (dedup.near_duplicate_groups), so a held-out post is never scored against its copy;
- the rumour model's sigmoid is fitted on its out-of-fold training scores, and no threshold is
  tuned on a development file: CHECKED's development fakes are a handful of near-duplicates of
  one story, and a threshold tuned on them does not carry to later posts. The shipped model fits
  that split as training rows instead, since CHECKED is split by time and the latest labelled
  posts help most with the posts that follow; a deployment's `--rumour-dev` files are only
  scored and recorded;
- the rumour model also sees ordinary posts as "real" at a low weight (BACKGROUND_WEIGHT), since
  CHECKED's real posts are all news-account posts;
- the emotion model also gets a word CNN (wordcnn.py, trained with PyTorch on the CPU from the
  pretrained vectors of wordvec.py) whose out-of-fold log-probabilities join the linear
  scores with the weight in NETWORK_WEIGHTS that scores best out of fold; the temperature is
  then fitted on the sum;
- the emotion model (linear part and network) also learns from 41,000 unlabelled epidemic posts
  that a fine-tuned pretrained encoder labelled (teacher.py, data/teacher_emotion.npz), each
  weighted by the teacher's confidence; they join every fold's training rows and are never
  scored, so the out-of-fold figures are the labelled posts'. The teacher itself was fitted on
  every labelled post, so those figures read a little high (docs/model-card.md);
- the sentiment model learns from the same posts, each labelled with the sentiment whose
  emotion group (SENTIMENT_GROUPS) holds the teacher's likeliest emotion (surprise: left out).
- the rumour model has a word CNN too, and it learns from half the ncov unlabelled posts that
  the same encoder, fine-tuned as a fake/real classifier (data/teacher_rumour.npz), labelled,
  at RUMOUR_TRANSFER_WEIGHT of the label's probability; those posts teach its network only,
  not its linear part (ModelConfig.linear_transfer), which keeps its flags on ordinary posts
  near the linear model's.

The evaluation files (SMP virus_eval_labeled.csv, ncov dev.csv, CHECKED benchmark_test.csv) are
never read here. Same data and seed give byte-identical artefacts on the same CPU (the word
CNN's float sums may differ on another).
"""

import argparse
import hashlib
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from opinion_engine.affect import LEXICON_PATH, LEXICON_TERMS
from opinion_engine.classify import (
    HASH_BITS,
    MAX_NGRAM,
    MODELS_DIR,
    N_BUCKETS,
    Artefact,
    distorter,
    format_version,
    hash_features,
    hash_space,
    lexicon_sha256,
    network_margin,
    save_artefact,
    text_inputs,
)
from opinion_engine.datasets import CLASSES, check_file, read_labelled
from opinion_engine.dedup import near_duplicate_groups
from opinion_engine.distortion import frequent_characters
from opinion_engine.errors import DatasetError
from opinion_engine.teacher import (
    RUMOUR_TEACHER_PATH,
    TEACHER_PATH,
    read_teacher_labels,
    read_texts,
    transfer_paths,
    transfer_texts,
)
from opinion_engine.wordcnn import (
    FILTERS,
    WIDTHS,
    Network,
    Projection,
    fit_network,
    flatten,
    segment_all,
    shipped,
)
from opinion_engine.wordvec import WORDVEC_PATH, WORDVEC_TERMS, wordvec_sha256

SEED = 20200220
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
FOLDS = 5
SMP_TRAIN = "smp2020-ewect-virus/virus_train.csv"
ABSENT_SCORE = -10.0  # the score of a class the training data lack: far below any real score
# The ncov text is segmented with stop words, punctuation and emoji removed; the SMP rows are the
# only raw posts, so the sentiment model weights them up to stay right on the raw posts it will see.
# In 5-fold CV, 1.0 and 2.0 tied on the sum of both sets' macro-F1; 2.0 does better on the raw set.
SMP_WEIGHT = 2.0
# CHECKED's real posts are all from verified news accounts and its fakes are user posts, so a model
# of CHECKED alone learns "written by a user" and flagged 59% of ordinary raw epidemic posts
# (ncov unlabeled_raw_posts.csv) as fake. Ordinary user posts (SMP's, of any emotion) are added as
# "real" at a low weight; 0.1 kept the best CV macro-F1 on CHECKED's training file of 0.1, 0.3
# and 1.0, and flags 2.7% of those posts. The cost on CHECKED's own benchmark is in the model card.
BACKGROUND_WEIGHT = 0.1
# The rumour teacher's labelled posts weigh 0.3 of their label's probability: forward in time
# on CHECKED's training file 0.3 kept fewer false alarms than 1.0 (docs/model-card.md,
# "Fourteenth round").
RUMOUR_TRANSFER_WEIGHT = 0.3

SMP_TERMS = (
    "SMP2020-EWECT evaluation data (Qinzixin/covid-19-weibo-text-analysis @ 229336e): no licence "
    "stated; research use, cite the evaluation, do not redistribute outside the project"
)
NCOV_TERMS = (
    "DataFountain 2020 疫情期间网民情绪识别 data via chaodongwen/2019nCOV_Sentiment @ 4dc369a: no "
    "licence stated; research/evaluation data, do not redistribute outside the project"
)
CHECKED_TERMS = (
    "CHECKED (cyang03/CHECKED @ ff3055c): 'Please use the CHECKED data only for academic research.'"
)


@dataclass(frozen=True)
class ModelConfig:
    """How one model is fitted: chosen by cross-validation on its training files."""

    min_df: int = 2
    c: float = 0.3  # LinearSVC's inverse regularisation
    tune_offsets: bool = True  # per-class offsets for macro-F1 (multi-class only)
    network_epochs: int = 0  # > 0: a word CNN (wordcnn.py) joins the linear model's scores
    grouped_folds: bool = True  # near-copies kept in one cross-validation fold
    # Whether the teacher's posts teach the linear model too, or only the network.
    linear_transfer: bool = True
    # A NETWORK_WEIGHTS entry fixed beforehand instead of chosen out of fold (the trials are
    # still recorded).
    network_weight: float | None = None
    # Whether a network that learns from labelled rows alone (no teacher-labelled posts, as
    # when a deployment retrains on its own files) keeps the pretrained word vectors as they
    # are, so that a word its posts never used still sits among its neighbours; only its
    # filters and output layer learn. With the teacher's posts the vectors are fine-tuned.
    freeze_vectors_without_teacher: bool = False
    # > 0: the linear model also reads each post masked (distortion.py), keeping this many of
    # the most frequent characters of the posts it learns from.
    distortion: int = 0
    # Classes balanced within each training file, and within the teacher's posts, instead of
    # over all rows together: a file's own share of each class then weighs nothing, so the
    # n-grams only one file shows (the stop words ncov's text lost, for the sentiment model)
    # do not carry that file's habits to every post that has them (file_balanced_weights).
    balance_per_file: bool = False


CONFIGS = {
    # Emotion takes no offsets: fitted on 4/5 of the out-of-fold scores and scored on the rest
    # (5 folds, 4 seeds), they gave macro-F1 0.6018 against 0.6078 without them. Tuned and
    # scored on the same rows they showed +0.005 to +0.01, which is what they had been kept for.
    # The sentiment and blend offsets pass the same test (docs/model-card.md, Emotion).
    # min_df 7, not 2: with near-copies kept in one fold, n-grams seen in fewer than seven
    # posts cost the linear model 0.009 and the whole model 0.005 (docs/model-card.md).
    "emotion": ModelConfig(min_df=7, c=0.3, tune_offsets=False, network_epochs=5),
    # Balanced per file: in grouped CV over fold seeds 0, 1 and 2 both files' rows gained on
    # every seed, ncov's by 0.004 to 0.011 and SMP's by 0.004 to 0.007 (balancing all rows by
    # the same row weights instead gained nothing), and ncov's own raw posts are called
    # negative less often (docs/model-card.md, "Twenty-seventh round").
    "sentiment": ModelConfig(min_df=2, c=0.3, balance_per_file=True),
    # The rumour model's network reads new stories through the word vectors: forward in time
    # on CHECKED's training file, fitted as here, 0.8375 macro-F1 against 0.8069 for the
    # linear model alone (docs/model-card.md, "Fourteenth round"). The teacher's ordinary
    # posts teach the network only: taught them too, the linear model flagged 8.7% of held-out
    # ordinary posts instead of 4.2%, for 1 more fake of 64. The network's weight was chosen
    # forward in time, on posts later than any the model learnt from; shuffled folds mix the
    # months and rank settings otherwise (sixth round). Without the teacher's posts (a
    # deployment's own files) a network on the pretrained vectors as they are found 38 of 64
    # fakes forward in time against 34 fine-tuned, at 7 false alarms each; with them, 39 and 8
    # against 38 and 5, so there they are fine-tuned (docs/model-card.md, "Sixteenth round").
    "rumour": ModelConfig(
        min_df=3,
        c=0.3,
        tune_offsets=False,
        network_epochs=5,
        linear_transfer=False,
        network_weight=0.5,
        freeze_vectors_without_teacher=True,
        # Not masked (distortion): forward in time, masking to 100 characters found 3 more of 64
        # fakes without a teacher (0.8303 → 0.8491), but with one, as shipped, only 1 more and 1
        # false alarm fewer (0.8439 → 0.8540). Trained so, it flagged 2.56% of the unseen ordinary
        # posts instead of 2.32% and cost 7.5% of the pipeline's speed on a quiet host (× SnowNLP
        # 45 → 42), so it stays off (docs/model-card.md, "Twenty-third round").
        # Not balanced per file (balance_per_file): forward in time without a teacher it found 2
        # more of 64 fakes for twice the false alarms (14 against 7; 0.8303 → 0.8191) and flagged
        # 3.45% of unseen ordinary posts instead of 2.87% (docs/model-card.md, "Twenty-eighth
        # round").
    ),
}
# How the method line of an artefact's metadata names its class weights.
BALANCE = {False: "class_weight=balanced", True: "classes balanced within each training file"}
# The weights the word CNN's log-probabilities may get beside the linear scores; 0 ships the
# linear model alone. Chosen per model on out-of-fold scores (choose_network_weight). For a
# binary model they are in units of the calibrated log-odds: the weight times the network's
# log-odds is added to the linear model's log-odds, whatever the scale of its raw score.
NETWORK_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5)


# The emotion groups each sentiment reads off the emotion model (SMP's SOURCE.md mapping).
SENTIMENT_GROUPS = {
    "negative": ["angry", "sad", "fear"],
    "neutral": ["neutral"],
    "positive": ["happy"],
}


@dataclass
class TrainingFile:
    """One labelled file for one model; `weight` scales its rows' loss."""

    path: Path
    terms: str
    weight: float = 1.0
    role: str = "train"  # train, or dev (scored and recorded, not fitted)
    label: str | None = None  # every row gets this label, whatever the file says (background)


@dataclass
class TrainingPlan:
    task: str
    files: list[TrainingFile] = field(default_factory=list)
    # Unlabelled posts that a teacher labelled (teacher.py): they join every fold's training
    # rows, never its held-out ones. Used only while the teacher's training files are the
    # plan's, or, for a teacher of other classes, among the plan's.
    transfer: list[Path] = field(default_factory=list)
    teacher: Path | None = None
    # A teacher of other classes: which of its classes make each of the plan's (the emotion
    # teacher for the sentiment model); a post whose likeliest class is in no group is left out.
    teacher_groups: dict[str, list[str]] | None = None
    # Scales every teacher-labelled post's weight (its label's probability).
    transfer_weight: float = 1.0


def default_plans(data_dir: Path) -> dict[str, TrainingPlan]:
    """The shipped models' training files under shared/data (evaluation files are not listed)."""
    smp = data_dir / SMP_TRAIN
    ncov = data_dir / "ncov-weibo-sentiment" / "train.csv"
    checked = data_dir / "checked-covid-fake-news"
    return {
        "emotion": TrainingPlan(
            "emotion",
            [TrainingFile(smp, SMP_TERMS)],
            transfer=transfer_paths(data_dir),
            teacher=TEACHER_PATH,
        ),
        # The emotion teacher's labels, grouped into sentiments, raised the sentiment model on
        # a fold that teacher never saw (docs/model-card.md, "Eleventh round").
        "sentiment": TrainingPlan(
            "sentiment",
            [TrainingFile(ncov, NCOV_TERMS), TrainingFile(smp, SMP_TERMS, weight=SMP_WEIGHT)],
            transfer=transfer_paths(data_dir),
            teacher=TEACHER_PATH,
            teacher_groups=SENTIMENT_GROUPS,
        ),
        "rumour": TrainingPlan(
            "rumour",
            [
                # The development split is fitted too: CHECKED is split by time, and later
                # fakes tell new stories, so the latest labelled posts teach the most about the
                # posts that follow (docs/model-card.md, Rumour, "Eleventh round").
                TrainingFile(checked / "benchmark_train.csv", CHECKED_TERMS),
                TrainingFile(checked / "benchmark_dev.csv", CHECKED_TERMS),
                TrainingFile(smp, SMP_TERMS, weight=BACKGROUND_WEIGHT, label="real"),
            ],
            # Half the ncov unlabelled posts, labelled by m3e-small fine-tuned on the files
            # above: they teach the word CNN what the teacher makes of ordinary posts
            # (docs/model-card.md, "Fourteenth round").
            transfer=transfer_paths(data_dir, "rumour"),
            teacher=RUMOUR_TEACHER_PATH,
            transfer_weight=RUMOUR_TRANSFER_WEIGHT,
        ),
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def featurize(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """(row, bucket) pairs of raw texts, exactly as classify.Scorer sees them at inference."""
    rows, buckets = hash_features(*text_inputs(texts))
    return rows, buckets, len(texts)


def network_scores(
    normalized: Sequence[str],
    y: np.ndarray,
    weights: np.ndarray,
    k: int,
    folds: list[tuple[np.ndarray, np.ndarray]],
    epochs: int,
    extra: np.ndarray | None = None,
    *,
    freeze: bool = False,
) -> np.ndarray:
    """Out-of-fold scores of the word CNN on normalised texts, each computed from the fold's
    network as it ships (wordcnn.shipped), as Scorer computes them: (n, k) log-probabilities,
    or for two classes (n, 1) log-odds of the second (classify.network_margin).

    extra: rows that join every fold's training rows (teacher-labelled posts); `normalized`,
        `y` and `weights` cover them too, and the result has a row for each of them (zeros).
    freeze: keep the pretrained word vectors (ModelConfig.freeze_vectors_without_teacher).
    """
    tokens = segment_all(normalized)
    out_of_fold = np.zeros((len(y), k))
    extra = np.zeros(0, dtype=np.int64) if extra is None else extra
    for number, (fold_rows, test_rows) in enumerate(folds):
        train_rows = np.concatenate([fold_rows, extra])
        network = fit_network(
            [tokens[row] for row in train_rows],
            y[train_rows],
            weights[train_rows],
            k,
            seed=SEED + 1 + number,
            epochs=epochs,
            freeze=freeze,
        )
        projection = Projection(shipped(network))
        held_out = flatten([tokens[row] for row in test_rows])
        out_of_fold[test_rows] = projection.log_probabilities(*held_out)
    return network_margin(out_of_fold)


def final_network(
    normalized: Sequence[str],
    y: np.ndarray,
    weights: np.ndarray,
    k: int,
    epochs: int,
    *,
    freeze: bool = False,
) -> Network:
    """The word CNN fitted on all rows, as it ships."""
    tokens = segment_all(normalized)
    return shipped(fit_network(tokens, y, weights, k, seed=SEED, epochs=epochs, freeze=freeze))


def choose_network_weight(
    linear: np.ndarray,
    network: np.ndarray,
    y: np.ndarray,
    sources: np.ndarray,
    *,
    offsets: bool = True,
    scale: float = 1.0,
) -> tuple[float, dict]:
    """The NETWORK_WEIGHTS entry whose out-of-fold scores (offsets tuned, where the model takes
    them) give the largest sum of the training files' macro-F1 (the rule that chose SMP_WEIGHT
    and the sentiment blend). A binary model's scores go through the sigmoid fitted on them, as
    training calibrates it; a file of one class (the rumour model's background posts) counts
    its accuracy, since its macro-F1 halves at the first post of the other class.

    scale: multiplies each entry (a binary model's 1 / slope of its linear sigmoid); the
    trials are keyed by the entries, the weight returned is scaled."""
    k = max(linear.shape[1], 2)
    trials = {}
    best = (-1.0, 0.0)
    for weight in NETWORK_WEIGHTS:
        z = linear + weight * scale * network
        if z.shape[1] == 1:
            slope, offset = fit_sigmoid(z[:, 0], y)
            predicted = (slope * z[:, 0] + offset > 0).astype(int)
        else:
            predicted = (z + (tune_offsets(z, y) if offsets else 0.0)).argmax(axis=1)
        per_file = [
            _file_score(y[sources == s], predicted[sources == s], k) for s in np.unique(sources)
        ]
        trials[str(weight)] = [round(f, 4) for f in per_file]
        if sum(per_file) > best[0] + 1e-9:
            best = (sum(per_file), weight)
    return best[1] * scale, trials


def fit_vocabulary(
    rows: np.ndarray, buckets: np.ndarray, n: int, *, min_df: int, space: int = N_BUCKETS
):
    """Buckets seen in at least `min_df` documents, sorted, and their smoothed idf."""
    pairs = np.unique(rows * space + buckets)
    df = np.bincount(pairs % space, minlength=space)
    vocabulary = np.flatnonzero(df >= min_df)
    # scikit-learn's smooth idf, so the numbers match TfidfVectorizer(smooth_idf=True).
    idf = np.log((1.0 + n) / (1.0 + df[vocabulary])) + 1.0
    return vocabulary, idf.astype(np.float32)


def tfidf_matrix(
    rows: np.ndarray,
    buckets: np.ndarray,
    n: int,
    vocabulary: np.ndarray,
    idf,
    *,
    space: int = N_BUCKETS,
):
    """Sublinear tf·idf, L2-normalised rows: what classify.Scorer computes at inference.

    idf is rounded to float16 first, as the artefact stores it, so training sees what ships.
    """
    from scipy import sparse

    column = np.full(space, -1, dtype=np.int64)
    column[vocabulary] = np.arange(len(vocabulary))
    columns = column[buckets]
    kept = columns >= 0
    matrix = sparse.csr_matrix(
        (np.ones(int(kept.sum())), (rows[kept], columns[kept])), shape=(n, len(vocabulary))
    )
    matrix.sum_duplicates()
    stored_idf = idf.astype(np.float16).astype(np.float64)
    matrix.data = (1.0 + np.log(matrix.data)) * stored_idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


def _file_score(y: np.ndarray, predicted: np.ndarray, k: int) -> float:
    """Macro-F1 of one training file's rows; accuracy where the file holds one class."""
    if len(np.unique(y)) > 1:
        return _macro_f1(y, predicted, k)
    return float(np.mean(y == predicted))


def _svc(c: float, *, balanced: bool = True):
    """A linear SVM; `balanced` weighs the classes inversely to their counts (off where the
    row weights balance them already, file_balanced_weights)."""
    from sklearn.svm import LinearSVC

    return LinearSVC(
        C=c, class_weight="balanced" if balanced else None, random_state=SEED, max_iter=5000
    )


def file_balanced_weights(y: np.ndarray, weights: np.ndarray, files: np.ndarray) -> np.ndarray:
    """Row weights times n_f / (k_f · n_fc) for a row of class c in file f (n_f rows, k_f
    classes present): every class weighs alike within each file, and each file keeps the
    total it had, as class_weight="balanced" does over all rows together."""
    out = np.asarray(weights, dtype=np.float64).copy()
    for file in np.unique(files):
        rows = files == file
        classes, counts = np.unique(y[rows], return_counts=True)
        for label, count in zip(classes.tolist(), counts.tolist(), strict=True):
            out[rows & (y == label)] *= rows.sum() / (len(classes) * count)
    return out


def _macro_f1(y: np.ndarray, predicted: np.ndarray, k: int) -> float:
    """Macro-F1 over the classes that occur in `y` or `predicted`, as scikit-learn counts it."""
    scores = []
    for label in np.union1d(y, predicted).tolist():
        tp = np.sum((predicted == label) & (y == label))
        fp = np.sum((predicted == label) & (y != label))
        fn = np.sum((predicted != label) & (y == label))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def tune_offsets(scores: np.ndarray, y: np.ndarray, *, rounds: int = 3) -> np.ndarray:
    """Per-class additive offsets that maximise macro-F1, by coordinate ascent on a fixed grid."""
    k = scores.shape[1]
    offsets = np.zeros(k)
    grid = np.linspace(-1.0, 1.0, 41)
    best = _macro_f1(y, scores.argmax(axis=1), k)
    for _ in range(rounds):
        for label in range(k):
            for value in grid:
                trial = offsets.copy()
                trial[label] = value
                score = _macro_f1(y, (scores + trial).argmax(axis=1), k)
                if score > best + 1e-12:
                    best, offsets = score, trial
    return offsets


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the log-loss of out-of-fold scores."""
    best = (np.inf, 1.0)
    for temperature in np.exp(np.linspace(np.log(0.25), np.log(50.0), 120)):
        z = scores * temperature
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(log_p[np.arange(len(y)), y].mean())
        if loss < best[0]:
            best = (loss, float(temperature))
    return best[1]


def fit_sigmoid(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: P(y=1) = sigmoid(a·s + b), fitted on out-of-fold scores."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4, random_state=SEED).fit(scores.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _decision(model, x, k: int) -> np.ndarray:
    """(n, K) scores over all K classes of the task, whichever ones this fold's data had."""
    scores = model.decision_function(x)
    if k == 2:
        return scores.reshape(-1, 1)
    out = np.full((x.shape[0], k), ABSENT_SCORE)
    present = model.classes_
    if len(present) == 2:
        out[:, present[1]] = scores
        out[:, present[0]] = -scores
    else:
        out[:, present] = scores
    return out


def _full_coefficients(model, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(V, K) coefficients and (K,) intercepts; a class absent from the data is never chosen."""
    coef = model.coef_.T.astype(np.float32)
    intercept = np.atleast_1d(model.intercept_).astype(np.float32)
    if k == 2:
        return coef, intercept
    full_coef = np.zeros((coef.shape[0], k), dtype=np.float32)
    full_intercept = np.full(k, ABSENT_SCORE, dtype=np.float32)
    present = model.classes_
    if len(present) == 2:
        full_coef[:, present[1]], full_intercept[present[1]] = coef[:, 0], intercept[0]
        full_coef[:, present[0]], full_intercept[present[0]] = -coef[:, 0], -intercept[0]
    else:
        full_coef[:, present], full_intercept[present] = coef, intercept
    return full_coef, full_intercept


def _folds(
    strata: np.ndarray, y: np.ndarray, folds: int, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified by class and source where every stratum fills the folds, else by class.

    groups (np.ndarray): optional group per row (near-copies, dedup.near_duplicate_groups);
        a group never straddles two folds.
    """
    from sklearn.model_selection import (
        GroupKFold,
        KFold,
        StratifiedGroupKFold,
        StratifiedKFold,
    )

    rows = np.zeros(len(y))
    grouped = groups is not None and len(np.unique(groups)) >= folds
    for labels in (strata, y):
        if np.unique(labels, return_counts=True)[1].min() >= folds:
            if grouped:
                splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=SEED)
                return list(splitter.split(rows, labels, groups))
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
            return list(splitter.split(rows, labels))
    if grouped:
        return list(GroupKFold(n_splits=folds).split(rows, groups=groups))
    return list(KFold(n_splits=folds, shuffle=True, random_state=SEED).split(rows))


def model_folds(
    texts: Sequence[str],
    y: np.ndarray,
    sources: np.ndarray,
    config: ModelConfig,
    folds: int = FOLDS,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The cross-validation folds of a model's labelled rows (the teacher holds one out too).

    Near-copies (repost chains, one slogan posted by thousands) stay in one fold: scored with
    its copies in the training folds, a post tells how well the model remembers, not how it
    does on a post it has never seen, and that is what the calibration and the network weight
    are for.
    """
    strata = y * (int(sources.max()) + 1) + sources
    groups = near_duplicate_groups(texts) if config.grouped_folds else None
    return _folds(strata, y, folds, groups)


def train_model(
    task: str,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    weights: np.ndarray | None = None,
    sources: np.ndarray | None = None,
    config: ModelConfig | None = None,
    folds: int = FOLDS,
    oof_out: dict | None = None,
    transfer: tuple[Sequence[str], Sequence[str], np.ndarray] | None = None,
) -> tuple[Artefact, dict]:
    """Fit one model; RETURNS (Artefact, report) with out-of-fold figures in the report.

    oof_out (dict): when given, receives "probabilities", the calibrated out-of-fold class
        probabilities of the training rows (multi-class models), and "y", their labels.
    transfer: (texts, labels, weights) of posts a teacher labelled. They join the training
        rows of every fold and of the final model; the out-of-fold figures, the calibration
        and the network weight are computed on the labelled rows alone.
    """
    config = config or CONFIGS[task]
    classes = CLASSES[task]
    present = [name for name in classes if name in set(labels)]
    if len(present) < 2:
        raise ValueError(f"{task}: the training data need at least two classes, got {present}")
    y = np.array([classes.index(label) for label in labels])
    k = len(classes)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    sources = np.zeros(len(y), dtype=np.int64) if sources is None else sources
    report: dict = {}
    gold = len(texts)
    extra_texts, extra_y, extra_weights = _transfer_rows(texts, transfer, classes, report)
    y_all = np.concatenate([y, extra_y])
    weights_all = np.concatenate([weights, extra_weights])
    if config.balance_per_file:  # the teacher's posts count as one more file
        files = np.concatenate([sources, np.full(len(extra_y), int(sources.max()) + 1)])
        weights_all = file_balanced_weights(y_all, weights_all, files)
    balanced = not config.balance_per_file
    normalized, extras = text_inputs(list(texts) + extra_texts)
    n = len(y_all)
    # The rows the linear model learns from: the labelled ones, and the teacher's unless the
    # model keeps them for its network.
    linear_n = n if config.linear_transfer else gold
    masked = (
        frequent_characters(normalized[:linear_n], config.distortion) if config.distortion else ""
    )
    space = hash_space(masked)
    rows, buckets = hash_features(
        normalized[:linear_n], extras[:linear_n], distorter=distorter(masked)
    )
    vocabulary, idf = fit_vocabulary(rows, buckets, linear_n, min_df=config.min_df, space=space)
    x = tfidf_matrix(rows, buckets, linear_n, vocabulary, idf, space=space)
    if masked:
        report["distortion"] = {"characters": masked}
    extra_rows = np.arange(gold, n)
    linear_extra = extra_rows[: linear_n - gold]

    # Out-of-fold scores: the offsets, temperature and sigmoid are fitted on posts the model did
    # not see, so they carry to new posts instead of to the training set.
    out_of_fold = np.zeros((len(y), 1 if k == 2 else k))
    splits = model_folds(texts, y, sources, config, folds)
    for train_rows, test_rows in splits:
        fit_rows = np.concatenate([train_rows, linear_extra])
        model = _svc(config.c, balanced=balanced).fit(
            x[fit_rows], y_all[fit_rows], sample_weight=weights_all[fit_rows]
        )
        out_of_fold[test_rows] = _decision(model, x[test_rows], k)
    final = _svc(config.c, balanced=balanced).fit(
        x, y_all[:linear_n], sample_weight=weights_all[:linear_n]
    )
    coef, intercept = _full_coefficients(final, k)
    network = None
    if config.network_epochs:
        epochs = config.network_epochs
        freeze = config.freeze_vectors_without_teacher and not len(extra_rows)
        network_oof = network_scores(
            normalized, y_all, weights_all, k, splits, epochs, extra=extra_rows, freeze=freeze
        )[:gold]
        # A binary model's raw score is a LinearSVC margin, which its sigmoid stretches many
        # times over (a slope of 11 to 15 for the rumour model): the weights are in log-odds.
        slope = fit_sigmoid(out_of_fold[:, 0], y)[0] if k == 2 else 1.0
        scale = 1.0 / slope if slope > 0 else 1.0
        weight, trials = choose_network_weight(
            out_of_fold, network_oof, y, sources, offsets=config.tune_offsets, scale=scale
        )
        report["network"] = {"weight": weight, "cv_macro_f1_by_weight_per_file": trials}
        if freeze:  # only then, so a model trained as before writes the same bytes as before
            report["network"]["vectors_frozen"] = True
        if config.network_weight is not None:
            weight = config.network_weight * scale
            report["network"].update(weight=weight, fixed=config.network_weight)
        if weight > 0:  # a network the folds give no weight is not trained at all
            out_of_fold = out_of_fold + weight * network_oof
            network = final_network(normalized, y_all, weights_all, k, epochs, freeze=freeze)
    if k == 2:
        slope, offset = fit_sigmoid(out_of_fold[:, 0], y)
        calibration = np.array([slope, offset], dtype=np.float32)
        predicted = (slope * out_of_fold[:, 0] + offset > 0).astype(int)
    else:
        offsets = tune_offsets(out_of_fold, y) if config.tune_offsets else np.zeros(k)
        intercept = intercept + offsets.astype(np.float32)
        temperature = fit_temperature(out_of_fold + offsets, y)
        calibration = np.array([temperature], dtype=np.float32)
        predicted = (out_of_fold + offsets).argmax(axis=1)
        if oof_out is not None:
            from opinion_engine.classify import softmax

            oof_out["probabilities"] = softmax((out_of_fold + offsets) * temperature)
            oof_out["y"] = y
        report["class_offsets"] = dict(zip(classes, np.round(offsets, 3).tolist(), strict=True))
    report["cv_macro_f1"] = round(_macro_f1(y, predicted, k), 4)
    # Per training file: macro-F1 where the file has several classes, accuracy always (a
    # background file is all one class, where macro-F1 says little).
    for source in np.unique(sources):
        rows = sources == source
        if len(np.unique(y[rows])) > 1:
            report[f"cv_macro_f1_file_{source}"] = round(_macro_f1(y[rows], predicted[rows], k), 4)
        report[f"cv_accuracy_file_{source}"] = round(float(np.mean(y[rows] == predicted[rows])), 4)
    artefact = Artefact(
        name=task,
        classes=classes,
        buckets=vocabulary,
        idf=idf,
        coef=coef,
        intercept=intercept,
        calibration=calibration,
        meta={"name": task},
        network=network,
        distortion=masked,
    )
    report["vocabulary_size"] = len(vocabulary)
    return artefact, report


def _transfer_rows(
    texts: Sequence[str],
    transfer: tuple[Sequence[str], Sequence[str], np.ndarray] | None,
    classes: Sequence[str],
    report: dict,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The teacher-labelled posts that may join the training rows: those that are not a
    near-copy of a labelled post. The teacher was fitted on every labelled post, so its label
    of a copy of a held-out post would tell the fold that post's label."""
    if transfer is None or not len(transfer[0]):
        return [], np.zeros(0, dtype=np.int64), np.zeros(0)
    extra_texts, extra_labels, extra_weights = transfer
    groups = near_duplicate_groups(list(texts) + list(extra_texts))
    labelled = set(groups[: len(texts)].tolist())
    keep = [row for row, group in enumerate(groups[len(texts) :]) if group not in labelled]
    report["transfer"] = {
        "posts": len(keep),
        "near_copies_dropped": len(extra_texts) - len(keep),
        "labels": dict(sorted(Counter(extra_labels[row] for row in keep).items())),
    }
    return (
        [extra_texts[row] for row in keep],
        np.array([classes.index(extra_labels[row]) for row in keep], dtype=np.int64),
        np.asarray(extra_weights, dtype=np.float64)[keep],
    )


def teacher_transfer(
    plan: TrainingPlan, classes: Sequence[str]
) -> tuple[tuple[list[str], list[str], np.ndarray] | None, dict | None]:
    """(texts, labels, weights) of the plan's teacher-labelled posts, and what to record of
    them; (None, None) when the plan has none or the teacher's files are not all there.

    A post's label is the teacher's most probable class (or the plan's class whose group holds
    it, plan.teacher_groups), its weight that probability: a post the teacher is unsure of
    teaches less.
    """
    if plan.teacher is None or not plan.transfer:
        return None, None
    missing = [str(p) for p in [plan.teacher, *plan.transfer] if not p.is_file()]
    train_files = [spec for spec in plan.files if spec.role == "train"]
    if missing:
        print(
            f"{plan.task}: no teacher-labelled posts ({', '.join(missing)} missing)",
            file=sys.stderr,
        )
        return None, None
    labels = read_teacher_labels(plan.teacher)
    # The first teacher's labels record one training file; later ones, a list.
    fitted_on = labels.meta.get("training_files") or [labels.meta.get("training_file", {})]
    fitted_sha = [item.get("sha256") for item in fitted_on]
    plan_sha = [_sha256(spec.path) for spec in train_files]
    # A teacher of other classes learnt some of the plan's posts under other labels; it must
    # not have learnt posts from outside the plan, whose labels would reach every fold.
    if plan.teacher_groups is None:
        accepted = fitted_sha == plan_sha
    else:
        accepted = set(fitted_sha) <= set(plan_sha)
    if not accepted:
        print(
            f"{plan.task}: the teacher's labels were made from another training file; "
            "training without them (python -m opinion_engine.teacher remakes them)",
            file=sys.stderr,
        )
        return None, None
    teacher_classes = list(labels.meta.get("classes", []))
    groups = plan.teacher_groups or {name: [name] for name in classes}
    if sorted(groups) != sorted(classes) or not all(
        member in teacher_classes for members in groups.values() for member in members
    ):
        print(
            f"{plan.task}: the teacher's classes differ; training without its labels",
            file=sys.stderr,
        )
        return None, None
    texts = transfer_texts(text for path in plan.transfer for text in read_texts(path))
    positions, probabilities = labels.lookup(texts)
    group_of = {
        teacher_classes.index(member): name
        for name, members in groups.items()
        for member in members
    }
    likeliest = probabilities.argmax(axis=1)
    kept = np.isin(likeliest, list(group_of))
    described = {
        "teacher_file": plan.teacher.name,
        "teacher_sha256": _sha256(plan.teacher),
        "teacher": labels.meta.get("model"),
        "terms": labels.meta.get("terms"),
        "files": [{"file": p.name, "sha256": _sha256(p)} for p in plan.transfer],
        "posts_labelled": len(positions),
        "posts_read": len(texts),
        **(
            {"groups": groups, "posts_in_no_group": int((~kept).sum())}
            if plan.teacher_groups
            else {}
        ),
    }
    return (
        [texts[row] for row in positions[kept]],
        [group_of[label] for label in likeliest[kept].tolist()],
        probabilities.max(axis=1)[kept].astype(np.float64) * plan.transfer_weight,
    ), described


def score_file(artefact: Artefact, texts: Sequence[str], labels: Sequence[str]) -> dict:
    """Macro-F1 of an artefact on a labelled file (used for the rumour dev file only)."""
    from opinion_engine.classify import Scorer

    scorer = Scorer([artefact])
    probabilities = scorer.probabilities(*text_inputs(texts))[artefact.name]
    classes = artefact.classes
    y = np.array([classes.index(label) for label in labels])
    if artefact.binary:
        predicted = (probabilities >= 0.5).astype(int)
    else:
        predicted = probabilities.argmax(axis=1)
    return {"n": len(y), "macro_f1": round(_macro_f1(y, predicted, len(classes)), 4)}


def plan_rows(
    plan: TrainingPlan,
) -> tuple[list[str], list[str], np.ndarray, np.ndarray, list[dict]]:
    """A plan's labelled rows: (texts, labels, weights, sources, description of each file);
    a row's source is the number of its training file."""
    texts: list[str] = []
    labels: list[str] = []
    weights: list[float] = []
    sources: list[int] = []
    sets = []
    for number, spec in enumerate(spec for spec in plan.files if spec.role == "train"):
        data = read_labelled(spec.path, plan.task if spec.label is None else None)
        texts += data.texts
        labels += data.labels if spec.label is None else [spec.label] * len(data)
        weights += [spec.weight] * len(data)
        sources += [number] * len(data)
        sets.append(_describe(spec, data))
    return texts, labels, np.array(weights), np.array(sources, dtype=np.int64), sets


def train_plan(plan: TrainingPlan, *, seed: int = SEED, oof_out: dict | None = None) -> Artefact:
    """Read a plan's files, fit its model and record what it was trained on in the metadata.

    oof_out (dict): as for train_model, plus "texts" and "sources" (file number) of the rows.
    """
    started = time.perf_counter()
    dev_sets = []
    transfer, transfer_meta = teacher_transfer(plan, CLASSES[plan.task])
    texts, labels, weights, sources, sets = plan_rows(plan)
    artefact, report = train_model(
        plan.task,
        texts,
        labels,
        weights=weights,
        sources=sources,
        oof_out=oof_out,
        transfer=transfer,
    )
    if oof_out is not None:
        oof_out["texts"], oof_out["sources"] = texts, sources
    for spec in plan.files:
        if spec.role == "dev":
            data = read_labelled(spec.path, plan.task)
            dev_sets.append(
                {**_describe(spec, data), **score_file(artefact, data.texts, data.labels)}
            )
    config = CONFIGS[plan.task]
    meta = {
        "name": plan.task,
        "format_version": format_version(artefact),
        "classes": list(artefact.classes),
        "seed": seed,
        "method": (
            f"LinearSVC ({BALANCE[config.balance_per_file]}, C={config.c}) on sublinear tf-idf of "
            f"character "
            f"1-{MAX_NGRAM}-grams of the normalised text + emoticon/emoji/URL/mention/repost/"
            f"topic/punctuation-run tokens + affect-lexicon category tokens (DUTIR emotion "
            f"ontology, HowNet sentiment words), hashed into 2^{HASH_BITS} buckets; "
            f"min_df={config.min_df}; {FOLDS}-fold out-of-fold calibration"
            + (", near-copies in one fold" if config.grouped_folds else "")
        ),
        "training_sets": sets,
        "lexicon": {
            "file": LEXICON_PATH.name,
            "sha256": lexicon_sha256(),
            "terms": LEXICON_TERMS,
        },
        "development_sets": dev_sets,
        **({"transfer": transfer_meta} if transfer_meta else {}),
        **_network_meta(artefact, report, seed),
        "n_train": len(texts),
        "train_class_counts": dict(sorted(Counter(labels).items())),
        # No timings or dates here: the artefact's bytes must depend on the data and seed only.
        "report": report,
    }
    artefact = Artefact(**{**artefact.__dict__, "meta": meta})
    print(
        f"{plan.task}: {len(texts)} posts, {len(artefact.buckets)} buckets, "
        f"cv macro-F1 {report['cv_macro_f1']}, {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return artefact


def _network_meta(artefact: Artefact, report: dict, seed: int) -> dict:
    """The metadata of an artefact's word CNN: its weight, the vectors it started from, how it
    was trained; nothing when the model has none."""
    if artefact.network is None:
        return {}
    config = CONFIGS[artefact.name]
    vectors = "kept as they are" if report["network"].get("vectors_frozen") else "fine-tuned"
    return {
        "network": {
            "weight": report["network"]["weight"],
            "method": (
                f"word CNN: forward-maximum-matching words, {artefact.network.taps.shape[1]}-dim "
                f"pretrained vectors {vectors}, convolutions of widths {list(WIDTHS)} × "
                f"{FILTERS} filters, ReLU, max over the post, linear; Adam 1e-3, batches of 50, "
                f"{config.network_epochs} epochs, dropout 0.5, balanced class "
                f"weights, seed {seed} (fold networks {seed + 1}–{seed + FOLDS})"
            ),
            "wordvec_file": WORDVEC_PATH.name,
            "wordvec_sha256": wordvec_sha256(),
            "wordvec_terms": WORDVEC_TERMS,
        }
    }


def _describe(spec: TrainingFile, data) -> dict:
    return {
        "file": spec.path.name,
        "folder": spec.path.parent.name,
        "sha256": _sha256(spec.path),
        "terms": spec.terms,
        "weight": spec.weight,
        "label_given": spec.label,
        "rows_used": len(data),
        "rows_skipped": data.skipped,
        "rows_excluded": data.excluded,
        "labels": dict(sorted(data.source_labels.items())),
    }


# How strongly the blend's regression is held to the plain product of the two models'
# probabilities: an L2 penalty on its corrections of BLEND_PRIOR_ROWS / n against the mean
# log-loss of n rows, as if the product were backed by that many posts. On the shipped 24,303
# rows that is 1e-3. In nested cross-validation on the out-of-fold rows (fitted on four fifths,
# scored on the fifth, four outer splits) it read 0.005 to 0.008 above the single mixing weight
# it replaced, on the sum of the two files, and penalties of 1e-4, 1e-3 and 1e-2 read alike
# (docs/model-card.md, "Fifteenth round"); on a retraining of a few dozen posts the penalty
# keeps the blend near the product instead of fitting their noise.
BLEND_PRIOR_ROWS = 25.0


def blend_row_weights(sources: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Row weights under which every training file, and every class within a file, weighs
    alike: the rule that chose SMP_WEIGHT, the sum of the files' macro-F1."""
    cells = sources * k + y
    return 1.0 / np.bincount(cells)[cells]


def fit_blend_regression(
    logs: np.ndarray, y: np.ndarray, weights: np.ndarray, *, l2: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression whose scores are the sum of the two halves of `logs`
    (n, 2k: two models' log-probabilities of the same k classes) plus a learnt linear
    correction over all 2k columns, penalised by `l2` (BLEND_PRIOR_ROWS / n unless given).
    RETURNS (coef (k, 2k), intercept (k,)) of the correction.
    """
    from scipy.optimize import minimize

    from opinion_engine.classify import blend_scores

    n, m = logs.shape
    l2 = BLEND_PRIOR_ROWS / n if l2 is None else l2
    k = m // 2
    share = weights / weights.sum()
    onehot = np.eye(k)[y]

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept = theta[: k * m].reshape(k, m), theta[k * m :]
        z = blend_scores(logs, coef, intercept)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(share @ log_p[np.arange(n), y]) + 0.5 * l2 * float((coef**2).sum())
        dz = (np.exp(log_p) - onehot) * share[:, None]
        gradient = np.concatenate([(dz.T @ logs + l2 * coef).ravel(), dz.sum(axis=0)])
        return loss, gradient

    theta = minimize(loss_and_gradient, np.zeros(k * m + k), jac=True, method="L-BFGS-B").x
    return theta[: k * m].reshape(k, m), theta[k * m :]


def fit_sentiment_blend(
    sentiment_oof: dict, emotion_oof: dict, emotion: Artefact
) -> tuple[dict, dict]:
    """How the sentiment model's probabilities combine with the sentiment read off the emotion
    model: a logistic regression that starts from the product of the two (the sum of their
    log-probabilities) and learns a linear correction over both sets of log-probabilities
    (fit_blend_regression), then per-class offsets and a temperature, all fitted on
    out-of-fold probabilities.

    The emotion probability of a sentiment training row is its out-of-fold one where the row
    is also an emotion training row (same text), else the emotion model's (which never saw it).
    Each training file weighs alike in the regression, and each class within a file
    (blend_row_weights). RETURNS (blend for the artefact's metadata, report).
    """
    from opinion_engine.classify import (
        Scorer,
        blend_inputs,
        blend_scores,
        blend_sentiment,
        emotion_to_sentiment,
    )

    known = {}
    for text, row in zip(emotion_oof["texts"], emotion_oof["probabilities"], strict=True):
        known.setdefault(text, row)
    texts, sources, y = sentiment_oof["texts"], sentiment_oof["sources"], sentiment_oof["y"]
    unseen = [text for text in texts if text not in known]
    if unseen:
        predicted = Scorer([emotion]).probabilities(*text_inputs(unseen))["emotion"]
        known.update(zip(unseen, predicted, strict=True))
    emotion_probabilities = np.array([known[text] for text in texts])
    sentiment = sentiment_oof["probabilities"]
    mapped = emotion_to_sentiment(emotion_probabilities, emotion.classes, SENTIMENT_GROUPS)
    k = sentiment.shape[1]
    logs = blend_inputs(sentiment, mapped)
    coef, intercept = fit_blend_regression(logs, y, blend_row_weights(sources, y, k))
    coef, intercept = np.round(coef, 4), np.round(intercept, 4)
    z = blend_scores(logs, coef, intercept)
    offsets = np.round(tune_offsets(z, y), 3)
    temperature = fit_temperature(z + offsets, y)
    blend = {
        "groups": SENTIMENT_GROUPS,
        "coef": coef.tolist(),
        "intercept": intercept.tolist(),
        "offsets": offsets.tolist(),
        "temperature": round(temperature, 4),
    }
    # What inference will compute, on the out-of-fold rows.
    final = blend_sentiment(sentiment, emotion_probabilities, emotion.classes, blend)
    report = {
        "method": (
            "logistic regression from the product of this model's probabilities and the "
            "emotion model's implied sentiment, with a linear correction over both sets of "
            f"log-probabilities (L2 {BLEND_PRIOR_ROWS:g} / rows), each file and each class in it "
            "weighted alike; per-class offsets for macro-F1; temperature by log-loss"
        ),
        "cv_macro_f1_per_file": [
            round(_macro_f1(y[sources == s], final.argmax(axis=1)[sources == s], k), 4)
            for s in np.unique(sources)
        ],
    }
    return blend, report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m opinion_engine.train", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--only", nargs="+", choices=list(CLASSES), default=list(CLASSES))
    parser.add_argument("--emotion", type=Path, nargs="+", help="own emotion files (text,label)")
    parser.add_argument("--sentiment", type=Path, nargs="+", help="own sentiment files")
    parser.add_argument("--rumour", type=Path, nargs="+", help="own rumour files (fake/real)")
    parser.add_argument("--rumour-dev", type=Path, nargs="*", help="own rumour dev files")
    parser.add_argument(
        "--rumour-background",
        type=Path,
        nargs="*",
        help=f"ordinary posts (any label) added as real at weight {BACKGROUND_WEIGHT}; "
        "give the option with no file to add none",
    )
    parser.add_argument(
        "--terms",
        default="deployment's own labelled posts",
        help="terms of the --emotion/... files",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    plans = default_plans(args.data_dir)
    own = {"emotion": args.emotion, "sentiment": args.sentiment, "rumour": args.rumour}
    for task, paths in own.items():
        if paths:
            plans[task] = TrainingPlan(task, [TrainingFile(path, args.terms) for path in paths])
    if args.rumour:
        plans["rumour"].files += [
            TrainingFile(path, args.terms, role="dev") for path in args.rumour_dev or []
        ]
    if args.rumour_background is not None:
        plans["rumour"].files = [spec for spec in plans["rumour"].files if spec.label is None]
        plans["rumour"].files += [
            TrainingFile(path, args.terms, weight=BACKGROUND_WEIGHT, label="real")
            for path in args.rumour_background
        ]
    for plan in (plans[task] for task in args.only):
        missing = [str(spec.path) for spec in plan.files if not spec.path.is_file()]
        if missing:
            print(f"{plan.task}: missing training file(s): {', '.join(missing)}", file=sys.stderr)
            return 2
        try:
            for spec in plan.files:
                check_file(spec.path, needs_label=spec.label is None)
        except DatasetError as error:
            print(f"{plan.task}: {error}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    oof: dict[str, dict] = {}
    trained: dict[str, Artefact] = {}
    # Emotion before sentiment, whatever order --only gave: the sentiment blend reads emotion.
    for task in [name for name in CLASSES if name in args.only]:
        oof[task] = {}
        artefact = train_plan(plans[task], oof_out=oof[task])
        if task == "sentiment" and "emotion" in trained:
            blend, report = fit_sentiment_blend(
                oof["sentiment"], oof["emotion"], trained["emotion"]
            )
            meta = {**artefact.meta, "blend": blend}
            meta["report"] = {**meta["report"], "blend": report}
            meta["method"] += (
                "; combined with the emotion model's implied sentiment by a logistic regression"
                " over both models' log-probabilities, offsets and temperature, fitted out of"
                " fold"
            )
            artefact = Artefact(**{**artefact.__dict__, "meta": meta})
            print(f"sentiment blend: {report}", file=sys.stderr)
        elif task == "sentiment":
            print(
                "sentiment: no blend with the emotion model (train both together for one)",
                file=sys.stderr,
            )
        trained[task] = artefact
        path = args.out / f"{task}.npz"
        save_artefact(artefact, path)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    print(
        f"trained {', '.join(args.only)} in {time.perf_counter() - started:.1f}s", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
