"""Review summary: read-only totals, band, section subtotals, principle profile and item scores."""

import pandas as pd
import streamlit as st

from fidelity import charts, repository, scoring
from fidelity.models import ReviewStatus
from fidelity.ui import navigation, resources, widgets
from fidelity.ui.state import show_flash

st.title("Review summary")
show_flash()

service_id = widgets.chosen_service(key="summary:service", prompt="Choose a service to see its reviews.")

with resources.reading() as session:
    reviews = repository.list_reviews(session, service_id=service_id)
if not reviews:
    st.info("This service has no reviews yet.")
    st.page_link(navigation.WORKSPACE, label="Start a review in the workspace", icon=":material/edit_note:")
    st.stop()

labels = {
    r.id: f"{r.visit_start:%d %b %Y} · {r.kind_label} · {r.scale_id}"
    + ("" if r.status == ReviewStatus.FINAL else f" ({r.status})")
    for r in reviews
}
review_id = widgets.chosen_review(
    labels, key=f"summary:review:{service_id}", default=next(iter(labels)), prompt="Choose a review."
)

with resources.reading() as session:
    context = repository.review_context(session, review_id)
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
    st.plotly_chart(
        charts.section_subtotals_figure(summary.sections, maxima, title="Section subtotals"),
        key="summary:sections",
        width="stretch",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Section": list(summary.sections),
                "Score": list(summary.sections.values()),
                "Maximum": [maxima[s] for s in summary.sections],
            }
        ),
        hide_index=True,
        width="stretch",
    )
with chart_right:
    st.plotly_chart(
        charts.principle_profile_figure(
            summary.principles, previous=profile_previous, title="Principle profile (mean item score)"
        ),
        key="summary:principles",
        width="stretch",
    )
    st.dataframe(
        pd.DataFrame({"Principle": list(summary.principles), "Mean item score": list(summary.principles.values())}),
        hide_index=True,
        width="stretch",
    )

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
st.download_button(
    "Download item scores (CSV)",
    items.to_csv(index=False).encode("utf-8"),
    file_name=f"review-{review_id}-items.csv",
    mime="text/csv",
    key="summary:download",
)
