"""Importing past reviews: good files, every kind of bad row, all-or-nothing, and no duplicates."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, func, select

from fidelity import db, errors, imports, scale_workbook
from fidelity.cli import main
from fidelity.models import Review
from fidelity.store import past_reviews, shared

from .conftest import ACTOR, sqlite_with_service

TODAY = date(2026, 11, 22)
HEADER = [
    "Service",
    "Review date",
    "Scale",
    "Kind",
    "Lead reviewer",
    "Second reviewer",
    *[f"Item {n}" for n in range(1, 26)],
]


def _row(
    service: str = "North IPS",
    when: str = "2024-03-14",
    scale: str = "ips-25",
    kind: str = "follow-up",
    lead: str = "Ann",
    second: str = "",
    scores: list[object] | None = None,
) -> list[object]:
    return [service, when, scale, kind, lead, second, *(scores if scores is not None else [4] * 25)]


def _csv(rows: list[list[object]]) -> bytes:
    lines = [",".join(map(str, HEADER))] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _import(db_url: str, scales, content: bytes, filename: str = "past.csv") -> past_reviews.ImportResult:
    with db.session_scope(db.make_engine(db_url)) as s:
        return past_reviews.import_past_reviews(
            s, actor=ACTOR, scales=scales, content=content, filename=filename, today=TODAY
        )


def _count(db_url: str) -> int:
    with Session(db.make_engine(db_url)) as s:
        return s.exec(select(func.count()).select_from(Review)).one()


@pytest.fixture
def services(make_service):
    return make_service("North IPS"), make_service("South IPS")


def test_import__good_csv__final_reviews_with_totals(db_url: str, scales, services) -> None:
    content = _csv([_row(), _row("south ips", "2025-01-09", "ipspc", "external", second="Bo", scores=[3] * 25)])
    result = _import(db_url, scales, content)
    assert (result.imported, result.already_present) == ([2, 3], [])
    with Session(db.make_engine(db_url)) as s:
        reviews = s.exec(select(Review).order_by(Review.visit_start)).all()
        assert [(r.status, r.total, r.band, r.scale_id) for r in reviews] == [
            ("final", 100, "Good", "ips-25"),
            ("final", 75, "Fair", "ipspc"),
        ]
        assert reviews[1].second_reviewer == "Bo" and shared.counted_scores(s, reviews[1]) == dict.fromkeys(
            range(1, 26), 3
        )
        assert reviews[0].single_reviewer


def test_import__same_file_twice__nothing_duplicated(db_url: str, scales, services) -> None:
    content = _csv([_row(), _row(when="2025-06-01")])
    _import(db_url, scales, content)
    again = _import(db_url, scales, content)
    assert (again.imported, again.already_present) == ([], [2, 3])
    assert _count(db_url) == 2


def test_import__xlsx_with_real_dates__imported(db_url: str, scales, services) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["North IPS", date(2023, 11, 2), "ips-25", "baseline", "Ann", None, *[2] * 25])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _import(db_url, scales, buffer.getvalue(), "past.xlsx").imported == [2]
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(Review.visit_start)).one() == date(2023, 11, 2)


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        (
            _row("Nowhere IPS"),
            "row 3, column service: no service called 'Nowhere IPS'; add it on the Services page first",
        ),
        (_row(when="14th March"), "row 3, column review_date: '14th March' is not a date (use YYYY-MM-DD)"),
        (_row(when="2027-01-01"), "row 3, column review_date: 2027-01-01 is in the future"),
        (_row(scale="seqf"), "row 3, column scale: 'seqf' is not one of ips-25, ipspc"),
        (
            _row(kind="audit"),
            "row 3, column kind: 'audit' is not one of baseline, follow-up, self-assessment, external",
        ),
        (_row(scores=[4] * 24 + [6]), "row 3, column item_25: '6' is not a whole number 1-5"),
        (_row(scores=[0] + [4] * 24), "row 3, column item_1: '0' is not a whole number 1-5"),
        (_row(scores=[4] * 12 + ["3.5"] + [4] * 12), "row 3, column item_13: '3.5' is not a whole number 1-5"),
        (_row(scores=[4] * 12 + [""] + [4] * 12), "row 3, column item_13: is empty; a past review needs all 25 scores"),
        (
            _row(when="2020-05-05"),
            "row 3, column review_date: the same review (service, date and scale) is also on row 2",
        ),
    ],
)
def test_import__bad_row__named_and_nothing_imported(db_url: str, scales, services, bad_row, problem) -> None:
    with pytest.raises(errors.ImportRefused) as refused:
        _import(db_url, scales, _csv([_row(when="2020-05-05"), bad_row]))
    assert [str(p) for p in refused.value.problems] == [problem]
    assert _count(db_url) == 0


def test_import__many_problems__all_listed(db_url: str, scales, services) -> None:
    with pytest.raises(errors.ImportRefused) as refused:
        _import(db_url, scales, _csv([_row(service="", kind="?"), _row(scale="x")]))
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, "service"), (2, "kind"), (3, "scale")]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "past.csv", "the file is empty"),
        (
            b"service,review_date\nNorth,2024-01-01\n",
            "past.csv",
            "row 1: missing column(s) scale, kind, item_1 to item_25",
        ),
        (b"service,Service,review_date\n", "past.csv", "row 1: column(s) service appear more than once"),
        (b"\xff\xfe\x00bad", "past.csv", "not UTF-8 text"),
        (b"whatever", "past.txt", "use a .csv or .xlsx file"),
        (b"not a zip", "past.xlsx", "not an XLSX workbook"),
    ],
)
def test_import__unreadable_file__refused(db_url: str, scales, content: bytes, filename: str, message: str) -> None:
    with pytest.raises(errors.InputError, match=re.escape(message)):
        _import(db_url, scales, content, filename)


def test_template__has_every_column_and_checks_clean(scales) -> None:
    rows = imports.read_rows(imports.template_csv(), "template.csv")
    checked = imports.check_rows(
        rows, services={"example ips service": "Example IPS service"}, scales=scales, today=TODAY
    )
    assert checked.ok and checked.reviews[0].scores == dict.fromkeys(range(1, 26), 3)


def test_cli_import_reviews__good_then_bad(tmp_path: Path, monkeypatch, capsys, scales) -> None:
    url = sqlite_with_service(tmp_path / "cli.db")
    monkeypatch.setenv("DATABASE_URL", url)
    good = tmp_path / "good.csv"
    good.write_bytes(_csv([_row()]))
    assert main(["import-reviews", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "imported 1 review(s)"
    assert main(["import-reviews", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "imported 0 review(s); 1 already present (rows 2)"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([_row(when="2025-01-01", scores=[9] + [4] * 24)]))
    assert main(["import-reviews", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {bad}: nothing imported; 1 problem(s):",
        "  row 2, column item_1: '9' is not a whole number 1-5",
    ]
    db.dispose_engine(url)


def test_cli_import_reviews__pins_the_version_the_app_publishes(tmp_path: Path, monkeypatch, capsys, scales) -> None:
    from fidelity.scale_files import scale_mapping
    from fidelity.store import published_scales

    url = sqlite_with_service(tmp_path / "cli.db")
    monkeypatch.setenv("DATABASE_URL", url)
    mapping = scale_mapping(scales["ips-25"])
    mapping["version"] = "2027.1"
    with db.session_scope(db.make_engine(url)) as s:
        published_scales.seed_from_files(s, scales)
        published_scales.publish(s, actor=ACTOR, file_name="next.xlsx", content=scale_workbook.write_workbook(mapping))
    good = tmp_path / "good.csv"
    good.write_bytes(_csv([_row()]))
    assert main(["import-reviews", str(good)]) == 0
    with Session(db.make_engine(url)) as s:
        assert [r.scale_version for r in s.exec(select(Review))] == ["2027.1"]
    db.dispose_engine(url)
