"""Reading the labelled CSV layouts of shared/data, and a deployment's own `text,label` files.

A file is UTF-8 (or GB18030, as Excel saves CSV on Chinese Windows) with a header row, a text
column named `text` or `content` and a label column named `label` (or the columns of the
ncov competition's own file, 微博中文内容 and 情感倾向). Labels are mapped to the engine's names
per task, in English or Chinese:

- emotion: happy, angry, sad, fear, surprise, neutral (SMP2020-EWECT spells neutral `neural`, and
  its Chinese names are 积极, 愤怒, 悲伤, 恐惧, 惊奇, 无情绪);
- sentiment: -1/0/1, negative/neutral/positive or 消极/中性/积极 (负面/正面 …); a six-emotion
  file is mapped as the SMP SOURCE.md says (angry, sad, fear → negative; happy → positive;
  neutral → neutral) and its `surprise` rows are excluded, because the evaluation's own classes
  do not say which way it goes;
- rumour: fake/real as CHECKED spells them (1/0 are read as fake/real; 谣言/真实 too).

Rows that cannot be read or carry no usable text or label are counted, never raised. A file
that has no such columns at all (an empty file, a binary one, another table) raises
`DatasetError`, naming the columns it found, rather than reading as zero rows.
"""

import codecs
import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from opinion_engine.errors import DatasetError

TASKS = ("emotion", "sentiment", "rumour")
EMOTIONS = ("happy", "angry", "sad", "fear", "surprise", "neutral")
SENTIMENTS = ("negative", "neutral", "positive")
RUMOUR = ("real", "fake")
CLASSES: dict[str, tuple[str, ...]] = {
    "emotion": EMOTIONS,
    "sentiment": SENTIMENTS,
    "rumour": RUMOUR,
}
# The competition's own file for ncov-weibo-sentiment (nCoV_100k_train.labled.csv, see its
# SOURCE.md) names its columns in Chinese; a copy of it reads as the CSVs of shared/data do.
TEXT_COLUMNS = ("text", "content", "微博中文内容")
LABEL_COLUMNS = ("label", "情感倾向")

_EMOTION_ALIASES = {
    "happy": "happy",
    "angry": "angry",
    "sad": "sad",
    "fear": "fear",
    "surprise": "surprise",
    "neutral": "neutral",
    "neural": "neutral",  # the SMP2020-EWECT files' spelling
    # SMP2020-EWECT's own Chinese names of the six classes, and the everyday words for them.
    "积极": "happy",
    "高兴": "happy",
    "喜悦": "happy",
    "快乐": "happy",
    "愤怒": "angry",
    "生气": "angry",
    "悲伤": "sad",
    "伤心": "sad",
    "难过": "sad",
    "恐惧": "fear",
    "害怕": "fear",
    "惊奇": "surprise",
    "惊讶": "surprise",
    "无情绪": "neutral",
    "中性": "neutral",
}
_EMOTION_TO_SENTIMENT = {
    "happy": "positive",
    "angry": "negative",
    "sad": "negative",
    "fear": "negative",
    "neutral": "neutral",
}
_SENTIMENT_ALIASES = {
    "-1": "negative",
    "0": "neutral",
    "1": "positive",
    "+1": "positive",
    "negative": "negative",
    "neutral": "neutral",
    "positive": "positive",
    # 积极 is positive here, not the emotion happy it names in SMP's own labels (same sentiment).
    "积极": "positive",
    "正面": "positive",
    "正向": "positive",
    "消极": "negative",
    "负面": "negative",
    "负向": "negative",
    "中性": "neutral",
    "中立": "neutral",
}
_RUMOUR_ALIASES = {
    "fake": "fake",
    "rumour": "fake",
    "rumor": "fake",
    "1": "fake",
    "real": "real",
    "true": "real",
    "0": "real",
    "谣言": "fake",
    "虚假": "fake",
    "不实": "fake",
    "假": "fake",
    "真实": "real",
    "非谣言": "real",
    "属实": "real",
    "真": "real",
}
EXCLUDED = "excluded"  # a row that is readable but left out of the task on purpose


@dataclass
class LabelledSet:
    """Texts and labels of one file, with what was left out and why."""

    path: str
    task: str
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    skipped: int = 0  # unreadable or malformed rows
    excluded: int = 0  # readable rows the task leaves out (surprise in a 3-class figure)
    source_labels: Counter = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.texts)


