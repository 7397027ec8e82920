"""Every UI string of the broadcast app has an English line in locale/en/translations*.tsv, so
`make messages` never leaves it untranslated."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PYTHON_CALL = re.compile(r'\b(?:_|gettext_noop|gettext|gettext_lazy)\(\s*((?:"[^"]*"\s*)+)\)')
TRANSLATE_TAG = re.compile(r"{%\s*translate\s+([\"'])(.*?)\1")
BLOCK_TAG = re.compile(r"{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)


def broadcast_msgids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "qunfang" / "broadcast").glob("*.py"):
        for match in PYTHON_CALL.finditer(path.read_text(encoding="utf-8")):
            found.add("".join(re.findall(r'"([^"]*)"', match.group(1))))
    for path in (ROOT / "templates" / "broadcast").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= {match.group(2) for match in TRANSLATE_TAG.finditer(text)}
        for match in BLOCK_TAG.finditer(text):
            found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", match.group(1)))
    return found


def english_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted((ROOT / "locale" / "en").glob("translations*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            msgid, _tab, english = line.partition("\t")
            table[msgid] = english
    return table


def test_every_broadcast_string_has_an_english_translation():
    msgids = broadcast_msgids()
    assert "该工单已于 {date} 关闭，不能重复关闭。" in msgids
    assert "这个喇叭不响了" in msgids
    table = english_table()
    assert sorted(msgid for msgid in msgids if not table.get(msgid)) == []


def test_placeholders_survive_translation():
    table = english_table()
    for msgid in broadcast_msgids():
        placeholders = set(re.findall(r"%\(\w+\)s|{\w+}", msgid))
        assert placeholders == set(re.findall(r"%\(\w+\)s|{\w+}", table[msgid])), msgid
