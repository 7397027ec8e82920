"""Emotion, sentiment and rumour classifiers: linear models over one shared feature extraction,
and for emotion a word CNN beside them (wordcnn.py).

Every model reads the same features: character 1–4-grams of the normalised text, a token for
each category of the affect-lexicon words among those n-grams (affect.py), the Weibo emoticons
and emoji that normalisation took out, flags for URLs, mentions, reposts and topics, and runs
of ?/! in the raw text. They are hashed into 2^18 buckets with numpy, a whole batch at
once, so a post is featurised once and all three models score it in one sparse product. (A
Python dict of the n-grams was tried first; its lookups alone cost ~120 µs a post.)

The artefacts are plain numpy arrays (`models/*.npz`, no pickle): the buckets a model uses, their
idf, float16 coefficients and the calibration; `python -m opinion_engine.train` writes them and
records the training sets and their terms in each. Scores are sublinear tf·idf, L2-normalised
per model, times the coefficients: what train.py fits, computed with numpy alone. An artefact
that carries a word CNN (the emotion and rumour models') adds the network's class
log-probabilities (for the binary rumour model, their log-odds), times the weight train.py
chose out of fold, before its calibration. An artefact that carries a character list (the
rumour model's) also reads each post masked by it (distortion.py): the 2–5-grams of the masked
text, in a second hash space that the other models leave empty, so their scores do not move.
"""

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from opinion_engine.distortion import SIZES as DISTORTION_SIZES
from opinion_engine.distortion import Distorter
from opinion_engine.errors import ModelMissing
from opinion_engine.normalize import normalize_text
from opinion_engine.npz import json_array, read_json_array, write_npz
from opinion_engine.pipeline import ErrorHandler, Stage, record_error
from opinion_engine.types import Post
from opinion_engine.wordcnn import Network, Projection, default_segmenter, pack, unpack
from opinion_engine.wordvec import WORDVEC_PATH, wordvec_sha256

MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_NAMES = ("emotion", "sentiment", "rumour")
# 2: the affect lexicon's category tokens joined the features; 3: word CNN; 4: the buckets a model
# uses as a bitmap of the hash space (32 KB) instead of a sorted int32 list (0.25-0.36 MB deflated);
# 5: a model may also read its posts masked (distortion.py), in a second hash space. Only such a
# model is written as format 5; the others stay format 4, which older code reads too.
FORMAT_VERSION = 5
PLAIN_FORMAT = 4  # what a model that does not mask is written as
# Formats 3 and 4 differ only in how they list the buckets, so a model retrained on a deployment's
# own posts before format 5 still loads.
READABLE_FORMATS = (3, 4, 5)
MAX_NGRAM = 4
HASH_BITS = 18  # 262,144 buckets: a 16 MB table that stays in cache; 2^20 scored the same in CV
N_BUCKETS = 1 << HASH_BITS

# Runs of ? and ! carry surprise and anger, but normalisation drops runs of "?" (they are usually
# emoji an export lost), so they are read from the raw text; full-width "？" is kept apart from
# ASCII "?" because only the ASCII runs are lost emoji.
# One leading character class keeps the scan fast on long posts.
_PUNCT_RUN = re.compile(r"([?？!！~～。…])\1+|\.{3,}")
_TRAILING = frozenset("?？!！")
_FLAGS = (("urls", "<url>"), ("mentions", "<at>"), ("reposts", "<repost>"), ("hashtags", "<topic>"))
# 64-bit constants of the n-gram hash (any odd numbers would do; these are fixed forever, since
# changing them invalidates every artefact).
_PRIME = np.uint64(0x100000001B3)
# One salt per n-gram size (and one for the extra tokens), so "ab" and a token never share a key.
_SALTS = [np.uint64((size * 0x9E3779B97F4A7C15) % 2**64) for size in range(MAX_NGRAM + 2)]
# Mixed into the masked text's n-gram keys (distortion.py), which then fall in their own hash
# space: a masked 5-gram shares its salt with the extra tokens, never a bucket.
_MASKED = np.uint64(0x5DEECE66D1234567)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_SHIFT = np.uint64(64 - HASH_BITS)


