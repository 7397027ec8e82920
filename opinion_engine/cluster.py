"""Events: clusters of posts telling one story, each with a label, its members and a volume curve.

Near-duplicates (`dedup.py`) are copies of one text; an event also gathers the same story told
differently: the posts about one outbreak in one place, the rumours about one lockdown. Posts are
clustered in one deterministic pass, in the order they arrive:

- a post is a bag of TF-IDF keywords (rjieba words weighted by jieba's bundled IDF table,
  minus words every epidemic post uses);
- it joins the active event whose keyword centroid is most similar (cosine ≥ `threshold`), and a
  near-duplicate joins the event of the post it copies; otherwise it starts a new event;
- an event is active while its last post is within `window` of the new post, so a story that
  returns weeks later is a new event.

The clusterer lives as long as the worker that holds it, so what it keeps is bounded: an event
whose last post is more than two windows older than the newest post seen, or the least recently
joined one when more than `max_clusters` are open, is retired. A retired event no longer takes
posts, and it leaves the index that new posts are compared against; `events()` still lists the
last `max_finished` retired events that were large enough to report. Without that, a worker's
per-post cost and memory grew with everything it had ever seen (`python -m opinion_engine.soak`:
4,800 → 1,400 posts per CPU-second and 390 → 760 MB over 300,000 posts).

`volume_spikes` reads an event's timeline for the monitoring product's alerts.
"""

import datetime as dt
import hashlib
import math
import statistics
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from opinion_engine.lexicons import words
from opinion_engine.normalize import normalize_text
from opinion_engine.pipeline import Stage
from opinion_engine.types import Event, Post
from opinion_engine.wordtable import WordTable

BUCKETS = {"hour", "day"}
# jieba.analyse's own stop list (jieba/analyse/tfidf.py), kept here to avoid importing it.
STOP_WORDS = frozenset(
    words(
        "the of is and to in that we for an are by be as on with can if from which you it this "
        "then at have all not one has or"
    )
)
KEYWORDS_PER_POST = 8
CENTROID_SIZE = 40  # words kept per event: enough to follow a story, bounded in memory
LABEL_WORDS = 3
# A word is compared against at most this many events, its most recently joined ones, as in
# streaming first-story detection (Petrović et al., NAACL 2010). A word as common as 武汉 sits in
# thousands of open events; scanning them all made a post cost 300 µs after a few days of stream.
POSTINGS_PER_WORD = 64
# An event lists its most recent KEYS_PER_EVENT posts (and counts them all): a story that never
# goes quiet must not hold every post it ever had for as long as the worker runs.
KEYS_PER_EVENT = 1_000
# More than the near-duplicate stage remembers (two generations of 20,000 groups), so a copy it
# recognises always finds its first post's event while that event is open.
FIRST_POSTS_REMEMBERED = 100_000
EVENT_KEYWORDS = 10

# Words nearly every post of 2020 used: they would merge every story into one event.
GENERIC_WORDS = frozenset(
    words(
        "疫情 新冠 肺炎 病毒 新型 冠状病毒 新冠肺炎 新型肺炎 感染 确诊 病例 防控 抗疫 防疫 "
        "患者 加油 大家 我们 今天 现在 已经 没有 一个 什么 这个 自己 真的 视频 微博 网页 "
        "链接 全文 展开 转发 评论 分享"
    )
)


def idf_pairs() -> Iterator[tuple[str, float]]:
    """(word, IDF) of jieba's bundled table, read straight from jieba's package data:
    importing jieba.analyse would also load jieba's part-of-speech model, a second of start-up
    this stage does not need."""
    import jieba

    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.strip().partition(" ")
            if value:
                yield word, float(value)


@lru_cache(maxsize=1)
def _idf() -> tuple[WordTable, float, frozenset[str]]:
    """jieba's IDF table, its median (for unknown words) and its stop words.

    A WordTable, not a dict: the clusterer lives as long as its worker, and a dict of the
    table's 270,132 words held about 40 MB of it."""
    table = WordTable(idf_pairs())
    return table, float(np.median(table.values)), STOP_WORDS


_SKIP = -1.0  # cached weight of a word that is never a keyword
_WORD_CACHE_LIMIT = 200_000  # distinct words remembered; a stream of new words cannot grow it


