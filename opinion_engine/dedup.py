"""Near-duplicates and reposts: a SimHash fingerprint per post and MinHash LSH grouping.

A Weibo story travels as copies: "转发微博", "//@x: …" chains, the same text with a few words of
comment in front. `Deduplicator` sees the stream once and points every copy at the first post of
its group (`post.duplicate_of`), so counts, events and alerts are made of stories, not copies.

How a post is compared:
- its text is the normalised text (`normalize_text` already removed URLs, mentions and the
  `//@x:` markers) with repost filler ("转发微博") and every non-word character removed;
- a text shorter than `MIN_CHARS` has too few shingles for MinHash and is compared exactly;
- a longer one is shingled into character 3-grams; the MinHash of those shingles goes through a
  banded LSH index and a candidate counts when its estimated Jaccard similarity reaches
  `threshold`. Groups are stars: a post joins the group whose *first* post it resembles, so a
  group never drifts through a chain of small edits into a different story.

The MinHash is datasketch's "affine32" scheme (its permutation parameters for `seed`, and the
band count b and rows r that `datasketch.MinHashLSH` picks for the threshold), computed with
numpy for a whole batch at once. `datasketch.MinHashLSH.query` itself costs about 60 µs a post
in per-band Python calls, three times the budget of 20,000 posts/s, so the band index here keys
plain dicts with one 64-bit integer per band instead, and datasketch itself is not imported at
run time (see `_LSH_BANDS_ROWS`).
"""

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from opinion_engine.normalize import normalize_text
from opinion_engine.pipeline import ErrorHandler, Stage
from opinion_engine.types import Post

MIN_CHARS = 8  # below this a text is compared exactly: a few shingles make MinHash meaningless
MAX_CHARS = 4000  # a longer text is compared on its beginning; copies share their beginning
# MinHash works through a batch this many shingles at a time: num_perm × this uint32 scratch is
# 8 MB, where a batch of 256 long articles would otherwise want a quarter of a gigabyte.
SCRATCH_SHINGLES = 1 << 15
SHINGLE = 3

# Repost filler that carries nothing of the story; "转发" alone is kept when it is part of a
# sentence ("请大家转发扩散") and removed only as the whole comment.
REPOST_FILLER = re.compile(r"转发微博|轉發微博|repost|^\s*转发\s*[:：]?|^\s*分享\s*[:：]?", re.I)
NON_WORD = re.compile(r"[\W_]+")

_U64 = np.uint64
_MASK32 = _U64(0xFFFFFFFF)
# Odd multipliers for the three characters of a shingle (golden-ratio and splitmix constants).
_K = (_U64(0x9E3779B97F4A7C15), _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB))


def canonical_text(text: str) -> str:
    """The text compared for duplicates: no repost filler, no punctuation or spaces, lower case."""
    if "转" in text or "轉" in text or "分享" in text or "epost" in text or "EPOST" in text:
        text = REPOST_FILLER.sub("", text)
    return NON_WORD.sub("", text[: MAX_CHARS * 2])[:MAX_CHARS].lower()


def _splitmix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer, the pre-mix datasketch applies before its affine32 permutations.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the character 3-grams of each text, concatenated.

    RETURNS (tuple): the hashes and, per text, the offset of its first hash; texts shorter than
        three characters contribute none. Deterministic across processes (no `hash()`).
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(_U64)
    counts = np.maximum(lengths - (SHINGLE - 1), 0)
    offsets = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    if codes.size < SHINGLE:
        return np.zeros(0, dtype=_U64), offsets
    starts_in_codes = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    # Index of every shingle's first character inside `codes`, text by text.
    first = np.repeat(starts_in_codes - offsets, counts) + np.arange(counts.sum())
    mixed = codes[first] * _K[0] ^ codes[first + 1] * _K[1] ^ codes[first + 2] * _K[2]
    return _splitmix64(mixed), offsets


def shingle_counts(texts: list[str]) -> np.ndarray:
    """How many character 3-grams each text has (0 for a text shorter than three)."""
    return np.fromiter(
        (max(len(t) - (SHINGLE - 1), 0) for t in texts), dtype=np.int64, count=len(texts)
    )


