"""What people, crawlers and exports put into posts and files: Hypothesis strategies for the
properties that hold whatever the input (no exception escapes, nothing is lost).

The runs are derandomised: CI must give the same verdict on the same code, and a failure it
finds must be found again by whoever runs the tests next.
"""

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROPERTIES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)


def in_chinese(message: object) -> bool:
    """Whether a message a person will read is written in Chinese (holds a CJK character)."""
    return re.search("[\u4e00-\u9fff]", str(message)) is not None


# Pieces real posts and broken exports are made of: Weibo furniture, full-width and traditional
# characters, emoji sequences, controls, invisible characters, combining marks, characters
# outside the Basic Multilingual Plane, and lone surrogates (JSON's "\ud800" decodes to one).
PIECES = (
    "泽州",
    "疫情",
    "武漢",
    "聚集",
    "不要",
    "谣言",
    "ＡＢＣ",
    "１２３",
    "[哈哈]",
    "[",
    "]",
    "#",
    "#话题#",
    "@",
    "@人民日报",
    "//@小明:",
    "http://t.cn/x",
    "www.",
    ".cn/",
    "👍",
    "👨‍👩‍👧",
    "🇨🇳",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x0b",
    "\r\n",
    "\t",
    "\u3000",
    "??",
    "？？",
    "！！",
    "……",
    "~~",
    " ",
    "𠀀",
    "ﾟ",
    "①",
    "²",
    "ﬁ",
    "İ",
    "e\u0301",
    "\u202e",
    "\ud800",
    "\udfff",
    "9" * 30,
)

texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6)),
    max_size=24,
).map("".join)

# Lone surrogates aside: text any Python program can encode as UTF-8.
encodable_texts = texts.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))

# Spreadsheet cells as people fill them in and as Excel and WPS export them: numbers too long for
# any column, other scripts' digits, impossible dates, Excel serials, formulas, ID numbers with a
# full-width digit, names with a zero-width space, controls, a lone surrogate.
CELLS = (
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e50000000",
    "9" * 5000,
    "²",
    "١٢٣",
    "NaN",
    "inf",
    "2020-02-30",
    "0001-01-01",
    "9999-12-31",
    "43831",
    "-43831",
    "2020年2月3日",
    "是",
    "否",
    "男",
    "户主",
    "=1+1",
    "@SUM(A1)",
    "14052519800101001X",
    "1405251980010100１X",
    "13800138000",
    "泽州县南村镇",
    "南村村",
    "不存在的村",
    "王\u200b秀英",
    "x" * 3000,
    "\x00",
    "\ufffd",
    "\ud800",
    "👨‍👩‍👧",
)
cells = st.one_of(
    st.sampled_from(CELLS),
    st.lists(st.one_of(st.sampled_from(CELLS), st.text(max_size=5)), max_size=4).map("".join),
)
