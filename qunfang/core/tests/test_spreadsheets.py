import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from opinion_engine.tests import hostile
from opinion_engine.tests.hostile import PROPERTIES, cells
from opinion_engine.tests.hostile import encodable_texts as encodable_text
from qunfang.core.ledgers import LEDGERS
from qunfang.core.spreadsheets import (
    FORMULA_PREFIXES,
    Column,
    LedgerSpec,
    SpreadsheetError,
    neutralise,
    parse_date,
    parse_int,
    parse_table,
    read_table,
    write_csv,
    write_template,
    write_xlsx,
)

SPEC = LedgerSpec(
    name="t",
    title="测试",
    columns=(
        Column("name", "姓名", required=True),
        Column("day", "日期", parse=parse_date),
    ),
)


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_it_reads_xlsx_with_dates_and_numbers_as_people_see_them():
    table = read_table(
        xlsx([["*姓名", "日期", "电话"], ["张三", dt.datetime(2020, 2, 3), 13812345678]])
    )
    assert table.headers == ["姓名", "日期", "电话"]
    assert table.rows == [(2, ["张三", "2020-02-03", "13812345678"])]


def test_it_reads_utf8_and_gbk_csv():
    for encoding in ("utf-8-sig", "gbk"):
        table = read_table("姓名,日期\n李四,2020/2/3\n".encode(encoding))
        assert table.rows == [(2, ["李四", "2020/2/3"])]


def test_a_csv_named_xlsx_is_read_by_its_content():
    assert read_table(b"name\nx\n").rows == [(2, ["x"])]


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("empty", b"", "0 字节"),
        ("legacy xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("binary", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4, "不是 Excel"),
        ("broken zip", b"PK\x03\x04broken", "已损坏"),
        ("only blank lines", b"\n\n,,\n", "表头"),
        (
            "field over csv's limit",
            b"a\n" + b"x" * 140_000 + b"\n",
            r"（第2行）：字段超过131072个字符",
        ),
    ],
)
def test_it_refuses_files_it_cannot_read(_case, data, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_table(data)


def test_it_refuses_an_oversized_file_before_parsing():
    with pytest.raises(SpreadsheetError, match="超过 1 MB"):
        read_table(b"a\n" + b"x\n" * 600_000, max_bytes=1024 * 1024)


def test_it_refuses_a_zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(SpreadsheetError, match="压缩炸弹"):
        read_table(buffer.getvalue())


def test_every_bad_cell_is_reported_with_row_and_column():
    table = read_table("姓名,日期\n,2020-02-30\n王五,明天\n赵六,2020年2月3日\n".encode())
    rows, errors = parse_table(SPEC, table)
    assert [(e.row, e.column) for e in errors] == [(2, "姓名"), (2, "日期"), (3, "日期")]
    assert "日期不存在" in errors[1].message
    assert rows[0].row == 4
    assert rows[0].values == {"name": "赵六", "day": dt.date(2020, 2, 3)}


def test_a_missing_required_column_is_a_file_error():
    with pytest.raises(SpreadsheetError, match="缺少必填列：姓名"):
        parse_table(SPEC, read_table("日期\n2020-01-01\n".encode()))


@pytest.mark.parametrize(
    "text",
    [
        "2020-02-03",
        "2020/2/3",
        "2020.2.3",
        "2020年2月3日",
        "20200203",
        "43864",
        "2020-02-03 08:00:00",
    ],
)
def test_dates_in_the_formats_offices_use(text):
    assert parse_date(text) == dt.date(2020, 2, 3)


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx"])
def test_formulas_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_xlsx_and_csv_exports_keep_formulas_inert():
    rows = [['=HYPERLINK("http://x")', "安全"]]
    book = openpyxl.load_workbook(
        io.BytesIO(write_xlsx(["a", "b"], rows, title="t", watermark="导出人：x"))
    )
    sheet = book.active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["A4"].value == "导出人：x"
    text = write_csv(["a", "b"], rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][0].startswith("'=")


def test_an_xlsx_export_writes_a_control_character_as_a_space():
    # openpyxl refuses \x00-\x08, \x0b, \x0c and \x0e-\x1f in a cell (IllegalCharacterError).
    data = write_xlsx(["a\x01", "b"], [["第一行\x0b第二行", 5]], title="t", watermark="导出\x02人")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)][:2] == [
        ["a ", "b"],
        ["第一行 第二行", 5],
    ]
    assert sheet["A4"].value == "导出 人"


