"""Ingest: the real data-set layouts, generic CSV/JSONL, malformed records, duplicates, dates."""

import datetime as dt
import gzip
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine import sources
from opinion_engine.errors import IngestError
from opinion_engine.sources import IngestReport, iter_posts, parse_datetime, read_posts
from opinion_engine.tests import hostile

DATA = Path(__file__).resolve().parent / "data"
CHINA = dt.timezone(dt.timedelta(hours=8))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def balanced(report: IngestReport) -> bool:
    return report.read == report.accepted + report.skipped_malformed + report.skipped_duplicates


@pytest.mark.parametrize(
    ("filename", "layout", "count", "first_id", "first_text_start", "meta"),
    [
        (
            "ncov_weibo_unlabeled_head.csv",
            "ncov-weibo",
            5,
            "4456068992182160",
            "#你好2020#新年第一天",
            {},
        ),
        ("smp2020_virus_train_head.csv", "smp2020-ewect", 5, "1", "天使", {"label": "happy"}),
        (
            "checked_posts_head.csv",
            "checked",
            3,
            "97c643e4cc3aae62b387c48d4b3c14c1",
            "【最新消息：#武汉肺炎不能断定是SARS#",
            {"label": "real", "n_pics": "1", "comment_num": "6259"},
        ),
    ],
)
def test_it_reads_the_real_data_set_layouts(
    filename, layout, count, first_id, first_text_start, meta
):
    report = read_posts(DATA / filename, source="weibo-dump")

    post = report.posts[0]
    assert (report.format, report.read, report.accepted, report.problems) == (
        layout,
        count,
        count,
        [],
    )
    assert (post.source, post.external_id, post.platform) == ("weibo-dump", first_id, "weibo")
    assert post.text.startswith(first_text_start)
    assert meta.items() <= post.meta.items()


def test_it_reads_the_dates_and_authors_of_checked_posts():
    post = read_posts(DATA / "checked_posts_head.csv", source="checked").posts[0]

    assert post.published_at == dt.datetime(2019, 12, 31, 11, 56, tzinfo=CHINA)
    assert post.author == "43a971db6364c4ed7cd101feca243600"
    assert "text" not in post.meta and "date" not in post.meta


@pytest.mark.parametrize(
    ("_case", "header", "row"),
    [
        (
            "canonical",
            "external_id,text,published_at,author,url,platform",
            "a1,{t},{d},张三,{u},douyin",
        ),
        ("aliases", "id,content,created_at,author,url,platform", "a1,{t},{d},张三,{u},douyin"),
        ("upper_case", "ID,Content,Created_At,Author,URL,Platform", "a1,{t},{d},张三,{u},douyin"),
    ],
)
def test_it_reads_the_generic_csv_layout(tmp_path, _case, header, row):
    line = row.format(t="泽州疫情", d="2020-01-01 12:00", u="https://example.org/1")
    path = write(tmp_path / "posts.csv", f"{header}\n{line}\n")

    report = read_posts(path, source="s")

    post = report.posts[0]
    assert report.format == "generic"
    assert (post.external_id, post.text, post.author, post.url, post.platform) == (
        "a1",
        "泽州疫情",
        "张三",
        "https://example.org/1",
        "douyin",
    )
    assert post.published_at == dt.datetime(2020, 1, 1, 12, 0, tzinfo=CHINA)


def test_it_reads_tab_separated_files(tmp_path):
    path = write(tmp_path / "posts.tsv", "id\ttext\n1\t泽州,疫情\n")

    assert [p.text for p in read_posts(path, source="s").posts] == ["泽州,疫情"]


