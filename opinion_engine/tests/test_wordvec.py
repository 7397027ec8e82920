"""The pretrained word vectors: read from word2vec's binary format, kept small, read back."""

import struct
from pathlib import Path

import numpy as np
import pytest

from opinion_engine import wordvec


def word2vec_bytes(entries: list[tuple[str, list[float]]]) -> bytes:
    dims = len(entries[0][1])
    body = b"".join(
        word.encode("utf-8") + b" " + struct.pack(f"<{dims}f", *vector) + b"\n"
        for word, vector in entries
    )
    return f"{len(entries)} {dims}\n".encode() + body


ENTRIES = [
    ("</s>", [0.1, 0.2, 0.3]),
    ("武漢", [3.0, 0.0, 4.0]),  # traditional: kept as 武汉
    ("武汉", [9.0, 9.0, 9.0]),  # the same word normalised: the first, more frequent one wins
    ("ｗｉｋｉ", [1.0, 1.0, 1.0]),  # ASCII once half-width: dropped
    ("加油", [0.0, -2.0, 0.0]),
    ("中华人民共和国", [1.0, 0.0, 0.0]),  # longer than a post's words: dropped
    ("口罩", [0.0, 0.0, 0.5]),
]


def test_reads_binary_word2vec_in_file_order():
    words, vectors = wordvec.read_word2vec(word2vec_bytes(ENTRIES))
    assert words == [word for word, _ in ENTRIES]
    assert vectors[1].tolist() == [3.0, 0.0, 4.0]


@pytest.mark.parametrize("data", [b"", b"three 100\n", word2vec_bytes(ENTRIES)[:-20]])
def test_a_file_that_is_not_word2vec_is_a_clear_error(data: bytes):
    with pytest.raises(ValueError, match="not a binary word2vec file"):
        wordvec.read_word2vec(data)


def test_keeps_the_most_frequent_usable_words_as_unit_int8_vectors():
    words, vectors = wordvec.read_word2vec(word2vec_bytes(ENTRIES))
    kept, quantized, scales = wordvec.build_wordvec(words, vectors, limit=2)
    assert kept == ["武汉", "加油"]
    restored = quantized.astype(np.float32) * scales[:, None]
    assert restored[0] == pytest.approx([0.6, 0.0, 0.8], abs=0.01)  # 武漢's, made unit length
    assert restored[1] == pytest.approx([0.0, -1.0, 0.0], abs=0.01)


def test_the_same_vectors_give_the_same_file(tmp_path: Path):
    words, vectors = wordvec.read_word2vec(word2vec_bytes(ENTRIES))
    built = wordvec.build_wordvec(words, vectors)
    wordvec.write_wordvec(*built, tmp_path / "a.npz")
    wordvec.write_wordvec(*built, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    read_words, read_vectors = wordvec.read_wordvec(tmp_path / "a.npz")
    assert read_words == ("武汉", "加油", "口罩")
    assert np.linalg.norm(read_vectors, axis=1) == pytest.approx(np.ones(3), abs=0.01)


def test_the_command_builds_from_an_sdist_and_refuses_anything_else(tmp_path: Path, capsys):
    import io
    import tarfile

    sdist = tmp_path / "synonyms-3.8.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        data = word2vec_bytes(ENTRIES)
        info = tarfile.TarInfo("synonyms-3.8.0/" + wordvec.MEMBER)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    out = tmp_path / "wordvec.npz"
    assert wordvec.main(["--from-sdist", str(sdist), "--out", str(out)]) == 0
    assert wordvec.read_wordvec(out)[0] == ("武汉", "加油", "口罩")
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz"):
        pass
    assert wordvec.main(["--from-sdist", str(other), "--out", str(out)]) == 2
    assert "no synonyms/data/words.vector inside" in capsys.readouterr().err


def test_the_shipped_vectors_place_related_words_together():
    words, vectors = wordvec.read_wordvec()
    assert len(words) == wordvec.WORDS and vectors.shape == (wordvec.WORDS, 100)
    assert all(1 <= len(word) <= wordvec.MAX_WORD for word in words)
    index = {word: row for row, word in enumerate(words)}

    def similarity(a: str, b: str) -> float:
        return float(vectors[index[a]] @ vectors[index[b]])

    assert similarity("恐慌", "恐惧") > similarity("恐慌", "口罩") + 0.2
    assert similarity("加油", "打气") > similarity("加油", "肺炎") + 0.2