def test_a_template_has_the_headers_and_instructions_and_no_data():
    book = openpyxl.load_workbook(io.BytesIO(write_template(SPEC)))
    assert [c.value for c in book.worksheets[0][1]] == ["*姓名", "日期"]
    assert book.worksheets[0].max_row == 1
    assert book.worksheets[1].title == "填写说明"


def test_parsing_in_chunks_gives_what_parsing_the_whole_table_gives():
    from qunfang.core.spreadsheets import ColumnPlan, parse_rows

    lines = ["姓名,日期"] + [
        f"{name},{day}"
        for name, day in [("甲", "2020-02-03"), ("", "2020-02-03"), ("乙", "明天")] * 7
    ]
    table = read_table("\n".join(lines).encode())
    whole = parse_table(SPEC, table)
    plan = ColumnPlan(SPEC, table.headers)
    rows, errors = [], []
    for start in range(0, len(table.rows), 4):
        part = parse_rows(plan, table.rows[start : start + 4])
        rows += part[0]
        errors += part[1]
    assert (rows, errors) == whole
    assert [e.message for e in errors if e.column == "日期"] == [errors[1].message] * 7


def test_a_remembered_parse_never_shares_a_mutable_value_between_rows():
    spec = LedgerSpec(
        name="t", title="t", columns=(Column("tags", "类别", parse=lambda t: t.split("、")),)
    )
    rows, _errors = parse_table(spec, read_table("类别\n甲、乙\n甲、乙\n".encode()))
    assert rows[0].values["tags"] == rows[1].values["tags"] == ["甲", "乙"]
    assert rows[0].values["tags"] is not rows[1].values["tags"]


def test_cells_are_stripped_and_rows_of_blank_cells_skipped():
    table = read_table("姓名,日期\n  张三 , 2020-02-03 \n , \n".encode())
    assert table.rows == [(2, ["张三", "2020-02-03"])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("35", 35), ("1,200", 1200), ("2147483647", 2_147_483_647), ("3.0", 3)],
)
def test_a_whole_number_cell_reads_as_people_write_it(text, expected):
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2147483648", "数值过大，不能超过 2147483647"),
        # int() of this would write out fifty million digits: the import hung for minutes.
        ("1e50000000", "数值过大"),
        ("2.5", "应为整数"),
        ("-1", "不能小于 0"),
        ("很多", "应为数字"),
    ],
)
def test_a_whole_number_cell_out_of_range_is_a_row_error_at_once(text, message):
    with pytest.raises(ValueError, match=message):
        parse_int(text)


@PROPERTIES
@given(st.data())
def test_every_ledger_column_parses_any_cell_or_says_why_in_chinese(data):
    for name, ledger in sorted(LEDGERS.items()):
        for column in ledger.spec.columns:
            if column.parse is None:
                continue
            text = data.draw(cells, label=f"{name}.{column.key}")
            try:
                column.parse(text)
            except ValueError as error:
                assert hostile.in_chinese(error), (name, column.key, text, error)


@PROPERTIES
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(st.lists(cells, max_size=4).map(",".join), max_size=6).map(
            lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_any_upload_is_read_as_a_table_or_refused_in_chinese(data):
    try:
        table = read_table(data)
    except SpreadsheetError as error:
        assert hostile.in_chinese(error)
        return
    for _number, row in table.rows:
        assert all(isinstance(cell, str) for cell in row)
        "".join(row).encode("utf-8")  # what the database will be asked to store


# Sheet names Excel refuses ([]:*?/\ made openpyxl raise) or that made an unreadable workbook.
@example(["姓名"], [["=1+1", "a\x0bb"]], "台账/2020年?", "")
@example(["姓名"], [], "\x08", "")
@PROPERTIES
@given(
    st.lists(encodable_text, min_size=1, max_size=4),
    st.lists(st.lists(encodable_text, min_size=1, max_size=4), max_size=5),
    encodable_text,
    encodable_text,
)
def test_any_text_exports_to_xlsx_that_reads_back_without_formulas(headers, rows, title, mark):
    data = write_xlsx(headers, rows, title=title or "导出", watermark=mark)

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value.startswith("=")), value


@PROPERTIES
@given(
    st.lists(encodable_text, min_size=1, max_size=4),
    st.lists(st.lists(st.one_of(encodable_text, st.none()), min_size=1, max_size=4), max_size=5),
    encodable_text,
)
def test_any_text_exports_to_csv_where_no_cell_is_a_formula(headers, rows, mark):
    text = write_csv(headers, rows, watermark=mark).decode("utf-8-sig")

    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES), cell
