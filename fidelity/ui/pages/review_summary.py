"""Review summary: read-only totals, band, section subtotals, principle profile and item scores."""

import pandas as pd
import streamlit as st

from fidelity import charts, errors, scoring
from fidelity.models import ReviewStatus
from fidelity.scales import SCORES
from fidelity.store import access, amendments, reviews
from fidelity.ui import navigation, resources, widgets
from fidelity.ui.state import Keys, flash, show_flash

actor = resources.actor()

st.title("Review summary")
show_flash()

service_id = widgets.chosen_service(key="summary:service", prompt="Choose a service to see its reviews.")

with resources.reading() as session:
    service_reviews = reviews.list_reviews(session, actor=resources.actor(), service_id=service_id)
if not service_reviews:
    st.info("This service has no reviews yet.")
    st.page_link(navigation.WORKSPACE, label="Start a review in the workspace", icon=":material/edit_note:")
    st.stop()

labels = {
    r.id: f"{r.visit_start:%d %b %Y} · {r.kind_label} · {r.scale_id}"
    + ("" if r.status == ReviewStatus.FINAL else f" ({r.status})")
    + (f" · amendment {r.id}" if r.amends_id else "")
    for r in service_reviews
}
PICKER = f"summary:review:{service_id}"
review_id = widgets.chosen_review(labels, key=PICKER, default=next(iter(labels)), prompt="Choose a review.")

with resources.reading() as session:
    context = reviews.review_context(session, review_id, actor=resources.actor())
review, scale, scores = context.review, context.scale, context.counted_scores
previous, previous_scores = context.previous, context.previous_scores
summary = scoring.summarise(scale, scores)
change = scoring.change_since(scale, scores, previous_scores)

st.subheader(f"{labels[review_id]}")
st.caption(
    f"{scale.label} · lead reviewer {widgets.md(review.lead_reviewer)}"
    + (f" · second reviewer {widgets.md(review.second_reviewer)}" if review.second_reviewer else "")
    + (f" · finalised {review.finalised_at:%d %b %Y}" if review.finalised_at else "")
)
st.caption(
    "Scored by one reviewer alone (a single-reviewer review): the total counts that reviewer's scores."
    if review.single_reviewer
    else "Two reviewers scored independently; the total counts the scores they agreed at consensus."
)
if review.status != ReviewStatus.FINAL:
    st.warning(
        f"This review is not final yet ({summary.completeness.scored} of {summary.completeness.of} items scored). "
        "Figures below may change.",
        icon=":material/edit:",
    )
if context.amended_by is not None:
    later = context.amended_by
    st.warning(
        f"Amended on {later.finalised_at:%d %b %Y}: this final review was corrected by amendment {later.id} "
        f"(“{widgets.md(later.amendment_reason)}”). It is kept as it was; the amendment counts from then on.",
        icon=":material/history_edu:",
    )
if context.amendment_of is not None:
    original = context.amendment_of
    st.info(
        f"Amendment {review.id} of the final review finalised {original.finalised_at:%d %b %Y} "
        f"(total {original.total}, {original.band}). Reason: “{widgets.md(review.amendment_reason)}”.",
        icon=":material/history_edu:",
    )
widgets.provisional_warning(scale)

total_col, band_col, change_col = st.columns(3)
total_col.metric(
    "Total", f"{summary.total}", help=f"Sum of the {len(scale.items)} item scores ({scale.min_total}-{scale.max_total})"
)
band_col.metric(
    "Band",
    (summary.band.label + (" (provisional band)" if summary.band.provisional else "")) if summary.band else "not yet",
    help="Bands: " + ", ".join(f"{b.label} {b.min}-{b.max}" for b in scale.bands),
)
change_col.metric(
    "Change since previous final review",
    f"{change.total:+d}" if change.total is not None else "—",
    help=f"Previous: {previous.visit_start:%d %b %Y}, total {previous.total}"
    if previous
    else "No earlier final review on this scale",
)

maxima = {s.title: 5 * sum(1 for i in scale.items if i.section == s.id) for s in scale.sections}
profile_previous = scoring.principle_profile(scale, previous_scores) if previous_scores else None
chart_left, chart_right = st.columns(2)
with chart_left:
    widgets.chart(
        charts.section_subtotals_figure(summary.sections, maxima, title="Section subtotals"), key="summary:sections"
    )
    st.dataframe(widgets.section_table(summary.sections, maxima), hide_index=True, width="stretch")
