"""Layering: only fidelity/ui imports streamlit; pure modules touch neither the database nor the UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fidelity"
PURE = ["scales.py", "scoring.py", "charts.py", "agreement.py", "plans.py", "reports.py", "stats.py", "outcomes.py"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module if node.module.startswith("fidelity") else node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path", [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts], ids=str
)
def test_module_outside_ui__does_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in _imports(path)


@pytest.mark.parametrize("name", PURE)
def test_pure_module__no_database_or_ui_imports(name: str) -> None:
    forbidden = {"streamlit", "sqlmodel", "sqlalchemy", "fidelity.db", "fidelity.repository", "fidelity.models"}
    assert not (_imports(PACKAGE / name) & forbidden)
