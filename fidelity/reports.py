"""The fidelity report as DOCX and PDF. No database, no Streamlit: callers pass ReportData.

The principle-profile chart is drawn with Pillow, so reports need no browser and take well under
a second.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image, ImageDraw, ImageFont

from fidelity import snapshot

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class ReportData:
    service: str
    area: str
    programme: str
    kind: str
    visit: str
    reviewers: str
    finalised: date | None
    scale_label: str
    provisional_items: int
    total: int
    band: str | None
    sections: Mapping[str, int]
    section_maxima: Mapping[str, int]
    principles: Mapping[str, float | None]
    previous_principles: Mapping[str, float | None] | None
    items: list[dict[str, Any]]
    actions: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)  # FEEDBACK_COLUMNS: the service's further evidence
    snapshot: list[dict[str, Any]] = field(default_factory=list)  # fidelity.snapshot.COLUMNS: the service's figures

    @property
    def is_final(self) -> bool:
        return self.finalised is not None

    @property
    def title(self) -> str:
        return f"IPS fidelity review report: {self.service}"

    def summary_lines(self) -> list[tuple[str, str]]:
        return [
            ("Service", self.service),
            ("Area", self.area),
            ("Programme", self.programme),
            ("Review", f"{self.kind}, visit {self.visit}"),
            ("Reviewers", self.reviewers),
            (
                "Report status",
                f"final, {self.finalised:%d %b %Y}" if self.finalised else "DRAFT: the review is not final",
            ),
            ("Scale", self.scale_label),
            ("Total", f"{self.total} of 125"),
            ("Band", self.band or "none until every item is scored"),
        ]

    @property
    def provisional_warning(self) -> str | None:
        if not self.provisional_items:
            return None
        return (
            f"Warning: {self.provisional_items} item(s) of this scale have provisional criteria, written from the IPS "
            "literature and not yet checked against the published scale."
        )


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = BOLD if bold else REGULAR
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size)


def principle_chart_png(
    profile: Mapping[str, float | None], previous: Mapping[str, float | None] | None = None
) -> bytes:
    """Horizontal bars of the mean item score (0-5) per principle; the previous review as a dark tick."""
    width, row, left, top = 1200, 52, 520, 60
    height = top + row * len(profile) + 50
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 15), "Principle profile: mean item score (1-5)", fill="black", font=_font(24, bold=True))
    scale_width = width - left - 40
    for tick in range(6):
        x = left + scale_width * tick / 5
        draw.line([(x, top - 5), (x, height - 40)], fill="#DDDDDD", width=1)
        draw.text((x - 5, height - 35), str(tick), fill="#555555", font=_font(18))
    for index, (name, value) in enumerate(profile.items()):
        y = top + index * row
        draw.multiline_text(
            (20, y + 2), _wrap_to(draw, name, left - 40, _font(18)), fill="black", font=_font(18), spacing=2
        )
        if value is not None:
            draw.rectangle([left, y + 8, left + scale_width * value / 5, y + row - 10], fill="#0072B2")
            draw.text((left + scale_width * value / 5 + 6, y + 8), f"{value:.1f}", fill="black", font=_font(18))
        before = (previous or {}).get(name)
        if before is not None:
            x = left + scale_width * before / 5
            draw.line([(x, y + 2), (x, y + row - 4)], fill="#E69F00", width=5)
    if previous:
        draw.text((width - 330, 20), "orange tick: previous review", fill="#B36B00", font=_font(18))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _wrap_to(draw: ImageDraw.ImageDraw, text: str, width: int, font: Any) -> str:
    """Break `text` into lines no wider than `width` pixels."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not lines[-1]:
            lines[-1] = candidate
        else:
            lines.append(word)
    return "\n".join(lines)


ITEM_COLUMNS = ("No.", "Item", "Score", "Change", "Strength", "Recommendation")
ACTION_COLUMNS = ("Item", "Action", "Owner", "Due", "Status")
CRITERIA_COLUMNS = ("No.", "Item", "Criteria")
SAMPLE_COLUMNS = ("No.", "Item", "Record sample")
SAMPLE_NOTE = (
    "Measures from the sample of case records read on the visit, and the score each suggests by the scale's "
    "thresholds where the item has them. The reviewers decided every score."
)
FEEDBACK_COLUMNS = ("Item", "Further evidence", "Sent by", "Answer", "Reason", "Score")
FEEDBACK_NOTE = (
    "Further evidence the service sent on individual items after the moderated draft was presented, and the "
    "reviewers' answer to each: accepted (the agreed score changed as shown) or not accepted, with the reason."
)
CRITERIA_NOTE = (
    "Each item's criteria: verified (checked against the named source on the date shown), provisional "
    "(not yet checked against a published source) or as published with the scale."
)


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _cell(value: Any) -> str:
    """A value as report text. Control characters (refused on input since, but possibly in older data)
    cannot be written to a DOCX file at all, so they show as U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    return _NOT_IN_XML.sub("\ufffd", str(value))


def _change(value: Any) -> str:
    if not isinstance(value, int):
        return ""
    return f"{value:+d}" if value else "0"


class Section(NamedTuple):
    """A titled table of the report after its scores, with a note and the PDF's column widths (mm, 180 in all)."""

    title: str
    note: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    widths: tuple[int, ...]


