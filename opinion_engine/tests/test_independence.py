"""The engine is a framework-free package: no module of it may import Django or qunfang."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
FORBIDDEN = ("django", "qunfang", "config")


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_imports_django_or_qunfang():
    modules = [p for p in PACKAGE.rglob("*.py") if "tests" not in p.parts]
    assert len(modules) >= 4
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(imported_roots(p) & set(FORBIDDEN)) for p in modules
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}
