"""CSV and TSV input: a header row, then one record per row (quoted fields may span lines).

`read_table` turns decoded lines into records ``(line, fields, problem)``: `line` is the 1-based
line on which the row starts, `fields` maps each header column to its text, or is None when the
row is malformed, in which case `problem` says why in Chinese. It never raises on bad rows.
"""

import csv
from collections.abc import Iterable, Iterator

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
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip() for cell in row]
            break
    pending.clear()
    return header, _records(reader, header, pending)


def _records(reader: Iterator[list[str]], header: list[str], pending: list[tuple[int, str]]):
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = pending[0][0] if pending else 0
            pending.clear()
            yield line, None, f"CSV格式错误：{error}"
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
