"""The bench CLI: one JSON line with the pipeline's speed, its sentiment F1 and each peer's, on
small files written here (the full figures come from `make bench-opinion` on shared/data)."""

import json
from pathlib import Path

import pytest

from opinion_engine import bench

LABELLED = (
    "text,label\n"
    "武汉加油！致敬最美逆行者[心][心],happy\n"
    "气死了，口罩都买不到，还涨价！,angry\n"
    "今天新增确诊病例12例,neural\n"
    "好害怕，家门口就有确诊[泪],fear\n"
    "天哪？？？,surprise\n"
    "泽州县北石店镇今天开始封村，大家不要出门,neural\n"
) * 5


def run(capsys, *args: str) -> dict:
    result = bench.main(["--schemes", "20", "--repeat", "1", *args])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == result
    return result


def test_a_labelled_file_gives_the_engine_and_each_peer_speed_and_f1(capsys, tmp_path: Path):
    path = tmp_path / "posts.csv"
    path.write_text(LABELLED, encoding="utf-8")
    result = run(capsys, "--data", str(path), "--peers", "snownlp")
    # Surprise has no sentiment of its own: left out, as evaluate leaves it out.
    assert result["n"] == result["labelled"] == 25
    assert result["schemes"] == 20 and result["cores"] == 1
    assert result["posts_per_s"] > 0 and len(result["posts_per_s_runs"]) == 1
    assert 0.0 <= result["sentiment_macro_f1"] <= 1.0
    assert result["duplicates"] > 0  # each text comes five times
    peer = result["peers"]["snownlp"]
    # One round: the ratio of the two rates, rounded once; the rates printed are rounded too,
    # so their quotient may land on the other side of a rounding boundary.
    assert peer["engine_speed_ratio"] == pytest.approx(
        result["posts_per_s"] / peer["posts_per_s"], abs=0.1
    )
    assert peer["engine_f1_minus_peer"] == round(
        result["sentiment_macro_f1"] - peer["sentiment_macro_f1"], 4
    )


def test_peers_are_timed_between_the_engines_runs_and_each_ratio_is_the_rounds_median(
    capsys, tmp_path: Path
):
    path = tmp_path / "posts.csv"
    path.write_text(LABELLED, encoding="utf-8")
    once = run(capsys, "--data", str(path), "--peers", "snownlp")["peers"]["snownlp"]
    result = bench.main(["--schemes", "20", "--repeat", "3", "--data", str(path)])
    capsys.readouterr()
    peer = result["peers"]["snownlp"]
    # Each round times the peer on a third of the posts: together they read every post once.
    assert peer["sentiment_macro_f1"] == once["sentiment_macro_f1"]
    assert len(result["posts_per_s_runs"]) == len(peer["engine_speed_ratio_runs"]) == 3
    assert peer["engine_speed_ratio"] == sorted(peer["engine_speed_ratio_runs"])[1]
    assert set(result["peers"]) == {"snownlp", "jiagu"}


def test_raw_posts_without_labels_are_timed_without_an_f1(capsys, tmp_path: Path):
    path = tmp_path / "raw.csv"
    path.write_text("weibo_id,text\n1,武汉加油\n2,口罩买不到\n3,\n", encoding="utf-8")
    result = run(capsys, "--data", str(path), "--peers", "")
    assert result["n"] == 2 and result["labelled"] == 0
    assert result["sentiment_macro_f1"] is None and result["peers"] == {}


def test_posts_labelled_for_another_task_are_timed_without_an_f1(capsys, tmp_path: Path):
    # CHECKED's layout: fake/real is no sentiment, so the posts are timed, not scored.
    path = tmp_path / "checked.csv"
    path.write_text(
        "id,label,content\n1,fake,钟南山乘高铁去北京了\n2,real,【#国家卫健委通报#】新增确诊病例\n",
        encoding="utf-8",
    )
    result = run(capsys, "--data", str(path), "--peers", "")
    assert result["n"] == 2 and result["labelled"] == 0
    assert result["sentiment_macro_f1"] is None


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (LABELLED, ["--peers", "textblob"], "unknown peer(s) textblob; known: snownlp, jiagu"),
        (LABELLED, ["--repeat", "0"], "--repeat: must be at least 1, not 0"),
        (LABELLED, ["--schemes", "-1"], "--schemes: must be at least 0, not -1"),
        (LABELLED, ["--limit", "-3"], "--limit: must be at least 0, not -3"),
        (LABELLED, ["--schemes", "many"], "--schemes: not a whole number: 'many'"),
        ("id,label\n1,happy\n", [], "no text column"),
        ("", [], "empty file"),
        ("text,label\n,happy\n", [], "no readable posts"),
    ],
)
def test_bad_arguments_and_files_are_usage_errors(capsys, tmp_path, content, args, message):
    path = tmp_path / "posts.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--data", str(path), *args])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_a_missing_file_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit):
        bench.main(["--data", str(tmp_path / "nope.csv")])
    assert "no such file" in capsys.readouterr().err
