"""Ingest: posts from CSV/TSV and JSON Lines files (optionally .gz) into `Post` objects.

Contract:
- The layout is detected from the header (CSV) or each object's keys (JSONL). Known layouts are
  the real data sets in shared/data (`ncov-weibo`: weibo_id,text; `smp2020-ewect`: id,text,label;
  `checked`: CHECKED posts.csv; `datafountain-ncov`: 微博id,微博发布时间,…) and a generic one:
  id/external_id, text/content, published_at/created_at, author, url, platform. Other columns go
  to `post.meta` (the labels of labelled sets land there). A file without a text column raises
  IngestError; everything else is per record.
- Bytes are decoded as UTF-8 (a BOM is dropped) unless the start of the file is not UTF-8, then
  as GB18030. A record that cannot be decoded, contains NUL, has the wrong number of columns, is
  not a JSON object, has no text or has an unreadable date is skipped, counted in
  `skipped_malformed` and listed in `problems` as (line, reason in Chinese). Nothing raises.
- Posts are idempotent on (source, external_id): a key already in `seen` (shared across reads
  when the caller passes the same set) is skipped and counted in `skipped_duplicates`. A record
  without an id gets ``text-<sha1 of the text>``, so re-ingesting the same text is a duplicate too.
- `published_at` is timezone-aware; times written without a zone are China Standard Time
  (UTC+8). Accepted: ISO 8601, "2020-01-01 12:00", "2020/01/01 12:00", "2020年1月1日 12:00",
  Weibo's "01月01日 12:00" (needs `year`), Weibo API's "Wed Jan 01 12:00:00 +0800 2020", epoch
  seconds or milliseconds. An empty date is None.

`read_posts` returns everything at once; `iter_posts` streams, filling the report it is given.
"""

import datetime as dt
import gzip
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from opinion_engine.errors import IngestError
from opinion_engine.sources.csv import read_table
from opinion_engine.sources.jsonl import read_objects
from opinion_engine.types import Post

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
MAX_PROBLEMS = 1000
SNIFF_BYTES = 64 * 1024

# Post field -> column names that carry it, most specific first (compared case-insensitively).
FIELDS = {
    "external_id": ("external_id", "id", "weibo_id", "mid", "微博id", "row_id"),
    "text": ("text", "content", "微博中文内容", "正文"),
    "published_at": ("published_at", "created_at", "date", "微博发布时间", "发布时间"),
    "author": ("author", "user_id", "screen_name", "发布人账号"),
    "url": ("url", "link"),
    "platform": ("platform",),
}
# Known layouts: (name, columns that identify it, platform the data set comes from).
LAYOUTS = (
    ("checked", {"id", "label", "date", "user_id", "text", "analysis"}, "weibo"),
    ("datafountain-ncov", {"微博id", "微博发布时间", "发布人账号", "微博中文内容"}, "weibo"),
    ("ncov-weibo-labeled", {"row_id", "label", "text", "text_seg"}, "weibo"),
    ("smp2020-ewect", {"id", "text", "label"}, "weibo"),
    ("ncov-weibo", {"weibo_id", "text"}, "weibo"),
)

E_NO_TEXT_COLUMN = "找不到正文列（应为 text 或 content）：{columns}"
E_UTF16 = "不支持 UTF-16 编码的文件，请另存为 UTF-8"
E_MISSING_TEXT = "缺少正文"
E_BAD_DATE = "无法识别的日期：{value!r}"
E_NO_YEAR = "日期缺少年份，请提供 year：{value!r}"
E_DATE_RANGE = "日期超出范围：{value!r}"
E_UNDECODABLE = "无法按 {encoding} 解码的字节"
E_NUL = "含有 NUL 字节"


