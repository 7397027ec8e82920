"""Rumour library: link a post that restates a known, debunked rumour to its debunk.

A debunk is phrased once ("双黄连口服液可以预防新冠肺炎"); posts restate it in their own words,
inside longer text, with hashtags and emoji. Matching is in two steps:

1. candidates: every phrasing of every claim (the claim and its variants) is indexed by its
   character 2- and 3-grams; a phrasing becomes a candidate when the post contains at least
   `MIN_CANDIDATE_COVERAGE` of its IDF-weighted n-grams and at least `ANCHOR_SHARE` of its
   anchors, the claim's rarest words across the library ("双黄连", "襄阳"): a post about
   "疾病预防控制中心" shares words with "吸烟可以预防新冠" but not the one that matters;
2. score, in [0, 1]: the mean of
   - word coverage: the IDF-weighted share of the claim's jieba words found in the post, and
   - local n-gram cosine: the IDF-weighted cosine between the claim's character n-grams and the
     post window (1.5 × the claim's length) that resembles it most, so a claim restated inside a
     long post is not diluted by the rest of the post.

The library links a post to the rumour it is about, whatever its stance: a post that repeats the
rumour to refute it is linked too, and `is_refutation` tells the risk stage which is which.

`THRESHOLD` was chosen by `tune_threshold` (best F0.5 at precision ≥ 0.9) on the "tune" rows of
tests/data/rumour_links.csv; the "report" rows are kept for measuring it with `evaluate_links`
(see tests/data/rumour_links.md for how the sample was built and the figures).
"""

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from opinion_engine.lexicons import words
from opinion_engine.normalize import normalize_text
from opinion_engine.pipeline import ErrorHandler, Stage
from opinion_engine.types import Debunk, Post

SEED_PATH = Path(__file__).parent / "data" / "debunks.jsonl"
THRESHOLD = 0.5  # tune_threshold on the "tune" rows of tests/data/rumour_links.csv
MIN_CANDIDATE_COVERAGE = 0.2
MAX_CANDIDATES = 5
WINDOW_FACTOR = 1.5
ANCHOR_SHARE = 0.5  # of a claim's rarest words, the share a post must contain to be a candidate

NON_WORD = re.compile(r"[\W_]+")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Words every epidemic post uses: they say nothing about which rumour a post restates.
GENERIC_WORDS = frozenset(
    words(
        "新型 冠状病毒 新冠 病毒 肺炎 新型肺炎 感染 疫情 确诊 武汉 湖北 中国 美国 全国 大家 "
        "今天 已经 可以 医院 网传 据说 听说 转发 视频 微博"
    )
)
GENERIC_WEIGHT = 0.2
STOPWORDS = frozenset(
    words(
        "的 了 是 在 和 与 或 被 把 由 从 对 向 到 也 都 就 还 要 会 能 将 已 并 后 时 里 中 "
        "上 下 一个 一名 所有 全部 出来 自己 不是 这个 那个 什么 我们 他们 你们 因为 所以 "
        "如果 还是 而且"
    )
)
# A post that carries one of these is (probably) refuting the rumour rather than spreading it.
REFUTATION = re.compile(
    r"辟谣|谣言|不实|假消息|假新闻|是假的|都是假|统统是假|纯属|系编造|造谣|别信|不要信|勿信|不可信|"
    r"没有(?:任何)?(?:科学)?(?:证据|依据)|并非|澄清"
)
# …unless the marker is itself doubted: "不知是不是谣言", "辟谣了吗".
DOUBTED_REFUTATION = re.compile(r"(?:不知道?|是不是|是否)(?:是)?(?:谣言|假的)|辟谣了?吗")


