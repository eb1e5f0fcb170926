"""Review timeline: a review's steps from booking to action plan, each with its owner, due date and status; each
owner marks their own steps; an admin assigns the moderator; after the scores are agreed, moderation, the report
presented and the service's further evidence (fidelity.ui.lifecycle_parts)."""

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import calendar_files
from fidelity.store import timelines
from fidelity.timeline import StepStatus
from fidelity.ui import lifecycle_parts, portfolio_parts, resources, widgets
from fidelity.ui.state import show_flash

st.title("Review timeline")
show_flash()
actor = resources.actor()
today = date.today()
service_id = widgets.chosen_service(key="timeline:service", prompt="Choose the service whose review you follow.")
with resources.reading() as session:
    found = timelines.reviews_with_steps(session, actor=actor, service_id=service_id)
if not found:
    st.info(
        "No review of this service has a timeline yet. A review started from now gets its programme's timeline "
        "of steps (IPS Grow's, unless an admin changed it on the Programme view)."
    )
    st.stop()
labels = {r.id or 0: f"Visit {r.visit_start:%d %b %Y} · {r.kind_label} ({r.status})" for r in found}
review_id = widgets.chosen_review(labels, key=f"timeline:review:{service_id}", default=next(iter(labels)))
with resources.reading() as session:
    shown = timelines.timeline_of(session, actor=actor, review_id=review_id)
review = shown.review
visit = f"{review.visit_start:%d %B %Y}" + (f" to {review.visit_end:%d %B %Y}" if review.visit_end else "")
st.write(
    f"Visit: **{visit}**. Lead reviewer: **{widgets.md(review.lead_reviewer)}**"
    + (f"; second reviewer: **{widgets.md(review.second_reviewer)}**" if review.second_reviewer else "")
    + f"; moderator: **{widgets.md(shown.moderator) if shown.moderator else 'not assigned yet'}**."
)
overdue = [s for s in shown.steps if s.status == StepStatus.TO_DO and s.due < today]
if overdue:
    st.warning(f"{len(overdue)} step(s) overdue.", icon=":material/schedule:")
widgets.table_with_download(
    pd.DataFrame(
        [
            {
                "Step": s.title,
                "Owner": s.owner,
                "Due": s.due,
                "Status": "overdue" if s in overdue else s.status,
                "Done by": s.done_by,
                "Done on": s.done_on,
                "Late": "yes" if s.late else "",
            }
            for s in shown.steps
        ]
    ),
    label="Download the timeline (CSV)",
    file_name=f"timeline-review-{review_id}.csv",
    key="timeline:csv",
    column_config={"Due": widgets.day_column(), "Done on": widgets.day_column()},
)

st.download_button(
    "Download the visit and every step as a calendar (.ics)",
    lambda: calendar_files.ics(
        f"Fidelity review: {shown.service}",
        [
            calendar_files.visit_event(review_id, shown.service, review.visit_start, review.visit_end),
            *(
                calendar_files.step_event(review_id, s.key, shown.service, s.title, s.due, s.owner)
                for s in shown.steps
                if s.status == StepStatus.TO_DO
            ),
        ],
    ),
    file_name=f"fidelity-review-{review_id}.ics",
    mime="text/calendar",
    key="timeline:ics",
    icon=":material/calendar_month:",
)

mine = [s for s in shown.steps if s.id in shown.mine]
st.subheader("Your steps")
if not mine:
    st.write("None of this review's steps is yours to mark.")
else:
    step_labels = {s.id or 0: f"{s.title} (due {s.due:%d %b %Y}; {s.status})" for s in mine}
    with st.form("timeline:mark"):
        step_id = st.selectbox("Step", list(step_labels), format_func=step_labels.__getitem__, key="timeline:mark:step")
        status = st.radio("Status", [str(s) for s in StepStatus], horizontal=True, key="timeline:mark:status", index=1)
        if st.form_submit_button("Save the step", type="primary"):
            chosen = next(s for s in mine if s.id == step_id)
            widgets.save_then_rerun(
                lambda session: timelines.mark_step(
                    session,
                    actor=actor,
                    step_id=step_id,
                    status=status,
                    today=today,
                    expected_version=chosen.version,
                ),
                f"Saved: {widgets.md(chosen.title)}, {status}.",
            )

portfolio_parts.portfolio_section(review_id, today)
portfolio_parts.snapshot_section(review_id, today)
lifecycle_parts.after_consensus(review_id, today)

if shown.moderators:
    st.subheader("Moderator")
    st.caption("A senior reviewer moderates the draft report; never one of the review's own reviewers.")
    with st.form("timeline:moderator"):
        choices = [0, *shown.moderators]
        moderator = st.selectbox(
            "Moderator",
            choices,
            index=choices.index(review.moderator_user_id) if review.moderator_user_id in choices else 0,
            format_func=lambda user_id: shown.moderators.get(user_id, "Not assigned"),
            key="timeline:moderator:user",
        )
        if st.form_submit_button("Save the moderator"):
            widgets.save_then_rerun(
                lambda session: timelines.assign_moderator(
                    session, actor=actor, review_id=review_id, user_id=moderator or None
                ),
                "Moderator saved.",
            )
