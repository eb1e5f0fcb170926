"""Uploads are bounded before they are parsed: the file's size, a workbook's unzipped size and compression (from
the zip directory alone), the header before the body, then the rows up to a cap; at most 100 problems are kept
to show, with the count of all."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from fidelity import errors, imports
from fidelity.store import outcomes

from .conftest import ACTOR
from .test_outcome_data import _count, _csv, _row, _write

REVIEW_HEADER = ",".join(imports.TEMPLATE_COLUMNS)


def _bomb(sheet_bytes: int) -> bytes:
    """A workbook-shaped zip whose one sheet unzips to `sheet_bytes` of rows, compressed about 1,000 to 1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        row = b"<row><c t='inlineStr'><is><t>x</t></is></c></row>"
        archive.writestr("xl/worksheets/sheet1.xml", row * (sheet_bytes // len(row)))
    return buffer.getvalue()


def test_read_rows__over_the_size_limit__refused_before_reading() -> None:
    content = (REVIEW_HEADER + "\n").encode() + b"x" * imports.FILE_LIMIT
    with pytest.raises(imports.ImportFileError, match=r"past.csv: the file is 5,000,\d+ bytes; at most 5,000,000"):
        imports.read_rows(content, "past.csv")


def test_read_rows__workbook_that_unzips_to_a_bomb__refused_from_the_zip_directory_in_under_2_s() -> None:
    bomb = _bomb(imports.UNPACKED_LIMIT + 1_000_000)
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    with pytest.raises(imports.ImportFileError, match=r"past.xlsx: unzips to 60,9\d\d,\d+ bytes; at most 60,000,000"):
        imports.read_rows(bomb, "past.xlsx")
    assert time.perf_counter() - started < 2  # the zip directory is read, never the sheet


def test_read_rows__small_sheet_compressed_like_a_bomb__refused() -> None:
    with pytest.raises(imports.ImportFileError, match=r"sheet1\.xml is compressed more than 100 to 1"):
        imports.read_rows(_bomb(20_000_000), "past.xlsx")


def test_read_rows__header_checked_before_the_body() -> None:
    rows = "\n".join(["x" * 40] * (imports.ROW_LIMIT + 10))
    with pytest.raises(imports.ImportFileError, match="row 1: missing column"):
        imports.read_rows(f"service,quarter\n{rows}\n".encode(), "past.csv")


def test_read_rows__past_reviews__their_own_lower_cap() -> None:
    body = "\n".join(["North,2024-01-01,ips-25,baseline,,," + ",".join(["3"] * 25)] * (imports.REVIEW_ROW_LIMIT + 1))
    with pytest.raises(imports.ImportFileError, match="more than 5,000 rows below the header"):
        imports.read_rows(f"{REVIEW_HEADER}\n{body}\n".encode(), "past.csv", row_limit=imports.REVIEW_ROW_LIMIT)


def test_read_rows__more_rows_than_the_cap__refused_naming_the_cap() -> None:
    body = "\n".join(["North,2024-01-01,ips-25,baseline,,," + ",".join(["3"] * 25)] * (imports.ROW_LIMIT + 1))
    with pytest.raises(imports.ImportFileError, match="more than 25,000 rows below the header"):
        imports.read_rows(f"{REVIEW_HEADER}\n{body}\n".encode(), "past.csv")
    exactly = "\n".join(body.splitlines()[: imports.ROW_LIMIT])
    assert len(imports.read_rows(f"{REVIEW_HEADER}\n{exactly}\n".encode(), "past.csv")) == imports.ROW_LIMIT


def test_read_rows__workbook_cells_right_of_the_header__never_read() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["service", "quarter"])
    sheet.append(["North", "2025-Q1"])
    sheet.cell(row=2, column=5000, value="far away")
    buffer = io.BytesIO()
    book.save(buffer)
    assert imports.read_rows(buffer.getvalue(), "q.xlsx", required=("service", "quarter")) == [
        {"service": "North", "quarter": "2025-Q1"}
    ]


def test_import_outcomes__many_bad_rows__first_100_kept_and_all_counted(db_url: str, make_service) -> None:
    make_service("North IPS")
    bad = [_row(quarter=f"{2000 + n // 4}-Q{n % 4 + 1}", referrals=-1, employer_contacts=-1) for n in range(150)]
    with pytest.raises(errors.ImportRefused) as refused, _write(db_url) as s:
        outcomes.import_outcomes(s, actor=ACTOR, content=_csv(*bad), filename="q.csv")
    assert refused.value.total == 300 and len(refused.value.problems) == 100
    assert str(refused.value.problems[0]).startswith("row 2, column")
    assert "nothing imported: 300 problem(s)" in str(refused.value)
    assert _count(db_url) == 0


@pytest.mark.parametrize("name", ["backup.xlsx", "backup.zip"])
def test_read_backup__compressed_like_a_bomb__refused_before_any_member_is_read(name: str) -> None:
    from fidelity.store import backup

    with pytest.raises(
        errors.InputError, match=re.escape(f"file: {name} xl/worksheets/sheet1.xml is compressed more than 200")
    ):
        backup.read_backup(_bomb(20_000_000), name)


def test_import_outcomes__each_quarter_audited_as_a_saved_one_is(db_url: str, make_service) -> None:
    """Imported quarters are inserted in one statement; each audit event holds what saving it alone would."""
    from sqlmodel import Session, select

    from fidelity import db
    from fidelity.models import AuditEvent, OutcomePeriod
    from fidelity.store.audit import snapshot

    make_service("North IPS")
    with _write(db_url) as s:
        outcomes.import_outcomes(s, actor=ACTOR, content=_csv(_row(), _row(quarter="2025-Q2")), filename="q.csv")
    with Session(db.make_engine(db_url)) as s:
        saved = {str(p.id): snapshot(p) for p in s.exec(select(OutcomePeriod))}
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "outcomeperiod")).all()
    assert len(saved) == 2
    assert {e.entity_id: e.after for e in events} == saved
    assert {(e.action, e.actor, e.before) for e in events} == {("create", ACTOR.name, None)}


