"""Outcomes: a service's quarterly employment figures, entered or imported, and its rates against benchmarks."""

import pandas as pd
import streamlit as st

from fidelity import charts, errors
from fidelity.outcomes import (
    BENCHMARKS,
    DWP_JOB_STARTS,
    DWP_SUSTAINED,
    FIELD_HELP,
    FIELD_LABELS,
    UNSPLIT_NOTE,
    OutcomeFigures,
    rates,
)
from fidelity.store import access, comparisons, outcomes, rebases
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash, show_flash

st.title("Outcomes")
show_flash()
service_id = widgets.chosen_service(key="outcomes:service")

with resources.reading() as session:
    periods = outcomes.list_outcomes(session, actor=resources.actor(), service_id=service_id)
    may_edit = access.may_upkeep(session, resources.actor(), service_id)
    events = comparisons.service_events(session, actor=resources.actor(), service_id=service_id)
versions = {p.quarter: p.version for p in periods}

RATE_LABELS = {
    "employment_rate": "Employment rate (IPS Grow: out-of-work clients into work)",
    "job_start_rate": "Job-start rate (everyone with a first job start / starts)",
    "sustained_rate": "Sustained-outcome rate (26 weeks / starts)",
}

if periods:
    marked = {e.quarter: e.long for e in events}
    rows = []
    for period in periods:
        figures = OutcomeFigures(**{f: getattr(period, f) for f in FIELD_LABELS})
        period_rates = rates(figures)
        rows.append(
            {
                "Quarter": period.quarter,
                **{FIELD_LABELS[f].capitalize(): getattr(period, f) for f in FIELD_LABELS},
                **{label: getattr(period_rates, key) for key, label in RATE_LABELS.items()},
                "Caseload per FTE": period_rates.caseload_per_fte,
                "Job starts split by work status": "yes" if period.job_starts_split else "no: entered before the split",
                "Marked on the chart": marked.get(period.quarter, ""),
            }
        )
    table = pd.DataFrame(rows)
    marked_quarters = set(table["Quarter"])
    figure = charts.outcome_rates_figure(
        table["Quarter"].tolist(),
        {label: table[label].tolist() for label in RATE_LABELS.values()},
        benchmarks=BENCHMARKS,
        bands=(
            ("DWP comparison: job starts 35-45% of starts", *DWP_JOB_STARTS),
            ("DWP comparison: sustained outcomes 21-30% of starts", *DWP_SUSTAINED),
        ),
        title="Employment outcomes per quarter against benchmarks",
        events=[(e.quarter, e.short) for e in events if e.quarter in marked_quarters],
    )
    widgets.chart(figure, key="outcomes:rates")
    st.caption(
        "Dotted lines mark the service's final reviews and the quarters its improvement actions were done. "
        "Benchmarks: IPS Grow (40% employment rate, from April 2024); US IPS learning community "
        "(31% minimal, 41% average, 50% excellent); DWP letter on IPSPC, Work and Health Programme comparison."
    )
    shown = table.copy()
    for label in RATE_LABELS.values():
        shown[label] = (shown[label] * 100).round(1)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={label: st.column_config.NumberColumn(format="%.1f%%") for label in RATE_LABELS.values()},
    )
    widgets.csv_download(
        "Download outcomes (CSV)", table, file_name=f"service-{service_id}-outcomes.csv", key="outcomes:csv"
    )
    unsplit = [p.quarter for p in periods if not p.job_starts_split]
    if unsplit:
        st.warning(f"{', '.join(unsplit)}: {UNSPLIT_NOTE}", icon=":material/info:")
else:
    st.info(
        "No quarter has been entered for this service yet."
        + (" Enter one below, or import a file." if may_edit else "")
    )

with resources.reading() as session:
    recorded = rebases.list_rebases(session, actor=resources.actor(), service_id=service_id)
    change_options = rebases.changes(session, actor=resources.actor(), service_id=service_id) if may_edit else []
if recorded:
    st.subheader("Where the XmR chart starts a new period")
    st.dataframe(
        pd.DataFrame([{"From quarter": r.quarter, "Reason": r.reason, "Recorded by": r.recorded_by} for r in recorded]),
        hide_index=True,
        width="stretch",
    )
if not may_edit:
    st.caption("Read only: the service's leads and admins enter its outcomes.")
    st.stop()