def read_debunks(path: str | Path | None = None) -> tuple[list[Debunk], dict[str, list[str]]]:
    """The debunks of a JSONL library and the variant phrasings of each (by debunk id).

    Records with a "_meta" key (the provenance header) are skipped; unknown fields are ignored.
    """
    debunks: list[Debunk] = []
    variants: dict[str, list[str]] = {}
    with open(path or SEED_PATH, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            if "_meta" in record:
                continue
            published_on = record.get("published_on") or None
            debunks.append(
                Debunk(
                    id=record["id"],
                    claim=record["claim"],
                    rebuttal=record.get("rebuttal", ""),
                    source=record.get("source", ""),
                    published_on=dt.date.fromisoformat(published_on) if published_on else None,
                    url=record.get("url", ""),
                )
            )
            if record.get("variants"):
                variants[record["id"]] = list(record["variants"])
    return debunks, variants


def is_refutation(text: str) -> bool:
    """Whether the text refutes what it repeats ("……统统是假的", "辟谣：……")."""
    return bool(REFUTATION.search(text)) and not DOUBTED_REFUTATION.search(text)


def canonical(text: str) -> str:
    """Normalised text without punctuation, spaces or case: what n-grams are taken from."""
    return NON_WORD.sub("", normalize_text(text)[0]).lower()


def char_ngrams(text: str) -> list[tuple[int, str]]:
    """(position, n-gram) for every character bigram and trigram of a canonical text."""
    grams = [(i, text[i : i + 2]) for i in range(len(text) - 1)]
    grams += [(i, text[i : i + 3]) for i in range(len(text) - 2)]
    return grams


_CODE_BITS = 21  # every code point fits in 21 bits, so a 2- or 3-gram key is exact
# A prefilter's coverage is summed in another order than rank()'s; rows this close to the cut
# go to rank() too, which decides exactly.
_PREFILTER_SLACK = 1e-6
_BITMAP_BITS = 18
_BITMAP_MIX = np.uint64(0x9E3779B97F4A7C15)
_BITMAP_SHIFT = np.uint64(64 - _BITMAP_BITS)


def gram_key(gram: str) -> int:
    """The exact integer key of a 2- or 3-character n-gram (3-grams are all above 2-grams)."""
    key = 0
    for char in gram:
        key = (key << _CODE_BITS) | ord(char)
    return key


def batch_gram_keys(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) of every 2- and 3-gram of each text, as `gram_key` computes them."""
    joined = "\x00".join(texts) + "\x00"
    if joined.count("\x00") != len(texts):  # NUL inside a text: keep the rows aligned
        joined = "\x00".join(text.replace("\x00", " ") for text in texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row = np.cumsum(codes == 0)
    row = np.concatenate(([0], row[:-1]))
    shift = np.uint64(_CODE_BITS)
    bigrams = (codes[:-1] << shift) | codes[1:]
    trigrams = (bigrams[:-1] << shift) | codes[2:]
    # A window is inside one text when it holds no separator (canonical texts have no NUL).
    inside2 = (codes[:-1] != 0) & (codes[1:] != 0)
    inside3 = inside2[:-1] & (codes[2:] != 0)
    rows = np.concatenate((row[:-1][inside2], row[:-2][inside3]))
    keys = np.concatenate((bigrams[inside2], trigrams[inside3]))
    return rows, keys


def claim_words(text: str) -> list[str]:
    """Content words of a claim: jieba words of two or more characters, with runs of
    single-character words joined (jieba splits rare names: 屠/呦/呦 → 屠呦呦).

    The words come from rjieba, jieba's algorithm and dictionary in Rust, which the event
    clusterer loads anyway. It cuts as jieba.lcut does: checked on the shipped claims and
    2,400 posts. Loading jieba itself would cost a long-lived engine about 55 MB."""
    import rjieba

    found: list[str] = []
    run = ""
    for token in rjieba.cut(canonical(text)):
        if len(token) == 1 and CJK.match(token) and token not in STOPWORDS:
            run += token
            continue
        if len(run) >= 2:
            found.append(run)
        run = ""
        found.append(token)
    if len(run) >= 2:
        found.append(run)
    return [w for w in dict.fromkeys(found) if len(w) >= 2 and w not in STOPWORDS]


class _Phrasing:
    __slots__ = (
        "anchors",
        "debunk_id",
        "gram_keys",
        "gram_weights",
        "length",
        "norm",
        "text",
        "total",
        "word_weights",
    )

    def __init__(self, debunk_id: str, text: str) -> None:
        self.debunk_id = debunk_id
        self.text = canonical(text)
        self.length = len(self.text)
        self.gram_weights: dict[str, float] = {}
        self.gram_keys = np.zeros(0, dtype=np.uint64)
        self.word_weights: dict[str, float] = {}
        self.anchors: tuple[str, ...] = ()
        self.total = 0.0
        self.norm = 0.0


class RumourLibrary:
    """Known rumours, indexed for matching posts against them.

    debunks (list[Debunk]): the rumours; `Debunk.claim` is the phrasing shown to people.
    variants (Mapping[str, list[str]]): other phrasings per debunk id, used for matching only.
    threshold (float): the score from which `match` links a text.
    """

    def __init__(
        self,
        debunks: list[Debunk],
        *,
        variants: Mapping[str, list[str]] | None = None,
        threshold: float = THRESHOLD,
    ) -> None:
        self.threshold = threshold
        self.debunks = {debunk.id: debunk for debunk in debunks}
        self._phrasings: list[_Phrasing] = []
        for debunk in debunks:
            for text in [debunk.claim, *(variants or {}).get(debunk.id, [])]:
                phrasing = _Phrasing(debunk.id, text)
                if phrasing.length >= 2:
                    self._phrasings.append(phrasing)
        self._index()

    @classmethod
    def from_jsonl(
        cls, path: str | Path | None = None, *, threshold: float = THRESHOLD
    ) -> "RumourLibrary":
        """The library in a JSONL file (default: the seed library shipped with the engine)."""
        debunks, variants = read_debunks(path)
        return cls(debunks, variants=variants, threshold=threshold)

    def __len__(self) -> int:
        return len(self.debunks)

    def get(self, debunk_id: str) -> Debunk | None:
        return self.debunks.get(debunk_id)

    def match(self, text: str) -> tuple[str, float] | None:
        """(debunk id, similarity in [0, 1]) of the rumour the text restates, or None."""
        ranked = self.rank(text)
        if ranked and ranked[0][1] >= self.threshold:
            return ranked[0]
        return None

    def rank(
        self, text: str, *, limit: int = MAX_CANDIDATES, normalized: bool = False
    ) -> list[tuple[str, float]]:
        """Candidate debunks for a text with their scores, best first (one entry per debunk).

        `normalized` says the text already went through normalize_text (the pipeline's
        post.normalized), which saves doing it again.
        """
        post = NON_WORD.sub("", text).lower() if normalized else canonical(text)
        if len(post) < 2:
            return []
        # Most posts restate no rumour: the distinct n-grams' coverage of each phrasing comes
        # first, and the positional work only for posts that have candidates.
        covered = self.coverage([post])[0]
        totals = self._phrasing_totals
        candidates = sorted(
            (
                (covered[index] / totals[index], index)
                for index in np.flatnonzero(covered >= MIN_CANDIDATE_COVERAGE * totals).tolist()
            ),
            reverse=True,
        )[: MAX_CANDIDATES * 2]
        best: dict[str, float] = {}
        window = None  # built for the first candidate that has its anchors: most have not
        for _, index in candidates:
            phrasing = self._phrasings[index]
            if phrasing.anchors and not self._has_anchors(phrasing, post):
                continue
            if window is None:
                window = _PostWindow(self, post)
            score = 0.5 * self._word_coverage(phrasing, post) + 0.5 * window.local_cosine(phrasing)
            if score > best.get(phrasing.debunk_id, -1.0):
                best[phrasing.debunk_id] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [(debunk_id, round(score, 4)) for debunk_id, score in ranked[:limit]]

    def _index(self) -> None:
        # IDF over debunks (all phrasings of a debunk count as one document).
        documents = len(self.debunks) or 1
        gram_df: dict[str, set[str]] = {}
        word_df: dict[str, set[str]] = {}
        for phrasing in self._phrasings:
            for _, gram in char_ngrams(phrasing.text):
                gram_df.setdefault(gram, set()).add(phrasing.debunk_id)
            for word in claim_words(phrasing.text):
                word_df.setdefault(word, set()).add(phrasing.debunk_id)
        generic_grams = {g for word in GENERIC_WORDS for _, g in char_ngrams(word)}
        self._gram_idf = {}
        for gram, ids in gram_df.items():
            idf = math.log(1 + documents / len(ids))
            self._gram_idf[gram] = idf * (GENERIC_WEIGHT if gram in generic_grams else 1.0)
        # An n-gram no claim has is as informative as the rarest claim n-gram.
        self._unseen_weight = math.log(1 + documents)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, phrasing in enumerate(self._phrasings):
            grams = {g for _, g in char_ngrams(phrasing.text)}
            phrasing.gram_weights = {g: self._gram_idf[g] for g in grams}
            phrasing.total = sum(phrasing.gram_weights.values()) or 1.0
            phrasing.norm = math.sqrt(sum(w * w for w in phrasing.gram_weights.values())) or 1.0
            for gram, weight in phrasing.gram_weights.items():
                self._postings.setdefault(gram, []).append((index, weight))
            for word in claim_words(phrasing.text):
                idf = math.log(1 + documents / len(word_df[word]))
                phrasing.word_weights[word] = idf * (
                    GENERIC_WEIGHT if word in GENERIC_WORDS else 1.0
                )
            # The words that single this rumour out (the rarest across the library): a post
            # without enough of them is about something else, however many common words it shares.
            specific = {w: v for w, v in phrasing.word_weights.items() if w not in GENERIC_WORDS}
            if specific:
                top = max(specific.values())
                phrasing.anchors = tuple(w for w, v in specific.items() if v >= top - 1e-9)

        self._index_arrays()

    def _index_arrays(self) -> None:
        """The postings as sorted integer keys and CSR arrays, for `candidate_rows`."""
        grams = sorted(self._postings, key=gram_key)
        self._gram_keys = np.array([gram_key(g) for g in grams], dtype=np.uint64)
        lengths = [len(self._postings[g]) for g in grams]
        self._posting_starts = np.zeros(len(grams) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self._posting_starts[1:])
        self._posting_phrasing = np.array(
            [index for g in grams for index, _ in self._postings[g]], dtype=np.int64
        )
        self._posting_weight = np.array(
            [weight for g in grams for _, weight in self._postings[g]], dtype=np.float64
        )
        self._phrasing_totals = np.array([p.total for p in self._phrasings], dtype=np.float64)
        self._gram_bitmap = np.zeros(1 << _BITMAP_BITS, dtype=bool)
        self._gram_bitmap[(self._gram_keys * _BITMAP_MIX) >> _BITMAP_SHIFT] = True
        self._gram_idf_sorted = np.array([self._gram_idf[g] for g in grams], dtype=np.float64)
        for phrasing in self._phrasings:
            phrasing.gram_keys = np.array(
                sorted(gram_key(g) for g in phrasing.gram_weights), dtype=np.uint64
            )

    def coverage(self, texts: list[str]) -> np.ndarray:
        """(len(texts), phrasings): the idf weight of each phrasing's n-grams that each
        canonical text contains (each distinct n-gram once), for a whole batch with numpy."""
        n, phrasings = len(texts), len(self._phrasings)
        covered = np.zeros((n, phrasings))
        if not n or not len(self._gram_keys):
            return covered
        rows, keys = batch_gram_keys(texts)
        # A bitmap of the claims' n-grams drops most of the post's n-grams with one gather;
        # only the rest are looked up exactly.
        maybe = np.flatnonzero(self._gram_bitmap[(keys * _BITMAP_MIX) >> _BITMAP_SHIFT])
        if not len(maybe):
            return covered
        rows, keys = rows[maybe], keys[maybe]
        position = np.searchsorted(self._gram_keys, keys)
        np.minimum(position, len(self._gram_keys) - 1, out=position)
        hit = self._gram_keys[position] == keys
        if not hit.any():
            return covered
        grams = len(self._gram_keys)
        pairs = np.unique(rows[hit] * grams + position[hit])  # distinct n-grams per text
        pair_rows, pair_grams = np.divmod(pairs, grams)
        starts = self._posting_starts[pair_grams]
        counts = self._posting_starts[pair_grams + 1] - starts
        total = int(counts.sum())
        # Every posting of every matched n-gram: its text row, phrasing and weight.
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        cells = np.repeat(pair_rows, counts) * phrasings + self._posting_phrasing[offsets]
        return np.bincount(
            cells, weights=self._posting_weight[offsets], minlength=n * phrasings
        ).reshape(n, phrasings)

    def candidate_rows(self, texts: list[str]) -> np.ndarray:
        """Which canonical texts (as `rank(..., normalized=True)` reduces them) have a candidate:
        `rank`'s first step for a whole batch. RETURNS a boolean array, True where `rank` must
        be asked; for the others it would return []."""
        needed = MIN_CANDIDATE_COVERAGE * self._phrasing_totals * (1 - _PREFILTER_SLACK)
        return (self.coverage(texts) >= needed).any(axis=1)

    @staticmethod
    def _has_anchors(phrasing: _Phrasing, post: str) -> bool:
        found = sum(1 for word in phrasing.anchors if word in post)
        return found >= max(1, len(phrasing.anchors) * ANCHOR_SHARE)

    @staticmethod
    def _word_coverage(phrasing: _Phrasing, post: str) -> float:
        total = sum(phrasing.word_weights.values())
        if not total:
            return 0.0
        found = sum(w for word, w in phrasing.word_weights.items() if word in post)
        return found / total


class _PostWindow:
    """A post's n-grams as arrays, computed once and compared with each candidate phrasing.

    The n-grams are `char_ngrams`' (bigrams, then trigrams), keyed by `gram_key`, weighted by
    the library's idf (`_unseen_weight` for n-grams no claim has).
    """

    __slots__ = ("_sums", "keys", "length", "per_position_all", "positions", "squared")

    def __init__(self, library: RumourLibrary, post: str) -> None:
        self.length = len(post)
        _, self.keys = batch_gram_keys([post])
        bigrams, trigrams = max(self.length - 1, 0), max(self.length - 2, 0)
        self.positions = np.concatenate(
            (np.arange(bigrams, dtype=np.int64), np.arange(trigrams, dtype=np.int64))
        )
        known_keys = library._gram_keys
        weights = np.full(len(self.keys), library._unseen_weight, dtype=np.float64)
        if len(known_keys) and len(self.keys):
            at = np.minimum(np.searchsorted(known_keys, self.keys), len(known_keys) - 1)
            known = known_keys[at] == self.keys
            weights[known] = library._gram_idf_sorted[at[known]]
        self.squared = weights * weights
        self.per_position_all = np.bincount(
            self.positions, weights=self.squared, minlength=self.length
        )
        self._sums: dict[int, np.ndarray] = {}

    def local_cosine(self, phrasing: _Phrasing) -> float:
        """Best cosine between the claim and a window of the post, over all windows."""
        known = phrasing.gram_keys  # sorted
        if not len(known):
            return 0.0
        at = np.minimum(np.searchsorted(known, self.keys), len(known) - 1)
        matched = known[at] == self.keys
        per_position_matched = np.bincount(
            self.positions, weights=np.where(matched, self.squared, 0.0), minlength=self.length
        )
        window = min(self.length, max(8, int(WINDOW_FACTOR * phrasing.length)))
        all_sums = self._sums.get(window)
        if all_sums is None:
            all_sums = np.convolve(self.per_position_all, np.ones(window), mode="valid")
            self._sums[window] = all_sums
        matched_sums = np.convolve(per_position_matched, np.ones(window), mode="valid")
        cosines = matched_sums / (phrasing.norm * np.sqrt(np.maximum(all_sums, 1e-12)))
        return float(min(1.0, cosines.max(initial=0.0)))


class RumourMatcher(Stage):
    """Sets `post.debunk_id` and `post.debunk_similarity` when the post restates a known rumour.

    library (RumourLibrary): the rumours to match against, with its threshold.
    lead (timedelta): how long before its debunk a rumour can circulate. A post published earlier
        than that is not linked to it: "襄阳封城" in a post of 2019 is about something else.
    """

    name = "rumours"

    def __init__(
        self, library: RumourLibrary, *, lead: dt.timedelta = dt.timedelta(days=60)
    ) -> None:
        self.library = library
        self.lead = lead

    def __call__(self, post: Post) -> Post:
        post.debunk_id, post.debunk_similarity = "", 0.0
        ranked = (
            self.library.rank(post.normalized, normalized=True)
            if post.normalized
            else self.library.rank(post.text)
        )
        for debunk_id, score in ranked:
            if score < self.library.threshold:
                break
            if self._too_early(post, self.library.get(debunk_id)):
                continue
            post.debunk_id, post.debunk_similarity = debunk_id, score
            break
        return post

    def process_batch(self, batch: list[Post], *, on_error: ErrorHandler) -> list[Post]:
        # Most posts restate no rumour: one numpy pass over the batch finds those that share
        # enough n-grams with a claim, and only they go through rank().
        try:
            canonical_texts = [
                NON_WORD.sub("", post.normalized).lower() if post.normalized else ""
                for post in batch
            ]
            candidates = self.library.candidate_rows(canonical_texts).tolist()
        except Exception:  # a batch that fails as a whole is handled post by post
            return super().process_batch(batch, on_error=on_error)
        out = []
        for post, candidate in zip(batch, candidates, strict=True):
            if post.normalized and not candidate:
                post.debunk_id, post.debunk_similarity = "", 0.0
                out.append(post)
                continue
            try:
                out.append(self(post))
            except Exception as error:  # one bad post must not end the stream
                on_error(self.name, post, error)
                out.append(post)
        return out

    def _too_early(self, post: Post, debunk: Debunk | None) -> bool:
        if post.published_at is None or debunk is None or debunk.published_on is None:
            return False
        return post.published_at.date() < debunk.published_on - self.lead


def evaluate_links(
    library: RumourLibrary, rows: Iterable[Mapping[str, str]], *, threshold: float | None = None
) -> dict[str, float]:
    """Precision and recall of the links `library` makes on labelled rows.

    rows: mappings with "text" and "label" (the debunk id the text is about, or "").
    threshold (float): overrides the library's threshold for this evaluation.
    RETURNS (dict): precision (correct links / links made; 1.0 when no link is made), recall
        (correct links / labelled rows; 1.0 when none is labelled), n (rows), and the counts
        tp (right debunk), fp (link on an unlabelled row or to the wrong debunk), fn (labelled
        row not linked to its debunk).
    """
    cut = library.threshold if threshold is None else threshold
    tp = fp = fn = n = 0
    for row in rows:
        n += 1
        label = row.get("label", "") or ""
        ranked = library.rank(row["text"], limit=1)
        predicted = ranked[0][0] if ranked and ranked[0][1] >= cut else ""
        if predicted and predicted == label:
            tp += 1
        elif predicted:
            fp += 1
        if label and predicted != label:
            fn += 1
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "n": n,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def tune_threshold(
    library: RumourLibrary,
    rows: Iterable[Mapping[str, str]],
    *,
    target_precision: float = 0.9,
    grid: Iterable[float] | None = None,
) -> float:
    """The threshold on `grid` with the best F0.5 (precision counts twice as much as recall)
    among those whose precision on `rows` reaches `target_precision`; ties go to the higher
    threshold. The top of the grid when none reaches the target."""
    rows = list(rows)
    steps = sorted(grid if grid is not None else [x / 100 for x in range(15, 96)])
    best, best_f = steps[-1], -1.0
    for threshold in steps:
        scores = evaluate_links(library, rows, threshold=threshold)
        precision, recall = scores["precision"], scores["recall"]
        if precision < target_precision:
            continue
        f = 1.25 * precision * recall / (0.25 * precision + recall) if recall else 0.0
        if f >= best_f:
            best, best_f = threshold, f
    return best