def test_it_reads_json_lines_with_the_generic_keys(tmp_path):
    records = [
        {"id": 7, "content": "泽州疫情", "created_at": 1577851200000, "author": "张三", "likes": 3},
        {"external_id": "x", "text": "高平", "published_at": "2020-01-01T04:00:00Z"},
    ]
    path = write(tmp_path / "posts.jsonl", "".join(json.dumps(r) + "\n" for r in records))

    report = read_posts(path, source="s")

    first, second = report.posts
    assert (first.external_id, first.text, first.author, first.meta) == (
        "7",
        "泽州疫情",
        "张三",
        {"likes": 3},
    )
    assert first.published_at == dt.datetime(2020, 1, 1, 12, 0, tzinfo=CHINA)
    assert second.published_at == dt.datetime(2020, 1, 1, 4, 0, tzinfo=dt.UTC)


def test_it_reads_gzipped_files(tmp_path):
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(gzip.compress("id,text\n1,泽州\n".encode()))

    assert [p.text for p in read_posts(path, source="s").posts] == ["泽州"]


def test_it_detects_json_lines_without_an_extension(tmp_path):
    path = write(tmp_path / "dump", '{"id": "1", "text": "泽州"}\n')

    assert [p.text for p in read_posts(path, source="s").posts] == ["泽州"]


def test_it_counts_and_skips_malformed_csv_rows_with_their_line_numbers(tmp_path):
    content = (
        "id,text,published_at\n"
        "1,泽州,2020-01-01\n"
        "2,,2020-01-01\n"
        "3,日期不对,yesterday\n"
        "4,列,太,多\n"
        "5,nul \x00 inside,\n"
        "6,\udcff\udcfe broken,\n"
        '7,"分两行\n的正文",\n'
        '8,"x"y,\n'
        "9,高平,\n"
    ).encode("utf-8", errors="surrogateescape")
    path = tmp_path / "posts.csv"
    path.write_bytes(content)

    report = read_posts(path, source="s")

    assert [p.external_id for p in report.posts] == ["1", "7", "9"]
    assert report.problems == [
        (3, sources.E_MISSING_TEXT),
        (4, "无法识别的日期：'yesterday'"),
        (5, "列数不对：应有3列，实际4列"),
        (6, sources.E_NUL),
        (7, "无法按 utf-8-sig 解码的字节"),
        (10, "CSV格式错误：右引号后面应紧跟分隔符“,”"),
    ]
    assert (report.read, report.skipped_malformed) == (9, 6)
    assert balanced(report)


def test_it_counts_and_skips_malformed_json_lines(tmp_path):
    lines = [
        '{"id": "1", "text": "ok"}',
        "",
        '{"id": "2", "text": ',
        '["not", "an", "object"]',
        '{"id": "3"}',
        '{"id": "4", "text": "bad date", "created_at": "2020-13-45"}',
        '{"id": "5", "text": "ok"}',
    ]
    path = write(tmp_path / "posts.jsonl", "\n".join(lines) + "\n")

    report = read_posts(path, source="s")

    assert [p.external_id for p in report.posts] == ["1", "5"]
    assert [line for line, _ in report.problems] == [3, 4, 5, 6]
    assert report.problems[0] == (3, "JSON格式错误：此处应有一个值（第21列）")
    assert report.problems[1:] == [
        (4, "不是JSON对象，而是list"),
        (5, sources.E_MISSING_TEXT),
        (6, "无法识别的日期：'2020-13-45'"),
    ]
    assert balanced(report)


def test_it_reports_an_unclosed_quote_without_crashing(tmp_path):
    path = write(tmp_path / "posts.csv", 'id,text\n1,ok\n2,"never closed\n3,lost\n')

    report = read_posts(path, source="s")

    assert [p.external_id for p in report.posts] == ["1"]
    assert report.problems == [(3, "CSV格式错误：引号没有闭合，文件在引号内结束")]


def test_it_skips_json_lines_too_deep_or_with_too_long_a_number(tmp_path):
    lines = [
        '{"id": "1", "text": "ok"}',
        '{"id": "2", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": ' + "9" * 5000 + ', "text": "数字太长"}',
        '{"id": "4", "text": "ok"}',
    ]
    path = write(tmp_path / "posts.jsonl", "\n".join(lines) + "\n")

    report = read_posts(path, source="s")

    assert [p.external_id for p in report.posts] == ["1", "4"]
    assert report.problems == [
        (2, "JSON格式错误：嵌套过深"),
        (3, "JSON格式错误：数字位数过多"),
    ]
    assert balanced(report)