def item_sections(data: ReportData) -> list[Section]:
    """The per-item sections after the scores: what the record sample suggests (if any), each item's criteria."""
    sampled = [row for row in data.items if row.get("Record sample")]
    sample = [Section("What the case-record sample suggests", SAMPLE_NOTE, SAMPLE_COLUMNS, sampled, (9, 60, 111))]
    criteria = Section("Criteria of each item", CRITERIA_NOTE, CRITERIA_COLUMNS, data.items, (9, 60, 111))
    return [*(sample if sampled else []), criteria]


def appendix_sections(data: ReportData) -> list[Section]:
    """The appendix after the improvement plan: the service's performance snapshot and its further evidence with
    the reviewers' answers (each where there is one)."""
    found = []
    if data.snapshot:
        widths = (24, 30, 30, 30, 33, 33)
        found.append(Section("Appendix: performance snapshot", snapshot.NOTE, snapshot.COLUMNS, data.snapshot, widths))
    if data.feedback:
        title = "Appendix: the service's further evidence and the reviewers' answers"
        found.append(Section(title, FEEDBACK_NOTE, FEEDBACK_COLUMNS, data.feedback, (30, 55, 20, 20, 40, 15)))
    return found


def _docx_section(document: Any, section: Section) -> None:
    document.add_heading(section.title, level=1)
    document.add_paragraph(section.note)
    table = document.add_table(rows=1, cols=len(section.columns), style="Table Grid")
    for cell, text in zip(table.rows[0].cells, section.columns, strict=True):
        cell.text = text
    for row in section.rows:
        for cell, column in zip(table.add_row().cells, section.columns, strict=True):
            cell.text = _cell(row.get(column, ""))


def _item_cells(row: dict[str, Any]) -> list[str]:
    return [
        _cell(row["No."]),
        _cell(row["Item"]),
        _cell(row["Score"]),
        _change(row["Change"]),
        _cell(row["Strength"]),
        _cell(row["Recommendation"]),
    ]


