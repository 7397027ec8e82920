"""What Python's csv and json modules say about a bad file, in the Chinese the person who
uploaded it reads. A message not listed keeps the module's own words."""

import re

# csv's messages that a file can cause.
CSV_MESSAGES = (
    (re.compile(r"unexpected end of data"), "引号没有闭合，文件在引号内结束"),
    (re.compile(r"new-line character seen in unquoted field"), "未加引号的字段里有回车符"),
    (re.compile(r"field larger than field limit \((\d+)\)"), "字段超过{0}个字符"),
    (re.compile(r"'(.)' expected after '\"'"), "右引号后面应紧跟分隔符“{0}”"),
)

# json's messages (JSONDecodeError.msg).
JSON_MESSAGES = (
    (re.compile(r"^Expecting value$"), "此处应有一个值"),
    (re.compile(r"^Expecting property name enclosed in double quotes$"), "键名应加双引号"),
    (re.compile(r"^Expecting '(.)' delimiter$"), "此处应有“{0}”"),
    (re.compile(r"^Unterminated string starting at$"), "字符串缺少结束的引号"),
    (re.compile(r"^Extra data$"), "一个对象之后还有多余内容"),
    (re.compile(r"^Invalid control character at$"), "字符串里有控制字符"),
    (re.compile(r"^Invalid \\escape$"), "无效的转义符"),
)


def in_chinese(message: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """`message` as `table` words it, filled with what its pattern captured."""
    for pattern, chinese in table:
        match = pattern.search(message)
        if match:
            return chinese.format(*match.groups())
    return message