def test_it_reports_a_carriage_return_inside_a_row_in_chinese(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,ok\n2,断\r开\n3,好\n")

    report = read_posts(path, source="s")

    assert [p.external_id for p in report.posts] == ["1", "3"]
    assert report.problems == [(3, "CSV格式错误：未加引号的字段里有回车符")]


def test_it_refuses_a_header_it_cannot_parse_with_its_line(tmp_path):
    path = write(tmp_path / "posts.csv", "\n\nid,te\rxt\n1,泽州\n")

    with pytest.raises(
        IngestError, match="第3行的表头无法读取：CSV格式错误：未加引号的字段里有回车符"
    ):
        read_posts(path, source="s")


def test_it_replaces_lone_surrogates_in_json_lines(tmp_path):
    # Half an emoji pair, as a crawler that cuts UTF-16 text writes it.
    path = write(
        tmp_path / "posts.jsonl",
        '{"text": "泽州\\ud83d", "tags": ["\\udc00"], "\\ud800": 1, "ok": "\\ud83d\\ude00"}\n',
    )

    report = read_posts(path, source="s")

    (post,) = report.posts
    assert post.text == "泽州\ufffd"
    assert post.meta == {"tags": ["\ufffd"], "\ufffd": 1, "ok": "😀"}


def test_it_skips_duplicates_inside_one_file(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,泽州\n2,高平\n1,泽州又一次\n")

    report = read_posts(path, source="s")

    assert [p.text for p in report.posts] == ["泽州", "高平"]
    assert (report.skipped_duplicates, report.problems) == (1, [])
    assert balanced(report)


def test_it_is_idempotent_across_reads_sharing_seen(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,泽州\n2,高平\n")
    seen: set[tuple[str, str]] = set()

    first = read_posts(path, source="s", seen=seen)
    second = read_posts(path, source="s", seen=seen)

    assert (first.accepted, second.accepted, second.skipped_duplicates) == (2, 0, 2)
    assert seen == {("s", "1"), ("s", "2")}


def test_it_keeps_the_same_id_in_another_source_apart(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,泽州\n")
    seen: set[tuple[str, str]] = set()

    read_posts(path, source="weibo", seen=seen)
    other = read_posts(path, source="douyin", seen=seen)

    assert other.accepted == 1


def test_it_derives_a_stable_id_from_the_text(tmp_path):
    path = write(tmp_path / "posts.csv", "text,author\n泽州疫情,甲\n泽州疫情,乙\n高平,丙\n")
    seen: set[tuple[str, str]] = set()

    first = read_posts(path, source="s", seen=seen)
    again = read_posts(path, source="s", seen=seen)

    ids = [post.external_id for post in first.posts]
    assert len(ids) == 2 and all(i.startswith("text-") for i in ids) and ids[0] != ids[1]
    assert (first.skipped_duplicates, again.accepted, again.skipped_duplicates) == (1, 0, 3)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_it_reads_utf8_with_or_without_bom(tmp_path, bom):
    path = tmp_path / "posts.csv"
    path.write_bytes(bom + "id,text\n1,泽州\n".encode())

    report = read_posts(path, source="s")

    assert (report.encoding, [p.text for p in report.posts]) == ("utf-8-sig", ["泽州"])


def test_it_reads_gb18030_files(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,泽州发现疫情\n2,高平\n", encoding="gb18030")

    report = read_posts(path, source="s")

    assert (report.encoding, [p.text for p in report.posts]) == (
        "gb18030",
        ["泽州发现疫情", "高平"],
    )


def test_it_keeps_utf8_when_only_one_line_is_corrupt(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes("id,text\n1,泽州\n2,高平\n".encode() + b"3,\xb8\xdf\xc6\xbd\n")

    report = read_posts(path, source="s")

    assert [p.text for p in report.posts] == ["泽州", "高平"]
    assert report.problems == [(4, "无法按 utf-8-sig 解码的字节")]


def test_it_refuses_utf16_files(tmp_path):
    path = write(tmp_path / "posts.csv", "\ufeffid,text\n1,泽州\n", encoding="utf-16-le")

    with pytest.raises(IngestError, match="UTF-16"):
        read_posts(path, source="s")


def test_it_refuses_a_table_without_a_text_column(tmp_path):
    path = write(tmp_path / "posts.csv", "id,body\n1,泽州\n")

    with pytest.raises(IngestError, match="找不到正文列"):
        read_posts(path, source="s")


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(IngestError, match="无法读取文件"):
        read_posts(tmp_path / "absent.csv", source="s")


def test_it_reads_an_empty_file_as_no_posts(tmp_path):
    report = read_posts(write(tmp_path / "posts.csv", ""), source="s")

    assert (report.read, report.posts, report.problems) == (0, [], [])


def test_it_streams_posts_into_the_given_report(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,泽州\n2,\n1,泽州\n3,高平\n")
    report = IngestReport(path=str(path), source="s")

    stream = iter_posts(path, source="s", report=report)

    assert next(stream).external_id == "1"
    assert report.read == 1
    assert [post.external_id for post in stream] == ["3"]
    assert (report.read, report.accepted, report.skipped_malformed, report.skipped_duplicates) == (
        4,
        2,
        1,
        1,
    )
    assert report.posts == []


def test_it_summarises_a_read_in_chinese(tmp_path):
    path = write(tmp_path / "posts.csv", "id,text\n1,泽州\n2,\n1,泽州\n")

    report = read_posts(path, source="s")

    assert report.summary() == f"{path}：读取3条，导入1条，格式错误1条，重复1条"


@pytest.mark.parametrize(
    ("_case", "value", "expected"),
    [
        ("iso_minutes", "2020-01-01 12:00", dt.datetime(2020, 1, 1, 12, tzinfo=CHINA)),
        ("iso_t_seconds", "2020-01-01T12:00:05", dt.datetime(2020, 1, 1, 12, 0, 5, tzinfo=CHINA)),
        ("iso_zulu", "2020-01-01T04:00:00Z", dt.datetime(2020, 1, 1, 4, tzinfo=dt.UTC)),
        ("iso_offset", "2020-01-01T12:00:00+08:00", dt.datetime(2020, 1, 1, 12, tzinfo=CHINA)),
        ("date_only", "2020-01-01", dt.datetime(2020, 1, 1, tzinfo=CHINA)),
        ("slashes", "2020/01/02 3:04", dt.datetime(2020, 1, 2, 3, 4, tzinfo=CHINA)),
        ("chinese", "2020年1月2日 08:30", dt.datetime(2020, 1, 2, 8, 30, tzinfo=CHINA)),
        ("weibo_with_year_hint", "01月02日 08:30", dt.datetime(2021, 1, 2, 8, 30, tzinfo=CHINA)),
        (
            "weibo_api",
            "Thu Jan 02 08:30:00 +0800 2020",
            dt.datetime(2020, 1, 2, 8, 30, tzinfo=CHINA),
        ),
        ("epoch_seconds", 1577851200, dt.datetime(2020, 1, 1, 12, tzinfo=CHINA)),
        ("epoch_seconds_text", "1577851200", dt.datetime(2020, 1, 1, 12, tzinfo=CHINA)),
        ("epoch_milliseconds", "1577851200000", dt.datetime(2020, 1, 1, 12, tzinfo=CHINA)),
        ("epoch_float", 1577851200.5, dt.datetime(2020, 1, 1, 12, 0, 0, 500000, tzinfo=CHINA)),
        ("compact_digits", "20200102", dt.datetime(2020, 1, 2, tzinfo=CHINA)),
        ("empty", "  ", None),
        ("missing", None, None),
    ],
)
def test_it_parses_dates(_case, value, expected):
    assert parse_datetime(value, year=2021) == expected


@pytest.mark.parametrize(
    ("_case", "value", "year", "message"),
    [
        ("words", "yesterday", None, "无法识别的日期：'yesterday'"),
        ("impossible_day", "2020-02-30", None, "无法识别的日期：'2020-02-30'"),
        ("impossible_chinese", "2020年13月1日", None, "无法识别的日期：'2020年13月1日'"),
        (
            "weibo_without_year",
            "01月02日 08:30",
            None,
            "日期缺少年份，请提供 year：'01月02日 08:30'",
        ),
        ("out_of_range", "99999999999999999", None, "日期超出范围：'99999999999999999'"),
        ("boolean", True, None, "无法识别的日期：True"),
    ],
)
def test_it_rejects_unreadable_dates(_case, value, year, message):
    with pytest.raises(ValueError) as caught:
        parse_datetime(value, year=year)

    assert str(caught.value) == message


def test_it_completes_weibo_dates_with_the_year_given_to_the_read(tmp_path):
    path = write(
        tmp_path / "posts.csv",
        "微博id,微博发布时间,发布人账号,微博中文内容\n1,01月02日 08:30,甲,泽州\n",
    )

    with_year = read_posts(path, source="s", year=2020)
    without_year = read_posts(path, source="s")

    assert with_year.format == "datafountain-ncov"
    assert with_year.posts[0].published_at == dt.datetime(2020, 1, 2, 8, 30, tzinfo=CHINA)
    assert without_year.problems == [(2, "日期缺少年份，请提供 year：'01月02日 08:30'")]


# Lines a file may hold: headers of each layout, good and broken records, JSON of every kind.
FILE_LINES = (
    "id,text,published_at",
    "weibo_id,text",
    "微博id,微博发布时间,发布人账号,微博中文内容",
    "1,泽州疫情,2020-02-01 12:00",
    '2,"未闭合的引号,2020-02-01',
    "3,,",
    "4,泽州,2020年13月45日",
    "5,泽州,99999999999999999999999",
    '{"id": 1, "text": "泽州"}',
    '{"id": [1], "text": {"a": 1}, "created_at": 1e400}',
    '{"text": "\\ud800"}',
    '{"text": "泽州", "created_at": "Wed Jan 01 12:00:00 +0800 2020"}',
    "[" * 3000,
    "\x00",
)
file_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.sampled_from(FILE_LINES), hostile.encodable_texts), max_size=8).map(
        lambda lines: "\n".join(lines).encode("utf-8")
    ),
)


@hostile.PROPERTIES
@given(file_bytes, st.sampled_from(["posts.csv", "posts.jsonl", "posts.tsv", "posts"]))
def test_any_file_is_read_or_refused_as_a_whole(content, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            report = read_posts(path, source="s")
        except IngestError as error:
            assert str(error)
            return
    assert balanced(report)
    assert len(report.posts) == report.accepted
    for post in report.posts:
        assert post.text.strip()  # a blank row is counted, never kept
        # A database (PostgreSQL's text and jsonb) can store what was read.
        post.text.encode("utf-8")
        json.dumps(post.meta, ensure_ascii=False, default=str).encode("utf-8")
        assert post.published_at is None or post.published_at.tzinfo is not None


@hostile.PROPERTIES
@given(
    st.one_of(
        hostile.texts,
        st.integers(),
        st.floats(),
        st.sampled_from(
            [
                "2020-02-30 12:00",
                "0001-01-01T00:00:00",
                "9999-12-31T23:59:59-14:00",
                "2020年2月30日",
                "02月30日 12:00",
                "Wed Feb 30 12:00:00 +0800 2020",
                "1e308",
                "-62135596800",
                "253402300800000",
                "99999999999999999999",
            ]
        ),
    ),
    st.one_of(st.none(), st.integers(-10, 10_000)),
)
def test_any_date_is_a_zoned_moment_or_a_reason_in_chinese(value, year):
    try:
        moment = parse_datetime(value, year=year)
    except ValueError as error:
        assert hostile.in_chinese(error), error
    else:
        assert moment is None or moment.tzinfo is not None
