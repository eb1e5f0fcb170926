"""Hostile text in every text field, and every file the app writes: no formula, no markup, an exact round trip."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from typing import Any

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from fidelity import charts, db, errors, files, imports, reports, spc_charts
from fidelity.models import ActionNote, ImprovementAction, ItemRating, Programme, Review, Service, User
from fidelity.store import accounts, amendments, audit, backup, outcomes, past_reviews, plans, ratings, reviews
from fidelity.store import services as service_store

from .conftest import ACTOR, restore_target, table_dump
from .hostile import CONTROL, FORMULA, LONG, NAMES, NOTES, live_trigger, plant


def _write(url: str) -> Any:
    return db.session_scope(db.make_engine(url))


# --- every text input: stored exactly, or refused naming the field ---------------------------------------------


def test_plant__every_text_field__stored_exactly(db_url: str, scales) -> None:
    ids = plant(db_url, scales)
    with _write(db_url) as s:
        service = s.get(Service, ids["service"])
        assert (service.name, service.provider) == (FORMULA, NAMES[1])
        assert {p.name for p in s.exec(select(Programme))} == {NAMES[8]}
        assert s.get(User, ids["reviewer"]).display_name == NAMES[3]
        review = s.get(Review, ids["review"])
        assert review.lead_reviewer == NAMES[3]
        stored = ratings.ratings_of(s, ids["review"])
        assert {n: r.evidence for n, r in stored.items()} == {n: NOTES[n % len(NOTES)] for n in range(1, 26)}
        assert {n: r.recommendation for n, r in stored.items()} == {
            n: NOTES[(n + 3) % len(NOTES)] for n in range(1, 26)
        }
        assert ratings.ratings_of(s, ids["amendment"])[1].rationale == FORMULA
        assert s.get(Review, ids["amendment"]).amendment_reason == NOTES[-3].strip()
        action = s.exec(select(ImprovementAction).where(ImprovementAction.owner == NAMES[2])).one()
        assert action.description == FORMULA
        assert s.exec(select(ActionNote.text)).one() == NOTES[-1].strip()


def _refusal(db_url: str, make_service, field: str, value: str, scales) -> str:
    """Try to save `value` in `field`; return the refusal's message."""
    service = make_service()
    with pytest.raises(errors.InputError) as refused, _write(db_url) as s:
        if field in ("programme", "area"):
            create = service_store.create_programme if field == "programme" else service_store.create_area
            create(s, actor=ACTOR, name=value)
        elif field in ("name", "provider"):
            service_store.update_service(s, actor=ACTOR, service_id=service.id, data={field: value})
        elif field in ("username", "display name", "email"):
            data = {"username": "someone", "display_name": "Someone", "role": "reviewer", "password": "a password 1"}
            accounts.create_user(s, actor=ACTOR, data=data | {field.replace(" ", "_"): value})
        elif field in ("lead reviewer", "evidence", "rationale", "strength", "recommendation"):
            data = {"service_id": service.id, "scale_id": "ips-25", "visit_start": date(2025, 3, 1)}
            lead = value if field == "lead reviewer" else "Lead"
            review = reviews.start_review(s, actor=ACTOR, scales=scales, data=data | {"lead_reviewer": lead})
            ratings.save_rating(s, actor=ACTOR, review_id=review.id, data={"item_number": 1, field: value})
        else:
            raise AssertionError(field)
    return str(refused.value)


ONE_LINE_FIELDS = ["programme", "area", "name", "provider", "display name", "lead reviewer"]
NOTE_FIELDS = ["evidence", "rationale", "strength", "recommendation"]


@pytest.mark.parametrize("field", ONE_LINE_FIELDS + NOTE_FIELDS)
@pytest.mark.parametrize("value", CONTROL, ids=["nul", "bell", "escape"])
def test_text_input__control_character__refused_naming_the_field(db_url, make_service, scales, field, value) -> None:
    message = _refusal(db_url, make_service, field, value, scales)
    assert message.startswith("name: " if field in ("programme", "area") else f"{field}: "), message
    assert "control character" in message