with chart_right:
    widgets.chart(
        charts.principle_profile_figure(
            summary.principles, previous=profile_previous, title="Principle profile (mean item score)"
        ),
        key="summary:principles",
    )
    st.dataframe(widgets.principle_table(summary.principles), hide_index=True, width="stretch")

if previous:
    st.subheader("Since the last review")
    since = context.actions_since_previous()
    if since:
        st.caption(
            f"Actions from the plan after the review of {previous.visit_start:%d %b %Y}, and the change in score."
        )
        st.dataframe(
            pd.DataFrame(since),
            hide_index=True,
            width="stretch",
            column_config={"Change": st.column_config.NumberColumn(format="%+d")},
        )
    else:
        st.write(f"No improvement plan was recorded after the review of {previous.visit_start:%d %b %Y}.")

st.subheader("Item scores")
items = pd.DataFrame(context.item_rows())
if review.single_reviewer:
    items = items.drop(columns=["Rationale"])
st.dataframe(
    items,
    hide_index=True,
    width="stretch",
    column_config={"Change": st.column_config.NumberColumn(format="%+d", help="Against the previous final review")},
)
widgets.csv_download(
    "Download item scores (CSV)", items, file_name=f"review-{review_id}-items.csv", key="summary:download"
)


# --- corrections -----------------------------------------------------------------------------------------


def _amend_form() -> None:
    st.write(
        "A final review never changes. To correct it, make an amendment: a new final review with the change and "
        "your reason. Both stay visible; totals, history and comparisons use the amendment."
    )
    with st.form(f"amend:{review_id}"):
        number = st.selectbox(
            "Item",
            [i.number for i in scale.items],
            format_func=lambda n: f"{n}. {scale.item(n).name}",
            key="amend:item",
        )
        score = st.radio("Corrected score", list(SCORES), horizontal=True, index=None, key="amend:score")
        rationale = st.text_area("Rationale for the corrected score", max_chars=20_000, key="amend:rationale")
        reason = st.text_area("Why is the final review being corrected?", max_chars=2_000, key="amend:reason")
        confirmed = st.checkbox("I understand this records an amendment that everyone who sees the review sees.")
        submitted = st.form_submit_button("Record the amendment", type="primary")
    if not submitted:
        return
    if not confirmed:
        st.error("Tick the box to confirm the amendment.", icon=":material/error:")
        return
    change: dict[str, object] = {}
    if score is not None:
        change["score"] = score
    if rationale.strip():
        change["rationale"] = rationale
    if not change:
        st.error(f"Item {number}: choose a corrected score or write a rationale.", icon=":material/error:")
        return
    try:
        with resources.transaction() as session:
            amendment = amendments.amend_review(
                session, actor=actor, review_id=review_id, reason=reason, changes={number: change}
            )
    except errors.Refused as error:
        widgets.show_error(error)
    else:
        widgets.request_selection(PICKER, amendment.id)
        st.session_state[Keys.REVIEW_ID] = amendment.id
        flash(f"Amendment recorded: total {amendment.total}, {amendment.band}. The original review is kept.")
        st.rerun()


def _delete_draft() -> None:
    st.write("Delete this review if it was started by mistake. Its scores go with it; the audit log keeps a copy.")
    confirmed = st.checkbox("Yes, delete this review and its scores", key=f"delete:{review_id}:confirm")
    if st.button("Delete review", disabled=not confirmed, key=f"delete:{review_id}", icon=":material/delete:"):
        try:
            with resources.transaction() as session:
                reviews.delete_draft_review(session, actor=actor, review_id=review_id)
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            st.session_state[Keys.REVIEW_ID] = None
            flash("Review deleted.")
            st.rerun()


can_edit = actor.is_admin or bool(access.assigned_raters(actor, review))
if review.status == ReviewStatus.FINAL and context.amended_by is None and can_edit:
    with st.expander("Correct this final review (amendment)", icon=":material/history_edu:"):
        _amend_form()
elif review.status != ReviewStatus.FINAL and actor.is_admin:
    with st.expander("Delete this draft review", icon=":material/delete:"):
        _delete_draft()
