"""Home: what needs attention now, and demo data on a first start."""

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import calendar_files, demo
from fidelity.cadence import DueStatus
from fidelity.models import ReviewStatus
from fidelity.store import reviews, services
from fidelity.store.access import Role
from fidelity.ui import navigation, resources, widgets
from fidelity.ui.state import Keys, flash, show_flash

actor = resources.actor()

st.title("IPS Fidelity")
st.caption(
    "Review the fidelity of IPS employment services against the 25-item IPS fidelity scale, "
    "and follow each service's scores over time."
)
show_flash()

with resources.reading() as session:
    has_services = services.has_services(session)
    demo_present = demo.demo_loaded(session)
    open_reviews = reviews.list_reviews_with_services(
        session, actor=actor, statuses=(ReviewStatus.DRAFT, ReviewStatus.SCORING, ReviewStatus.CONSENSUS)
    )
    recent_final = reviews.list_reviews_with_services(
        session, actor=resources.actor(), statuses=(ReviewStatus.FINAL,), limit=10
    )


def _load_demo() -> None:
    summary = widgets.load_demo_data()
    if summary is not None:
        flash(
            f"Demo data loaded: {summary.services} services, {summary.reviews} reviews, {summary.ratings} item ratings."
        )
        st.rerun()


if not has_services and actor.role == Role.ADMIN:
    st.subheader("Welcome")
    st.write(
        "There are no services yet. Add your first service, or load the demo data to look around: "
        "the twelve IPS in Primary Care areas with two or three made-up services each and reviews from 2023 on, "
        "with demo accounts for each role."
    )
    left, right = st.columns(2)
    if left.button("Load demo data", type="primary", key="home:load_demo", icon=":material/science:"):
        _load_demo()
    right.page_link(navigation.SERVICES, label="Add a service", icon=":material/add:")
    st.stop()


def steps_due() -> None:
    """What is due from this user across reviews, nearest first (a commissioner: the overdue steps they oversee)."""
    steps = resources.steps_due(date.today())
    if steps:
        st.subheader("Due from you" if actor.role != Role.COMMISSIONER else "Overdue review steps")
        late = sum(s.overdue for s in steps)
        st.caption(
            f"{late} overdue and {len(steps) - late} to come, nearest first: the review steps "
            + (
                "of every review."
                if actor.is_admin
                else "that are yours to do."
                if actor.role != Role.COMMISSIONER
                else "of the services you oversee."
            )
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Service": s.service,
                        "Visit": s.visit,
                        "Step": s.title,
                        "Owner": s.owner,
                        "Due": s.due,
                        "Status": "overdue" if s.overdue else "to do",
                    }
                    for s in steps
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={"Visit": widgets.day_column(), "Due": widgets.day_column()},
        )
        st.download_button(
            "Download these steps as a calendar (.ics)",
            lambda: calendar_files.ics(
                "Fidelity review steps",
                [calendar_files.step_event(s.review_id, s.key, s.service, s.title, s.due, s.owner) for s in steps],
            ),
            file_name="fidelity-review-steps.ics",
            mime="text/calendar",
            key="home:ics",
            icon=":material/calendar_month:",
        )
    st.page_link(navigation.TIMELINE, label="Review timeline", icon=":material/event_upcoming:")


steps_due()
if resources.services_frame(resources.database_url()).empty:
    st.info(
        "No service is open to you yet. An admin assigns reviewers to reviews, service leads to their "
        "services and commissioners to their programmes or areas.",
        icon=":material/info:",
    )
    st.stop()

if demo_present:
    st.info(
        "Demo data is loaded. Every programme, area and service named “Demo: …” is synthetic.",
        icon=":material/science:",
    )

st.subheader("Reviews in progress")
if not open_reviews:
    st.write(
        "No review is in progress."
        if actor.role in (Role.ADMIN, Role.REVIEWER)
        else "Reviews in progress are for their reviewers; you see reviews once they are final."
    )
    if actor.role == Role.ADMIN:
        st.page_link(navigation.WORKSPACE, label="Start a review", icon=":material/edit_note:")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Service": r.service_name,
                    "Visit": r.review.visit_start,
                    "Kind": r.review.kind_label,
                    "Scale": r.review.scale_id,
                    "Lead reviewer": r.review.lead_reviewer,
                    "Status": r.review.status,
                    "Lead scored": f"{r.scored} of 25",
                }
                for r in open_reviews
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    labels = {r.review.id: f"{r.service_name} — visit {r.review.visit_start:%d %b %Y}" for r in open_reviews}
    chosen = st.selectbox("Open a review in progress", list(labels), format_func=labels.__getitem__, key="home:open")
    if st.button("Open in the review workspace", key="home:go"):
        review = next(r.review for r in open_reviews if r.review.id == chosen)
        st.session_state[Keys.SERVICE_ID] = review.service_id
        st.session_state[Keys.REVIEW_ID] = review.id
        st.switch_page(navigation.WORKSPACE)

due = [r for r in resources.reviews_due(date.today()) if r.status in (DueStatus.OVERDUE, DueStatus.DUE_SOON)]
if due:
    st.subheader("Reviews due")
    overdue = sum(r.status == DueStatus.OVERDUE for r in due)
    st.caption(
        f"{overdue} overdue and {len(due) - overdue} due within 90 days, from each service's latest final review "
        "and its programme's review cadence."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Service": r.service,
                    "Programme": r.programme,
                    "Latest review": r.last_review,
                    "Band": r.last_band,
                    "Next review due": r.due,
                    "Status": str(r.status),
                }
                for r in due
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"Latest review": widgets.day_column(), "Next review due": widgets.day_column()},
    )
    if actor.role in (Role.ADMIN, Role.COMMISSIONER):
        st.page_link(navigation.PROGRAMME, label="Programme view", icon=":material/dashboard:")

st.subheader("Recently finalised")
if recent_final:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Service": r.service_name,
                    "Visit": r.review.visit_start,
                    "Kind": r.review.kind_label,
                    "Scale": r.review.scale_id,
                    "Total": r.review.total,
                    "Band": r.review.band,
                }
                for r in recent_final
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.write("No review has been finalised yet.")
