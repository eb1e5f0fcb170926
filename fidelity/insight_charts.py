"""Plotly figures of the insight views (programme view, reviewer calibration), from plain rows. No Streamlit, no
database."""

from __future__ import annotations

import plotly.graph_objects as go

from fidelity import chart_style as style
from fidelity.chart_style import REFERENCE, plain, series_style
from fidelity.programme import NOT_REVIEWED

UNREVIEWED_BAR = {
    "marker": {"color": "#FFFFFF", "line": {"color": REFERENCE, "width": 1}},
    "text": NOT_REVIEWED,
    "textposition": "inside",
    "insidetextanchor": "middle",
    "textfont": {"color": style.TEXT},
}


def band_share_figure(rows: list[dict[str, object]], bands: list[str], *, title: str) -> go.Figure:
    """The share of the programme's services in each band, quarter by quarter (stacked to 100%)."""
    quarters = list(dict.fromkeys(str(r["quarter"]) for r in rows))
    bars = []
    for i, band in enumerate([*bands, NOT_REVIEWED]):
        shares = {str(r["quarter"]): r["share"] for r in rows if r["band"] == band}
        counts = {str(r["quarter"]): r["services"] for r in rows if r["band"] == band}
        bars.append(
            go.Bar(
                x=quarters,
                y=[None if shares.get(q) is None else 100 * float(shares[q]) for q in quarters],  # type: ignore[arg-type]
                customdata=[counts.get(q, 0) for q in quarters],
                name=band,
                **(UNREVIEWED_BAR if band == NOT_REVIEWED else style.band_bar(band, i)),
                hovertemplate="%{x}: %{y:.0f}% (%{customdata} services)<extra>" + plain(band) + "</extra>",
            )
        )
    return style.figure(
        bars,
        title={"text": plain(title)},
        barmode="stack",
        uniformtext={"minsize": 10, "mode": "hide"},
        xaxis_title="Quarter (each service's latest final review by its end)",
        yaxis_title="Services (%)",
        yaxis={"range": [0, 100]},
    )


def total_spread_figure(rows: list[dict[str, object]], *, good_from: int, title: str) -> go.Figure:
    """The median fidelity total per quarter with its interquartile range shaded, and where Good begins."""
    quarters = [str(r["quarter"]) for r in rows]
    traces = [
        go.Scatter(
            x=quarters, y=[r["q3"] for r in rows], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        ),
        go.Scatter(
            x=quarters,
            y=[r["q1"] for r in rows],
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(0, 114, 178, 0.18)",
            line={"width": 0},
            name="Interquartile range",
            hoverinfo="skip",
        ),
        go.Scatter(
            x=quarters,
            y=[r["median"] for r in rows],
            customdata=[[r["q1"], r["q3"], r["n"]] for r in rows],
            mode="lines+markers",
            name="Median total",
            hovertemplate="%{x}: median %{y:.1f} (IQR %{customdata[0]:.1f} to %{customdata[1]:.1f}, "
            "n = %{customdata[2]})<extra></extra>",
            **series_style(0),
        ),
    ]
    low = min([float(r["q1"]) for r in rows] + [good_from])  # type: ignore[arg-type]
    high = max([float(r["q3"]) for r in rows] + [good_from])  # type: ignore[arg-type]
    axis = (max(0.0, low - 8), high + 8)
    margin = {"l": 60, "r": 170, "t": 80, "b": 80}
    marks = style.labelled(
        [],
        [(f"Good fidelity from {good_from}", good_from, "dash")],
        axis=axis,
        gap=style.label_gap(axis, height=style.HEIGHT, margin=margin),
    )
    return style.figure(
        traces,
        marks,
        **style.ranged(title, x="Quarter", y="Fidelity total", axis=axis, margin=margin),
        legend={"orientation": "h", "y": -0.22},
    )


