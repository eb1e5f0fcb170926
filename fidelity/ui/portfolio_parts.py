"""The Review timeline page's parts before the visit: the evidence portfolio (the service lists its evidence per item,
the lead reviewer audits each item) and the performance snapshot (prefilled, confirmed or corrected by the service)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from fidelity.portfolio import NOTE_LIMIT, TITLE_LIMIT, Verdict, source_names, uncovered
from fidelity.scales import DATA_SOURCE_LABELS
from fidelity.snapshot import COLUMNS, FIGURES, NOTE, QUARTER
from fidelity.store import portfolio, snapshots
from fidelity.ui import resources, widgets


def portfolio_section(review_id: int, today: date) -> None:
    actor = resources.actor()
    with resources.reading() as session:
        shown = portfolio.portfolio_of(session, actor=actor, review_id=review_id)
    st.subheader("Evidence portfolio")
    st.caption(
        "For each item, the evidence the service will show, by the data sources the scale expects: a title and a "
        "kind, never a file and never anything about the people it supports. The lead reviewer marks each item's "
        "evidence sufficient or missing at the audit, three weeks before the visit."
    )
    rows = []
    for item in shown.scale.items:
        listed = shown.entries.get(item.number, [])
        verdict = shown.verdicts.get(item.number)
        rows.append(
            {
                "Item": f"{item.number}. {item.name}",
                "Sources expected": ", ".join(item.data_sources),
                "Evidence listed": "; ".join(f"{e.title} ({e.kind})" for e in listed),
                "Sources not yet covered": ", ".join(uncovered(item.data_sources, [e.kind for e in listed])),
                "Audit": f"{verdict.verdict}{': ' + verdict.note if verdict.note else ''}" if verdict else "",
            }
        )
    widgets.table_with_download(
        pd.DataFrame(rows),
        label="Download the portfolio (CSV)",
        file_name=f"portfolio-review-{review_id}.csv",
        key="portfolio:csv",
    )
    names = {item.number: f"{item.number}. {item.name}" for item in shown.scale.items}
    if shown.lists_evidence:
        _list_evidence(shown, names)
    if shown.audits:
        _audit(shown, names, today)


def _list_evidence(shown: portfolio.Portfolio, names: dict[int, str]) -> None:
    actor = resources.actor()
    with st.form("portfolio:add", clear_on_submit=True):
        st.markdown("**List a piece of evidence**")
        number = st.selectbox("Item", list(names), format_func=names.__getitem__, key="portfolio:item")
        kind = st.selectbox(
            "Kind", list(DATA_SOURCE_LABELS), format_func=lambda k: source_names([k]), key="portfolio:kind"
        )
        title = st.text_input(
            "Title (for example: caseload report, Q2; no names)", max_chars=TITLE_LIMIT, key="portfolio:title"
        )
        if st.form_submit_button("Add to the portfolio", type="primary"):
            widgets.save_then_rerun(
                lambda s: portfolio.add_entry(
                    s, actor=actor, review_id=shown.review.id or 0, item_number=number, title=title, kind=kind
                ),
                f"Added to the portfolio for {widgets.md(names[number])}.",
            )
    listed = {e.id or 0: e for entries in shown.entries.values() for e in entries}
    if listed:
        with st.form("portfolio:remove"):
            entry_id = st.selectbox(
                "Evidence to take out",
                list(listed),
                format_func=lambda i: f"{names[listed[i].item_number]}: {listed[i].title} ({listed[i].kind})",
                key="portfolio:remove:entry",
            )
            if st.form_submit_button("Take it out of the portfolio"):
                widgets.save_then_rerun(
                    lambda s: portfolio.remove_entry(s, actor=actor, entry_id=entry_id), "Taken out of the portfolio."
                )


def _audit(shown: portfolio.Portfolio, names: dict[int, str], today: date) -> None:
    actor = resources.actor()
    with st.form("portfolio:audit"):
        st.markdown(f"**Audit an item's evidence** ({len(shown.verdicts)} of {len(names)} items audited)")
        number = st.selectbox("Item", list(names), format_func=names.__getitem__, key="portfolio:audit:item")
        verdict = st.radio("Evidence", [v.value for v in Verdict], horizontal=True, key="portfolio:audit:verdict")
        note = st.text_input("Note (what is missing, optional)", max_chars=NOTE_LIMIT, key="portfolio:audit:note")
        if st.form_submit_button("Save the audit"):
            widgets.save_then_rerun(
                lambda s: portfolio.audit_item(
                    s,
                    actor=actor,
                    review_id=shown.review.id or 0,
                    item_number=number,
                    verdict=verdict,
                    note=note,
                    today=today,
                ),
                f"Audited: {widgets.md(names[number])}, {verdict}.",
            )


def snapshot_section(review_id: int, today: date) -> None:
    with resources.reading() as session:
        form = snapshots.snapshot_form(session, actor=resources.actor(), review_id=review_id)
    st.subheader("Performance snapshot")
    st.caption(NOTE)
    if form.saved:
        st.write(f"Confirmed by {widgets.md(form.saved.confirmed_by)} on {form.saved.confirmed_on:%d %B %Y}.")
    elif not form.confirms:
        st.write("Not yet confirmed by the service. The figures below are prefilled from its quarterly outcomes.")
    frame = pd.DataFrame(form.rows, columns=list(COLUMNS))
    frame[list(FIGURES)] = frame[list(FIGURES)].apply(pd.to_numeric)  # blank, not "None", where not known
    if not form.confirms:
        st.dataframe(frame, hide_index=True, width="stretch")
        return
    edited = st.data_editor(
        frame,
        hide_index=True,
        width="stretch",
        disabled=[QUARTER],
        num_rows="fixed",
        column_config={
            column: st.column_config.NumberColumn(column, min_value=low, max_value=high, step=1 if whole else 0.1)
            for column, (low, high, whole) in FIGURES.items()
        },
        key=f"snapshot:editor:{review_id}",
    )
    label = "Confirm the snapshot" if form.saved is None else "Save the corrected snapshot"
    if st.button(label, type="primary", key="snapshot:confirm"):
        rows = [
            {column: (None if pd.isna(value) else value) for column, value in row.items()}
            for row in edited.to_dict("records")
        ]
        actor = resources.actor()
        widgets.save_then_rerun(
            lambda s: snapshots.confirm_snapshot(s, actor=actor, review_id=review_id, rows=rows, today=today),
            "The performance snapshot is confirmed and pinned to the review; the lead reviewer sees it.",
        )
