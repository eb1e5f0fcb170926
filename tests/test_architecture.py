"""The architecture as tests: layers import one way, the data layer is one module per concept, modules stay small.

Layers, each importing only from those before it:
    fidelity/scales.py -> pure domain modules -> models.py, db.py -> fidelity/store/ (data access)
    -> demo, national_demo, cli (uses of the data layer) -> fidelity/ui/ (the only Streamlit code)
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fidelity"
STORE = PACKAGE / "store"
PAGES = PACKAGE / "ui" / "pages"
PURE = [
    "snapshot.py",
    "portfolio.py",
    "scales.py",
    "scoring.py",
    "charts.py",
    "spc_charts.py",
    "agreement.py",
    "passwords.py",
    "calendar_files.py",
    "timeline.py",
    "sealed.py",
    "plans.py",
    "reports.py",
    "stats.py",
    "outcomes.py",
    "imports.py",
    "files.py",
    "text.py",
    "scale_versions.py",
    "scale_files.py",
    "scale_workbook.py",
    "record_sample.py",
    "visit_pack.py",
]

# Every data-access module may use the permission checks, the shared helpers, and the audit log (each
# write records its audit event in the same transaction). Beyond those, one concept's module imports
# another's only here, and only one way (so there is no cycle):
SHARED = {"access", "shared", "audit"}
ALLOWED = {
    "reviews": {
        "ratings": "a review's totals, finalising and listings come from its ratings",
        "plans": "a review shows the plan that followed the previous review; its report lists its own plan",
        "visits": "a review's pages and report show what its case-record sample suggests",
        "timelines": "a review started gets its programme's timeline of steps",
        "moderation": "a moderated review is finalised once approved, presented and its feedback answered",
        "portfolio": "a review's pages show the service's evidence and its audit beside each item",
        "snapshots": "a review's workspace and report show the service's performance snapshot",
    },
    "portfolio": {"timelines": "the portfolio audited marks its step done; who sees it follows the timeline"},
    "snapshots": {"timelines": "the snapshot confirmed marks its step done; who sees it follows the timeline"},
    "moderation": {"timelines": "sending, approving and presenting the draft mark their steps on the timeline done"},
    "personal_data": {
        "visits": "the case-record sample's measures are kept when its records are deleted",
        "timelines": "the deletion marks its step on the timeline done",
    },
    "plan_support": {
        "plans": "a plan is agreed once it has actions",
        "timelines": "the plan agreed marks its step on the timeline done",
    },
    "ratings": {"moderation": "agreed scores of a moderated draft reopen only on the items the moderator returned"},
    "plans": {"ratings": "a plan's draft actions come from the agreed scores"},
    "packs": {
        "ratings": "a visit pack carries a reviewer's own ratings out and saves them back",
        "visits": "a visit pack carries the record sample and evidence notes out and back",
    },
    "amendments": {"ratings": "an amendment copies the agreed ratings and changes some"},
    "accounts": {
        "throttle": "a sign-in is answered after the client's back-off for the username, and counts toward it",
        "instance": "the demo accounts sign in only while the instance allows them",
    },
}
# Modules of fidelity/ui that are not pages or their parts, and may hold database code:
UI_WITH_DATABASE = {
    "resources.py": "opens sessions and caches reads for the pages",
    "bench.py": "replays each page's queries bare, to time them beside the page",
    "browser_bench.py": "makes the benchmarks' own demo accounts and finds the service with an open review",
}
MAX_LINES = 500
MAX_PAGE_LINES = 400


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.relative_to(PACKAGE).parts)


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, fully named: `from fidelity.store import plans` gives fidelity.store.plans."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module in ("fidelity", "fidelity.store"):
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _imports(path: Path) -> set[str]:
    """Top-level packages imported, and fidelity modules by their full names."""
    return {name if name.startswith("fidelity") else name.split(".")[0] for name in _imported_modules(path)}


def _store_imports(path: Path) -> set[str]:
    prefix = "fidelity.store."
    return {name.removeprefix(prefix).split(".")[0] for name in _imported_modules(path) if name.startswith(prefix)}


def _concepts() -> list[Path]:
    return [p for p in sorted(STORE.glob("*.py")) if p.name != "__init__.py"]


@pytest.mark.parametrize(
    "path",
    [p for p in _python_files(PACKAGE) if "ui" not in p.relative_to(PACKAGE).parts],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_module_outside_ui__does_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in _imports(path)


@pytest.mark.parametrize("name", PURE)
def test_pure_module__no_database_or_ui_imports(name: str) -> None:
    imported = _imports(PACKAGE / name)
    forbidden = {"streamlit", "sqlmodel", "sqlalchemy", "fidelity.db", "fidelity.models"}
    assert not imported & forbidden
    assert not {m for m in imported if m.startswith(("fidelity.store", "fidelity.ui"))}


@pytest.mark.parametrize(
    "path",
    [p for p in _python_files(PACKAGE) if "ui" not in p.relative_to(PACKAGE).parts and p.name != "cli.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_module_outside_ui__does_not_import_the_ui(path: Path) -> None:
    """Nothing below the UI reaches up into it (the CLI, an entry point like streamlit_app.py, runs the bench)."""
    assert not {m for m in _imports(path) if m.startswith("fidelity.ui")}


@pytest.mark.parametrize("path", _concepts(), ids=lambda p: p.stem)
def test_data_access_module__imports_other_concepts_only_as_allowed(path: Path) -> None:
    """It uses another concept's module only through the shared helpers, or where ALLOWED says why."""
    others = _store_imports(path) - {path.stem} - SHARED
    assert others <= set(ALLOWED.get(path.stem, {})), f"{path.stem} imports {sorted(others)}"


