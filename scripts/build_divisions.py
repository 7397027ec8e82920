"""Rebuild qunfang/org/data/divisions-2023.tsv.xz from ../shared/data/china-admin-divisions.

The shipped file holds one "code<TAB>name" line per division, sorted by code, for all five
levels (31 provinces, 342 prefectures, 2,978 counties, 41,352 townships, 620,573 villages).
Parents are not stored: NBS codes are hierarchical, so a parent is a prefix of its child
(2 → 4 → 6 → 9 → 12 digits).

Usage: python scripts/build_divisions.py [SOURCE_DIR]
"""

import csv
import gzip
import lzma
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "china-admin-divisions"
TARGET = ROOT / "qunfang" / "org" / "data" / "divisions-2023.tsv.xz"


def read_rows(source: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in ("provinces.csv", "cities.csv", "areas.csv", "streets.csv"):
        with open(source / name, encoding="utf-8", newline="") as handle:
            rows += [(r["code"], r["name"]) for r in csv.DictReader(handle)]
    with gzip.open(source / "villages.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows += [(r["code"], r["name"]) for r in csv.DictReader(handle)]
    rows.sort()
    return rows


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    rows = read_rows(source)
    data = "".join(f"{code}\t{name}\n" for code, name in rows).encode("utf-8")
    TARGET.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    print(f"{len(rows)} divisions → {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
