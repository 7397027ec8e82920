"""The evaluate CLI and the CSV layouts it reads, on small files written here."""

import csv
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine import evaluate
from opinion_engine.datasets import EMOTIONS, RUMOUR, SENTIMENTS, map_label, read_labelled
from opinion_engine.errors import DatasetError
from opinion_engine.tests import hostile

FIELDS = {"task", "data", "n", "macro_f1", "accuracy", "per_class_f1", "posts_per_s", "skipped"}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def six_emotion_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "emotion.csv",
        "id,text,label\n"
        "1,武汉加油！致敬最美逆行者[心][心],happy\n"
        "2,气死了，口罩都买不到，还涨价！,angry\n"
        "3,今天新增确诊病例12例,neural\n"
        '4,"好害怕，家门口就有确诊[泪]",fear\n'
        "5,天哪？？？,surprise\n"
        "6,a row with too many fields,happy,extra\n"
        "7,,happy\n"
        "8,没有标签的行,\n"
        "9,标签不认识,joyful\n",
    )


def run_cli(capsys, *args: str) -> dict:
    assert evaluate.main(list(args)) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_emotion_json_has_every_field_and_counts_bad_rows(capsys, six_emotion_file):
    result = run_cli(capsys, "--task", "emotion", "--data", str(six_emotion_file))
    assert set(result) >= FIELDS
    assert result["task"] == "emotion" and result["n"] == 5 and result["skipped"] == 4
    assert 0.0 <= result["macro_f1"] <= 1.0 and 0.0 <= result["accuracy"] <= 1.0
    assert result["posts_per_s"] > 0
    assert {"happy", "angry", "neutral"} <= set(result["per_class_f1"])


def test_sentiment_maps_six_emotions_to_three_and_excludes_surprise(capsys, six_emotion_file):
    result = run_cli(capsys, "--task", "sentiment", "--data", str(six_emotion_file))
    assert result["n"] == 4 and result["excluded"] == 1 and result["skipped"] == 4
    assert set(result["per_class_f1"]) <= {"negative", "neutral", "positive"}


def test_sentiment_reads_minus_one_zero_one(capsys, tmp_path):
    path = write(
        tmp_path / "ncov.csv",
        "row_id,label,text,text_seg\n"
        "1,1,武汉加油致敬逆行者,武汉 加油 致敬 逆行者\n"
        "2,-1,口罩买不到气死,口罩 买不到 气死\n"
        "3,0,新增确诊病例,新增 确诊 病例\n"
        "4,2,标签不对,标签 不对\n",
    )
    result = run_cli(capsys, "--task", "sentiment", "--data", str(path))
    assert result["n"] == 3 and result["skipped"] == 1 and result["excluded"] == 0


def test_rumour_reads_checked_labels_and_a_content_column(capsys, tmp_path):
    path = write(
        tmp_path / "checked.csv",
        "content,label\n"
        "【#国家卫健委通报#】4月6日0—24时，新增确诊病例32例。,real\n"
        "紧急扩散！喝高度白酒能杀死新冠病毒，赶紧转给家人！！,fake\n"
        "broken \x00 row without a label\n",
    )
    result = run_cli(capsys, "--task", "rumour", "--data", str(path))
    assert result["n"] == 2 and result["skipped"] == 1
    assert set(result["per_class_f1"]) <= {"real", "fake"}


def test_undecodable_bytes_are_skipped_not_fatal(capsys, tmp_path):
    path = tmp_path / "bytes.csv"
    path.write_bytes("text,label\n武汉加油,happy\n".encode() + b"\xff\xfe bad,angry\n")
    result = run_cli(capsys, "--task", "emotion", "--data", str(path))
    assert result["n"] == 1 and result["skipped"] == 1


def test_an_unclosed_quote_costs_the_rows_it_swallows_not_the_rest_of_the_file(tmp_path):
    # The quote swallows the next lines into one field until csv's 131,072-character limit;
    # reading goes on after it, so the file's last rows still count.
    swallowed = "被引号吞掉的行,sad\n" * 20_000
    path = write(
        tmp_path / "quote.csv",
        'text,label\n武汉加油,happy\n"引号没有闭合,angry\n' + swallowed + "最后一行,fear\n",
    )
    data = read_labelled(path, "emotion")
    assert data.texts[0] == "武汉加油" and data.texts[-1] == "最后一行"
    assert data.skipped >= 1 and len(data.texts) < 20_000


def test_reading_a_file_leaves_the_process_csv_limit_alone(tmp_path):
    # The platform's spreadsheet import refuses a cell over that limit in the same process.
    before = csv.field_size_limit()
    read_labelled(write(tmp_path / "ok.csv", "text,label\n武汉加油,happy\n"), "emotion")
    assert csv.field_size_limit() == before == 131_072


