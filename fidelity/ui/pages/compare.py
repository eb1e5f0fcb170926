"""Compare sites: fidelity and outcomes across services, for commissioners. Everything downloads as CSV."""

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fidelity import charts, outcomes, spc_charts, stats
from fidelity.store import rebases
from fidelity.ui import resources, widgets

st.title("Compare sites")
services = resources.services_frame(resources.database_url())
if services.empty:
    st.info("There are no services yet. Add services, or load the demo data from Home.")
    st.stop()

this_year = date.today().year
with st.container(border=True):
    left, middle, right = st.columns(3)
    programmes = left.multiselect(
        "Programmes", sorted(services["Programme"].unique()), key="compare:programmes", placeholder="All programmes"
    )
    areas = middle.multiselect("Areas", sorted(services["Area"].unique()), key="compare:areas", placeholder="All areas")
    first_year, last_year = right.slider("Period (years)", 2018, this_year, (2023, this_year), key="compare:period")
    include_self = st.checkbox(
        "Include guided self-assessments",
        key="compare:include_self",
        help="Left out unless ticked: a service's scoring of itself is kept apart from independent reviews.",
    )
mask = pd.Series(True, index=services.index)
if programmes:
    mask &= services["Programme"].isin(programmes)
if areas:
    mask &= services["Area"].isin(areas)
chosen = services[mask]
if chosen.empty:
    st.info("No service matches these filters.")
    st.stop()
start, end = date(first_year, 1, 1), date(last_year, 12, 31)
ids = [int(i) for i in chosen["id"]]
names = dict(zip(ids, chosen["Service"], strict=True))
data = resources.comparison(tuple(ids), start, end, include_self=include_self)
frame = resources.frame_scale(row.scale_hash for row in data.finals)
if frame is None:
    st.info("No fidelity scale is published yet. An admin can publish one on the Scales page.")
    st.stop()
item_names = {item.number: f"{item.number}. {item.name}" for item in frame.items}
bands = [b.label for b in frame.bands]


def show(figure: go.Figure, table: pd.DataFrame, key: str) -> None:
    """A chart, then its data as a table and a CSV download."""
    widgets.chart(figure, key=f"compare:{key}:chart", table=table, file_name=f"{key}.csv")


# --- league table ----------------------------------------------------------------------------------
totals: dict[int, list[int]] = {}
for row in data.finals:
    totals.setdefault(row.service_id, []).append(row.total)
last_band = {row.service_id: row.band for row in data.finals}
last_date = {row.service_id: row.visit_start for row in data.finals}
latest_quarter = {p.service_id: p for p in data.periods}  # periods are ordered, so the last one wins
area_of = dict(zip(ids, chosen["Area"], strict=True))
league = pd.DataFrame(
    [
        {
            "Service": names[i],
            "Area": area_of[i],
            "Latest review": last_date.get(i),
            "Total": (totals.get(i) or [None])[-1],
            "Band": last_band.get(i),
            "Change": totals[i][-1] - totals[i][-2] if len(totals.get(i, [])) > 1 else None,
            "Latest quarter": latest_quarter[i].quarter if i in latest_quarter else None,
            "Employment rate (%)": round(100 * latest_quarter[i].employment_rate, 1)
            if i in latest_quarter and latest_quarter[i].employment_rate is not None
            else None,
            "n (out-of-work clients)": latest_quarter[i].out_of_work if i in latest_quarter else None,
            "Sustained outcomes (26 weeks)": latest_quarter[i].sustained_26_weeks if i in latest_quarter else None,
        }
        for i in ids
    ]
).sort_values("Total", ascending=False, na_position="last")
st.subheader("League table")
st.caption(f"{len(ids)} services; reviews and quarters from {first_year} to {last_year}.")
# the table and every chart below
widgets.mixed_versions_notice(resources.pinned_scales(row.scale_hash for row in data.finals).values())
st.dataframe(
    league,
    hide_index=True,
    width="stretch",
    column_config={
        "Change": st.column_config.NumberColumn(format="%+d"),
        "Latest review": st.column_config.DateColumn(format="D MMM YYYY"),
    },
)
widgets.csv_download("Download the league table (CSV)", league, file_name="league-table.csv", key="compare:league:csv")
unsplit = sum(not p.job_starts_split for p in data.periods)
if unsplit:
    st.caption(f"{unsplit} of {len(data.periods)} outcome quarters here: {outcomes.UNSPLIT_NOTE}")


