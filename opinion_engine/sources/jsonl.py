"""JSON Lines input: one JSON object per line; blank lines are ignored.

`read_objects` turns decoded lines into records ``(line, fields, problem)`` like
`opinion_engine.sources.csv.read_table`: `fields` is the object, or None with a Chinese `problem`
for a line that is not valid JSON or not an object. It never raises on bad lines.

JSON can spell a lone UTF-16 surrogate ("\\ud800", what a crawler writes for half an emoji);
Python decodes it, but no UTF-8 file, database or later stage can hold it, so every string of an
object read from such a line has its lone surrogates replaced by U+FFFD.
"""

import json
from collections.abc import Iterable, Iterator

from opinion_engine.normalize import valid_strings
from opinion_engine.sources.messages import JSON_MESSAGES, in_chinese

E_TOO_DEEP = "JSON格式错误：嵌套过深"
E_TOO_LONG_NUMBER = "JSON格式错误：数字位数过多"

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
            # The column within the line: json counts the line's own "\n" as a line of its own.
            column = min(error.pos, len(text.rstrip("\r\n"))) + 1
            yield (
                number,
                None,
                f"JSON格式错误：{in_chinese(error.msg, JSON_MESSAGES)}（第{column}列）",
            )
            continue
        except RecursionError:
            yield number, None, E_TOO_DEEP
            continue
        except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
            yield number, None, E_TOO_LONG_NUMBER
            continue
        if not isinstance(value, dict):
            yield number, None, f"不是JSON对象，而是{type(value).__name__}"
            continue
        if "\\u" in text:
            value = valid_strings(value)
        yield number, {str(key).strip(): item for key, item in value.items()}, ""
