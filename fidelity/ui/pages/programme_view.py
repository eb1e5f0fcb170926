"""Programme view: a programme's services by band and median total over time, its pooled outcome rates against
the Work and Health Programme bands, reviews due and overdue, and overdue improvement actions."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from fidelity import insight_charts, outcomes
from fidelity.cadence import DEFAULT_CADENCE, GOOD_FIDELITY, DueStatus
from fidelity.charts import outcome_rates_figure
from fidelity.store import cadence, programme_view
from fidelity.ui import resources, timeline_admin, widgets
from fidelity.ui.state import show_flash

st.title("Programme view")
show_flash()
today = date.today()
with resources.reading() as session:
    choices = programme_view.programmes(session, actor=resources.actor())
    rules = cadence.programme_cadences(session)
if not choices:
    st.info("No programme has a service you can see yet. An admin assigns commissioners to programmes or areas.")
    st.stop()
programme_id = st.selectbox("Programme", list(choices), format_func=choices.__getitem__, key="programme:id")
data = resources.programme(programme_id, today)
services = len(data.services)
due = [r for r in resources.reviews_due(today) if r.programme_id == programme_id]
year_ago = today - timedelta(days=365)
stale = [r for r in due if r.last_review is None or r.last_review < year_ago]

left, middle, right, last = st.columns(4)
left.metric("Services", services)
middle.metric("No final review in 12 months", len(stale))
right.metric("Reviews overdue", sum(r.status == DueStatus.OVERDUE for r in due))
last.metric("Overdue improvement actions", sum(row.overdue for row in data.overdue_actions))

frame = resources.frame_scale([])
band_names = tuple(b.label for b in frame.bands) if frame is not None else ("Exemplary", "Good", "Fair", "Not IPS")
rows = resources.programme_rows(programme_id, today, band_names)
title = choices[programme_id]
rule = cadence.cadence_of(rules.get(programme_id))


def bands() -> None:
    if "shares" not in rows:
        st.info("No service in this programme has a final review yet.")
        return
    widgets.chart(
        insight_charts.band_share_figure(rows["shares"], list(band_names), title=f"Services in each band: {title}"),
        key="programme:bands",
        table=pd.DataFrame(rows["shares"]),
        file_name="programme-bands.csv",
    )


def totals() -> None:
    if "spread" not in rows:
        st.info("No service in this programme has a final review yet.")
        return
    widgets.chart(
        insight_charts.total_spread_figure(
            rows["spread"], good_from=GOOD_FIDELITY, title=f"Median fidelity total and interquartile range: {title}"
        ),
        key="programme:spread",
        table=pd.DataFrame(rows["spread"]),
        file_name="programme-totals.csv",
    )


def pooled_outcomes() -> None:
    pooled = rows["pooled"]
    if not pooled:
        st.info("No outcome quarter has been entered for this programme's services yet.")
        return
    widgets.chart(
        outcome_rates_figure(
            [str(r["quarter"]) for r in pooled],
            {
                "Job-start rate": [r["job-start rate"] for r in pooled],
                "Sustained-outcome rate": [r["sustained-outcome rate"] for r in pooled],
            },
            benchmarks=(),
            bands=(
                ("Work and Health Programme: job starts 35-45%", *outcomes.DWP_JOB_STARTS),
                ("Work and Health Programme: sustained outcomes 21-30%", *outcomes.DWP_SUSTAINED),
            ),
            title=f"Job starts and sustained outcomes over starts, pooled: {title}",
        ),
        key="programme:outcomes",
        table=pd.DataFrame(pooled),
        file_name="programme-outcomes.csv",
    )


def reviews_due() -> None:
    st.caption(
        f"The next review is due {rule.months_below_good} months after a final review below Good and "
        f"{rule.months_good_or_better} months after one at Good or better (a total of {GOOD_FIDELITY} or more)"
        + ("" if programme_id in rules else ", the app's default")
        + "."
    )
    attention = [r for r in due if r.status != DueStatus.NOT_DUE]
    if attention:
        table = pd.DataFrame(
            [
                {
                    "Service": r.service,
                    "Area": r.area,
                    "Latest review": r.last_review,
                    "Total": r.last_total,
                    "Band": r.last_band,
                    "Next review due": r.due,
                    "Status": str(r.status),
                }
                for r in attention
            ]
        )
        widgets.table_with_download(
            table,
            label="Download reviews due (CSV)",
            file_name="reviews-due.csv",
            key="programme:due:csv",
            column_config={"Latest review": widgets.day_column(), "Next review due": widgets.day_column()},
        )
    else:
        st.write("No review is overdue or due in the next 90 days.")
    if stale:
        st.markdown("**No final review in the last 12 months**")
        st.dataframe(
            pd.DataFrame([{"Service": r.service, "Area": r.area, "Latest review": r.last_review} for r in stale]),
            hide_index=True,
            width="stretch",
            column_config={"Latest review": widgets.day_column()},
        )


def overdue_actions() -> None:
    if data.overdue_actions:
        overdue = pd.DataFrame(
            [
                {"Service": r.service, "Overdue actions": r.overdue, "Oldest due date": r.oldest_due}
                for r in data.overdue_actions
            ]
        )
        widgets.table_with_download(
            overdue,
            label="Download overdue actions (CSV)",
            file_name="overdue-actions.csv",
            key="programme:actions:csv",
            column_config={"Oldest due date": widgets.day_column()},
        )
    else:
        st.write("No improvement action is overdue.")


TABS = ["Bands", "Median total", "Outcomes", "Reviews due", "Overdue actions"]
DRAW = [bands, totals, pooled_outcomes, reviews_due, overdue_actions]


@st.fragment
def programme_tabs() -> None:
    """Only the open tab's code runs and only its chart or table is sent; choosing a tab reruns just the tabs."""
    for tab, draw in zip(st.tabs(TABS, key="programme:tab", on_change="rerun"), DRAW, strict=True):
        with tab:
            if tab.open:
                draw()


programme_tabs()

if resources.actor().is_admin:
    st.subheader("Review cadence for this programme")
    saved = rules.get(programme_id)
    seen = widgets.seen_version(f"cadence:{programme_id}", saved.version if saved else 0)
    with st.form("programme:cadence"):
        below = st.number_input(
            "Months after a review below Good", 1, 60, rule.months_below_good, key="programme:cadence:below"
        )
        good = st.number_input(
            "Months after a review at Good or better", 1, 60, rule.months_good_or_better, key="programme:cadence:good"
        )
        if st.form_submit_button("Save the cadence", type="primary"):
            widgets.save_then_rerun(
                lambda session: cadence.set_cadence(
                    session,
                    actor=resources.actor(),
                    programme_id=programme_id,
                    months_below_good=below,
                    months_good_or_better=good,
                    expected_version=seen if saved else None,
                ),
                "Review cadence saved.",
            )
    if saved is not None:
        st.caption(
            f"Set by {saved.updated_by}. The app's default is {DEFAULT_CADENCE.months_below_good} and "
            f"{DEFAULT_CADENCE.months_good_or_better} months."
        )
        if st.button("Return to the default cadence", key="programme:cadence:reset"):
            widgets.save_then_rerun(
                lambda session: cadence.reset_cadence(session, actor=resources.actor(), programme_id=programme_id),
                "The programme follows the default cadence again.",
            )
    widgets.mark_seen(f"cadence:{programme_id}", saved.version if saved else 0)
    timeline_admin.programme_timeline_section(programme_id)