def simhash_batch(hashes: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> list[int]:
    """One 64-bit SimHash per text from its shingle hashes (each shingle occurrence weighs 1)."""
    out = [0] * len(offsets)
    present = np.flatnonzero(counts)
    if present.size == 0:
        return out
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    # Four 16-bit counters per 64-bit word: one reduceat adds 64 bit columns at once
    # (texts are capped at MAX_CHARS, so a counter cannot overflow).
    lanes = bits.astype(np.uint16).view(np.uint64)
    totals = np.add.reduceat(lanes, offsets[present], axis=0).view(np.uint16)
    signs = totals.astype(np.int32) * 2 > counts[present, None]
    packed = np.packbits(signs, axis=1, bitorder="little").view("<u8").ravel()
    for index, value in zip(present.tolist(), packed.tolist(), strict=True):
        out[index] = value
    return out


def simhash(text: str) -> int:
    """SimHash (unsigned 64-bit) of the character 3-grams of `canonical_text(text)`."""
    canonical = canonical_text(text)
    hashes, offsets = shingle_hashes([canonical])
    return simhash_batch(hashes, offsets, np.array([hashes.size]))[0]


def hamming(a: int, b: int) -> int:
    """Bits in which two fingerprints differ (≤ 3 of 64 is the usual near-duplicate cut)."""
    return (a ^ b).bit_count()


# The (bands, rows) that datasketch.MinHashLSH picks for (num_perm, threshold), for the
# configurations this package uses: the stage's 0.7 and the training folds' 0.5. Importing
# datasketch loads scipy, a Redis client, asyncio and ssl with it, about 55 MB of every
# process and 0.4 s, for these few numbers. tests/test_dedup.py checks every entry against
# datasketch itself; any other configuration asks datasketch.
_LSH_BANDS_ROWS = {(64, 0.5): (14, 4), (64, 0.7): (8, 8)}


def affine32_permutations(num_perm: int, seed: int) -> np.ndarray:
    """(a, b) of datasketch's affine32 MinHash for `seed`, drawn as `MinHash` draws them
    (odd multipliers from numpy's legacy RandomState, whose stream numpy keeps fixed)."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


@lru_cache(maxsize=8)
def _minhash_parameters(num_perm: int, threshold: float, seed: int) -> tuple[np.ndarray, int, int]:
    known = _LSH_BANDS_ROWS.get((num_perm, threshold))
    if known is None:
        from datasketch import MinHashLSH

        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        known = lsh.b, lsh.r
    return affine32_permutations(num_perm, seed), *known


def minhash_batch(
    hashes: np.ndarray,
    offsets: np.ndarray,
    counts: np.ndarray,
    permutations: np.ndarray,
    *,
    scratch: np.ndarray | None = None,
) -> np.ndarray:
    """datasketch affine32 MinHash values, one row per text (texts without shingles: all max).

    scratch (np.ndarray): optional uint32 work array of shape (num_perm, k); reusing one saves
        an allocation of num_perm × shingles values per batch, which costs more than the
        arithmetic itself. The texts are worked through in runs of at most k shingles (one text
        longer than that gets a larger array of its own).
    """
    a, b = permutations
    values = np.full((len(offsets), a.size), 0xFFFFFFFF, dtype=np.uint32)
    present = np.flatnonzero(counts)
    if not present.size:
        return values
    premixed = _fmix32((hashes & _MASK32).astype(np.uint32))
    if scratch is None:
        scratch = np.empty((a.size, min(premixed.size, SCRATCH_SHINGLES)), dtype=np.uint32)
    limit = scratch.shape[1]
    ends = offsets[present] + counts[present]
    first = 0
    while first < present.size:
        start = offsets[present[first]]
        # The texts whose shingles fit in the scratch from `start` on (at least one text).
        last = max(first + 1, int(np.searchsorted(ends, start + limit, side="right")))
        stop = ends[last - 1]
        work = scratch if stop - start <= limit else np.empty((a.size, stop - start), np.uint32)
        permuted = work[:, : stop - start]
        np.multiply(a[:, None], premixed[None, start:stop], out=permuted)
        np.add(permuted, b[:, None], out=permuted)
        rows = present[first:last]
        values[rows] = np.minimum.reduceat(permuted, offsets[rows] - start, axis=1).T
        first = last
    return values


def band_keys(values: np.ndarray, bands: int, rows: int) -> list[list[int]]:
    """One 64-bit key per band and text: equal bands give equal keys; different bands collide
    with negligible probability (a linear hash with odd 64-bit multipliers)."""
    banded = values[:, : bands * rows].reshape(values.shape[0], bands, rows).astype(_U64)
    return (banded @ _band_multipliers(rows)).tolist()


@lru_cache(maxsize=8)
def _band_multipliers(rows: int) -> np.ndarray:
    return np.random.default_rng(rows).integers(0, 2**63, size=rows, dtype=_U64) * _U64(2) + _U64(1)


def near_duplicate_groups(
    texts: Sequence[str], threshold: float = 0.5, *, num_perm: int = 64, seed: int = 1
) -> np.ndarray:
    """A group number per text: texts linked by a chain of near-copies share one.

    Two texts are linked when their canonical texts are equal or their MinHash estimate of
    Jaccard similarity (character 3-grams, as `Deduplicator` compares) reaches `threshold`
    among the candidates the LSH bands give. Groups are the connected components, not
    `Deduplicator`'s stars: cross-validation (train.py) keeps each group in one fold, so that
    no held-out post has a copy among the posts its model was fitted on. Deterministic.
    """
    canonical = [canonical_text(normalize_text(text)[0]) for text in texts]
    permutations, bands, rows = _minhash_parameters(num_perm, threshold, seed)
    hashes, offsets = shingle_hashes(canonical)
    counts = shingle_counts(canonical)
    values = minhash_batch(hashes, offsets, counts, permutations)
    parent = list(range(len(canonical)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def link(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    # A text with nothing left once canonical (emoticons alone: "[泪]") is a copy only of
    # the same text.
    exact: dict[str, int] = {}
    for index, (text, raw) in enumerate(zip(canonical, texts, strict=True)):
        key = text or "\x00" + raw.strip()
        if key != "\x00":
            link(index, exact.setdefault(key, index))
    seen: list[dict[int, list[int]]] = [{} for _ in range(bands)]
    for index, keys in enumerate(band_keys(values, bands, rows)):
        if len(canonical[index]) < MIN_CHARS:
            continue  # too few shingles: matched exactly only, as the stream is
        for band, key in enumerate(keys):
            earlier = seen[band].setdefault(key, [])
            for other in earlier:
                if root(other) != root(index) and (
                    np.count_nonzero(values[other] == values[index]) >= threshold * num_perm
                ):
                    link(index, other)
            earlier.append(index)
    return np.array([root(i) for i in range(len(canonical))], dtype=np.int64)


class _Generation:
    """The groups begun (or carried over) since the last rotation, with their index."""

    __slots__ = ("bands", "exact", "first_ids", "members", "posts", "rep_values")

    def __init__(self, bands: int, num_perm: int) -> None:
        self.first_ids: list[str] = []  # per group: the external id of its first post
        self.members: list[list[tuple[str, str]]] = []  # per group: its posts' keys
        self.posts = 0  # posts filed in this generation
        self.exact: dict[str, int] = {}  # canonical text → group
        # Band key → group, or a list of groups on the rare collision (fewer objects to track).
        self.bands: list[dict[int, int | list[int]]] = [{} for _ in range(bands)]
        self.rep_values = np.zeros((0, num_perm), dtype=np.uint32)

    def __len__(self) -> int:
        return len(self.first_ids)

    def candidates(self, keys: list[int]) -> list[int]:
        found_groups: set[int] = set()
        for band, key in zip(self.bands, keys, strict=True):
            found = band.get(key)
            if found is None:
                continue
            if isinstance(found, int):
                found_groups.add(found)
            else:
                found_groups.update(found)
        return sorted(found_groups)

    def add_group(self, first_id: str) -> int:
        self.first_ids.append(first_id)
        self.members.append([])
        return len(self.first_ids) - 1

    def index(self, group: int, values: np.ndarray, keys: list[int]) -> None:
        if group >= self.rep_values.shape[0]:
            grown = np.zeros((max(64, 2 * group), self.rep_values.shape[1]), dtype=np.uint32)
            grown[: self.rep_values.shape[0]] = self.rep_values
            self.rep_values = grown
        self.rep_values[group] = values
        for band, key in zip(self.bands, keys, strict=True):
            found = band.get(key)
            if found is None:
                band[key] = group
            elif isinstance(found, int):
                band[key] = [found, group]
            else:
                found.append(group)


class Deduplicator(Stage):
    """Marks near-duplicates and reposts in a stream.

    threshold (float): estimated Jaccard similarity of character 3-gram sets at which two posts
        are copies of one another.
    num_perm (int): MinHash permutations; 64 keeps the whole stage near 20 µs a post.
    seed (int): seed of the MinHash permutations.
    capacity (int): groups remembered per generation (see below).

    Per post: `post.fingerprint` (SimHash) and `post.duplicate_of`, the external id of the first
    post of its group, or "" for a first post. State is kept across calls; `groups()` lists the
    groups of the posts still remembered. A post without text is left ungrouped.

    The stage lives as long as its worker, so its memory is bounded by generations: groups are
    filed in the current generation, and when it holds `capacity` groups (or four times as many
    posts) it becomes the previous one and the one before is forgotten. A post that copies a
    group of the previous generation carries that group, with its first post's id, into the
    current one, so a story that keeps being copied is never forgotten; one nobody has copied
    for two generations is. Without this the index grew with every post for as long as the
    worker ran (with the event clusterer's state, 390 → 760 MB over the 300,000 posts of
    `python -m opinion_engine.soak`).
    """

    name = "dedup"

    def __init__(
        self, threshold: float = 0.7, num_perm: int = 64, *, seed: int = 1, capacity: int = 20_000
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self.capacity = capacity
        self._generations: list[_Generation] = []  # [previous, current], or [current]
        self._scratch: np.ndarray | None = None

    def __call__(self, post: Post) -> Post:
        self._assign_batch([post])
        return post

    def process_batch(self, batch: list[Post], *, on_error: ErrorHandler) -> list[Post]:
        try:
            self._assign_batch(batch)
        except Exception:  # a batch that fails as a whole is retried post by post
            return super().process_batch(batch, on_error=on_error)
        return batch

    def groups(self, *, min_size: int = 2) -> list[list[tuple[str, str]]]:
        """Post keys of each remembered group with at least `min_size` posts, first post first,
        in the order the groups began (a group carried into a newer generation is one group)."""
        merged: dict[str, list[tuple[str, str]]] = {}
        for generation in self._generations:
            for first_id, keys in zip(generation.first_ids, generation.members, strict=True):
                merged.setdefault(first_id, []).extend(keys)
        return [keys for keys in merged.values() if len(keys) >= min_size]

    def _assign_batch(self, posts: list[Post]) -> None:
        permutations, bands, rows = _minhash_parameters(self.num_perm, self.threshold, self.seed)
        if not self._generations:
            self._generations = [_Generation(bands, self.num_perm)]
        texts = [canonical_text(post.normalized or normalize_text(post.text)[0]) for post in posts]
        hashes, offsets = shingle_hashes(texts)
        counts = shingle_counts(texts)
        fingerprints = simhash_batch(hashes, offsets, counts)
        if self._scratch is None:
            self._scratch = np.empty((self.num_perm, SCRATCH_SHINGLES), dtype=np.uint32)
        values = minhash_batch(hashes, offsets, counts, permutations, scratch=self._scratch)
        keys = band_keys(values, bands, rows)
        for index, post in enumerate(posts):
            post.fingerprint = fingerprints[index]
            text = texts[index]
            if not text:
                post.duplicate_of = ""
                continue
            current = self._generations[-1]
            found = self._find(text, values[index], keys[index])
            if found is None:
                group = current.add_group(post.external_id)
                # Short texts are matched exactly only, so they stay out of the band index.
                if len(text) >= MIN_CHARS:
                    current.index(group, values[index], keys[index])
                post.duplicate_of = ""
            else:
                generation, group = found
                post.duplicate_of = generation.first_ids[group]
                if generation is not current:  # carried into the current generation
                    # A text this long only ever joins a group that is in the band index.
                    carried = generation.rep_values[group] if len(text) >= MIN_CHARS else None
                    group = current.add_group(post.duplicate_of)
                    if carried is not None:
                        current.index(group, carried, band_keys(carried[None], bands, rows)[0])
            current.members[group].append(post.key)
            current.exact.setdefault(text, group)
            current.posts += 1
            if len(current) >= self.capacity or current.posts >= 4 * self.capacity:
                self._generations = [current, _Generation(bands, self.num_perm)]

    def _find(
        self, text: str, values: np.ndarray, keys: list[int]
    ) -> tuple[_Generation, int] | None:
        """The group a text copies: the group of an exact copy (the current generation's, else
        the previous one's), else the most similar indexed group at or above the threshold, the
        earliest of equals (so the previous generation's, on a tie)."""
        for generation in reversed(self._generations):
            group = generation.exact.get(text)
            if group is not None:
                return generation, group
        if len(text) < MIN_CHARS:
            return None
        best: tuple[_Generation, int] | None = None
        best_agreement = self.threshold
        for generation in self._generations:  # previous first: its groups began earlier
            groups = generation.candidates(keys)
            if not groups:
                continue
            agreement = np.count_nonzero(generation.rep_values[groups] == values, axis=1)
            at = int(np.argmax(agreement))  # the first of equals: the earliest group
            score = agreement[at] / values.size
            if score > best_agreement or (best is None and score >= best_agreement):
                best, best_agreement = (generation, groups[at]), score
        return best
