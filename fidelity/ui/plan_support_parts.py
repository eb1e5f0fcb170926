"""The Improvement plan page's agreement and support: the service's lead and the review's lead reviewer each mark the
plan agreed (due six weeks after the report); the reviewers log the technical support given afterwards."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import errors
from fidelity.plans import SUPPORT_HOURS_MAX, SupportKind
from fidelity.store import plan_support
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash


def agreement_and_support(review_id: int, today: date, *, has_actions: bool) -> None:
    actor = resources.actor()
    with resources.reading() as session:
        shown = plan_support.standing(session, actor=actor, review_id=review_id)
    agreement = shown.agreement
    st.subheader("Agreement")

    def mark(who: str | None, day: date | None) -> str:
        return f"{widgets.md(who)}, {day:%d %b %Y}" if who and day else "not yet"

    marks = (
        f"the service's lead: {mark(agreement.service_lead, agreement.service_lead_on)}",
        f"the lead reviewer: {mark(agreement.lead_reviewer, agreement.lead_reviewer_on)}",
    )
    status = "**Agreed.**" if agreement.agreed else "**Not agreed yet.**"
    due = f" Due {shown.due:%d %B %Y}." if shown.due and not agreement.agreed else ""
    st.write(f"{status}{due} Marked by {marks[0]}; {marks[1]}.")
    if shown.marks_as and not getattr(agreement, shown.marks_as.replace(" ", "_")):
        if not has_actions:
            st.caption("Add at least one action before the plan is agreed.")
        elif st.button(f"Mark the plan agreed (as the {shown.marks_as})", key="plan:agree"):
            widgets.save_then_rerun(
                lambda s: plan_support.agree_plan(s, actor=actor, review_id=review_id, today=today),
                "Marked agreed."
                + (
                    ""
                    if agreement.service_lead or agreement.lead_reviewer
                    else " It is agreed when both have marked it."
                ),
            )
    st.subheader("Technical support given")
    if shown.support:
        st.dataframe(
            pd.DataFrame(
                [
                    {"Day": e.day, "Kind": e.kind, "Hours": e.hours, "Notes": e.notes, "Logged by": e.recorded_by}
                    for e in shown.support
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={"Day": widgets.day_column(), "Hours": st.column_config.NumberColumn(format="%.2f")},
        )
        st.caption(f"{sum(e.hours for e in shown.support):g} hours in {len(shown.support)} entries.")
    else:
        st.write("No support logged yet." if agreement.agreed else "Support is logged once the plan is agreed.")
    if shown.logs_support and agreement.agreed:
        _log_support(review_id, today)


def _log_support(review_id: int, today: date) -> None:
    with st.form("plan:support", clear_on_submit=True):
        day_col, kind_col, hours_col = st.columns(3)
        typed = widgets.date_field("Day", today, key="plan:support:day", where=day_col)
        kind = kind_col.selectbox("Kind", [k.value for k in SupportKind], key="plan:support:kind")
        hours = hours_col.number_input(
            "Hours", min_value=0.25, max_value=SUPPORT_HOURS_MAX, value=1.0, step=0.25, key="plan:support:hours"
        )
        notes = st.text_area("Notes", max_chars=plan_support.NOTES_LIMIT, key="plan:support:notes")
        if st.form_submit_button("Log the support"):
            try:
                day = widgets.entered_date("Day", typed)
                assert day is not None  # required
                with resources.transaction() as session:
                    plan_support.log_support(
                        session,
                        actor=resources.actor(),
                        review_id=review_id,
                        day=day,
                        kind=kind,
                        hours=hours,
                        notes=notes,
                        today=today,
                    )
            except errors.Refused as error:
                widgets.show_error(error)
            else:
                flash(f"Logged: {kind}, {hours:g} hours on {day:%d %B %Y}.")
                st.rerun()
