"""Pretrained Chinese word vectors: what the word CNN (wordcnn.py) starts from.

The classifiers' training sets hold 8,606 emotion and 24,303 sentiment posts, too few to learn
what most words mean. Word vectors trained on a large corpus carry that: 恐慌 lies near 不安 and
恐惧, 加油 near 打气 and 助威, so a model that learned one of them has a start on the others.

The vectors are those the MIT-licensed `synonyms` package (Hai Liang Wang, Hu Ying Xi) shipped
inside its 3.8.0 source distribution on PyPI: word2vec, 100 dimensions, 125,796 words, trained
on the Chinese Wikipedia. `data/wordvec.npz` keeps the WORDS most frequent words of one to four
characters that hold no ASCII (normalised as posts are: simplified, half-width), each vector
scaled to unit length and stored as int8 with one scale per word. Build it once with

    pip download synonyms==3.8.0 --no-deps -d /tmp/synonyms
    python -m opinion_engine.wordvec --from-sdist /tmp/synonyms/synonyms-3.8.0.tar.gz

Rebuilding gives the same bytes (see data/README.md for the terms).
"""

import argparse
import sys
import tarfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from opinion_engine.normalize import normalize_text
from opinion_engine.npz import write_npz

WORDVEC_PATH = Path(__file__).resolve().parent / "data" / "wordvec.npz"
WORDVEC_TERMS = (
    "word2vec vectors of the Chinese Wikipedia as shipped in the synonyms 3.8.0 package (MIT, "
    "Hai Liang Wang and Hu Ying Xi); the Wikipedia text they were trained on is CC BY-SA"
)
MEMBER = "synonyms/data/words.vector"
WORDS = 50_000
MAX_WORD = 4  # the longest word a post is segmented into (wordcnn.Segmenter)


def read_word2vec(data: bytes) -> tuple[list[str], np.ndarray]:
    """Words and vectors of a binary word2vec file (`<count> <dims>` header, then per word
    its bytes, a space, and dims float32), in the file's order (most frequent first)."""
    header, _, body = data.partition(b"\n")
    try:
        count, dims = (int(field) for field in header.split())
    except ValueError as error:
        raise ValueError("not a binary word2vec file: bad header") from error
    vectors = np.zeros((count, dims), dtype=np.float32)
    words = []
    position = 0
    for row in range(count):
        space = body.find(b" ", position)
        if space < 0 or space + 1 + 4 * dims > len(body):
            raise ValueError(f"not a binary word2vec file: truncated at word {row}")
        words.append(body[position:space].decode("utf-8", "replace").strip())
        vectors[row] = np.frombuffer(body, dtype="<f4", count=dims, offset=space + 1)
        position = space + 1 + 4 * dims
        if body[position : position + 1] == b"\n":
            position += 1
    return words, vectors


def build_wordvec(words: Sequence[str], vectors: np.ndarray, *, limit: int = WORDS):
    """(words, int8 vectors, float32 scales) of the first `limit` usable words.

    A word is usable when, normalised, it has 1–MAX_WORD characters, no ASCII and no space;
    the first (most frequent) of words that normalise alike wins.
    """
    kept: dict[str, int] = {}
    for row, word in enumerate(words):
        clean = normalize_text(word)[0].strip()
        if (
            clean
            and len(clean) <= MAX_WORD
            and clean not in kept
            and not any(char.isascii() or char.isspace() for char in clean)
        ):
            kept[clean] = row
            if len(kept) == limit:
                break
    rows = np.fromiter(kept.values(), dtype=np.int64, count=len(kept))
    unit = vectors[rows] / np.maximum(np.linalg.norm(vectors[rows], axis=1, keepdims=True), 1e-9)
    scales = np.maximum(np.abs(unit).max(axis=1), 1e-9) / 127.0
    quantized = np.round(unit / scales[:, None]).astype(np.int8)
    return list(kept), quantized, scales.astype(np.float32)


def write_wordvec(words: Sequence[str], quantized: np.ndarray, scales: np.ndarray, path: Path):
    """The vectors as an .npz whose bytes depend on its content only."""
    arrays = {
        "words": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        "vectors": quantized,
        "scales": scales,
    }
    write_npz(arrays, path)


def read_wordvec(path: Path = WORDVEC_PATH) -> tuple[tuple[str, ...], np.ndarray]:
    """(words, float32 unit vectors) of a word-vector file (default: the shipped one)."""
    return _read_words(path), _read_vectors(path)


def _read_words(path: Path) -> tuple[str, ...]:
    with np.load(path, allow_pickle=False) as data:
        return tuple(data["words"].tobytes().decode("utf-8").split("\n"))


def _read_vectors(path: Path) -> np.ndarray:
    with np.load(path, allow_pickle=False) as data:
        return data["vectors"].astype(np.float32) * data["scales"][:, None]


@lru_cache(maxsize=1)
def read_words() -> tuple[str, ...]:
    """The shipped words, kept for the process (the segmenter's list)."""
    return _read_words(WORDVEC_PATH)


def read_vectors() -> np.ndarray:
    """The shipped vectors, read afresh each time: 20 MB that only loading and training need,
    so no cache holds them for the life of the process."""
    return _read_vectors(WORDVEC_PATH)


@lru_cache(maxsize=1)
def wordvec_sha256(path: Path = WORDVEC_PATH) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m opinion_engine.wordvec",
        description="Build data/wordvec.npz from the synonyms 3.8.0 source distribution.",
    )
    parser.add_argument("--from-sdist", type=Path, required=True, help="synonyms-3.8.0.tar.gz")
    parser.add_argument("--words", type=int, default=WORDS)
    parser.add_argument("--out", type=Path, default=WORDVEC_PATH)
    args = parser.parse_args(argv)
    try:
        with tarfile.open(args.from_sdist) as archive:
            member = next((m for m in archive.getmembers() if m.name.endswith(MEMBER)), None)
            if member is None:
                raise ValueError(f"{args.from_sdist}: no {MEMBER} inside")
            data = archive.extractfile(member).read()
        words, vectors = read_word2vec(data)
    except (OSError, ValueError, tarfile.TarError) as error:
        print(f"word vectors: {error}", file=sys.stderr)
        return 2
    kept, quantized, scales = build_wordvec(words, vectors, limit=args.words)
    write_wordvec(kept, quantized, scales, args.out)
    print(
        f"wrote {args.out}: {len(kept)} words × {quantized.shape[1]}, "
        f"{args.out.stat().st_size / 1e6:.1f} MB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
