"""Text distortion: a post with every character outside its model's list of the most frequent
ones masked, so that n-grams read how a post is written rather than which story it tells.

Stamatatos ("Authorship attribution using text distortion", EACL 2017) masks every word outside
the k most frequent ones to make an authorship model carry across topics. Fake news moves from
story to story (docs/model-card.md, Rumour, "Sixth round"): a model of last month's fakes knows
their names and places, which the next fake does not repeat. Its way of telling, 据说……了！！,
网传……千万……, a claim with no source, survives the mask: 据说武汉封城了！！ reads 据说**封*了!!.

Each character of the normalised text becomes itself when it is one of the model's `characters`
(or a space), 0 when it is a digit, a when it is a Latin letter, and * otherwise. The n-grams of
the masked text (sizes `SIZES`) are hashed into a hash space of their own, above the one the
plain features use (`classify.N_BUCKETS` up), so a model that does not read them is untouched.
"""

from collections import Counter
from collections.abc import Iterable

import numpy as np

SIZES = (2, 3, 4, 5)
MASK, DIGIT, LATIN = "*", "0", "a"
_BMP = 0x10000


def frequent_characters(texts: Iterable[str], k: int) -> str:
    """The `k` most frequent characters of normalised `texts` (spaces, digits and Latin letters
    aside, which have their own marks), most frequent first; ties in first-seen order."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    ranked = [char for char, _ in counts.most_common() if _mark(char) is None]
    return "".join(ranked[:k])


def _mark(char: str) -> str | None:
    """What a character becomes whatever the list: a space itself, a digit 0, a Latin letter a;
    None for the others, which the list keeps or masks."""
    if char.isspace():
        return char
    if char.isdigit():
        return DIGIT
    if char.isascii() and char.isalpha():
        return LATIN
    return None


class Distorter:
    """Masks code points with one table lookup each: a table over the Basic Multilingual Plane
    (256 KB) whose last entry, the noncharacter U+FFFF, stands for every code point from it up;
    those are masked unless listed (normalisation takes emoji out, so few posts have any)."""

    def __init__(self, characters: str) -> None:
        self.characters = characters
        table = np.full(_BMP, ord(MASK), dtype=np.uint32)
        for code in range(_BMP - 1):
            mark = _mark(chr(code))
            if mark is not None:
                table[code] = ord(mark)
        for char in characters:
            if ord(char) < _BMP - 1:
                table[ord(char)] = ord(char)
        table[0] = 0  # the separator between the texts of a batch stays one
        self.table = table
        self.beyond = np.array(sorted({ord(c) for c in characters if ord(c) >= _BMP - 1}))

    def __call__(self, text: str) -> str:
        """`text` masked (for reading; `codes` is what featurisation uses)."""
        codes = np.frombuffer(text.encode("utf-32-le", "replace"), dtype=np.uint32)
        return self.codes(codes).astype("<u4").tobytes().decode("utf-32-le")

    def codes(self, codes: np.ndarray) -> np.ndarray:
        """Code points (uint32) masked."""
        out = self.table[np.minimum(codes, _BMP - 1)]
        if len(self.beyond):
            listed = np.isin(codes, self.beyond)
            out[listed] = codes[listed]
        return out