@pytest.mark.parametrize("field", ONE_LINE_FIELDS)
def test_name__line_break_or_tab__refused_naming_the_field(db_url, make_service, scales, field) -> None:
    message = _refusal(db_url, make_service, field, "two\nlines", scales)
    assert "one line of plain text" in message


@pytest.mark.parametrize(
    ("field", "limit"), [("programme", 120), ("name", 160), ("display name", 120), ("evidence", 20_000)]
)
def test_text_input__100_kb__refused_with_its_limit(db_url, make_service, scales, field: str, limit: int) -> None:
    message = _refusal(db_url, make_service, field, LONG, scales)
    assert f"at most {limit} characters" in message


def test_username__markup__refused_naming_the_field(db_url, make_service, scales) -> None:
    assert _refusal(db_url, make_service, "username", "<script>", scales).startswith("username: use 2-80")


def test_plan_text__control_characters__refused_naming_the_field(db_url: str, scales) -> None:
    ids = plant(db_url, scales)
    cases = [
        (
            lambda s: plans.add_action(
                s, actor=ACTOR, review_id=ids["amendment"], data={"description": "x\x00", "due_date": date(2025, 6, 1)}
            ),
            "description: ",
        ),
        (
            lambda s: plans.add_action(
                s,
                actor=ACTOR,
                review_id=ids["amendment"],
                data={"description": "x", "owner": "a\tb", "due_date": date(2025, 6, 1)},
            ),
            "owner: ",
        ),
        (
            lambda s: plans.add_action_note(s, actor=ACTOR, action_id=1, noted_on=date(2025, 6, 1), text="a\x07"),
            "note: ",
        ),
        (
            lambda s: amendments.amend_review(
                s, actor=ACTOR, review_id=ids["amendment"], reason="why\x00", changes={2: {"score": 5}}
            ),
            "reason: ",
        ),
        (
            lambda s: plans.add_action_note(s, actor=ACTOR, action_id=1, noted_on=date(2025, 6, 1), text=LONG),
            "note: String should have at most 2000",
        ),
    ]
    for write, prefix in cases:
        before = table_dump(db_url)
        with pytest.raises(errors.InputError, match=f"^{prefix}"), _write(db_url) as s:
            write(s)
        assert table_dump(db_url) == before  # nothing half-saved


# --- every file the app writes ------------------------------------------------------------------------------------


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def _assert_no_live_trigger(rows: list[list[str]], where: str) -> None:
    for number, row in enumerate(rows, start=1):
        for cell in row:
            assert not live_trigger(cell), f"{where}, row {number}: {cell[:60]!r}"