st.subheader("Enter a quarter")
with st.form("outcome_entry", clear_on_submit=False):
    quarter = st.text_input("Quarter", placeholder="2025-Q3", max_chars=7, key="outcome_entry:quarter")
    columns = st.columns(3)
    figures = {}
    for index, (field, label) in enumerate(FIELD_LABELS.items()):
        whole = field != "specialist_fte"
        figures[field] = columns[index % 3].number_input(
            label.capitalize(),
            min_value=0.0 if not whole else 0,
            value=None,
            step=1 if whole else 0.1,
            help=FIELD_HELP.get(field),
            key=f"outcome_entry:{field}",
        )
    replace = st.checkbox("Correct a quarter already entered", key="outcome_entry:replace")
    if st.form_submit_button("Save quarter", type="primary"):
        entered_quarter = (quarter or "").strip().upper()
        seen = widgets.seen_version(f"outcome:{service_id}:{entered_quarter}", versions.get(entered_quarter, 0))
        try:
            with resources.transaction() as session:
                saved = outcomes.save_outcome(
                    session,
                    actor=resources.actor(),
                    service_id=service_id,
                    quarter=quarter,
                    figures=figures,
                    replace=replace,
                    expected_version=seen if replace else None,
                )
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            flash(f"Saved {saved.quarter}.")
            st.rerun()

for shown_quarter, version in versions.items():
    widgets.mark_seen(f"outcome:{service_id}:{shown_quarter}", version)

st.subheader("Start a new period on the XmR chart")
st.write(
    "When a change the service made (a review, or an improvement action) shifts its employment rate for good, "
    "the XmR chart's mean and limits (on Compare sites) can start again from the quarter it took effect. Say why; "
    "it is never done automatically, and it is in the audit log."
)
entered = [p.quarter for p in periods]
if len(entered) < 4 or not change_options:
    st.caption("This needs at least four quarters of outcomes and a final review or improvement action to start at.")
else:
    with st.form("rebase"):
        rebase_quarter = st.selectbox("First quarter of the new period", entered[2:-1], key="rebase:quarter")
        labels = {f"{kind}:{number}": label for kind, number, label in change_options}
        change = st.selectbox(
            "The change it starts at", list(labels), format_func=labels.__getitem__, key="rebase:change"
        )
        reason = st.text_input("Reason", max_chars=500, key="rebase:reason")
        if st.form_submit_button("Start the new period"):
            kind, number = change.split(":")
            widgets.save_then_rerun(
                lambda session: rebases.record_rebase(
                    session,
                    actor=resources.actor(),
                    service_id=service_id,
                    quarter=rebase_quarter,
                    reason=reason,
                    review_id=int(number) if kind == "review" else None,
                    action_id=int(number) if kind == "action" else None,
                ),
                f"The XmR chart starts a new period at {rebase_quarter}.",
            )
for r in recorded:
    with st.popover(f"Remove the new period at {r.quarter}"):
        st.write("The chart's mean and limits will run on across this quarter again.")
        if st.button("Remove it", key=f"rebase:remove:{r.id}", type="primary"):
            widgets.save_then_rerun(
                lambda session, rebase_id=r.id: rebases.delete_rebase(
                    session, actor=resources.actor(), rebase_id=rebase_id
                ),
                f"Removed the new period at {r.quarter}.",
            )

st.subheader("Import quarters")
st.write("One row per service and quarter, for any services; a file with any problem imports nothing.")
upload = widgets.upload_with_template(
    "File of quarterly outcomes", outcomes.outcomes_template_csv(), "outcomes-template.csv", key="outcomes"
)
if upload is not None and st.button("Import the file", key="outcomes:import"):
    try:
        with st.spinner("Checking and importing the file…"), resources.transaction() as session:
            imported = outcomes.import_outcomes(
                session, actor=resources.actor(), content=upload.getvalue(), filename=upload.name
            )
    except errors.ImportRefused as refused:
        st.error(f"Nothing imported: {refused.total:,} problem(s).", icon=":material/error:")
        widgets.problems_table(refused.problems, refused.total)
    except errors.Refused as error:
        widgets.show_error(error)
    else:
        flash(f"Imported {len(imported)} quarter(s).")
        st.rerun()
