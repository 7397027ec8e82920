"""Word lookups that a long-lived engine can afford to keep: sorted 64-bit keys, not a dict.

The engine lives as long as its worker. A Python dict or set of a dictionary's words costs
about 130 bytes a word (the string, its hash slot, the value): jieba's IDF table of 270,132
words held about 40 MB, the gazetteer's common-word set about 10 MB. A `WordTable` keeps one
int64 key and one float64 value a word, 16 bytes, and answers a lookup by binary search in a
microsecond or two. Use it for tables read rarely (at build, or once per distinct word behind
a cache), not in a per-character loop.

The keys are Python's own hashes, fixed for the life of a process and of the workers it forks,
which is the only place a table lives (it is never stored). Two of 270,000 words share a key
with odds of about 1 in 10^8.
"""

from array import array
from collections.abc import Iterable

import numpy as np


def word_key(word: str) -> int:
    # A string's hash reads its stored bytes, and CPython stores 'zf' in one byte a character
    # and 智 (U+667A) in two: both are the bytes 7A 66, so hash('zf') == hash('智'). The length
    # tells such strings apart.
    return hash((word, len(word)))


class WordTable:
    """Words with a float each; `in`, `get` and `len` as a dict's."""

    def __init__(self, pairs: Iterable[tuple[str, float]]) -> None:
        keys, values = array("q"), array("d")
        for word, value in pairs:
            keys.append(word_key(word))
            values.append(value)
        order = np.argsort(np.frombuffer(keys, dtype=np.int64), kind="stable")
        sorted_keys = np.frombuffer(keys, dtype=np.int64)[order]
        # A word given twice keeps its last value, as in a dict: the stable sort leaves the
        # last of a run of equal keys at its end.
        last = np.ones(len(order), dtype=bool)
        last[:-1] = sorted_keys[1:] != sorted_keys[:-1]
        self.keys = sorted_keys[last]
        self.values = np.frombuffer(values, dtype=np.float64)[order][last]

    @classmethod
    def of(cls, words: Iterable[str]) -> "WordTable":
        """A set of words (every value 1.0)."""
        return cls((word, 1.0) for word in words)

    def __len__(self) -> int:
        return len(self.keys)

    def _find(self, word: str) -> int:
        key = word_key(word)
        at = int(np.searchsorted(self.keys, key))
        return at if at < len(self.keys) and int(self.keys[at]) == key else -1

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._find(word) >= 0

    def get(self, word: str, default: float) -> float:
        at = self._find(word)
        return float(self.values[at]) if at >= 0 else default