@dataclass
class IngestReport:
    """What one read did. In streaming mode (`iter_posts`) `posts` stays empty."""

    path: str
    source: str
    format: str = ""
    encoding: str = ""
    posts: list[Post] = field(default_factory=list)
    read: int = 0  # records in the file: accepted + skipped_malformed + skipped_duplicates
    accepted: int = 0
    skipped_malformed: int = 0
    skipped_duplicates: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # the first MAX_PROBLEMS

    def problem(self, line: int, reason: str) -> None:
        self.skipped_malformed += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((line, reason))

    def summary(self) -> str:
        return (
            f"{self.path}：读取{self.read}条，导入{self.accepted}条，"
            f"格式错误{self.skipped_malformed}条，重复{self.skipped_duplicates}条"
        )


def read_posts(
    path: str | Path,
    *,
    source: str,
    seen: set[tuple[str, str]] | None = None,
    year: int | None = None,
) -> IngestReport:
    """All posts of a file, with the report; see the module docstring for the rules."""
    report = IngestReport(path=str(path), source=source)
    report.posts = list(iter_posts(path, source=source, seen=seen, year=year, report=report))
    return report


def iter_posts(
    path: str | Path,
    *,
    source: str,
    seen: set[tuple[str, str]] | None = None,
    year: int | None = None,
    report: IngestReport | None = None,
) -> Iterator[Post]:
    """Posts of a file one by one, for files too large to hold; counts go into `report`.

    `seen` collects the (source, external_id) keys yielded, so passing the same set to the next
    read skips what was already ingested. `year` completes dates written without one.
    Raises IngestError only when the file as a whole cannot be read.
    """
    path = Path(path)
    report = report if report is not None else IngestReport(path=str(path), source=source)
    seen = seen if seen is not None else set()
    try:
        with _open(path) as stream:
            sample = stream.read(SNIFF_BYTES)
        report.encoding = _detect_encoding(sample, complete=len(sample) < SNIFF_BYTES)
        with _open(path) as stream:
            records, report.format = _records(path, sample, _lines(stream, report.encoding))
            for line, fields, problem in records:
                report.read += 1
                if fields is None:
                    report.problem(line, problem)
                    continue
                try:
                    post = _post(fields, source=source, year=year)
                except ValueError as error:
                    report.problem(line, str(error))
                    continue
                report.format = report.format or _layout(tuple(fields))[0]
                if post.key in seen:
                    report.skipped_duplicates += 1
                    continue
                seen.add(post.key)
                report.accepted += 1
                yield post
    except (OSError, EOFError) as error:
        raise IngestError(f"无法读取文件 {path}：{error}") from error


def _open(path: Path) -> BinaryIO:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _detect_encoding(sample: bytes, *, complete: bool) -> str:
    """UTF-8 unless most lines of the sample are not: one corrupt line must not turn a whole
    UTF-8 file into GB18030 mojibake, while GB18030 Chinese is almost never valid UTF-8."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(E_UTF16)
    lines = sample.split(b"\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # cut inside a line, maybe inside a character
    # ASCII lines read the same in both encodings; only the others tell them apart.
    telling = [line for line in lines if not line.isascii()]
    failing = 0
    for line in telling:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            failing += 1
    return "gb18030" if failing * 2 > len(telling) else "utf-8-sig"


def _lines(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, str, str]]:
    for number, raw in enumerate(stream, start=1):
        raw = raw.rstrip(b"\r\n") + b"\n"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            problem = E_UNDECODABLE.format(encoding=encoding)
            yield number, raw.decode(encoding, errors="replace"), problem
            continue
        yield number, text, E_NUL if "\x00" in text else ""


def _records(
    path: Path, sample: bytes, lines: Iterator[tuple[int, str, str]]
) -> tuple[Iterator[tuple[int, dict[str, object] | None, str]], str]:
    """The file's records and, for a table, the name of its layout."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind not in (".csv", ".tsv", ".jsonl", ".ndjson", ".json"):
        kind = ".jsonl" if sample.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else ".csv"
    if kind in (".jsonl", ".ndjson", ".json"):
        return read_objects(lines), ""
    header, records = read_table(lines, delimiter="\t" if kind == ".tsv" else ",")
    if not header:
        return iter(()), ""
    if _columns(tuple(header))["text"] is None:
        raise IngestError(E_NO_TEXT_COLUMN.format(columns=", ".join(header)))
    return records, _layout(tuple(header))[0]