def to_docx(data: ReportData) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(_cell(data.title), level=0)
    if not data.is_final:
        document.add_paragraph("DRAFT: this review is not final; scores may change.").runs[0].bold = True
    facts = document.add_table(rows=0, cols=2, style="Table Grid")
    for label, value in data.summary_lines():
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = label, _cell(value)
    if data.provisional_warning:
        document.add_paragraph(data.provisional_warning)
    document.add_heading("Section subtotals", level=1)
    sections = document.add_table(rows=1, cols=3, style="Table Grid")
    for cell, text in zip(sections.rows[0].cells, ("Section", "Score", "Maximum"), strict=True):
        cell.text = text
    for name, value in data.sections.items():
        cells = sections.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = _cell(name), str(value), str(data.section_maxima[name])
    document.add_heading("Principle profile", level=1)
    document.add_picture(io.BytesIO(principle_chart_png(data.principles, data.previous_principles)), width=Cm(16))
    document.add_heading("Item scores", level=1)
    items = document.add_table(rows=1, cols=len(ITEM_COLUMNS), style="Table Grid")
    for cell, text in zip(items.rows[0].cells, ITEM_COLUMNS, strict=True):
        cell.text = text
    for row in data.items:
        for cell, text in zip(items.add_row().cells, _item_cells(row), strict=True):
            cell.text = text
    for section in item_sections(data):
        _docx_section(document, section)
    document.add_heading("Improvement plan", level=1)
    if data.actions:
        plan = document.add_table(rows=1, cols=len(ACTION_COLUMNS), style="Table Grid")
        for cell, text in zip(plan.rows[0].cells, ACTION_COLUMNS, strict=True):
            cell.text = text
        for action in data.actions:
            for cell, column in zip(plan.add_row().cells, ACTION_COLUMNS, strict=True):
                cell.text = _cell(action[column])
    else:
        document.add_paragraph("No improvement plan has been recorded for this review yet.")
    for section in appendix_sections(data):
        _docx_section(document, section)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _new_pdf() -> tuple[Any, str, Callable[[str], str]]:
    """An A4 PDF with a Unicode font where there is one: the document, its font family, and text made printable."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    if REGULAR.exists() and BOLD.exists():
        pdf.add_font("DejaVu", "", str(REGULAR))
        pdf.add_font("DejaVu", "B", str(BOLD))
        return pdf, "DejaVu", lambda value: value
    return pdf, "Helvetica", lambda value: value.encode("latin-1", "replace").decode("latin-1")  # core fonts: Latin-1


def to_pdf(data: ReportData) -> bytes:
    pdf, family, text = _new_pdf()
    pdf.add_page()
    pdf.set_title(_cell(data.title))
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, text(_cell(data.title)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if not data.is_final:
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 6, text("DRAFT: this review is not final; scores may change."), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    with pdf.table(col_widths=(35, 145), first_row_as_headings=False, text_align="LEFT") as table:
        for label, value in data.summary_lines():
            table.row([text(label), text(_cell(value))])
    if data.provisional_warning:
        pdf.ln(2)
        pdf.multi_cell(0, 5, text(data.provisional_warning), new_x="LMARGIN", new_y="NEXT")

    def heading(title: str) -> None:
        pdf.ln(4)
        pdf.set_font(family, "B", 13)
        pdf.cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)

    heading("Section subtotals")
    with pdf.table(col_widths=(90, 45, 45), text_align="LEFT") as table:
        table.row(["Section", "Score", "Maximum"])
        for name, value in data.sections.items():
            table.row([text(_cell(name)), str(value), str(data.section_maxima[name])])
    heading("Principle profile")
    pdf.image(io.BytesIO(principle_chart_png(data.principles, data.previous_principles)), w=180)
    heading("Item scores")
    with pdf.table(col_widths=(9, 43, 12, 15, 50, 51), text_align="LEFT") as table:
        table.row(list(ITEM_COLUMNS))
        for row in data.items:
            table.row([text(cell) for cell in _item_cells(row)])

    def section_table(section: Section) -> None:
        heading(section.title)
        pdf.multi_cell(0, 5, section.note, new_x="LMARGIN", new_y="NEXT")
        with pdf.table(col_widths=section.widths, text_align="LEFT") as table:
            table.row(list(section.columns))
            for row in section.rows:
                table.row([text(_cell(row.get(column, ""))) for column in section.columns])

    for section in item_sections(data):
        section_table(section)
    heading("Improvement plan")
    if data.actions:
        with pdf.table(col_widths=(40, 70, 25, 22, 23), text_align="LEFT") as table:
            table.row(list(ACTION_COLUMNS))
            for action in data.actions:
                table.row([text(_cell(action[column])) for column in ACTION_COLUMNS])
    else:
        pdf.multi_cell(
            0, 5, "No improvement plan has been recorded for this review yet.", new_x="LMARGIN", new_y="NEXT"
        )
    for section in appendix_sections(data):
        section_table(section)
    return bytes(pdf.output())


# --- the visit agenda ---------------------------------------------------------------------------------

AGENDA_COLUMNS = ("Day", "Time", "Minutes", "Session", "Who (role)", "Items")


@dataclass(frozen=True)
class Agenda:
    """The visit plan as a one-page agenda to send to the service before the visit."""

    service: str
    visit: str
    reviewers: str
    scale_label: str
    sessions: Sequence[tuple[date, str, int, str, str, str]]  # day, start, minutes, kind, role, items

    @property
    def title(self) -> str:
        return f"IPS fidelity review visit: {self.service}"

    def rows(self) -> list[list[str]]:
        return [
            [f"{day:%a %d %b}", start, str(minutes), kind, role, items]
            for day, start, minutes, kind, role, items in self.sessions
        ]

    def lines(self) -> list[str]:
        return [f"Visit: {self.visit}", f"Reviewers: {self.reviewers}", f"Scale: {self.scale_label}"]


AGENDA_NOTE = (
    "Sessions name the role of the people we would like to meet, never a person. Please tell the reviewers "
    "if a time does not suit, and have the sample of case records ready for the records session."
)


def agenda_docx(agenda: Agenda) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(_cell(agenda.title), level=0)
    for line in agenda.lines():
        document.add_paragraph(_cell(line))
    table = document.add_table(rows=1, cols=len(AGENDA_COLUMNS), style="Table Grid")
    for cell, heading in zip(table.rows[0].cells, AGENDA_COLUMNS, strict=True):
        cell.text = heading
    for row in agenda.rows():
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = _cell(value)
    if not agenda.sessions:
        document.add_paragraph("No sessions are planned yet.")
    document.add_paragraph(AGENDA_NOTE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def agenda_pdf(agenda: Agenda) -> bytes:
    pdf, family, text = _new_pdf()
    pdf.add_page()
    pdf.set_title(_cell(agenda.title))
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 8, text(_cell(agenda.title)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    for line in agenda.lines():
        pdf.multi_cell(0, 6, text(_cell(line)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(family, "", 9)
    with pdf.table(col_widths=(24, 14, 16, 28, 50, 48), text_align="LEFT") as table:
        table.row(list(AGENDA_COLUMNS))
        for row in agenda.rows():
            table.row([text(_cell(value)) for value in row])
    if not agenda.sessions:
        pdf.multi_cell(0, 6, "No sessions are planned yet.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 5, text(AGENDA_NOTE), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