def refused(capsys, path: Path, task: str = "emotion") -> str:
    assert evaluate.main(["--task", task, "--data", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no figures at all, not a line of zeros
    return captured.err


def test_an_empty_file_is_refused_not_read_as_zero_rows(capsys, tmp_path):
    assert "empty file" in refused(capsys, write(tmp_path / "e.csv", ""))


def test_a_file_without_a_label_column_is_refused_naming_its_columns(capsys, tmp_path):
    err = refused(capsys, write(tmp_path / "raw.csv", "weibo_id,text\n1,武汉加油\n"))
    assert "no label column" in err and "'weibo_id', 'text'" in err


def test_a_file_without_a_text_column_is_refused(capsys, tmp_path):
    err = refused(capsys, write(tmp_path / "t.csv", "id,label\n1,happy\n"), "sentiment")
    assert "no text column (text or content or 微博中文内容)" in err and "label column" not in err


def test_a_binary_file_is_refused(capsys, tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xff\xfe\x00\x01\x89PNG\r\n")
    assert "not UTF-8 or GB18030 text" in refused(capsys, path, "rumour")


def test_read_labelled_without_a_task_takes_raw_posts_without_labels(tmp_path):
    data = read_labelled(write(tmp_path / "raw.csv", "weibo_id,text\n1,武汉加油\n2,\n"), None)
    assert data.texts == ["武汉加油"] and data.labels == [""] and data.skipped == 1


def test_a_missing_file_is_an_error_not_a_traceback(capsys, tmp_path):
    assert evaluate.main(["--task", "emotion", "--data", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("task", "raw", "expected"),
    [
        ("emotion", "neural", "neutral"),
        ("emotion", "Happy", "happy"),
        ("sentiment", "angry", "negative"),
        ("sentiment", "sad", "negative"),
        ("sentiment", "fear", "negative"),
        ("sentiment", "happy", "positive"),
        ("sentiment", "neural", "neutral"),
        ("sentiment", "surprise", "excluded"),
        ("sentiment", "-1", "negative"),
        ("sentiment", "1", "positive"),
        ("rumour", "fake", "fake"),
        ("rumour", "real", "real"),
        ("rumour", "maybe", None),
        # Chinese names: SMP2020-EWECT's own, and what annotators write.
        ("emotion", "无情绪", "neutral"),
        ("emotion", "惊奇", "surprise"),
        ("emotion", "积极", "happy"),
        ("sentiment", "积极", "positive"),
        ("sentiment", "负面", "negative"),
        ("sentiment", "中性", "neutral"),
        ("sentiment", "愤怒", "negative"),
        ("sentiment", "惊奇", "excluded"),
        ("rumour", "谣言", "fake"),
        ("rumour", "真实", "real"),
        ("sentiment", "·", None),
    ],
)
def test_label_mapping(task, raw, expected):
    assert map_label(task, raw) == expected


def test_the_competitions_own_gb18030_file_reads_by_its_chinese_columns(capsys, tmp_path):
    # nCoV_100k_train.labled.csv as ncov's SOURCE.md names its columns, saved by Excel on Chinese
    # Windows; its 情感倾向 column holds a few values that are no label at all.
    rows = [
        "微博id,微博发布时间,发布人账号,微博中文内容,微博图片,微博视频,情感倾向",
        "4456068992182160,01月01日 23:38,-精緻的豬豬女-,武汉加油！一定会好起来的,[],[],1",
        "4456424178427250,01月02日 23:09,CHINA-Q,口罩都买不到，气死了,[],[],-1",
        "4456797466940200,01月03日 23:52,微博用户,今日新增确诊病例公布,[],[],0",
        "4457002405640230,01月04日 13:27,某人,这行的标签不是标签,[],[],·",
    ]
    path = tmp_path / "nCoV_100k_train.labled.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    data = read_labelled(path, "sentiment")
    assert data.texts == [
        "武汉加油！一定会好起来的",
        "口罩都买不到，气死了",
        "今日新增确诊病例公布",
    ]
    assert data.labels == ["positive", "negative", "neutral"] and data.skipped == 1
    result = run_cli(capsys, "--task", "sentiment", "--data", str(path))
    assert result["n"] == 3 and result["skipped"] == 1


def test_read_labelled_keeps_file_order(six_emotion_file):
    data = read_labelled(six_emotion_file, "emotion")
    assert data.labels == ["happy", "angry", "neutral", "fear", "surprise"]
    assert data.source_labels["neural"] == 1


@hostile.PROPERTIES
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(
            st.one_of(
                st.sampled_from(["id,text,label", "text,label", "content,label", "1,泽州,happy"]),
                hostile.encodable_texts,
            ),
            max_size=6,
        ).map(lambda lines: "\n".join(lines).encode("utf-8")),
    ),
    st.sampled_from(["emotion", "sentiment", "rumour", None]),
)
def test_any_file_is_read_as_labelled_rows_or_refused_with_a_message(content, task):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_bytes(content)
        try:
            data = read_labelled(path, task)
        except DatasetError as error:
            assert str(error)
            return
    assert len(data.texts) == len(data.labels)
    # What is kept is a post with one of the task's labels; everything else was counted.
    assert all(text.strip() for text in data.texts)
    classes = {"emotion": EMOTIONS, "sentiment": SENTIMENTS, "rumour": RUMOUR}.get(task)
    if classes is not None:
        assert set(data.labels) <= set(classes)
