"""CSV and TSV input: a header row, then one record per row (quoted fields may span lines).

`read_table` turns decoded lines into records ``(line, fields, problem)``: `line` is the 1-based
line on which the row starts, `fields` maps each header column to its text, or is None when the
row is malformed, in which case `problem` says why in Chinese. It never raises on bad rows; a
header it cannot parse is an IngestError, since no row can be read without one.
"""

import csv
from collections.abc import Iterable, Iterator

from opinion_engine.errors import IngestError
from opinion_engine.sources.messages import CSV_MESSAGES, in_chinese

E_BAD_HEADER = "第{line}行的表头无法读取：{problem}"

# (line number, text with its "\n", problem found while decoding it or "")
Line = tuple[int, str, str]
Record = tuple[int, dict[str, object] | None, str]


def read_table(
    lines: Iterable[Line], *, delimiter: str = ","
) -> tuple[list[str], Iterator[Record]]:
    """The header (column names, stripped) and an iterator over the records after it."""
    pending: list[tuple[int, str]] = []

    def feed() -> Iterator[str]:
        for number, text, problem in lines:
            pending.append((number, problem))
            # csv refuses NUL; the decoding problem already marks the line.
            yield text.replace("\x00", "")

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    header: list[str] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                header = [cell.strip() for cell in row]
                break
            pending.clear()  # a blank line before the header
    except csv.Error as error:
        line = pending[0][0] if pending else 1
        raise IngestError(E_BAD_HEADER.format(line=line, problem=csv_problem(error))) from error
    pending.clear()
    return header, _records(reader, header, pending)


def csv_reason(error: csv.Error) -> str:
    """What `error` means, in Chinese where csv's message is one a file can cause."""
    return in_chinese(str(error), CSV_MESSAGES)


def csv_problem(error: csv.Error) -> str:
    return f"CSV格式错误：{csv_reason(error)}"


def _records(reader: Iterator[list[str]], header: list[str], pending: list[tuple[int, str]]):
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = pending[0][0] if pending else 0
            pending.clear()
            yield line, None, csv_problem(error)
            continue
        span = list(pending)
        pending.clear()
        if not any(cell.strip() for cell in row):
            continue
        line = span[0][0]
        decoding = next((problem for _, problem in span if problem), "")
        if decoding:
            yield line, None, decoding
        elif len(row) != len(header):
            yield line, None, f"列数不对：应有{len(header)}列，实际{len(row)}列"
        else:
            yield line, dict(zip(header, row, strict=True)), ""