def fidelity_and_employment() -> None:
    """Fidelity total against the employment rate in the quarters after each review."""
    after = st.number_input("Quarters of outcomes after each review", 1, 4, 2, key="compare:after")
    pairs_all = resources.fidelity_outcome_pairs(after, include_self=include_self)
    shown = set(names.values())
    pairs = [p for p in pairs_all if p.service in shown and start <= p.review_date <= end]
    points = [
        {
            "service": p.service,
            "review date": p.review_date,
            "total": p.total,
            "rate": p.employment_rate,
            "n": p.out_of_work,
        }
        for p in pairs
    ]
    if len(points) >= 3:
        try:
            r = stats.pearson([p["total"] for p in points], [p["rate"] for p in points])
            fit = stats.least_squares([p["total"] for p in points], [p["rate"] for p in points])
            interval = f", 95% CI {r.low:.2f} to {r.high:.2f}" if r.low is not None else ""
            strength = "weak" if abs(r.r) < 0.3 else ("modest" if abs(r.r) < 0.5 else "strong")
            summary = f"r = {r.r:.2f}{interval}, n = {r.n} reviews: a {strength} association, not proof of cause"
            line = (fit.slope, fit.intercept)
        except stats.StatsError as error:
            summary, line = f"No correlation: {error}", None
        show(
            charts.fidelity_outcome_scatter(
                points, line=line, summary=summary, title="Fidelity against employment rate"
            ),
            pd.DataFrame(points),
            "fidelity-vs-employment",
        )
    else:
        st.info("Fewer than 3 reviews have outcome quarters after them for these filters.")


def items_across_sites() -> None:
    """The latest agreed score of every item at every site."""
    rows = [names[i] for i in data.latest_scores]
    grid = [[data.latest_scores[i].get(n) for n in range(1, 26)] for i in data.latest_scores]
    if rows:
        table = pd.DataFrame(grid, columns=[item_names[n] for n in range(1, 26)], index=rows).reset_index(
            names="Service"
        )
        means = table.drop(columns="Service").mean().sort_values()
        st.caption(
            "Weakest items across these sites (mean latest score): "
            + "; ".join(f"{name} {mean:.1f}" for name, mean in means.head(3).items())
        )
        show(
            charts.item_heatmap_figure(
                rows, [str(n) for n in range(1, 26)], grid, title="Latest agreed score per item and service"
            ),
            table,
            "item-heatmap",
        )
    else:
        st.info("No final review in this period.")


def bands_over_time() -> None:
    """Final reviews in each band, year by year."""
    band_rows = [{"year": row.visit_start.year, "band": row.band, "service": row.service} for row in data.finals]
    if band_rows:
        show(
            charts.band_distribution_figure(band_rows, bands, title="Final reviews by band and year"),
            pd.DataFrame(band_rows),
            "bands-over-time",
        )
    else:
        st.info("No final review in this period.")


