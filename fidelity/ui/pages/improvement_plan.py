"""Improvement plan: actions from a final review's recommendations, tracked to done."""

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import charts, errors
from fidelity.models import ReviewStatus
from fidelity.plans import (
    ACTION_THRESHOLD,
    PLAN_WEEKS,
    ActionDates,
    ActionStatus,
    default_due_date,
    is_overdue,
    needs_action,
    progress_over_time,
)
from fidelity.store import access, plans, reviews
from fidelity.ui import navigation, plan_support_parts, resources, widgets
from fidelity.ui.state import flash, show_flash

st.title("Improvement plan")
show_flash()

service_id = widgets.chosen_service(key="plan:service", prompt="Choose a service.")

with resources.reading() as session:
    finals = reviews.list_reviews(
        session, actor=resources.actor(), service_id=service_id, statuses=(ReviewStatus.FINAL,)
    )
if not finals:
    st.info("An improvement plan follows a final review, and this service has none yet.")
    st.page_link(navigation.WORKSPACE, label="Go to the review workspace", icon=":material/edit_note:")
    st.stop()
labels = {r.id: f"{r.visit_start:%d %b %Y} · {r.kind_label} · total {r.total}, {r.band}" for r in finals}
review_id = widgets.chosen_review(
    labels, key=f"plan:review:{service_id}", default=finals[0].id or 0, label="Plan for the review of"
)

with resources.reading() as session:
    context = reviews.review_context(session, review_id, actor=resources.actor())
    actions = plans.list_actions(session, actor=resources.actor(), review_id=review_id)
    notes = plans.notes_of(session, [a.id for a in actions if a.id is not None])
    may_edit = access.may_upkeep(session, resources.actor(), service_id)
scale, scores = context.scale, context.counted_scores
today = date.today()


def _item_label(number: int | None) -> str:
    return "Whole service" if number is None else f"{number}. {scale.item(number).name}"


low_items = [n for n, s in scores.items() if needs_action(s)]
covered = {a.item_number for a in actions}
uncovered = [n for n in low_items if n not in covered]
if not may_edit:
    st.caption("Read only: the service's leads and admins keep its improvement plan.")
if uncovered and may_edit:
    st.info(
        f"{len(uncovered)} item(s) scored {ACTION_THRESHOLD} or below have no action yet: "
        + ", ".join(str(n) for n in sorted(uncovered)),
        icon=":material/flag:",
    )
    if st.button(
        f"Create {len(uncovered)} draft action(s) from the recommendations", type="primary", key="plan:create"
    ):
        with resources.transaction() as session:
            created = plans.create_plan_from_review(session, actor=resources.actor(), review_id=review_id)
        flash(f"Created {len(created)} draft action(s), due {PLAN_WEEKS} weeks after the report.")
        st.rerun()

if not actions:
    st.write("This plan has no actions yet.")
else:
    overdue = [a for a in actions if is_overdue(a.due_date, a.status, today)]
    counts = {status: sum(a.status == status for a in actions) for status in ActionStatus}
    cols = st.columns(5)
    for column, (status, count) in zip(cols, counts.items(), strict=False):
        column.metric(status.capitalize(), count)
    cols[4].metric("Overdue", len(overdue), help="Not done or dropped, and past the due date")

    table_tab, board_tab, progress_tab = st.tabs(["Table", "Board", "Progress over time"])
    frame = pd.DataFrame(
        [
            {
                "Item": _item_label(a.item_number),
                "Action": a.description,
                "Owner": a.owner,
                "Due": a.due_date,
                "Status": a.status,
                "Overdue": "overdue" if is_overdue(a.due_date, a.status, today) else "",
                "Latest note": notes[a.id][-1].text if a.id in notes else "",
            }
            for a in actions
        ]
    )
    with table_tab:
        st.dataframe(
            frame.style.apply(lambda row: ["background-color: #F4B6A6" if row["Overdue"] else ""] * len(row), axis=1),
            hide_index=True,
            width="stretch",
            column_config={"Due": st.column_config.DateColumn(format="D MMM YYYY")},
        )
        widgets.csv_download(
            "Download the plan (CSV)", frame, file_name=f"improvement-plan-review-{review_id}.csv", key="plan:csv"
        )
    with board_tab:
        for column, status in zip(st.columns(4), ActionStatus, strict=True):
            column.markdown(f"**{status.capitalize()}** ({counts[status]})")
            for action in (a for a in actions if a.status == status):
                with column.container(border=True):
                    st.markdown(f"**{_item_label(action.item_number)}**")
                    st.markdown(widgets.md(action.description))
                    late = is_overdue(action.due_date, action.status, today)
                    st.caption(
                        f"{widgets.md(action.owner) if action.owner else 'No owner'} · due {action.due_date:%d %b %Y}"
                        + (" · **overdue**" if late else "")
                    )
    with progress_tab:
        weeks = progress_over_time(
            [ActionDates(created=a.created_at.date(), done_on=a.done_on, status=a.status) for a in actions], until=today
        )
        widgets.chart(
            charts.plan_progress_figure(weeks, title="Plan progress: actions and actions done"), key="plan:progress"
        )
        st.dataframe(pd.DataFrame(weeks), hide_index=True)

