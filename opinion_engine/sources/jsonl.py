"""JSON Lines input: one JSON object per line; blank lines are ignored.

`read_objects` turns decoded lines into records ``(line, fields, problem)`` like
`opinion_engine.sources.csv.read_table`: `fields` is the object, or None with a Chinese `problem`
for a line that is not valid JSON or not an object. It never raises on bad lines.
"""

import json
from collections.abc import Iterable, Iterator

Line = tuple[int, str, str]
Record = tuple[int, dict[str, object] | None, str]


def read_objects(lines: Iterable[Line]) -> Iterator[Record]:
    for number, text, problem in lines:
        if not text.strip():
            continue
        if problem:
            yield number, None, problem
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield number, None, f"JSON格式错误：{error.msg}（第{error.colno}列）"
            continue
        if not isinstance(value, dict):
            yield number, None, f"不是JSON对象，而是{type(value).__name__}"
            continue
        yield number, {str(key).strip(): item for key, item in value.items()}, ""
