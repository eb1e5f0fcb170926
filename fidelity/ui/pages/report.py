"""Report: the fidelity report of one review, on the page and as DOCX and PDF downloads."""

import pandas as pd
import streamlit as st

from fidelity import charts, reports
from fidelity.models import ReviewStatus
from fidelity.store import reviews
from fidelity.ui import resources, widgets

st.title("Fidelity report")

service_id = widgets.chosen_service(key="report:service", prompt="Choose a service.")
with resources.reading() as session:
    service_reviews = reviews.list_reviews(session, actor=resources.actor(), service_id=service_id)
if not service_reviews:
    st.info("This service has no reviews yet.")
    st.stop()
labels = {
    r.id: f"{r.visit_start:%d %b %Y} · {r.kind_label} · {r.scale_id}"
    + ("" if r.status == ReviewStatus.FINAL else " (not final)")
    for r in service_reviews
}
finals = [r.id for r in service_reviews if r.status == ReviewStatus.FINAL]
review_id = widgets.chosen_review(labels, key=f"report:review:{service_id}", default=(finals or list(labels))[0])

with resources.reading() as session:
    data = reviews.report_data(session, review_id, actor=resources.actor())

if not data.is_final:
    st.warning("This review is not final: the report is a draft and its scores may change.", icon=":material/edit:")


slug = f"fidelity-report-{data.service.lower().replace(' ', '-').replace(':', '')}-{review_id}"
left, right, _ = st.columns([1, 1, 2], vertical_alignment="center")
# Each file is made when its button is pressed (about a second for the PDF), not on every visit to the page.
left.download_button(
    "Download DOCX",
    lambda: reports.to_docx(data),
    file_name=f"{slug}.docx",
    key="report:docx",
    icon=":material/download:",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
right.download_button(
    "Download PDF",
    lambda: reports.to_pdf(data),
    file_name=f"{slug}.pdf",
    mime="application/pdf",
    key="report:pdf",
    icon=":material/download:",
)

st.header(widgets.md(data.title))
# st.table renders Markdown in its cells: names are escaped so they show as typed
summary = [(label, widgets.md(value)) for label, value in data.summary_lines()]
st.table(pd.DataFrame(summary, columns=["", "Value"]).set_index(""))
if data.provisional_warning:
    st.warning(data.provisional_warning, icon=":material/warning:")
left, right = st.columns(2)
with left:
    widgets.chart(
        charts.section_subtotals_figure(data.sections, data.section_maxima, title="Section subtotals"),
        key="report:sections",
        table=widgets.section_table(data.sections, data.section_maxima),
    )
with right:
    widgets.chart(
        charts.principle_profile_figure(
            data.principles, previous=data.previous_principles, title="Principle profile (mean item score)"
        ),
        key="report:principles",
        table=widgets.principle_table(data.principles, data.previous_principles),
    )
st.subheader("Item scores")
st.dataframe(
    pd.DataFrame(data.items)[list(reports.ITEM_COLUMNS)],
    hide_index=True,
    width="stretch",
    column_config={"Change": st.column_config.NumberColumn(format="%+d")},
)


def show_section(section: reports.Section) -> None:
    st.subheader(section.title)
    st.caption(section.note)
    st.dataframe(pd.DataFrame(section.rows)[list(section.columns)], hide_index=True, width="stretch")


for section in reports.item_sections(data):
    show_section(section)
st.subheader("Improvement plan")
if data.actions:
    st.dataframe(pd.DataFrame(data.actions), hide_index=True, width="stretch")
else:
    st.write("No improvement plan has been recorded for this review yet.")
for section in reports.appendix_sections(data):
    show_section(section)
