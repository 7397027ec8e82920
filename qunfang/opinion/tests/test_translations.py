"""Every UI string of the opinion app has an English line in locale/en/translations*.tsv, so
`make messages` never leaves it untranslated.

Python files are read with `ast`, as xgettext reads them by keyword: multi-line calls,
implicitly joined literals, single quotes and escapes all give the msgid gettext will see.
Templates are read the way `makemessages` turns them into gettext calls.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP = ROOT / "qunfang" / "opinion"
TEMPLATES = ROOT / "templates" / "opinion"
OWN_TABLE = ROOT / "locale" / "en" / "translations-opinion.tsv"

# keyword -> positions of its msgid arguments (contexts of pgettext are not msgids)
KEYWORDS = {
    "_": (0,),
    "gettext": (0,),
    "gettext_lazy": (0,),
    "gettext_noop": (0,),
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "pgettext": (1,),
    "pgettext_lazy": (1,),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
}
QUOTED = r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'"
TRANSLATE_TAG = re.compile(r"{%\s*(?:translate|trans)\s+(?:" + QUOTED + r")")
BLOCK_TAG = re.compile(
    r"{%\s*(blocktranslate|blocktrans)\b([^%]*)%}(.*?){%\s*end(?:blocktranslate|blocktrans)\s*%}",
    re.S,
)
PLURAL_TAG = re.compile(r"{%\s*plural\s*%}")
TEMPLATE_UNDERSCORE = re.compile(r"\b_\(\s*(?:" + QUOTED + r")\s*\)")
VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|{\w*}")


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def python_msgids(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        for position in KEYWORDS.get(_called_name(node) or "", ()):
            if position < len(node.args):
                argument = node.args[position]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
    return found


def _unquote(match: re.Match) -> str:
    double, single = match.group(1), match.group(2)
    text = double if double is not None else single
    return re.sub(r"\\(.)", r"\1", text)


def template_msgids(text: str) -> set[str]:
    found = {_unquote(match) for match in TRANSLATE_TAG.finditer(text)}
    found |= {_unquote(match) for match in TEMPLATE_UNDERSCORE.finditer(text)}
    for match in BLOCK_TAG.finditer(text):
        options, body = match.group(2), match.group(3)
        for part in PLURAL_TAG.split(body):
            if re.search(r"\btrimmed\b", options):
                part = re.sub(r"\s*\n\s*", " ", part.strip())
            part = part.replace("%", "%%")
            found.add(VARIABLE.sub(r"%(\1)s", part))
    return found


def opinion_msgids() -> set[str]:
    found: set[str] = set()
    for path in sorted(APP.rglob("*.py")):
        if "tests" not in path.relative_to(APP).parts:
            found |= python_msgids(path)
    for path in sorted(TEMPLATES.rglob("*.html")):
        found |= template_msgids(path.read_text(encoding="utf-8"))
    return found


def english_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted((ROOT / "locale" / "en").glob("translations*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            msgid, _tab, english = line.partition("\t")
            table[msgid] = english
    return table


def one_line(msgid: str) -> bool:
    """A msgid with a newline or a tab cannot be written as one msgid<TAB>English line."""
    return "\n" not in msgid and "\t" not in msgid


def test_the_extraction_finds_python_and_template_strings():
    msgids = opinion_msgids()
    assert "舆情监测" in msgids  # apps.py and the overview template
    assert "转督办" in msgids  # templates only
    # a call over several lines, joined from two literals
    assert any(msgid.startswith("用 AND、OR、NOT") and "NEAR/5" in msgid for msgid in msgids)
    assert "是,否" in msgids  # `_("...")` inside a template filter
    assert template_msgids("{% translate '舆情监测' %}") == {"舆情监测"}
    assert template_msgids(
        "{% blocktranslate trimmed with n=x %}\n  关联帖文\n  {{ n }} 条\n{% endblocktranslate %}"
    ) == {"关联帖文 %(n)s 条"}


def test_every_opinion_string_has_an_english_translation():
    msgids = {msgid for msgid in opinion_msgids() if one_line(msgid)}
    table = english_table()
    assert sorted(msgid for msgid in msgids if not table.get(msgid, "").strip()) == []


def test_every_msgid_fits_on_one_tsv_line():
    assert sorted(msgid for msgid in opinion_msgids() if not one_line(msgid)) == []


def test_placeholders_survive_translation():
    table = english_table()
    for msgid in opinion_msgids():
        if msgid in table:
            expected = sorted(PLACEHOLDER.findall(msgid))
            assert sorted(PLACEHOLDER.findall(table[msgid])) == expected, msgid


def test_the_opinion_table_is_clean():
    others: set[str] = set()
    for path in (ROOT / "locale" / "en").glob("translations*.tsv"):
        if path != OWN_TABLE:
            lines = path.read_text(encoding="utf-8").splitlines()
            others |= {line.partition("\t")[0] for line in lines}
    text = OWN_TABLE.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        msgid, tab, english = line.partition("\t")
        assert tab and msgid and english.strip() and "\t" not in english, number
        assert english == english.strip(), number
        assert msgid not in seen, f"line {number}: {msgid} twice"
        assert msgid not in others, f"line {number}: {msgid} is already in another table"
        seen.add(msgid)