def _assert_xlsx_text_only(content: bytes, where: str) -> None:
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where} {sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(files.TRIGGERS), f"{where} {sheet.title}!{cell.coordinate}"


def test_export_xlsx__hostile_text__text_cells_only(db_url: str, scales) -> None:
    plant(db_url, scales)
    _assert_xlsx_text_only(backup.export_xlsx(db.make_engine(db_url), actor=ACTOR), "export")


def test_export_zip_and_backup__hostile_text__no_live_trigger_and_exact_restore(db_url: str, scales, tmp_path) -> None:
    plant(db_url, scales)
    original = table_dump(db_url)
    exported = backup.export_csv_zip(db.make_engine(db_url), actor=ACTOR)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                _assert_no_live_trigger(_csv_rows(archive.read(name)), name)
                if name == "service.csv":
                    assert f"'{FORMULA}" in archive.read(name).decode("utf-8").replace('""', '"')
    sealed = backup.export_backup(db.make_engine(db_url), actor=ACTOR, passphrase="tea at four in leeds")
    target = restore_target(db_url, tmp_path)
    backup.restore(db.make_engine(target), sealed, "b.ipsbackup", passphrase="tea at four in leeds")
    assert table_dump(target) == original


def test_backup__older_format_without_escapes__still_restored_as_it_was(tmp_path) -> None:
    """A backup written before text was escaped keeps a leading quote as part of the text."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db.migrate(url)
    with db.make_engine(url).connect() as connection:
        revision = backup.schema_revision(connection)
    book = Workbook()
    book.remove(book.active)
    for table in backup.tables():
        sheet = book.create_sheet(table.name)
        sheet.append([c.name for c in table.columns])
    book["programme"].append([1, "'quoted by hand", False])
    book.create_sheet("_long").append(["table", "row", "column", "part", "json"])
    about = book.create_sheet("_about")
    about.append(["format", backup.OLD_FORMAT])
    about.append(["schema_revision", revision])
    about.append(["rows", '{"programme": 1}'])
    buffer = io.BytesIO()
    book.save(buffer)
    backup.restore(db.make_engine(url), buffer.getvalue(), "old.xlsx")
    with _write(url) as s:
        assert s.get(Programme, 1).name == "'quoted by hand"


def test_audit_csv__hostile_text__no_live_trigger(db_url: str, scales) -> None:
    plant(db_url, scales)
    with _write(db_url) as s:
        content = audit.export_csv(s, actor=ACTOR)
    rows = _csv_rows(content)
    _assert_no_live_trigger(rows, "audit log")
    assert any('"name": "=HYPERLINK(' in cell for row in rows for cell in row)  # inside the JSON of a change


def test_templates__written_by_the_shared_writer__no_live_trigger() -> None:
    for content in (outcomes.outcomes_template_csv(), imports.template_csv()):
        _assert_no_live_trigger(_csv_rows(content), "template")


def test_reports__hostile_text__kept_as_text_in_docx_and_pdf(db_url: str, scales) -> None:
    ids = plant(db_url, scales)
    with _write(db_url) as s:
        data = reviews.report_data(s, ids["amendment"], actor=ACTOR)
    document = Document(io.BytesIO(reports.to_docx(data)))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {FORMULA, NAMES[8], NAMES[9], NAMES[3]} <= cells  # service, programme, area, reviewer: exactly as typed
    assert NOTES[4] in cells and NOTES[-1].strip() in cells | {NOTES[-1]}
    assert reports.to_pdf(data).startswith(b"%PDF")


def test_reports__control_characters_in_older_data__written_as_replacement_characters(db_url: str, scales) -> None:
    ids = plant(db_url, scales)
    with _write(db_url) as s:  # as data saved before control characters were refused
        row = s.exec(
            select(ItemRating).where(ItemRating.review_id == ids["amendment"], ItemRating.item_number == 5)
        ).one()
        row.strength = "bell \x07 and NUL-free"
        s.add(row)
    with _write(db_url) as s:
        data = reviews.report_data(s, ids["amendment"], actor=ACTOR)
    document = Document(io.BytesIO(reports.to_docx(data)))
    assert "bell \ufffd and NUL-free" in {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert reports.to_pdf(data).startswith(b"%PDF")


# --- the imports read an escaped file back exactly ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_past_reviews__escaped_file__hostile_names_read_back_exactly(db_url: str, scales, kind: str) -> None:
    ids = plant(db_url, scales)
    header = [
        "service",
        "review_date",
        "scale",
        "kind",
        "lead_reviewer",
        "second_reviewer",
        *[f"item_{n}" for n in range(1, 26)],
    ]
    row = [FORMULA, "2023-01-10", "ips-25", "baseline", NAMES[4], NAMES[2], *[3] * 25]
    if kind == "csv":
        content = files.csv_bytes(header, [row])
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("reviews")
        sheet.append(files.xlsx_row(sheet, header))
        sheet.append(files.xlsx_row(sheet, row))
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    with _write(db_url) as s:
        result = past_reviews.import_past_reviews(
            s, actor=ACTOR, scales=scales, content=content, filename=f"past.{kind}", today=date(2026, 1, 1)
        )
    assert result.imported == [2]
    with _write(db_url) as s:
        imported = s.exec(select(Review).where(Review.visit_start == date(2023, 1, 10))).one()
        assert (imported.service_id, imported.lead_reviewer, imported.second_reviewer) == (
            ids["service"],
            NAMES[4],
            NAMES[2],
        )


def test_import_past_reviews__control_character_in_a_name__refused_by_row_and_column(db_url: str, scales) -> None:
    plant(db_url, scales)
    header = ["service", "review_date", "scale", "kind", "lead_reviewer", *[f"item_{n}" for n in range(1, 26)]]
    content = files.csv_bytes(header, [[FORMULA, "2023-01-10", "ips-25", "baseline", "bell \x07", *[3] * 25]])
    with (
        pytest.raises(errors.ImportRefused, match="row 2, column lead_reviewer: must be one line"),
        _write(db_url) as s,
    ):
        past_reviews.import_past_reviews(
            s, actor=ACTOR, scales=scales, content=content, filename="p.csv", today=date(2026, 1, 1)
        )


def test_import_outcomes__escaped_file__hostile_service_name_matched(db_url: str, scales) -> None:
    ids = plant(db_url, scales)
    header = ["service", "quarter", *outcomes.OUTCOME_FIELDS]
    content = files.csv_bytes(header, [[FORMULA, "2025-Q4", 2.0, 40, 20, 18, 30, 5, 9, 1, 11, 3, 6, 4, 80]])
    with _write(db_url) as s:
        assert outcomes.import_outcomes(s, actor=ACTOR, content=content, filename="o.csv") == [2]
        assert [p.quarter for p in outcomes.list_outcomes(s, actor=ACTOR, service_id=ids["service"])][-1] == "2025-Q4"


# --- charts ----------------------------------------------------------------------------------------------------------


def test_charts__service_names_with_markup__escaped_for_plotly() -> None:
    name = NAMES[8]  # <b>bold</b> & <a href=...>link</a>
    scatter = charts.fidelity_outcome_scatter(
        [{"service": name, "total": 100, "rate": 0.4}], line=None, summary="r = 0.3", title=f"Fidelity: {name}"
    ).to_dict()
    heatmap = charts.item_heatmap_figure([name], ["1"], [[3]], title=name).to_dict()
    funnel = spc_charts.funnel_figure(
        [{"service": name, "n": 30, "rate": 0.4}],
        [{"n": 30, "low95": 0.2, "high95": 0.6, "low998": 0.1, "high998": 0.7}],
        0.4,
        title="f",
    ).to_dict()
    shown = [
        scatter["layout"]["title"]["text"],
        *scatter["data"][0]["text"],
        scatter["data"][0]["name"],
        *heatmap["data"][0]["y"],
        heatmap["layout"]["title"]["text"],
        *funnel["data"][-1]["text"],
    ]
    for text in shown:
        assert "<b>" not in text and "<a " not in text and "&lt;b&gt;" in text, text


def test_insight_charts__names_with_markup__escaped_for_plotly() -> None:
    """Reviewer, service, programme and principle names reach the insight charts' titles, labels and hovers as
    text."""

    from fidelity import insight_charts

    name = NAMES[8]  # <b>bold</b> & <a href=...>link</a>
    over_time = insight_charts.agreement_over_time_figure(
        [
            {
                "quarter": "2025-Q1",
                "reviews": 2,
                "exact with agreed": 0.8,
                "within one with agreed": 1.0,
                "exact with other": 0.6,
            }
        ],
        title=f"Agreement over time: {name}",
    ).to_dict()
    differences = insight_charts.signed_difference_figure(
        [{"group": name, "mean difference": 0.2, "n": 5}], title=name
    ).to_dict()
    dots = insight_charts.association_figure(
        [{"what": name, "rho": 0.3, "low": 0.1, "high": 0.5, "n": 30, "q": 0.04, "significant": True}], title=name
    ).to_dict()
    bands = insight_charts.band_share_figure(
        [{"quarter": "2025-Q1", "band": "Good", "services": 1, "share": 1.0}], ["Good"], title=name
    ).to_dict()
    shown = [
        over_time["layout"]["title"]["text"],
        differences["layout"]["title"]["text"],
        *differences["data"][0]["y"],
        *dots["data"][0]["y"],
        bands["layout"]["title"]["text"],
    ]
    for text in shown:
        assert "<b>" not in text and "<a " not in text and "&lt;b&gt;" in text, text
