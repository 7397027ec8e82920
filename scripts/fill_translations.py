"""Fill locale/en/LC_MESSAGES/django.po from locale/en/translations*.tsv (msgid<TAB>English).

Run after `make messages`; untranslated entries are listed so nothing ships half-English.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
TABLES = sorted((ROOT / "locale" / "en").glob("translations*.tsv"))


def main() -> None:
    table = {}
    for path in TABLES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line:
                msgid, _, english = line.partition("\t")
                table[msgid] = english
    catalogue = polib.pofile(str(PO))
    missing = []
    for entry in catalogue:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        else:
            if "fuzzy" in entry.flags:
                # gettext's guess from a similar string is usually wrong: drop it.
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
            if not entry.msgstr:
                missing.append(entry.msgid)
    catalogue.metadata["Language"] = "en"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    catalogue.save(str(PO))
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid}")


if __name__ == "__main__":
    main()