@pytest.mark.parametrize("path", _concepts(), ids=lambda p: p.stem)
def test_data_access_module__says_what_it_owns(path: Path) -> None:
    """Each module opens with a one-line docstring, and the package's docstring lists it."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and docstring.splitlines()[0].strip()
    package_doc = ast.get_docstring(ast.parse((STORE / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert f"    {path.stem} " in package_doc


def test_allowed_pairs__name_real_modules_and_form_no_cycle() -> None:
    modules = {p.stem for p in _concepts()}
    for importer, imported in ALLOWED.items():
        assert importer in modules and set(imported) <= modules
        for other in imported:
            assert importer not in ALLOWED.get(other, {}), f"{importer} and {other} import each other"


def test_shared_helpers__import_no_concept_module() -> None:
    for name in SHARED:
        assert _store_imports(STORE / f"{name}.py") - SHARED == set(), name


@pytest.mark.parametrize(
    "path",
    [p for p in _python_files(PACKAGE / "ui") if p.name not in UI_WITH_DATABASE],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_pages_and_their_parts__hold_no_query_code(path: Path) -> None:
    """No SQLModel or SQLAlchemy import, no engine, and no query run directly: they call the data layer."""
    imported = _imports(path)
    assert not imported & {"sqlmodel", "sqlalchemy", "fidelity.db"}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not calls & {"exec", "execute", "select", "scalars", "make_engine"}


@pytest.mark.parametrize("path", _python_files(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module__at_most_500_lines(path: Path) -> None:
    limit = MAX_PAGE_LINES if path.parent == PAGES else MAX_LINES
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= limit, f"{path.name} has {lines} lines; split it by concept (limit {limit})"


def test_pages__import_no_other_page() -> None:
    for path in PAGES.glob("*.py"):
        assert not {m for m in _imports(path) if m.startswith("fidelity.ui.pages")}, path.name


def test_pages__build_no_file_bytes_themselves() -> None:
    """Every CSV download goes through widgets.csv_download and fidelity.files: the escaping lives in one place."""
    for path in _python_files(PACKAGE / "ui"):
        source = path.read_text(encoding="utf-8")
        assert ".to_csv(" not in source and "csv.writer" not in source, path.name
        if path.name != "widgets.py":
            assert "openpyxl" not in source, path.name


def test_streamlit_config__built_in_table_export_off() -> None:
    """Streamlit's own table download would write user text unescaped."""
    config = tomllib.loads((PACKAGE.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