def map_label(task: str, raw: str) -> str | None:
    """The engine's label for a file's label, EXCLUDED, or None when it cannot be read."""
    value = raw.strip().lower()
    if task == "emotion":
        return _EMOTION_ALIASES.get(value)
    if task == "sentiment":
        if value in _SENTIMENT_ALIASES:
            return _SENTIMENT_ALIASES[value]
        emotion = _EMOTION_ALIASES.get(value)
        if emotion == "surprise":
            return EXCLUDED
        return _EMOTION_TO_SENTIMENT.get(emotion) if emotion else None
    if task == "rumour":
        return _RUMOUR_ALIASES.get(value)
    raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")


def _rows(path: Path, *, needs_label: bool) -> Iterator[dict[str, str] | None]:
    """Each row as a dict, or None for a row the csv module could not parse.

    Raises DatasetError before the first row when the header lacks a text column, or a label
    column where `needs_label`.
    """
    # csv's own field limit (131,072 characters) stays: it is one setting for the whole process,
    # which the platform's spreadsheet import relies on too, and no post comes near it. A field
    # over it (an unclosed quote swallowing the lines after it) is a bad row, and reading goes on
    # after it instead of losing the rest of the file inside one field.
    # surrogateescape keeps going past bytes the encoding cannot read; such rows are caught below.
    with path.open(encoding=_encoding(path), errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            raise DatasetError(f"{path}: empty file, no header row") from None
        except csv.Error as error:
            raise DatasetError(f"{path}: not a CSV file ({error})") from None
        _check_header(path, header, needs_label=needs_label)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield None
                continue
            if not row:
                continue  # blank line, not a row
            if len(row) != len(header):
                yield None
                continue
            yield dict(zip(header, row, strict=True))


def _encoding(path: Path, sample: int = 1 << 20) -> str:
    """UTF-8 (with or without a BOM), or GB18030 for a file whose first megabyte is not UTF-8
    but reads as GB18030, as Excel and WPS save CSV on Chinese Windows."""
    with path.open("rb") as handle:
        head = handle.read(sample)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return "utf-8-sig"  # neither: read as UTF-8 and count the rows it cannot read


def _check_header(path: Path, header: list[str], *, needs_label: bool) -> None:
    if not all(_is_clean(name) for name in header):
        raise DatasetError(f"{path}: not UTF-8 or GB18030 text")
    missing = []
    if not any(name in header for name in TEXT_COLUMNS):
        missing.append(f"text column ({' or '.join(TEXT_COLUMNS)})")
    if needs_label and not any(name in header for name in LABEL_COLUMNS):
        missing.append(f"label column ({' or '.join(LABEL_COLUMNS)})")
    if missing:
        shown = ", ".join(repr(name[:40]) for name in header[:12]) or "none"
        raise DatasetError(f"{path}: no {' and no '.join(missing)}; its columns: {shown}")


def check_file(path: str | Path, *, needs_label: bool = True) -> None:
    """Raise DatasetError (or OSError) now if `path` is not a CSV with the columns it needs,
    so that a long run (training) stops before it starts, not after its first model."""
    next(_rows(Path(path), needs_label=needs_label), None)


def _is_clean(text: str) -> bool:
    return not any("\udc80" <= ch <= "\udcff" for ch in text)


def read_labelled(path: str | Path, task: str | None) -> LabelledSet:
    """Read one labelled CSV for `task`; never raises on a bad row, only on a missing file or
    one that is not such a CSV at all (DatasetError).

    With task None the texts are read whatever their label says (labels are kept as written,
    "" where the file has no label column).

    RETURNS (LabelledSet): texts and engine labels in file order, with skipped/excluded counts.
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    path = Path(path)
    out = LabelledSet(path=str(path), task=task or "")
    for row in _rows(path, needs_label=task is not None):
        if row is None:
            out.skipped += 1
            continue
        text = next((row[name] for name in TEXT_COLUMNS if row.get(name)), "")
        raw_label = next((row[name] for name in LABEL_COLUMNS if row.get(name)), "")
        if task is None:
            label: str | None = raw_label.strip()
        else:
            label = map_label(task, raw_label) if raw_label else None
        if not text.strip() or label is None or not _is_clean(text) or not _is_clean(raw_label):
            out.skipped += 1
            continue
        out.source_labels[raw_label.strip()] += 1
        if label == EXCLUDED:
            out.excluded += 1
            continue
        out.texts.append(text)
        out.labels.append(label)
    return out
