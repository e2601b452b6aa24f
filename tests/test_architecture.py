"""The house rules of the layout: forms/ imports neither Qt nor exporters; exporters/ imports no Qt."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        out[str(path.relative_to(ROOT))] = names
    return out


@pytest.mark.parametrize(("package", "forbidden"), [("forms", ("PySide6", "exporters", "desktop_app")),
                                                    ("exporters", ("PySide6", "desktop_app"))])
def test_package_does_not_import(package, forbidden):
    offenders = {f: sorted(n for n in names if n.split(".")[0] in forbidden)
                 for f, names in imported_modules(package).items()}
    assert {f: n for f, n in offenders.items() if n} == {}


def test_no_row_label_in_code():
    """Official wording lives in the templates: a few labels that would betray a hard-coded table."""
    labels = ("本年新收政府信息公开申请数量", "结转下年度继续办理", "属于国家秘密", "未经复议直接起诉", "本年制发件数")
    for package in ("forms", "exporters", "desktop_app"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not [lab for lab in labels if lab in text], path