@lru_cache(maxsize=256)
def _columns(keys: tuple[str, ...]) -> dict[str, str | None]:
    """For each Post field, the key that carries it among `keys`, if any."""
    by_lower = {key.lower(): key for key in keys}
    return {
        name: next((by_lower[c] for c in candidates if c in by_lower), None)
        for name, candidates in FIELDS.items()
    }


@lru_cache(maxsize=256)
def _layout(keys: tuple[str, ...]) -> tuple[str, str]:
    """(layout name, platform of that data set)."""
    columns = {key.lower() for key in keys}
    for name, required, platform in LAYOUTS:
        if required <= columns:
            return name, platform
    return "generic", ""


def _post(fields: dict[str, object], *, source: str, year: int | None) -> Post:
    """A Post from one record's fields; ValueError (Chinese message) when it is unusable."""
    keys = tuple(fields)
    columns = _columns(keys)

    def value(name: str) -> object:
        column = columns[name]
        return fields.get(column) if column else None

    text = _text(value("text")).strip()
    if not text:
        raise ValueError(E_MISSING_TEXT)
    external_id = _text(value("external_id")).strip()
    if not external_id:
        external_id = "text-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]
    used = {column for column in columns.values() if column}
    return Post(
        source=source,
        external_id=external_id,
        text=text,
        published_at=parse_datetime(value("published_at"), year=year),
        author=_text(value("author")).strip(),
        url=_text(value("url")).strip(),
        platform=_text(value("platform")).strip() or _layout(keys)[1],
        meta={k: v for k, v in fields.items() if k not in used and v not in ("", None)},
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_WEIBO_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DIGITS_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
_TEXT_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%a %b %d %H:%M:%S %z %Y")


def parse_datetime(value: object, *, year: int | None = None) -> dt.datetime | None:
    """A timezone-aware datetime from the forms listed in the module docstring.

    None for an empty value; ValueError with a Chinese message for anything unreadable.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(E_BAD_DATE.format(value=value))
    if isinstance(value, int | float):
        return _checked(_from_epoch(float(value), value), value)
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        digits = text.split(".")[0]
        if len(digits) in _DIGITS_FORMATS and "." not in text:
            parsed = _strptime(text, _DIGITS_FORMATS[len(digits)])
            if parsed is not None:
                return _checked(parsed.replace(tzinfo=CHINA), value)
        return _checked(_from_epoch(float(text), value), value)
    return _checked(_from_text(text, year=year, original=value), value)


def _from_epoch(number: float, original: object) -> dt.datetime:
    # Milliseconds since 1970 pass 1e11 in 1973; seconds will not reach it for millennia.
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        return dt.datetime.fromtimestamp(seconds, tz=CHINA)
    except (OverflowError, OSError, ValueError) as error:
        raise ValueError(E_DATE_RANGE.format(value=original)) from error


def _from_text(text: str, *, year: int | None, original: object) -> dt.datetime:
    chinese = _CHINESE_DATE.fullmatch(text)
    if chinese:
        return _from_parts(chinese.groups(), original)
    weibo = _WEIBO_DAY.fullmatch(text)
    if weibo:
        if year is None:
            raise ValueError(E_NO_YEAR.format(value=original))
        return _from_parts((str(year), *weibo.groups()), original)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = next(
            (p for p in (_strptime(text, f) for f in _TEXT_FORMATS) if p is not None), None
        )
    if parsed is None:
        raise ValueError(E_BAD_DATE.format(value=original))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def _from_parts(parts: tuple[str | None, ...], original: object) -> dt.datetime:
    numbers = [int(part) if part else 0 for part in parts]
    try:
        return dt.datetime(*numbers, tzinfo=CHINA)
    except ValueError as error:
        raise ValueError(E_BAD_DATE.format(value=original)) from error


def _strptime(text: str, pattern: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, pattern)
    except ValueError:
        return None


def _checked(moment: dt.datetime, original: object) -> dt.datetime:
    if not 1990 <= moment.year <= 2100:
        raise ValueError(E_DATE_RANGE.format(value=original))
    return moment