def test_upload_bench__small__refuses_the_bomb_and_the_big_file__imports_the_rest(scales) -> None:
    from fidelity import upload_bench

    cases = upload_bench.run(scales, rows=400, review_rows=400, bomb_bytes=80_000_000)
    outcomes_of = [c.outcome for c in cases]
    assert outcomes_of[0].startswith("refused: bomb.xlsx: unzips to 79,9")
    assert outcomes_of[1].startswith("refused: big.csv: the file is 50,000,000 bytes")
    assert outcomes_of[2:] == [
        "imported 400 quarters (rolled back)",
        "imported 400 quarters (rolled back)",
        "imported 400 reviews with their scores (rolled back)",
    ]
    assert all(c.seconds >= 0 and c.peak_growth_mb >= 0 for c in cases)
    assert upload_bench.table(cases).count("\n") == len(cases) + 1


def test_import_past_reviews__each_review_audited_as_a_saved_one_is__its_scores_kept(db_url, make_service, scales):
    """Reviews are inserted in one statement and their scores in another; each review's audit event holds what a
    saved review's snapshot does, and its 25 scores are the counted rater's."""
    from datetime import date

    from sqlmodel import Session, select

    from fidelity import db, files
    from fidelity.models import AuditEvent, ItemRating, Review
    from fidelity.store import past_reviews
    from fidelity.store.audit import snapshot

    make_service("North IPS")
    rows = [
        ["North IPS", "2024-03-14", "ips-25", "baseline", "Ann", "Bo", *["3"] * 25],
        ["North IPS", "2025-03-14", "ips-25", "follow-up", "Ann", "", *["4"] * 25],
    ]
    content = files.csv_bytes(imports.TEMPLATE_COLUMNS, rows)
    with _write(db_url) as s:
        past_reviews.import_past_reviews(
            s, actor=ACTOR, scales=scales, content=content, filename="p.csv", today=date(2026, 1, 1)
        )
    with Session(db.make_engine(db_url)) as s:
        saved = {str(r.id): snapshot(r) for r in s.exec(select(Review))}
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "review")).all()
        scores = {(r.review_id, r.rater): r.score for r in s.exec(select(ItemRating))}
        by_visit = {r.visit_start.year: r for r in s.exec(select(Review))}
    assert {e.entity_id: e.after for e in events} == saved and {e.action for e in events} == {"import"}
    assert (by_visit[2024].total, by_visit[2024].status, by_visit[2025].total) == (75, "final", 100)
    assert scores == {(by_visit[2024].id, "consensus"): 3, (by_visit[2025].id, "lead"): 4}