@lru_cache(maxsize=1)
def _word_weights() -> dict[str, float]:
    """word → its IDF, or `_SKIP`: the keyword filter's verdict, remembered per distinct word.

    Most words of a stream repeat, so the checks below run once per word, not once per use.
    """
    return {}


def _word_weight(word: str) -> float:
    idf, median, stop = _idf()
    if len(word) < 2 or word in GENERIC_WORDS or word in stop or word.isdigit():
        return _SKIP
    if not any(ch.isalnum() for ch in word):
        return _SKIP
    return idf.get(word, median)


def post_keywords(text: str, *, top: int = KEYWORDS_PER_POST) -> dict[str, float]:
    """The post's `top` TF-IDF keywords with their weights (generic epidemic words left out).

    Words come from rjieba (jieba's dictionary in Rust, ~30× faster than jieba.cut) and are
    weighted with jieba's own IDF table, as jieba.analyse.extract_tags would weigh them.
    """
    import rjieba

    cache = _word_weights()
    counts = Counter(rjieba.cut(text))
    weights = list(map(cache.get, counts))  # one C loop; None for a word not seen before
    if None in weights:
        if len(cache) >= _WORD_CACHE_LIMIT:
            cache.clear()
        for position, word in enumerate(counts):
            if weights[position] is None:
                weights[position] = cache[word] = _word_weight(word)
    kept = [
        (n, word, weight)
        for (word, n), weight in zip(counts.items(), weights, strict=True)
        if weight != _SKIP
    ]
    if not kept:
        return {}
    total = sum([n for n, _, _ in kept])
    # Sorting (−weight, word) tuples compares in C; a key function would be a call per word.
    ranked = sorted([(-n / total * weight, word) for n, word, weight in kept])
    return {word: -negative for negative, word in ranked[:top]}


def bucket_start(when: dt.datetime, bucket: str) -> dt.datetime:
    """The start of the hour or day `when` falls in (same time zone as `when`)."""
    if bucket == "hour":
        return when.replace(minute=0, second=0, microsecond=0)
    return when.replace(hour=0, minute=0, second=0, microsecond=0)


def _bucket_step(bucket: str) -> dt.timedelta:
    return dt.timedelta(hours=1) if bucket == "hour" else dt.timedelta(days=1)


@dataclass
class _Cluster:
    index: int
    first_key: tuple[str, str]
    event_id: str = ""
    keys: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=KEYS_PER_EVENT))
    size: int = 0  # posts filed, including those older than `keys` keeps
    counts: dict[dt.datetime, int] = field(default_factory=dict)  # posts per timeline bucket
    centroid: dict[str, float] = field(default_factory=dict)
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None


