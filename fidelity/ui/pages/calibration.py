"""Reviewer calibration: how each reviewer's independent scores agree with the other reviewer's and with the
agreed scores, over time; who scores high or low, and where; a flag when recent reviews drift past the limit.
Admins see every reviewer, commissioners the reviews of their services, reviewers only themselves."""

import pandas as pd
import streamlit as st

from fidelity import calibration as rules
from fidelity import insight_charts
from fidelity.store import calibration
from fidelity.ui import resources, widgets
from fidelity.ui.state import show_flash


def over_time(reviewer: str, own: list[rules.ReviewerOnReview]) -> None:
    quarters = rules.agreement_by_quarter(own)
    widgets.chart(
        insight_charts.agreement_over_time_figure(quarters, title=f"Agreement over time: {reviewer}"),
        key="calibration:time",
        table=pd.DataFrame(quarters),
        file_name="calibration-quarters.csv",
    )
    st.caption("The reviews behind each quarter are listed under “A review in detail”.")


def reviews_behind(own: list[rules.ReviewerOnReview]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "review id": r.review_id,
                "service": r.service,
                "visit": r.visit,
                "role": r.role,
                "other reviewer": r.other,
                "items": r.items,
                "exact with other": r.exact_with_other,
                "within one with other": r.within_one_with_other,
                "kappa with other": r.kappa_with_other,
                "exact with agreed": r.exact_with_agreed,
                "within one with agreed": r.within_one_with_agreed,
                "kappa with agreed": r.kappa_with_agreed,
                "mean difference": r.mean_difference,
            }
            for r in own
        ]
    )


def by_principle(reviewer: str, own: list[rules.ReviewerOnReview]) -> None:
    scale = resources.frame_scale([])
    titles = {p.id: p.title for p in scale.principles} if scale else {}
    principles_of = {i.number: [titles.get(p, p) for p in i.principles] for i in scale.items} if scale else {}
    differences = rules.differences_by(own, principles_of)
    widgets.chart(
        insight_charts.signed_difference_figure(
            differences, title=f"Scores against the agreed ones, by principle: {reviewer}"
        ),
        key="calibration:principles",
        table=pd.DataFrame(differences),
        file_name="calibration-principles.csv",
    )


def by_item(reviewer: str, own: list[rules.ReviewerOnReview]) -> None:
    scale = resources.frame_scale([])
    st.caption(f"{reviewer}'s mean score less the agreed one, item by item, and how many item scores it is over.")
    differences = rules.differences_by(own, {i.number: [f"{i.number}. {i.name}"] for i in scale.items} if scale else {})
    widgets.table_with_download(
        pd.DataFrame(differences),
        label="Download by item (CSV)",
        file_name="calibration-items.csv",
        key="calibration:items:csv",
    )


def review_in_detail(reviewer: str, own: list[rules.ReviewerOnReview]) -> None:
    scale = resources.frame_scale([])
    st.markdown(f"**Every review of {widgets.md(reviewer)}'s**, with their agreement on it")
    widgets.table_with_download(
        reviews_behind(own),
        label="Download the reviews (CSV)",
        file_name="calibration-reviews.csv",
        key="calibration:reviews:csv",
        column_config={"visit": widgets.day_column()},
    )
    labels = {r.review_id: f"{r.service}, {r.visit:%d %b %Y} (with {r.other})" for r in own}
    chosen = st.selectbox("Review", list(reversed(labels)), format_func=labels.__getitem__, key="calibration:review")
    row = next(r for r in own if r.review_id == chosen)
    scores = found.scores.scores_of(chosen)
    mine, other = (
        (scores.lead_scores, scores.second_scores) if row.role == "lead" else (scores.second_scores, scores.lead_scores)
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Item": f"{n}. {scale.item(n).name}" if scale else n,
                    reviewer: mine.get(n),
                    row.other: other.get(n),
                    "Agreed": scores.agreed.get(n),
                    "Difference from agreed": row.differences.get(n),
                }
                for n in sorted(set(mine) | set(other) | set(scores.agreed))
            ]
        ),
        hide_index=True,
        width="stretch",
    )


TABS = ["Agreement over time", "By principle", "By item", "A review in detail"]
DRAW = [over_time, by_principle, by_item, review_in_detail]


@st.fragment
def calibration_tabs(reviewer: str, own: list[rules.ReviewerOnReview]) -> None:
    """Only the open tab's code runs and only its chart or table is sent; choosing a tab reruns just the tabs."""
    for tab, draw in zip(st.tabs(TABS, key="calibration:tab", on_change="rerun"), DRAW, strict=True):
        with tab:
            if tab.open:
                draw(reviewer, own)


st.title("Reviewer calibration")
show_flash()
found = resources.calibration()
drift = found.drift
st.caption(
    "From final reviews scored by two reviewers, each alone before they agreed. Agreement is pooled over every "
    f"item of a reviewer's reviews. A reviewer is flagged when their scores over their latest {drift.recent_reviews} "
    f"reviews differ from the agreed ones by more than {drift.points:g} points per item on average."
)
if not found.summaries:
    st.info("No final review scored by two reviewers is open to you yet.")
else:
    summary = pd.DataFrame(
        [
            {
                "Reviewer": s.reviewer,
                "Reviews": s.reviews,
                "Items": s.items,
                "Exact with other (%)": round(100 * s.exact_with_other, 1),
                "Within one with other (%)": round(100 * s.within_one_with_other, 1),
                "Kappa with other": s.kappa_with_other,
                "Exact with agreed (%)": round(100 * s.exact_with_agreed, 1),
                "Within one with agreed (%)": round(100 * s.within_one_with_agreed, 1),
                "Kappa with agreed": s.kappa_with_agreed,
                "Mean difference from agreed": round(s.mean_difference, 2),
                f"Latest {drift.recent_reviews} reviews": round(s.recent_mean_difference, 2),
                "Drifting": "yes" if s.drifting else "no",
            }
            for s in found.summaries
        ]
    )
    drifting = [s.reviewer for s in found.summaries if s.drifting]
    if drifting:
        st.warning(
            f"Drifting past the limit: {', '.join(widgets.md(name) for name in drifting)}.", icon=":material/flag:"
        )
    widgets.table_with_download(
        summary,
        label="Download calibration (CSV)",
        file_name="calibration.csv",
        key="calibration:csv",
        column_config={
            "Kappa with other": st.column_config.NumberColumn(format="%.2f"),
            "Kappa with agreed": st.column_config.NumberColumn(format="%.2f"),
        },
    )

    names = [s.reviewer for s in found.summaries]
    reviewer = st.selectbox("Reviewer", names, key="calibration:reviewer")
    own = [r for r in found.reviews if r.reviewer == reviewer]
    calibration_tabs(reviewer, own)

if resources.actor().is_admin:
    st.subheader("Drift limit")
    seen = widgets.seen_version("calibration:drift", drift.version)
    with st.form("calibration:drift"):
        points = st.number_input(
            "Flag a reviewer whose mean difference from the agreed scores is more than (points per item)",
            0.1,
            4.0,
            float(drift.points),
            step=0.1,
            key="calibration:drift:points",
        )
        recent = st.number_input(
            "over their latest reviews", 1, 50, drift.recent_reviews, key="calibration:drift:recent"
        )
        if st.form_submit_button("Save the drift limit", type="primary"):
            widgets.save_then_rerun(
                lambda session: calibration.set_drift_limit(
                    session,
                    actor=resources.actor(),
                    points=points,
                    recent_reviews=recent,
                    expected_version=seen or None,
                ),
                "Drift limit saved.",
            )
    widgets.mark_seen("calibration:drift", drift.version)
