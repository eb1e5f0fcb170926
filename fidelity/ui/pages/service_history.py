"""Service history: a service's final reviews over time, and every item's score review by review."""

import pandas as pd
import streamlit as st

from fidelity import charts
from fidelity.store import reviews
from fidelity.ui import resources, widgets

st.title("Service history")

service_id = widgets.chosen_service(key="history:service", prompt="Choose a service.")

with resources.reading() as session:
    history = reviews.service_history(session, service_id, actor=resources.actor())
if not history:
    st.info("This service has no final review yet; its history starts with the first one.")
    st.stop()
pinned = resources.pinned_scales(e.review.scale_hash for e in history)
scale = pinned[history[-1].review.scale_hash]
widgets.mixed_versions_notice(pinned.values())

points = [
    {
        "date": e.review.visit_start,
        "total": e.review.total,
        "band": e.review.band,
        "kind": e.review.kind_label,
        "scale": e.review.scale_id,
    }
    for e in history
]
widgets.chart(
    charts.fidelity_over_time_figure(
        points, [(b.label, b.min, b.max) for b in scale.bands], title="Total fidelity score at each review"
    ),
    key="history:timeline",
)
timeline = pd.DataFrame(points).rename(columns=str.capitalize)
timeline["Change"] = timeline["Total"].diff()
st.dataframe(
    timeline,
    hide_index=True,
    width="stretch",
    column_config={
        "Date": st.column_config.DateColumn(format="D MMM YYYY"),
        "Change": st.column_config.NumberColumn(format="%+d"),
    },
)

st.subheader("Item scores, review by review")
columns = [f"{e.review.visit_start:%d %b %Y}" + (" *" if e.review.single_reviewer else "") for e in history]
grid = pd.DataFrame(
    {
        column: [entry.scores.get(item.number) for item in scale.items]
        for column, entry in zip(columns, history, strict=True)
    },
    index=[f"{item.number}. {item.name}" for item in scale.items],
)


def _rises_and_falls(frame: pd.DataFrame) -> pd.DataFrame:
    """Green where an item rose since the review before, red where it fell."""
    change = frame.diff(axis=1)
    return change.map(
        lambda d: "background-color: #CDEBD9" if d > 0 else ("background-color: #F4B6A6" if d < 0 else "")
    )


st.dataframe(grid.style.apply(_rises_and_falls, axis=None).format(precision=0, na_rep="—"), width="stretch", height=920)
st.caption("Green: the item rose since the previous review; red: it fell. * scored by a single reviewer.")
if len({e.review.scale_hash for e in history}) > 1:
    st.caption("Items share numbers across scales and versions, so rows still line up.")
widgets.csv_download(
    "Download item scores by review (CSV)",
    grid,
    file_name=f"service-{service_id}-history.csv",
    key="history:csv",
    index=True,
)
