"""Every UI string of the supplies app has an English line in locale/en/translations*.tsv, so
`make messages` never leaves it untranslated."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PYTHON_CALL = re.compile(r'\b(?:_|gettext_noop|gettext|gettext_lazy)\(\s*((?:"[^"]*"\s*)+)\)')
TRANSLATE_TAG = re.compile(r"{%\s*translate\s+([\"'])(.*?)\1")
BLOCK_TAG = re.compile(r"{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)


def supplies_msgids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "qunfang" / "supplies").glob("*.py"):
        for match in PYTHON_CALL.finditer(path.read_text(encoding="utf-8")):
            found.add("".join(re.findall(r'"([^"]*)"', match.group(1))))
    for path in (ROOT / "templates" / "supplies").glob("*.html"):
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


def test_every_supplies_string_has_an_english_translation():
    msgids = supplies_msgids()
    assert "库存不足%(low)s项，临期或过期批次%(expiring)s个，在途车队%(transit)s批。" in msgids
    assert "物资保障" in msgids
    table = english_table()
    assert sorted(msgid for msgid in msgids if not table.get(msgid)) == []


def test_placeholders_survive_translation():
    table = english_table()
    for msgid in supplies_msgids():
        placeholders = set(re.findall(r"%\(\w+\)s|{\w+}", msgid))
        assert placeholders == set(re.findall(r"%\(\w+\)s|{\w+}", table[msgid])), msgid