def _row_width(columns: int) -> int:
    return max(16, -(-columns // 16) * 16)


def extra_tokens(features: dict[str, list[str]] | None, raw: str = "") -> list[str]:
    """What normalisation took out of a post, as tokens: emoticons, emoji, flags, ?/! runs."""
    out: list[str] = []
    if features:
        out.extend(["[" + name + "]" for name in features.get("emoticons", ())])
        out.extend(["<e>" + char for char in features.get("emoji", ())])
        out.extend([flag for key, flag in _FLAGS if key in features])
    if raw:
        for match in _PUNCT_RUN.finditer(raw):
            run = match.group()
            out.append("<p" + run[0] + str(min(len(run), 3)) + ">")
        end = raw.rstrip()[-1:]
        if end in _TRAILING:
            out.append("<end" + end + ">")
    return out


def hash_features(
    normalized: Sequence[str],
    extras: Sequence[list[str]],
    *,
    distorter: "Distorter | None" = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The features of a batch as (row, bucket) pairs, one pair per occurrence.

    Character 1–4-grams of each normalised text are hashed with numpy over the whole batch at
    once (no per-n-gram Python work), and the extra tokens with CRC-32. Training and inference
    both call this, so the buckets mean the same thing at both ends.

    distorter: also the n-grams of each text masked by it (distortion.py), in buckets
        N_BUCKETS and up, a hash space of their own.
    """
    n = len(normalized)
    joined = "\x00".join(text.replace("\x00", " ") for text in normalized) + "\x00"
    points = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
    codes = points.astype(np.uint64)
    # before[i]: how many texts end before position i, i.e. the row of position i.
    before = np.concatenate(([0], np.cumsum(codes == 0)))
    ngram_rows, ngram_keys = _ngrams(codes, before, range(1, MAX_NGRAM + 1))
    rows_parts = [ngram_rows]
    buckets_parts = [((ngram_keys * _MIX) >> _SHIFT).astype(np.int64)]
    affect_rows, affect_buckets = _affect_table().features(ngram_rows, ngram_keys, buckets_parts[0])
    rows_parts.append(affect_rows)
    buckets_parts.append(affect_buckets)
    extra_rows = [row for row, toks in enumerate(extras) for _ in toks]
    if extra_rows:
        rows_parts.append(np.asarray(extra_rows, dtype=np.int64))
        crc = [zlib.crc32(token.encode("utf-8")) for toks in extras for token in toks]
        buckets_parts.append(_token_buckets(np.asarray(crc, dtype=np.uint64)))
    if distorter is not None:
        masked_rows, masked_keys = _ngrams(
            distorter.codes(points).astype(np.uint64), before, DISTORTION_SIZES
        )
        rows_parts.append(masked_rows)
        masked_buckets = (((masked_keys ^ _MASKED) * _MIX) >> _SHIFT).astype(np.int64)
        buckets_parts.append(masked_buckets + N_BUCKETS)
    rows = np.concatenate(rows_parts)
    buckets = np.concatenate(buckets_parts)
    if n == 0:
        return rows[:0], buckets[:0]
    return rows, buckets


def _ngrams(
    codes: np.ndarray, before: np.ndarray, sizes: Iterable[int]
) -> tuple[np.ndarray, np.ndarray]:
    """(row, salted 64-bit key) of every n-gram of the given sizes inside one text: `codes`
    are the batch's code points with 0 between texts, `before` each position's row."""
    rows_parts = []
    keys_parts = []
    window = codes
    wanted = set(sizes)
    for size in range(1, max(wanted) + 1):
        if size > 1:
            window = window[:-1] * _PRIME + codes[size - 1 :]
        if size not in wanted:
            continue
        count = len(window)
        inside = before[size : size + count] == before[:count]  # no text boundary in the window
        rows_parts.append(before[:count][inside])
        keys_parts.append(window[inside] + _SALTS[size])
    return np.concatenate(rows_parts).astype(np.int64), np.concatenate(keys_parts)


def _token_buckets(crc: np.ndarray) -> np.ndarray:
    return (((crc + _SALTS[MAX_NGRAM + 1]) * _MIX) >> _SHIFT).astype(np.int64)


def ngram_key(word: str) -> int:
    """The 64-bit key `hash_features` computes for `word` as one of a text's n-grams."""
    key = 0
    for char in word:
        key = (key * int(_PRIME) + ord(char)) % 2**64
    return (key + int(_SALTS[len(word)])) % 2**64


class AffectTable:
    """The affect lexicon (affect.py) as n-gram keys: a post gets a category's token for each
    lexicon word among its n-grams.

    The n-gram keys `hash_features` has computed anyway are looked up, so no second scan of the
    text runs: an Aho-Corasick pass over the 37,000 words cost 0.4 µs a character, more than all
    of the rest of the featurisation. A bitmap of the words' buckets lets only about one n-gram
    in eight reach the exact (sorted-key) check. Words longer than MAX_NGRAM are not n-grams and
    are left out (5% of the lexicon, mostly five- to eight-character idioms).
    """

    def __init__(self, lexicon: dict[str, tuple[str, ...]]) -> None:
        words = [word for word in lexicon if 1 <= len(word) <= MAX_NGRAM]
        self.categories = tuple(sorted({cat for word in words for cat in lexicon[word]}))
        keys = np.array([ngram_key(word) for word in words], dtype=np.uint64)
        bits = np.array(
            [sum(1 << self.categories.index(cat) for cat in lexicon[word]) for word in words],
            dtype=np.uint32,
        )
        order = np.argsort(keys)
        self.keys, self.bits = keys[order], bits[order]
        self.bitmap = np.zeros(N_BUCKETS, dtype=bool)
        self.bitmap[((self.keys * _MIX) >> _SHIFT).astype(np.int64)] = True
        crc = [zlib.crc32(f"<a:{cat}>".encode()) for cat in self.categories]
        self.category_buckets = _token_buckets(np.asarray(crc, dtype=np.uint64))

    def features(
        self, rows: np.ndarray, keys: np.ndarray, buckets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row, bucket) pairs of the category tokens of the lexicon words among n-grams."""
        if not len(self.keys):
            return rows[:0], buckets[:0]
        candidates = np.flatnonzero(self.bitmap[buckets])
        wanted = keys[candidates]
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        hit = self.keys[at] == wanted
        hit_rows, hit_bits = rows[candidates[hit]], self.bits[at[hit]]
        out_rows, out_buckets = [], []
        for position, bucket in enumerate(self.category_buckets.tolist()):
            chosen = hit_rows[(hit_bits >> position) & 1 == 1]
            out_rows.append(chosen)
            out_buckets.append(np.full(len(chosen), bucket, dtype=np.int64))
        return np.concatenate(out_rows), np.concatenate(out_buckets)


@lru_cache(maxsize=4)
def distorter(characters: str) -> Distorter | None:
    """One Distorter per character list (its table takes 30 ms to build); None for no list."""
    return Distorter(characters) if characters else None


@lru_cache(maxsize=1)
def lexicon_sha256() -> str:
    """The shipped affect lexicon's fingerprint: train.py records it, load_artefact checks it."""
    import hashlib

    from opinion_engine.affect import LEXICON_PATH

    return hashlib.sha256(LEXICON_PATH.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _affect_table() -> AffectTable:
    from opinion_engine.affect import read_lexicon

    return AffectTable(read_lexicon())


def text_inputs(texts: Iterable[str]) -> tuple[list[str], list[list[str]]]:
    normalized = []
    extras = []
    for text in texts:
        clean, features = normalize_text(text)
        normalized.append(clean)
        extras.append(extra_tokens(features, text))
    return normalized, extras


@dataclass(frozen=True)
class Artefact:
    """One trained model as plain arrays, as train.py writes it and classify.py reads it."""

    name: str
    classes: tuple[str, ...]
    buckets: np.ndarray  # (V,) int64, sorted: the hash buckets the model uses
    idf: np.ndarray  # (V,) float32
    coef: np.ndarray  # (V, K) float32; K == 1 for a binary model
    intercept: np.ndarray  # (K,) float32
    calibration: np.ndarray  # softmax: [temperature]; binary: [slope, offset] of a sigmoid
    meta: dict
    # The word CNN whose log-probabilities, times meta["network"]["weight"], join the linear
    # scores before the calibration (wordcnn.py); None for a linear model alone.
    network: "Network | None" = None
    # The characters a masked copy of each post keeps (distortion.py); its n-grams are buckets
    # N_BUCKETS and up. Empty: the model reads the plain features only.
    distortion: str = ""

    @property
    def binary(self) -> bool:
        return self.coef.shape[1] == 1


def save_artefact(artefact: Artefact, path: Path) -> None:
    """Write an artefact as an .npz whose bytes depend on its content only (no timestamps)."""
    arrays = {
        "format_version": np.array(format_version(artefact), dtype=np.int32),
        "hash_bits": np.array(HASH_BITS, dtype=np.int32),
        "classes": np.array(artefact.classes),
        "bucket_bitmap": np.packbits(
            np.bincount(artefact.buckets, minlength=hash_space(artefact.distortion)) > 0
        ),
        "idf": artefact.idf.astype(np.float16),
        "coef": artefact.coef.astype(np.float16),
        "intercept": artefact.intercept.astype(np.float32),
        "calibration": artefact.calibration.astype(np.float32),
        "meta": json_array(artefact.meta),
    }
    if artefact.network is not None:
        arrays.update(pack(artefact.network))
    if artefact.distortion:
        arrays["distortion"] = np.array(artefact.distortion)
    write_npz(arrays, path)


def format_version(artefact: Artefact) -> int:
    return FORMAT_VERSION if artefact.distortion else PLAIN_FORMAT


def hash_space(distortion: str) -> int:
    """The buckets a model's features fall in: the plain ones, and the masked ones above them."""
    return 2 * N_BUCKETS if distortion else N_BUCKETS


def load_artefact(path: Path) -> Artefact:
    if not path.is_file():
        raise ModelMissing(
            f"model file {path} is missing; train the models with `python -m opinion_engine.train`"
        )
    with np.load(path, allow_pickle=False) as data:
        version = int(data["format_version"])
        bits = int(data["hash_bits"])
        if version not in READABLE_FORMATS or bits != HASH_BITS:
            raise ModelMissing(
                f"model file {path} has format {version} with {bits}-bit hashing, this code reads "
                f"formats {READABLE_FORMATS[0]}-{READABLE_FORMATS[-1]} with {HASH_BITS}-bit "
                "hashing; retrain with "
                "`python -m opinion_engine.train`"
            )
        meta = read_json_array(data["meta"])
        lexicon = meta.get("lexicon")
        if lexicon and lexicon.get("sha256") != lexicon_sha256():
            # The models weigh the lexicon's category tokens: another word list shifts them.
            raise ModelMissing(
                f"model file {path} was trained with another affect lexicon than "
                f"{lexicon.get('file', 'affect_lexicon.tsv.xz')} now holds; retrain with "
                "`python -m opinion_engine.train`"
            )
        network = None
        if "network_rows" in data.files:
            vectors = meta.get("network", {}).get("wordvec_sha256")
            if vectors != wordvec_sha256():
                # The network's unmoved word vectors are read from wordvec.npz.
                raise ModelMissing(
                    f"model file {path} was trained with other word vectors than "
                    f"{WORDVEC_PATH.name} now holds; retrain with "
                    "`python -m opinion_engine.train`"
                )
            network = unpack(data)
        return Artefact(
            name=meta.get("name", path.stem),
            classes=tuple(str(name) for name in data["classes"]),
            buckets=_buckets(data, version),
            idf=data["idf"].astype(np.float32),
            coef=data["coef"].astype(np.float32),
            intercept=data["intercept"].astype(np.float32),
            calibration=data["calibration"].astype(np.float32),
            meta=meta,
            network=network,
            distortion=str(data["distortion"]) if "distortion" in data.files else "",
        )


def _buckets(data, version: int) -> np.ndarray:
    """The sorted buckets an artefact's rows belong to, in any readable format."""
    if version == 3:
        return data["buckets"].astype(np.int64)
    bits = 8 * len(data["bucket_bitmap"])  # the plain hash space, or both (format 5)
    return np.flatnonzero(np.unpackbits(data["bucket_bitmap"], count=bits)).astype(np.int64)


class Scorer:
    """Several artefacts laid over one hash space, so one pass over a batch serves all of them."""

    def __init__(self, artefacts: Sequence[Artefact]) -> None:
        self.artefacts = {artefact.name: artefact for artefact in artefacts}
        masks = {artefact.distortion for artefact in artefacts if artefact.distortion}
        if len(masks) > 1:
            # One masked copy per post serves every model; two lists would need two.
            raise ModelMissing(
                "the models mask posts with different character lists; retrain them together "
                "with `python -m opinion_engine.train`"
            )
        characters = masks.pop() if masks else ""
        self.distorter_ = distorter(characters)
        self.space_ = hash_space(characters)
        width = sum(artefact.coef.shape[1] for artefact in artefacts)
        # One row per bucket holds every model's weights (idf folded in) and then each model's
        # idf² for its L2 norm, padded to 16 values. The values are 16-bit fixed point with one
        # scale per column (a step of 1/32,767 of the column's largest value, far below the
        # float16 precision the coefficients ship in): a row is 32 bytes and the table 8 MB
        # instead of 16. The gather of a batch's feature rows misses the cache and is the
        # stage's largest cost; half the bytes miss less, and int16 → float32 is one fast cast
        # (float16 → float32 is not, in numpy).
        self.weights_width_ = width
        self.columns_: dict[str, slice] = {}
        blocks = []  # (buckets, first column, values) per model: its weights, then its idf²
        start = 0
        for position, artefact in enumerate(artefacts):
            stop = start + artefact.coef.shape[1]
            blocks.append((artefact.buckets, start, artefact.coef * artefact.idf[:, None]))
            blocks.append((artefact.buckets, width + position, (artefact.idf**2)[:, None]))
            self.columns_[artefact.name] = slice(start, stop)
            start = stop
        columns = _row_width(width + len(artefacts))
        largest = np.zeros(columns, dtype=np.float32)
        for _, first, values in blocks:
            span = slice(first, first + values.shape[1])
            largest[span] = np.maximum(largest[span], np.abs(values).max(axis=0, initial=0.0))
        self.scale_ = np.where(largest > 0, largest / 32767.0, 1.0).astype(np.float32)
        # Filled model by model: no full-size float table is ever made (it would double the
        # engine's peak memory for a moment).
        self.table_ = np.zeros((self.space_, columns), dtype=np.int16)
        for buckets, first, values in blocks:
            span = slice(first, first + values.shape[1])
            self.table_[buckets, span] = np.round(values / self.scale_[span]).astype(np.int16)
        self.networks_ = {
            artefact.name: (Projection(artefact.network), artefact.meta["network"]["weight"])
            for artefact in artefacts
            if artefact.network is not None
        }
        # The table and the projections hold what scoring needs. The artefacts keep their
        # classes, calibration and metadata; their linear arrays (14 MB) and the networks'
        # word vectors (20 MB) go, since an engine lives as long as its worker.
        self.artefacts = {
            name: replace(
                artefact,
                network=None,
                buckets=artefact.buckets[:0].copy(),
                idf=artefact.idf[:0].copy(),
                coef=artefact.coef[:0].copy(),
            )
            for name, artefact in self.artefacts.items()
        }

    def scores(
        self, normalized: Sequence[str], extras: Sequence[list[str]]
    ) -> dict[str, np.ndarray]:
        """RETURNS (dict[str, np.ndarray]): per model, (n, K) linear scores."""
        n = len(normalized)
        rows, buckets = hash_features(normalized, extras, distorter=self.distorter_)
        space = self.space_
        combined = rows * space + buckets
        if n * space <= 1 << 32:
            # 32-bit keys sort about twice as fast as 64-bit ones (a batch of 256 needs 26 bits).
            combined = combined.astype(np.uint32)
        keys, counts = np.unique(combined, return_counts=True)
        rows, buckets = np.divmod(keys.astype(np.int64), space)
        tf = (1.0 + np.log(counts)).astype(np.float32)
        sums = np.zeros((n, self.table_.shape[1]), dtype=np.float32)
        if len(keys):
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            # np.take gathers rows about twice as fast as fancy indexing.
            gathered = np.take(self.table_, buckets, axis=0).astype(np.float32)
            gathered *= tf[:, None]
            gathered[:, self.weights_width_ :] *= tf[:, None]  # idf² needs tf² for the norm
            sums[rows[starts]] = np.add.reduceat(gathered, starts, axis=0)
            sums *= self.scale_
        raw = sums[:, : self.weights_width_]
        norms = np.sqrt(sums[:, self.weights_width_ :])
        norms[norms == 0] = 1.0
        out = {}
        for position, (name, artefact) in enumerate(self.artefacts.items()):
            linear = raw[:, self.columns_[name]] / norms[:, position : position + 1]
            out[name] = linear + artefact.intercept
        if self.networks_:
            words = default_segmenter().batch(normalized)
            for name, (projection, weight) in self.networks_.items():
                out[name] = out[name] + weight * network_margin(
                    projection.log_probabilities(*words)
                )
        return out

    def probabilities(
        self, normalized: Sequence[str], extras: Sequence[list[str]]
    ) -> dict[str, np.ndarray]:
        """Per model, (n, K) class probabilities; a binary model gives (n,) P(second class).

        Each model's own calibrated probabilities; sentiment then blended with emotion where
        the sentiment artefact carries a blend (see `blend_probabilities`).
        """
        out = {}
        for name, linear in self.scores(normalized, extras).items():
            calibration = self.artefacts[name].calibration
            if self.artefacts[name].binary:
                # The logistic function as tanh, which saturates instead of overflowing.
                z = calibration[0] * linear[:, 0] + calibration[1]
                out[name] = 0.5 * (1.0 + np.tanh(0.5 * z))
            else:
                out[name] = softmax(linear * calibration[0])
        return blend_probabilities(out, self.artefacts)


def network_margin(log_probabilities: np.ndarray) -> np.ndarray:
    """A network's log-probabilities as the linear model's scores read: unchanged for several
    classes; for two, the (n, 1) log-odds of the second, the side a binary LinearSVC's single
    score points to."""
    if log_probabilities.shape[1] == 2:
        return log_probabilities[:, 1:] - log_probabilities[:, :1]
    return log_probabilities


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


_FLOOR = 1e-6  # probabilities are floored before logs: one model's certainty must not veto


def emotion_to_sentiment(
    emotion: np.ndarray, emotion_classes: Sequence[str], groups: dict[str, list[str]]
) -> np.ndarray:
    """(n, 3) sentiment probabilities read off emotion probabilities: each sentiment gets the
    mass of its emotions (`groups`, e.g. negative: angry, sad, fear), renormalised (surprise,
    in no group, drops out)."""
    columns = [
        emotion[:, [emotion_classes.index(name) for name in names]].sum(axis=1)
        for names in groups.values()
    ]
    mapped = np.stack(columns, axis=1)
    return mapped / np.maximum(mapped.sum(axis=1, keepdims=True), _FLOOR)


def blend_inputs(sentiment: np.ndarray, implied: np.ndarray) -> np.ndarray:
    """(n, 2k): the sentiment model's log-probabilities, then the implied ones, floored."""
    return np.log(np.maximum(np.hstack([sentiment, implied]), _FLOOR))


def blend_scores(logs: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """The blend regression's scores: the two halves of `logs` summed (the product of the two
    models' probabilities) plus the linear correction `coef` (k, 2k) and `intercept` (k,)."""
    k = logs.shape[1] // 2
    return logs[:, :k] + logs[:, k:] + logs @ coef.T + intercept


def blend_sentiment(
    sentiment: np.ndarray,
    emotion: np.ndarray,
    emotion_classes: Sequence[str],
    blend: dict,
) -> np.ndarray:
    """The sentiment model's probabilities combined with those read off the emotion model, with
    per-class offsets on the log scale, through a softmax. A blend with "coef" is a logistic
    regression: the sum of both sets of log-probabilities (their product) plus a linear
    correction over them (the sentiment model's, then the implied ones). One with "weight"
    (artefacts trained before the fifteenth round) mixes the probabilities, `weight` × the
    sentiment model's + (1 − weight) × the implied ones."""
    mapped = emotion_to_sentiment(emotion, emotion_classes, blend["groups"])
    if "coef" in blend:
        logs = blend_inputs(sentiment, mapped)
        coef = np.asarray(blend["coef"], dtype=logs.dtype)
        z = blend_scores(logs, coef, np.asarray(blend["intercept"], dtype=logs.dtype))
    else:
        mixed = blend["weight"] * sentiment + (1.0 - blend["weight"]) * mapped
        z = np.log(np.maximum(mixed, _FLOOR))
    z = z + np.asarray(blend["offsets"], dtype=z.dtype)
    return softmax(z * blend["temperature"])


def blend_probabilities(
    probabilities: dict[str, np.ndarray], artefacts: dict[str, "Artefact"]
) -> dict[str, np.ndarray]:
    """The sentiment model reads the emotion model too. Half of the sentiment model's training
    text is segmented and stripped (ncov), while the emotion model has seen only raw Weibo
    posts; mixing in the sentiment its emotions imply raised out-of-fold macro-F1 on both
    training files. The combination, offsets and temperature were fitted on out-of-fold
    probabilities of the training files (train.fit_sentiment_blend) and ship in the sentiment
    artefact's metadata under "blend"; without one, or without an emotion model, the sentiment
    model's own probabilities stand."""
    emotion, sentiment = probabilities.get("emotion"), probabilities.get("sentiment")
    blend = artefacts["sentiment"].meta.get("blend") if sentiment is not None else None
    if emotion is None or not blend:
        return probabilities
    out = dict(probabilities)
    out["sentiment"] = blend_sentiment(sentiment, emotion, artefacts["emotion"].classes, blend)
    return out


class Classifiers(Stage):
    """Fills post.emotion(_scores), post.sentiment(_scores) and post.rumour_score.

    Build it with `Classifiers.load()` (or `Classifiers()`, which loads on first use).
    """

    name = "classify"

    def __init__(self, *, path: Path | None = None) -> None:
        self.path = path

    @classmethod
    def load(cls, path: Path | None = None) -> "Classifiers":
        """Load the three artefacts from `path` (default: the package's models/ directory).

        Raises ModelMissing, with the command that makes them, when one is absent.
        """
        stage = cls(path=path)
        stage._scorer()
        return stage

    def _scorer(self) -> Scorer:
        scorer = getattr(self, "scorer_", None)
        if scorer is None:
            directory = Path(self.path) if self.path is not None else MODELS_DIR
            scorer = Scorer([load_artefact(directory / f"{name}.npz") for name in MODEL_NAMES])
            _affect_table()  # built now (0.1 s), not on the first batch of posts
            default_segmenter()
            self.scorer_ = scorer
        return scorer

    def __call__(self, post: Post) -> Post:
        return self.process_batch([post], on_error=_raise)[0]

    def process_batch(
        self, batch: list[Post], *, on_error: ErrorHandler = record_error
    ) -> list[Post]:
        scorer = self._scorer()
        ready: list[Post] = []
        normalized: list[str] = []
        extras: list[list[str]] = []
        for post in batch:
            try:
                if not isinstance(post.text, str):
                    raise TypeError(f"post.text is {type(post.text).__name__}, not str")
                if not post.normalized and not post.features:
                    post.normalized, post.features = normalize_text(post.text)
                extras.append(extra_tokens(post.features, post.text))
                normalized.append(post.normalized)
                ready.append(post)
            except Exception as error:  # one bad post must not end the stream
                on_error(self.name, post, error)
        if not ready:
            return batch
        probabilities = scorer.probabilities(normalized, extras)
        emotions = probabilities["emotion"]
        sentiments = probabilities["sentiment"]
        rumour = probabilities["rumour"]
        emotion_classes = scorer.artefacts["emotion"].classes
        sentiment_classes = scorer.artefacts["sentiment"].classes
        # Whole-batch argmax and tolist: per-row numpy calls would cost more than the model.
        rows = zip(
            ready,
            emotions.tolist(),
            emotions.argmax(axis=1).tolist(),
            sentiments.tolist(),
            sentiments.argmax(axis=1).tolist(),
            rumour.tolist(),
            strict=True,
        )
        for post, emotion, top_emotion, sentiment, top_sentiment, rumour_score in rows:
            post.emotion_scores = dict(zip(emotion_classes, emotion, strict=True))
            post.emotion = emotion_classes[top_emotion]
            post.sentiment_scores = dict(zip(sentiment_classes, sentiment, strict=True))
            post.sentiment = sentiment_classes[top_sentiment]
            post.rumour_score = rumour_score
        return batch


def _raise(stage: str, post: Post, error: Exception) -> None:
    raise error


def shared_classifiers(path: Path | None = None) -> Classifiers:
    """The process's one loaded Classifiers for a model directory (default: the shipped one).

    Engines built one after another (the bench's fresh engines, a worker that rebuilds its
    engine when the schemes change) share its tables, 45 MB with the word CNN's, instead of
    each loading its own; the stage keeps no per-stream state, so sharing it is safe.
    """
    return _shared_classifiers(str(Path(path if path is not None else MODELS_DIR).resolve()))


@lru_cache(maxsize=4)
def _shared_classifiers(path: str) -> Classifiers:
    return Classifiers.load(Path(path))


def default_classifiers() -> Classifiers:
    return shared_classifiers()


def _probabilities(texts: Iterable[str], name: str) -> np.ndarray:
    scorer = default_classifiers()._scorer()
    return scorer.probabilities(*text_inputs(texts))[name]


def predict_emotion(texts: Iterable[str]) -> list[str]:
    """The emotion of each raw text: happy, angry, sad, fear, surprise or neutral."""
    classes = default_classifiers()._scorer().artefacts["emotion"].classes
    return [classes[i] for i in _probabilities(texts, "emotion").argmax(axis=1)]


def predict_sentiment(texts: Iterable[str]) -> list[str]:
    """The sentiment of each raw text: negative, neutral or positive."""
    classes = default_classifiers()._scorer().artefacts["sentiment"].classes
    return [classes[i] for i in _probabilities(texts, "sentiment").argmax(axis=1)]


def predict_rumour(texts: Iterable[str]) -> list[float]:
    """The probability that each raw text is a rumour / fake news."""
    return _probabilities(texts, "rumour").tolist()
