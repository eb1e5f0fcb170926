"""Items and outcomes: which items and principles go with better employment outcomes across services, with
honest n and intervals, allowing for testing 25 items at once. An association, never proof of cause."""

import pandas as pd
import streamlit as st

from fidelity import insight_charts
from fidelity.item_outcomes import SIGNIFICANT_Q
from fidelity.store.item_outcomes import Measure
from fidelity.ui import resources, widgets

st.title("Items and outcomes")
st.caption(
    "Spearman's rank correlation between each service's agreed score and its outcome rate in the quarters after "
    "its latest review, one point per service, with a 95% interval. Testing many items at once finds some by "
    f"chance, so an item counts only where the false discovery rate (Benjamini-Hochberg) is under {SIGNIFICANT_Q:.0%}. "
    "This shows which items go with better outcomes, not that they cause them: services that score well may "
    "differ in other ways. For reference, Bond and colleagues (2012) found the total correlated .34 with the "
    "employment rate across 79 sites, and 8 of the 25 items significantly."
)
left, right = st.columns(2)
measure = left.selectbox(
    "Outcome", list(Measure), format_func=lambda m: str(m).capitalize(), key="items_outcomes:measure"
)
after = right.number_input("Quarters of outcomes after each review", 1, 4, 2, key="items_outcomes:after")
services, items, principles = resources.associations(Measure(measure), int(after))
if not items:
    st.info(f"{services} service(s) have a final review with outcome quarters after it; an estimate needs at least 4.")
    st.stop()
st.metric("Services", services, help="Each service counts once, with its latest review that has outcomes after it")


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Item or principle": r["what"],
                "rho": r["rho"],
                "95% CI low": r["low"],
                "95% CI high": r["high"],
                "n": r["n"],
                "p": r["p"],
                "q (false discovery rate)": r["q"],
                "Holds after allowing for many tests": "yes" if r["significant"] else "no",
                "No estimate because": r["why none"],
            }
            for r in rows
        ]
    )


for rows, what, key in ((items, "item", "items"), (principles, "principle", "principles")):
    st.subheader(f"By {what}")
    widgets.chart(
        insight_charts.association_figure(rows, title=f"{str(measure).capitalize()} and each {what}'s score"),
        key=f"items_outcomes:{key}",
        table=_table(rows),
        file_name=f"{key}-and-outcomes.csv",
    )