def agreement_over_time_figure(rows: list[dict[str, object]], *, title: str) -> go.Figure:
    """One reviewer's agreement quarter by quarter (fidelity.calibration.agreement_by_quarter): the mean over the
    quarter's reviews of exact and within-one agreement with the agreed scores and exact agreement with the other
    reviewer (as percentages), each point's number of reviews in its hover."""
    series = [
        ("Exact, with the agreed scores", "exact with agreed"),
        ("Within one point, with the agreed scores", "within one with agreed"),
        ("Exact, with the other reviewer", "exact with other"),
    ]
    traces = [
        go.Scatter(
            x=[r["quarter"] for r in rows],
            y=[100 * float(r[key]) for r in rows],  # type: ignore[arg-type]
            customdata=[r["reviews"] for r in rows],
            mode="lines+markers",
            name=name,
            hovertemplate="%{x}: %{y:.0f}% (mean of %{customdata} reviews)<extra>" + name + "</extra>",
            **series_style(i),
        )
        for i, (name, key) in enumerate(series)
    ]
    return style.figure(
        traces,
        title={"text": plain(title)},
        xaxis_title="Quarter of the visit",
        yaxis_title="Items (%), mean over the quarter's reviews",
        xaxis={"type": "category"},
        yaxis={"range": [0, 105]},
        legend={"orientation": "h", "y": -0.25},
    )


def signed_difference_figure(rows: list[dict[str, object]], *, title: str) -> go.Figure:
    """Mean signed difference from the agreed scores per principle (or item): right of 0 scores high."""
    groups = [plain(r["group"]) for r in rows]
    values = [float(r["mean difference"]) for r in rows]  # type: ignore[arg-type]
    bar = go.Bar(
        x=values,
        y=groups,
        orientation="h",
        customdata=[r["n"] for r in rows],
        marker={"color": [style.PALETTE[1] if v > 0 else style.PALETTE[0] for v in values]},
        hovertemplate="%{y}: %{x:+.2f} points (over %{customdata} item scores)<extra></extra>",
        name="Mean difference",
    )
    reach = max([abs(v) for v in values] + [1.0])
    return style.figure(
        [bar],
        title={"text": plain(title)},
        xaxis_title="Mean score less the agreed score (points per item)",
        xaxis={"range": [-reach - 0.1, reach + 0.1], "zeroline": True, "zerolinecolor": REFERENCE},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(320, 36 * len(rows) + 160),
        showlegend=False,
    )


def association_figure(rows: list[dict[str, object]], *, title: str) -> go.Figure:
    """Each item's (or principle's) rank correlation with the outcome as a dot with its 95% interval, strongest
    at the top; a filled dot holds once 25 tests at once are allowed for (false discovery rate under 5%)."""
    shown = [r for r in rows if r["rho"] is not None]
    traces = []
    looks = (
        (True, "False discovery rate under 5%", "circle"),
        (False, "Not once the number of tests is allowed for", "circle-open"),
    )
    for significant, name, symbol in looks:
        part = [r for r in shown if bool(r["significant"]) is significant]
        traces.append(
            go.Scatter(
                x=[r["rho"] for r in part],
                y=[plain(r["what"]) for r in part],
                mode="markers",
                name=name,
                marker={"color": style.PALETTE[0], "size": 10, "symbol": symbol, "line": {"width": 2}},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [float(r["high"]) - float(r["rho"]) for r in part],  # type: ignore[arg-type]
                    "arrayminus": [float(r["rho"]) - float(r["low"]) for r in part],  # type: ignore[arg-type]
                    "color": style.PALETTE[0],
                    "thickness": 1.5,
                },
                customdata=[[r["low"], r["high"], r["n"], r["q"]] for r in part],
                hovertemplate="%{y}: rho %{x:.2f} (95% CI %{customdata[0]:.2f} to %{customdata[1]:.2f}), "
                "n = %{customdata[2]}, q = %{customdata[3]:.3f}<extra></extra>",
            )
        )
    order = [plain(r["what"]) for r in shown]
    return style.figure(
        traces,
        title={"text": plain(title)},
        xaxis_title="Spearman's rank correlation with the outcome (95% interval)",
        xaxis={"range": [-1, 1], "zeroline": True, "zerolinecolor": REFERENCE, "zerolinewidth": 2},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(order)), "automargin": True},
        height=max(360, 26 * len(order) + 200),
        legend={"orientation": "h", "y": -0.12},
    )