if actions and may_edit:
    st.subheader("Update an action")
    action_labels = {a.id: f"{_item_label(a.item_number)} — {a.description[:60]}" for a in actions}
    action_id = st.selectbox("Action", list(action_labels), format_func=action_labels.__getitem__, key="plan:action")
    action = next(a for a in actions if a.id == action_id)
    seen = widgets.seen_version(f"action:{action_id}", action.version)
    with st.form(f"edit_action:{action_id}"):
        description = st.text_area(
            "Action", value=action.description, max_chars=5_000, key=f"edit_action:{action_id}:description"
        )
        owner_col, due_col, status_col = st.columns(3)
        owner = owner_col.text_input("Owner", value=action.owner, max_chars=120, key=f"edit_action:{action_id}:owner")
        due = widgets.date_field("Due", action.due_date, key=f"edit_action:{action_id}:due", where=due_col)
        status = status_col.selectbox(
            "Status",
            [s.value for s in ActionStatus],
            index=[s.value for s in ActionStatus].index(action.status),
            key=f"edit_action:{action_id}:status",
        )
        if st.form_submit_button("Save action", type="primary"):
            try:
                with resources.transaction() as session:
                    plans.update_action(
                        session,
                        actor=resources.actor(),
                        action_id=action_id,
                        data={
                            "description": description,
                            "owner": owner,
                            "due_date": widgets.entered_date("Due", due),
                            "status": status,
                        },
                        expected_version=seen,
                    )
            except errors.Refused as error:
                widgets.show_error(error)
            else:
                flash("Action saved.")
                st.rerun()
    widgets.mark_seen(f"action:{action_id}", action.version)
    for note in notes.get(action_id, []):
        st.caption(f"{note.noted_on:%d %b %Y}: {widgets.md(note.text)}")
    with st.form(f"note:{action_id}", clear_on_submit=True):
        note_text = st.text_input("Progress note", max_chars=2_000, key=f"note:{action_id}:text")
        noted_on = widgets.date_field("Date", today, key=f"note:{action_id}:date")
        if st.form_submit_button("Add note"):
            try:
                with resources.transaction() as session:
                    plans.add_action_note(
                        session,
                        actor=resources.actor(),
                        action_id=action_id,
                        noted_on=widgets.entered_date("Date", noted_on),
                        text=note_text,
                    )
            except errors.Refused as error:
                widgets.show_error(error)
            else:
                flash("Note added.")
                st.rerun()

plan_support_parts.agreement_and_support(review_id, today, has_actions=bool(actions))

if not may_edit:
    st.stop()
st.subheader("Add an action")
with st.form("add_action", clear_on_submit=True):
    item_options = [None] + [item.number for item in scale.items]
    item_number = st.selectbox("Item", item_options, format_func=_item_label, key="add_action:item")
    description = st.text_area("Action", max_chars=5_000, key="add_action:description")
    owner_col, due_col = st.columns(2)
    owner = owner_col.text_input("Owner", max_chars=120, key="add_action:owner")
    report_day = context.review.finalised_at.date() if context.review.finalised_at else today
    due = widgets.date_field("Due", default_due_date(report_day), key="add_action:due", where=due_col)
    if st.form_submit_button("Add action"):
        try:
            with resources.transaction() as session:
                plans.add_action(
                    session,
                    actor=resources.actor(),
                    review_id=review_id,
                    data={
                        "item_number": item_number,
                        "description": description,
                        "owner": owner,
                        "due_date": widgets.entered_date("Due", due),
                    },
                )
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            flash("Action added.")
            st.rerun()
