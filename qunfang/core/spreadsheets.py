"""Spreadsheet I/O for ledgers (台账): reading xlsx/CSV safely, row errors with row and column,
and writing xlsx/CSV with formulas neutralised. Each app declares its ledgers (columns and
parsers) in its own ledgers.py; this module knows nothing about their content.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from opinion_engine.sources.csv import csv_reason
from qunfang.core.formfields import COUNT_MAX

MAX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ROWS = 200_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


class SpreadsheetError(ValueError):
    """A problem with the whole file (not one row); the message is Chinese, for the user."""


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number as the user sees it (header = 1)
    column: str  # column header, or "" for the whole row
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    parse: Callable[[str], Any] | None = None  # raises ValueError with a Chinese reason
    aliases: tuple[str, ...] = ()
    help: str = ""
    choices: tuple[str, ...] = ()
    width: int = 14
    text: bool = False  # keep as text in Excel (ID and phone numbers)


@dataclass(frozen=True)
class LedgerSpec:
    name: str
    title: str
    columns: tuple[Column, ...]
    example: tuple[str, ...] = ()

    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


@dataclass(slots=True)
class ParsedRow:
    row: int
    values: dict[str, Any]


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]


# --- reading ----------------------------------------------------------------------------


def read_table(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Read the first sheet of an xlsx file, or a CSV file, whatever the file is called.

    The content decides the format (a CSV renamed .xlsx is read as CSV). Raises
    SpreadsheetError for empty, oversized, binary, legacy .xls and zip-bomb files.
    """
    if not data:
        raise SpreadsheetError("文件为空（0 字节）")
    if len(data) > max_bytes:
        raise SpreadsheetError(f"文件超过 {max_bytes // (1024 * 1024)} MB，请拆分后分批导入")
    if data[:4] == b"PK\x03\x04":
        rows = _read_xlsx(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError("这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    else:
        rows = _read_csv(data)
    table_rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    append = table_rows.append
    # Both readers give cells already stripped, so any(cells) is "some cell is not blank".
    for number, cells in rows:
        if headers is None:
            if any(cells):
                headers = [normalise_header(cell) for cell in cells]
            continue
        if not any(cells):
            continue
        append((number, cells))
        if len(table_rows) > max_rows:
            raise SpreadsheetError(f"数据超过 {max_rows} 行，请拆分后分批导入")
    if headers is None:
        raise SpreadsheetError("文件中没有表头行")
    return Table(headers=headers, rows=table_rows)


def _read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    if b"\0" in data[:4096]:
        raise SpreadsheetError("文件不是 Excel（.xlsx）或 CSV 表格")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise SpreadsheetError("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    strip = str.strip
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(map(strip, cells))
    except csv.Error as error:
        raise SpreadsheetError(
            f"CSV 格式错误（第{reader.line_num}行）：{csv_reason(error)}"
        ) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SpreadsheetError("文件已损坏，无法按 Excel（.xlsx）读取") from None
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError("压缩包不是 Excel（.xlsx）工作簿")
    if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
        raise SpreadsheetError("文件解压后过大，疑似压缩炸弹，已拒绝")
    import defusedxml  # noqa: F401  openpyxl uses it against XML bombs when it is installed
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for malformed files
        raise SpreadsheetError(f"无法读取 Excel 文件：{type(error).__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in values]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: dates as ISO, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def normalise_header(text: str) -> str:
    text = str(text).strip().lstrip("*＊").strip()
    text = text.replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")
    return text


class ColumnPlan:
    """Where each column of a ledger sits in a file's header row; made once per file."""

    def __init__(self, spec: LedgerSpec, headers: Sequence[str]) -> None:
        positions: dict[str, int] = {}
        for column in spec.columns:
            for name in (column.header, *column.aliases):
                key = normalise_header(name)
                if key in headers:
                    positions[column.key] = list(headers).index(key)
                    break
        missing = [c.header for c in spec.columns if c.required and c.key not in positions]
        if missing:
            raise SpreadsheetError(
                "缺少必填列：" + "、".join(missing) + "。请使用下载的模板，不要改动表头。"
            )
        self.positions = positions
        # Only the columns present in the file are looked at per row; absent ones are None.
        self.present = [
            (c.key, c.header, c.required, c.parse, positions[c.key])
            for c in spec.columns
            if c.key in positions
        ]
        self.absent_required = [
            c.header for c in spec.columns if c.required and c.key not in positions
        ]
        # Every row's values start from this template (absent columns first, then the present
        # ones, in the ledger's order) and only non-blank cells are written into it.
        self.template = {c.key: None for c in spec.columns if c.key not in positions}
        self.template.update((key, None) for key, *_rest in self.present)
        self.width = max((index for *_rest, index in self.present), default=-1) + 1
        # Parsed cells by text, per column, for the values a ledger repeats (sex, relation,
        # village, dates, household numbers); see _remember.
        self.memo: dict[str, dict[str, Any]] = {key: {} for key, *_rest in self.present}

    def position(self, key: str) -> int | None:
        return self.positions.get(key)


# Results that are safe to hand to several rows; anything else (a list) is parsed per row.
_SHAREABLE = frozenset(
    {str, int, float, bool, Decimal, dt.date, dt.datetime, type(None), tuple, frozenset}
)
_MEMO_LIMIT = 5000


class _Refused:
    """A parser's refusal, remembered like a value."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_SHAREABLE = _SHAREABLE | {_Refused}


def parse_table(spec: LedgerSpec, table: Table) -> tuple[list[ParsedRow], list[RowError]]:
    """Apply the ledger's columns to every row; collect every error instead of stopping."""
    return parse_rows(ColumnPlan(spec, table.headers), table.rows)


def parse_rows(
    plan: ColumnPlan, rows: Sequence[tuple[int, list[str]]]
) -> tuple[list[ParsedRow], list[RowError]]:
    """parse_table for some rows of a file, with a plan made once (imports parse in chunks).

    Parsers are pure functions of the cell text, so a text seen before in the same column is
    not parsed again: the result (or the refusal) is remembered, up to _MEMO_LIMIT distinct
    texts per column, and only when the result is immutable (a list is parsed per row).
    """
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    present = [(*column, plan.memo[column[0]]) for column in plan.present]
    absent_required = plan.absent_required
    template = plan.template
    needed = plan.width
    keep = parsed.append
    for number, cells in rows:
        values = template.copy()
        row_errors: list[RowError] | None = None
        if absent_required:
            row_errors = [RowError(number, header, "必填，不能为空") for header in absent_required]
        if len(cells) < needed:
            cells = cells + [""] * (needed - len(cells))
        for key, header, required, parse, index, memo in present:
            text = cells[index]
            if text:
                text = text.strip()
            if not text:
                if required:
                    if row_errors is None:
                        row_errors = []
                    row_errors.append(RowError(number, header, "必填，不能为空"))
                continue
            if parse is None:
                values[key] = text
                continue
            value = memo.get(text, memo)
            if value is memo:
                try:
                    value = parse(text)
                except ValueError as error:
                    value = _Refused(str(error))
                if type(value) in _SHAREABLE and len(memo) < _MEMO_LIMIT:
                    memo[text] = value
            if type(value) is _Refused:
                if row_errors is None:
                    row_errors = []
                row_errors.append(RowError(number, header, value.message))
            else:
                values[key] = value
        if row_errors:
            errors.extend(row_errors)
        else:
            keep(ParsedRow(number, values))
    return parsed, errors


# --- parsers shared by ledgers ------------------------------------------------------------

DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(text: str) -> dt.date:
    """2020-02-03, 2020/2/3, 2020.2.3, 2020年2月3日, 20200203, an Excel serial, or ISO time."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the common case, fast
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            if text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit():
                raise ValueError(f"日期不存在：{text}") from None
    if " " in text or "T" in text:
        text = re.split(r"[ T]", text)[0]
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"日期不存在：{text}") from None
    if re.fullmatch(r"\d{5}", text) and 20000 <= int(text) <= 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(text))
    raise ValueError(f"无法识别的日期“{text}”，请写成 2020-02-03")


def parse_decimal(text: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    cleaned = text.replace(",", "").replace("，", "").replace("元", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"应为数字，实际为“{text}”") from None
    if not value.is_finite():
        raise ValueError(f"应为数字，实际为“{text}”")
    if minimum is not None and value < minimum:
        raise ValueError(f"不能小于 {minimum}")
    return value


def parse_int(text: str, *, minimum: int = 0, maximum: int = COUNT_MAX) -> int:
    value = parse_decimal(text, minimum=Decimal(minimum))
    # Before int(): a cell reading 1e500000 is a Decimal at once, but int() of it would write
    # out half a million digits, and 1e50000000 held the import for minutes.
    if value > maximum:
        raise ValueError(f"数值过大，不能超过 {maximum}")
    if value != value.to_integral_value():
        raise ValueError(f"应为整数，实际为“{text}”")
    return int(value)


def parse_plain_text(text: str, *, max_length: int = 200) -> str:
    """Free text; refuses what a spreadsheet would run as a formula."""
    if text.startswith(("=", "+", "@")) or (text.startswith("-") and not text[1:2].isdigit()):
        raise ValueError("不能以 = + - @ 开头（疑似公式）")
    if len(text) > max_length:
        raise ValueError(f"不能超过 {max_length} 字")
    return text


def choice_parser(mapping: dict[str, str], label: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        key = text.strip()
        if key in mapping:
            return mapping[key]
        raise ValueError(f"{label}应为：" + "、".join(dict.fromkeys(mapping)))

    return parse


# --- writing ----------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# The control characters an xlsx cell cannot hold (openpyxl raises IllegalCharacterError on
# them). Text pasted from Word carries \x0b for a line break; a form takes it as typed.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# What a sheet's name cannot hold: Excel refuses []:*?/\ (openpyxl raises on them), and a control
# character makes a workbook that no reader opens.
SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_title(title: str) -> str:
    return SHEET_TITLE_ILLEGAL.sub(" ", title).strip()[:31].strip() or "Sheet1"


def _cell(value: Any) -> Any:
    value = neutralise(value)
    if isinstance(value, str) and XLSX_ILLEGAL.search(value):
        return XLSX_ILLEGAL.sub(" ", value)
    return value


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    watermark: str = "",
    text_columns: Sequence[int] = (),
    widths: Sequence[int] = (),
    notes: Sequence[tuple[str, str]] = (),
    choices: dict[int, Sequence[str]] | None = None,
) -> bytes:
    """An xlsx workbook: bold header row, ID/phone columns as text, a watermark line (who
    exported it, when) in the header/footer and last row, and an optional 填写说明 sheet."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = sheet_title(title)
    sheet.append([_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDECEA")
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for index in text_columns:
        letter = get_column_letter(index + 1)
        for cell in sheet[letter]:
            cell.number_format = "@"
        sheet.column_dimensions[letter].number_format = "@"
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    for index, options in (choices or {}).items():
        letter = get_column_letter(index + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"')
        validation.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(validation)
    if watermark:
        watermark = _cell(watermark)
        sheet.oddHeader.center.text = watermark
        sheet.oddFooter.center.text = watermark
        sheet.append([])
        sheet.append([watermark])
    if notes:
        guide = workbook.create_sheet("填写说明")
        guide.append(["列", "说明"])
        for header, text in notes:
            guide.append([_cell(header), _cell(text)])
        guide.column_dimensions["A"].width = 16
        guide.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, watermark: str = ""
) -> bytes:
    """UTF-8 with BOM so that Excel on a Chinese desktop opens it correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if value is None else neutralise(str(value)) for value in row])
    if watermark:
        writer.writerow([])
        writer.writerow([neutralise(watermark)])
    return buffer.getvalue().encode("utf-8-sig")


def write_template(spec: LedgerSpec) -> bytes:
    """The empty ledger a town office fills in: headers (* marks required), text-formatted
    ID/phone columns, drop-down lists, and a 填写说明 sheet with an example for each column.
    The example stays out of the data sheet so that it is never imported by mistake."""
    headers = [("*" if c.required else "") + c.header for c in spec.columns]
    examples = list(spec.example) + [""] * (len(spec.columns) - len(spec.example))
    return write_xlsx(
        headers,
        [],
        title=spec.title,
        text_columns=[i for i, c in enumerate(spec.columns) if c.text],
        widths=[c.width for c in spec.columns],
        notes=[
            (c.header, ("必填。" if c.required else "") + c.help + (f" 示例：{ex}" if ex else ""))
            for c, ex in zip(spec.columns, examples, strict=True)
        ],
        choices={i: c.choices for i, c in enumerate(spec.columns) if c.choices},
    )