class EventClusterer(Stage):
    """Groups a stream of posts into events.

    window (timedelta): how long an event stays open after its last post.
    min_posts (int): events with fewer posts are not reported by `events()`.
    bucket (str): "hour" or "day", the step of each event's timeline.
    threshold (float): cosine similarity between a post's keywords and an event's centroid from
        which the post joins the event.
    max_clusters (int): open events kept for matching; beyond it the least recently joined one
        is retired (see the module's docstring). Events also retire two windows after their
        last post.
    max_finished (int): retired events that `events()` still lists, the most recent ones.

    `add(post)` (or calling the stage) files a post; `events()` lists what has been found.
    Posts without `published_at` are clustered without a time window and left out of timelines.
    """

    name = "cluster"

    def __init__(
        self,
        window: dt.timedelta = dt.timedelta(days=3),
        min_posts: int = 3,
        bucket: str = "hour",
        *,
        threshold: float = 0.3,
        max_clusters: int = 20_000,
        max_finished: int = 2_000,
    ) -> None:
        self.window = window
        self.min_posts = min_posts
        self.bucket = bucket
        self.threshold = threshold
        self.max_clusters = max_clusters
        self._clusters: dict[int, _Cluster] = {}  # open events by index, in the order they began
        self._created = 0
        # Open events, least recently joined first: the order in which they retire.
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._finished: deque[tuple[int, Event]] = deque(maxlen=max_finished)
        self._newest: dt.datetime | None = None  # the latest publication time seen
        self._by_word: dict[str, dict[int, float]] = {}  # word → {cluster: centroid weight}
        # External id of a first post (one that copies nothing) → its event, for the copies
        # that name it in `duplicate_of`; the most recent FIRST_POSTS_REMEMBERED.
        # (An OrderedDict: popping the oldest entry of a plain dict scans the slots its earlier
        # deletions left, which made a post cost 100 µs more once the map was full.)
        self._by_external_id: OrderedDict[str, int] = OrderedDict()
        # Open event → the Euclidean norm of its centroid, kept up to date by _join.
        self._norms: dict[int, float] = {}

    def __call__(self, post: Post) -> Post:
        self.add(post)
        return post

    def add(self, post: Post) -> str:
        """File a post under an event; RETURNS (str) the event id."""
        if self.bucket not in BUCKETS:
            raise ValueError(f"bucket must be one of {sorted(BUCKETS)}, not {self.bucket!r}")
        when = post.published_at
        keywords = post_keywords(post.normalized or normalize_text(post.text)[0])
        cluster = None
        if post.duplicate_of:
            cluster = self._clusters.get(self._by_external_id.get(post.duplicate_of, -1))
            if cluster is not None and not self._active(cluster, when):
                cluster = None
        if cluster is None:
            cluster = self._nearest(keywords, when)
        if cluster is None:
            cluster = _Cluster(
                index=self._created, first_key=post.key, event_id=_event_id(post.key)
            )
            self._created += 1
            self._clusters[cluster.index] = cluster
        self._join(cluster, post, keywords, when)
        self._recent[cluster.index] = None
        self._recent.move_to_end(cluster.index)
        if when is not None and (self._newest is None or when > self._newest):
            self._newest = when
        self._retire_stale()
        return cluster.event_id

    @property
    def open_count(self) -> int:
        """Events still taking posts (the rest are retired; see the module's docstring)."""
        return len(self._clusters)

    def events(self) -> list[Event]:
        """Events with at least `min_posts` posts, in the order they began: the open ones and
        the last `max_finished` retired ones."""
        found = list(self._finished) + [
            (cluster.index, self._event(cluster))
            for cluster in self._clusters.values()
            if cluster.size >= self.min_posts
        ]
        return [event for _, event in sorted(found, key=lambda item: item[0])]

    def _event(self, cluster: _Cluster) -> Event:
        ranked = sorted(cluster.centroid.items(), key=lambda item: (-item[1], item[0]))
        keywords = [word for word, _ in ranked[:EVENT_KEYWORDS]]
        return Event(
            id=cluster.event_id,
            label="·".join(keywords[:LABEL_WORDS]),
            post_keys=list(cluster.keys),
            size=cluster.size,
            first_seen=cluster.first_seen,
            last_seen=cluster.last_seen,
            keywords=keywords,
            timeline=self._timeline(cluster.counts),
        )

    def _retire_stale(self) -> None:
        """Retire the least recently joined events while there are too many or they are stale.

        Stale means two windows older than the newest post: one window more than `_active`
        needs, so a post that arrives up to a window late still finds its event.
        """
        recent = self._recent
        while recent:
            cluster = self._clusters[next(iter(recent))]
            if len(self._clusters) <= self.max_clusters and (
                cluster.last_seen is None
                or self._newest is None
                or self._newest - cluster.last_seen <= 2 * self.window
            ):
                return
            self._retire(cluster)

    def _retire(self, cluster: _Cluster) -> None:
        index = cluster.index
        del self._clusters[index]
        del self._recent[index]
        del self._norms[index]
        by_word = self._by_word
        for word in cluster.centroid:
            postings = by_word.get(word)
            if postings is not None:
                postings.pop(index, None)
                if not postings:
                    del by_word[word]
        if cluster.size >= self.min_posts:
            self._finished.append((index, self._event(cluster)))

    def _active(self, cluster: _Cluster, when: dt.datetime | None) -> bool:
        if when is None or cluster.last_seen is None:
            return True
        return abs(when - cluster.last_seen) <= self.window

    def _nearest(self, keywords: dict[str, float], when: dt.datetime | None) -> _Cluster | None:
        if not keywords:
            return None
        # Dot products accumulated over the inverted index: only shared words cost anything.
        dots: dict[int, float] = {}
        by_word = self._by_word
        for word, weight in keywords.items():
            postings = by_word.get(word)
            if postings:
                for index, centroid_weight in postings.items():
                    dots[index] = dots.get(index, 0.0) + weight * centroid_weight
        if not dots:
            return None
        norm = math.hypot(*keywords.values())
        # The most similar active event at or above the threshold; the earliest of equals.
        # Most candidates share a common word or two and fall far short: `dot < floor · norm`
        # rules them out before any similarity is worked out.
        floor = self.threshold * norm
        norms = self._norms
        clusters = self._clusters
        best, best_similarity = None, self.threshold
        for index, dot in dots.items():
            cluster_norm = norms[index]
            if not cluster_norm or dot < floor * cluster_norm:
                continue
            similarity = dot / (norm * cluster_norm)
            if similarity < best_similarity or (
                similarity == best_similarity and best is not None and best.index < index
            ):
                continue
            cluster = clusters[index]
            if self._active(cluster, when):
                best, best_similarity = cluster, similarity
        return best

    def _join(
        self,
        cluster: _Cluster,
        post: Post,
        keywords: dict[str, float],
        when: dt.datetime | None,
    ) -> None:
        cluster.keys.append(post.key)
        cluster.size += 1
        if not post.duplicate_of:
            by_external_id = self._by_external_id
            by_external_id.setdefault(post.external_id, cluster.index)
            if len(by_external_id) > FIRST_POSTS_REMEMBERED:
                by_external_id.popitem(last=False)
        if when is not None:
            start = bucket_start(when, self.bucket)
            cluster.counts[start] = cluster.counts.get(start, 0) + 1
            cluster.first_seen = (
                when if cluster.first_seen is None else min(cluster.first_seen, when)
            )
            cluster.last_seen = when if cluster.last_seen is None else max(cluster.last_seen, when)
        centroid = cluster.centroid
        by_word = self._by_word
        index = cluster.index
        for word, weight in keywords.items():
            centroid[word] = centroid.get(word, 0.0) + weight
        if len(centroid) > CENTROID_SIZE:
            # (−weight, word) tuples sort in C: heaviest first, ties by word.
            kept = sorted([(-weight, word) for word, weight in centroid.items()])
            for _, word in kept[CENTROID_SIZE:]:
                postings = by_word.get(word)
                if postings is not None:
                    postings.pop(index, None)
            cluster.centroid = centroid = {word: -weight for weight, word in kept[:CENTROID_SIZE]}
        # The index holds each word's weight in each centroid; only the words of this post
        # changed (a trimmed word has just been removed above).
        for word in keywords:
            weight = centroid.get(word)
            if weight is not None:
                postings = by_word.get(word)
                if postings is None:
                    by_word[word] = {index: weight}
                    continue
                # Most recently joined last; a word's postings keep its POSTINGS_PER_WORD
                # most recently joined events. A plain dict, unlike _by_external_id: at 64
                # entries the dead slots before its first live one are few, and _nearest
                # iterates these dicts, which is faster on a dict than an OrderedDict.
                postings.pop(index, None)
                postings[index] = weight
                if len(postings) > POSTINGS_PER_WORD:
                    del postings[next(iter(postings))]
        self._norms[index] = math.hypot(*centroid.values())

    def _timeline(self, counts: dict[dt.datetime, int]) -> list[tuple[dt.datetime, int]]:
        if not counts:
            return []
        step = _bucket_step(self.bucket)
        first, last = min(counts), max(counts)
        timeline = []
        # Empty buckets are kept: a volume curve and its trailing median need them.
        while first <= last:
            timeline.append((first, counts.get(first, 0)))
            first += step
        return timeline


def volume_spikes(
    timeline: Sequence[tuple[dt.datetime, int]],
    factor: float = 3.0,
    min_count: int = 10,
    *,
    history: int = 24,
) -> list[tuple[dt.datetime, int]]:
    """Buckets whose volume is at least `min_count` and above `factor` × the median of the
    `history` buckets before it. The first bucket has no history and is never a spike."""
    spikes = []
    counts = [count for _, count in timeline]
    for index, (start, count) in enumerate(timeline):
        previous = counts[max(0, index - history) : index]
        if not previous or count < min_count:
            continue
        if count > factor * statistics.median(previous):
            spikes.append((start, count))
    return spikes


def _event_id(first_key: tuple[str, str]) -> str:
    digest = hashlib.blake2b(f"{first_key[0]}\x1f{first_key[1]}".encode(), digest_size=6)
    return "evt-" + digest.hexdigest()