def one_service_over_time() -> None:
    """One service's fidelity, outcomes and XmR chart over time."""
    one = st.selectbox("Service", ids, format_func=names.__getitem__, key="compare:one")
    mine = [row for row in data.finals if row.service_id == one]
    if mine:
        timeline = [{"date": r.visit_start, "total": r.total, "kind": r.kind_label, "band": r.band} for r in mine]
        show(
            charts.fidelity_over_time_figure(
                timeline,
                [(b.label, b.min, b.max) for b in frame.bands],
                title=f"Fidelity over time: {names[one]}",
            ),
            pd.DataFrame(timeline),
            "fidelity-over-time",
        )
    quarters = [p for p in data.periods if p.service_id == one and p.out_of_work > 0]
    events = outcomes.chart_events(
        [(r.visit_start, r.total, r.band) for r in mine], [day for service, day in data.actions_done if service == one]
    )
    if len(quarters) >= 2:
        labels = [p.quarter for p in quarters]
        charted = set(labels)
        events = [e for e in events if e.quarter in charted]  # marked where charted
        marked = {e.quarter: e.long for e in events}
        on_chart = [(e.quarter, e.short) for e in events]
        exact = [100 * (p.employment_rate or 0) for p in quarters]  # out_of_work > 0 for every quarter here
        rates = [round(r, 1) for r in exact]
        starts = [p.job_start_rate for p in quarters]
        sustained = [p.sustained_rate for p in quarters]
        if events:
            st.caption("Dotted lines mark the service's final reviews and the quarters improvement actions were done.")
        show(
            charts.outcome_rates_figure(
                labels,
                {
                    "Employment rate": [r / 100 for r in rates],
                    "Job-start rate": starts,
                    "Sustained-outcome rate": sustained,
                },
                benchmarks=outcomes.BENCHMARKS,
                bands=(
                    ("DWP comparison: job starts 35-45%", *outcomes.DWP_JOB_STARTS),
                    ("DWP comparison: sustained outcomes 21-30%", *outcomes.DWP_SUSTAINED),
                ),
                title=f"Employment outcomes against benchmarks: {names[one]}",
                events=on_chart,
            ),
            pd.DataFrame(
                {
                    "quarter": labels,
                    "employment rate (%)": rates,
                    "job-start rate (%)": [None if r is None else round(100 * r, 1) for r in starts],
                    "sustained-outcome rate (%)": [None if r is None else round(100 * r, 1) for r in sustained],
                    "marked": [marked.get(q, "") for q in labels],
                }
            ),
            "outcomes-benchmarks",
        )
        choices = [None, *range(stats.MIN_BASELINE, min(20, len(exact) - 1) + 1)]
        baseline = st.selectbox(
            "XmR limits from",
            choices,
            format_func=lambda n: "every quarter" if n is None else f"the first {n} quarters (a fixed baseline)",
            key="compare:baseline",
            help="Fix the mean and limits on a baseline of 12-20 quarters, to judge later quarters against it.",
            disabled=len(choices) == 1,
        )
        rebased = {quarter: reason for service, quarter, reason in data.rebases if service == one}
        starts = rebases.positions(list(rebased), labels)
        chart = stats.xmr(exact, baseline=baseline if baseline in choices else None, rebase_at=starts)
        if len(starts) < len(rebased):
            st.caption(
                f"{len(rebased) - len(starts)} rebase(s) fall outside these quarters or too near an end to start a period."
            )
        xmr_table = pd.DataFrame(
            {
                "quarter": labels,
                "employment rate (%)": rates,
                "moving range": [None, *(None if m is None else round(m, 1) for m in chart.moving_ranges)],
                "range left out of the limits": [None, *chart.screened],
                "special cause": ["; ".join(r) for r in chart.reasons],
                "marked": [marked.get(q, "") for q in labels],
                "new period": [rebased.get(q, "") if i in starts else "" for i, q in enumerate(labels)],
            }
        )
        show(
            spc_charts.xmr_figure(
                labels,
                exact,
                chart,
                title=f"Employment rate, XmR chart: {names[one]}",
                events=[
                    *on_chart,
                    *((labels[i], "New period: " + widgets.shorten(rebased[labels[i]])) for i in starts),
                ],
            ),
            xmr_table,
            "xmr",
        )
    else:
        st.info("This service needs at least two quarters of outcomes for trend charts.")


def funnel_plot() -> None:
    """Each service's employment rate against funnel limits."""
    pooled: dict[int, list[int]] = {}
    for p in data.periods:
        events_total = pooled.setdefault(p.service_id, [0, 0])
        events_total[0] += p.out_of_work_job_starts
        events_total[1] += p.out_of_work
    units = [{"service": names[i], "rate": e / n, "n": n, "events": e} for i, (e, n) in pooled.items() if n > 0]
    if units:
        target = stats.funnel_target([u["events"] for u in units], [u["n"] for u in units])
        sizes = [u["n"] for u in units]
        curve = [{"n": n, **vars(limits)} for n, limits in stats.funnel_curve(target, min(sizes), max(sizes))]
        for unit in units:
            unit["position"] = stats.funnel_position(unit["rate"], stats.funnel_limits(target, unit["n"]))
        st.caption(
            "Limits from the exact binomial distribution around the pooled rate (Spiegelhalter's method), drawn "
            f"from the smallest service shown ({min(sizes)} out-of-work clients) to the largest ({max(sizes)})."
        )
        show(
            spc_charts.funnel_figure(units, curve, target, title="Employment rate across services (funnel plot)"),
            pd.DataFrame(units),
            "funnel",
        )
    else:
        st.info("No outcome quarters in this period.")


TABS = ["Fidelity and employment", "Items across sites", "Bands over time", "One service over time", "Funnel plot"]
DRAW = [fidelity_and_employment, items_across_sites, bands_over_time, one_service_over_time, funnel_plot]


@st.fragment
def comparison_tabs() -> None:
    """Only the open tab's code runs and only its charts are sent; choosing a tab (or a control inside one) reruns
    just these tabs, not the league table above them."""
    for tab, draw in zip(st.tabs(TABS, key="compare:tab", on_change="rerun"), DRAW, strict=True):
        with tab:
            if tab.open:
                draw()


comparison_tabs()
