"""Plotly figures from plain data. No Streamlit, no database."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from fidelity.stats import XmR

# Okabe-Ito: distinguishable with the common forms of colour-blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def principle_profile_figure(
    profile: Mapping[str, float | None], *, previous: Mapping[str, float | None] | None = None, title: str
) -> go.Figure:
    """Mean item score (1-5) per IPS principle as a radar; the previous review as a dashed outline."""
    names = list(profile)
    axis_labels = [_wrap(name) for name in names]
    series = [("This review", profile, "solid", PALETTE[0])]
    if previous:
        series.insert(0, ("Previous final review", previous, "dash", PALETTE[1]))
    traces = []
    for label, values, dash, colour in series:
        scores = [values.get(name) for name in names]
        traces.append(
            go.Scatterpolar(
                r=[*scores, scores[0]],
                theta=[*axis_labels, axis_labels[0]],
                customdata=[*names, names[0]],
                name=label,
                mode="lines+markers",
                line={"dash": dash, "color": colour},
                fill="toself" if dash == "solid" else None,
                hovertemplate="%{customdata}: %{r:.2f} (mean item score)<extra>" + label + "</extra>",
            )
        )
    return _figure(
        traces,
        title={"text": plain(title)},
        polar={"radialaxis": {"range": [0, 5], "tickvals": [1, 2, 3, 4, 5]}},
        showlegend=True,
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 110, "r": 110, "t": 130, "b": 60},
    )


def _wrap(text: str, width: int = 18) -> str:
    """Break a long axis label over lines so it is not clipped."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def section_subtotals_figure(subtotals: Mapping[str, int], maxima: Mapping[str, int], *, title: str) -> go.Figure:
    """Section subtotals as bars against each section's maximum."""
    names = list(subtotals)
    return _figure(
        [
            go.Bar(x=names, y=[maxima[n] for n in names], name="Maximum possible", marker_color="#D9D9D9"),
            go.Bar(
                x=names,
                y=[subtotals[n] for n in names],
                name="Score",
                marker_color=PALETTE[0],
                text=[subtotals[n] for n in names],
                textposition="outside",
            ),
        ],
        title={"text": plain(title)},
        barmode="overlay",
        xaxis_title="Section",
        yaxis_title="Points (sum of item scores)",
    )


def plan_progress_figure(weeks: list[dict[str, object]], *, title: str) -> go.Figure:
    """Actions in the plan and actions done, week by week."""
    return _figure(
        [
            go.Scatter(
                x=[w["week"] for w in weeks],
                y=[w["actions"] for w in weeks],
                name="Actions in the plan",
                mode="lines+markers",
                line={"color": PALETTE[1], "dash": "dash"},
            ),
            go.Scatter(
                x=[w["week"] for w in weeks],
                y=[w["done"] for w in weeks],
                name="Actions done",
                mode="lines+markers",
                line={"color": PALETTE[2]},
                fill="tozeroy",
            ),
        ],
        title={"text": plain(title)},
        xaxis_title="Week starting",
        yaxis_title="Number of actions",
        legend={"orientation": "h", "y": -0.2},
    )


Mark = tuple[dict[str, object], dict[str, object]]  # a layout shape and the annotation naming it


def _band(low: float, high: float, *, fill: str, label: str, opacity: float = 1.0, where: str = "left") -> Mark:
    """A shaded horizontal band across the plot, named at its side."""
    shape = {
        "type": "rect",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": low,
        "y1": high,
        "fillcolor": fill,
        "opacity": opacity,
        "line": {"width": 0},
        "layer": "below",
    }
    name = {
        "xref": "paper",
        "x": 0 if where == "left" else 1,
        "xanchor": "right",
        "y": high,
        "yanchor": "top",
        "text": label,
        "showarrow": False,
        "font": {"size": 10},
    }
    return shape, name


def _level(y: float, *, label: str, dash: str = "dash", colour: str = "#555555") -> Mark:
    """A horizontal reference line, named at its left end."""
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": colour, "dash": dash, "width": 1},
    }
    name = {
        "xref": "paper",
        "x": 0,
        "xanchor": "left",
        "y": y,
        "yanchor": "bottom",
        "text": label,
        "showarrow": False,
        "font": {"size": 10},
    }
    return shape, name


def plain(text: object) -> str:
    """User text for a chart label, title or hover: Plotly reads <b>, <a href>, <br> and the like as HTML,
    so `<` and `&` are written as entities, which it shows as typed."""
    return html.escape(str(text), quote=False)


def _figure(data: list[Any], marks: Sequence[Mark] = (), **layout: object) -> go.Figure:
    """A figure built whole, layout and every band and line with it. Plotly's add_shape re-checks every
    shape already there, and update_layout copies the layout: building a chart that way took 5-20 ms."""
    if marks:
        layout |= {"shapes": [m[0] for m in marks], "annotations": [m[1] for m in marks]}
    return go.Figure(data=data, layout=layout)


BAND_FILLS = {"Exemplary": "#CDE3F5", "Good": "#D5EFE3", "Fair": "#FBEBC8", "Not IPS": "#F6D5CB"}


def fidelity_over_time_figure(
    points: list[dict[str, object]], bands: list[tuple[str, int, int]], *, title: str
) -> go.Figure:
    """Total fidelity score per review over time, on the four band zones (label, min, max)."""
    traces = []
    marks = [
        _band(low - 0.5, high + 0.5, fill=BAND_FILLS.get(label, "#EEEEEE"), label=label) for label, low, high in bands
    ]
    traces.append(
        go.Scatter(
            x=[p["date"] for p in points],
            y=[p["total"] for p in points],
            mode="lines+markers+text",
            text=[str(p["total"]) for p in points],
            textposition="top center",
            name="Total",
            line={"color": PALETTE[0]},
            customdata=[p["kind"] for p in points],
            hovertemplate="%{x|%d %b %Y}: %{y} (%{customdata})<extra></extra>",
        )
    )
    return _figure(
        traces,
        marks,
        title={"text": plain(title)},
        xaxis_title="Review visit date",
        yaxis_title="Total fidelity score (25-125)",
        yaxis={"range": [25, 125]},
        showlegend=False,
        margin={"l": 90},
    )


def outcome_rates_figure(
    quarters: list[str],
    rates: dict[str, list[float | None]],
    *,
    benchmarks: tuple[tuple[str, float], ...],
    bands: tuple[tuple[str, float, float], ...],
    title: str,
) -> go.Figure:
    """Rates per quarter (as %) with benchmark lines and shaded comparison ranges, each named by source."""
    traces = []
    marks = [
        _band(low * 100, high * 100, fill="#DDDDDD", opacity=0.45, label=label, where="right")
        for label, low, high in bands
    ]
    for (label, values), colour in zip(rates.items(), PALETTE, strict=False):
        traces.append(
            go.Scatter(
                x=quarters,
                y=[None if v is None else round(v * 100, 1) for v in values],
                name=label,
                mode="lines+markers",
                line={"color": colour},
            )
        )
    for (label, level), dash in zip(benchmarks, ("dash", "dot", "dot", "dot"), strict=False):
        marks.append(_level(level * 100, label=label, dash=dash))
    return _figure(
        traces,
        marks,
        title={"text": plain(title)},
        xaxis_title="Quarter",
        yaxis_title="Rate (%)",
        yaxis={"range": [0, 100]},
        legend={"orientation": "h", "y": -0.2},
    )


LEGEND_LIMIT = 12


def fidelity_outcome_scatter(
    points: list[dict[str, object]], *, line: tuple[float, float] | None, summary: str, title: str
) -> go.Figure:
    """Fidelity total (x) against employment rate (y, %), one point per review, with the fitted line."""
    traces = []
    services = sorted({str(p["service"]) for p in points})
    if len(services) <= LEGEND_LIMIT:  # one coloured trace per service, named in the legend
        groups = [
            (s, [p for p in points if p["service"] == s], PALETTE[i % len(PALETTE)]) for i, s in enumerate(services)
        ]
    else:  # too many to tell apart by colour: one trace, the service named on hover
        groups = [("Reviews", points, PALETTE[0])]
    for name, mine, colour in groups:
        traces.append(
            go.Scatter(
                x=[p["total"] for p in mine],
                y=[round(float(p["rate"]) * 100, 1) for p in mine],
                text=[plain(p["service"]) for p in mine],
                mode="markers",
                name=plain(name),
                marker={"color": colour, "size": 8, "opacity": 0.8 if len(groups) > 1 else 0.5},
                showlegend=len(groups) > 1,
                hovertemplate="%{text}<br>total %{x}, employment %{y}%<extra></extra>",
            )
        )
    if line and points:
        xs = [min(float(p["total"]) for p in points), max(float(p["total"]) for p in points)]
        traces.append(
            go.Scatter(
                x=xs,
                y=[round((line[1] + line[0] * x) * 100, 2) for x in xs],
                mode="lines",
                name="Least-squares line",
                line={"color": "#000000", "dash": "dash"},
            )
        )
    return _figure(
        traces,
        title={"text": f"{plain(title)}<br><sup>{plain(summary)}</sup>"},
        xaxis_title="Fidelity total (25-125)",
        yaxis_title="Employment rate in the following quarters (%)",
    )


def item_heatmap_figure(
    services: list[str], items: list[str], scores: list[list[int | None]], *, title: str
) -> go.Figure:
    """Latest agreed score per item (columns) and service (rows), 1-5; low scores dark."""
    return _figure(
        [
            go.Heatmap(
                z=np.array([[np.nan if v is None else v for v in row] for row in scores], dtype=float),
                x=items,
                y=[plain(s) for s in services],
                zmin=1,
                zmax=5,
                colorscale="Cividis",
                colorbar={"title": {"text": "score"}},
                hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>",
            )
        ],
        title={"text": plain(title)},
        xaxis_title="Item",
        yaxis_title="Service",
        height=min(1400, max(400, 26 * len(services) + 180)),
        yaxis={"showticklabels": len(services) <= 50},  # beyond that, names would overlap: hover shows them
    )


def band_distribution_figure(rows: list[dict[str, object]], bands: list[str], *, title: str) -> go.Figure:
    """Number of final reviews in each band, per year."""
    years = sorted({str(r["year"]) for r in rows})
    colours = {"Exemplary": PALETTE[0], "Good": PALETTE[2], "Fair": PALETTE[1], "Not IPS": PALETTE[5]}
    return _figure(
        [
            go.Bar(
                x=years,
                y=[sum(1 for r in rows if str(r["year"]) == y and r["band"] == band) for y in years],
                name=band,
                marker_color=colours.get(band),
            )
            for band in bands
        ],
        title={"text": plain(title)},
        barmode="stack",
        xaxis_title="Year of review",
        yaxis_title="Final reviews",
    )


def xmr_figure(quarters: list[str], values: list[float], chart: XmR, *, title: str) -> go.Figure:
    """Employment rate (%) per quarter with mean, process limits, and special-cause points marked."""
    mean, lower, upper, flags = chart.mean, chart.lower, chart.upper, chart.special_cause
    traces = [
        go.Scatter(x=quarters, y=values, mode="lines+markers", name="Employment rate", line={"color": PALETTE[4]}),
        go.Scatter(
            x=[q for q, f in zip(quarters, flags, strict=True) if f],
            y=[v for v, f in zip(values, flags, strict=True) if f],
            mode="markers",
            name="Special cause",
            marker={"color": PALETTE[1], "size": 13, "symbol": "diamond"},
        ),
    ]
    marks = [
        _level(level, label=f"{label} {level:.1f}%", dash="solid" if label == "mean" else "dash")
        for level, label in ((mean, "mean"), (upper, "upper process limit"), (max(lower, 0), "lower process limit"))
    ]
    return _figure(
        traces, marks, title={"text": plain(title)}, xaxis_title="Quarter", yaxis_title="Employment rate (%)"
    )


def funnel_figure(
    units: list[dict[str, object]], curve: list[dict[str, float]], target: float, *, title: str
) -> go.Figure:
    """Employment rate (%) against number of out-of-work clients, with 95% and 99.8% funnel limits."""
    traces = []
    ns = [c["n"] for c in curve]
    for key, name, dash in (
        ("low998", "99.8% limits", "dot"),
        ("high998", None, "dot"),
        ("low95", "95% limits", "dash"),
        ("high95", None, "dash"),
    ):
        traces.append(
            go.Scatter(
                x=ns,
                y=[c[key] * 100 for c in curve],
                mode="lines",
                name=name or key,
                showlegend=name is not None,
                line={"color": "#777777", "dash": dash},
            )
        )
    traces.append(
        go.Scatter(
            x=[u["n"] for u in units],
            y=[round(float(u["rate"]) * 100, 1) for u in units],
            mode="markers",
            name="Services",
            text=[plain(u["service"]) for u in units],
            marker={"color": PALETTE[0], "size": 9},
            hovertemplate="%{text}<br>n %{x}, %{y}%<extra></extra>",
        )
    )
    return _figure(
        traces,
        [_level(target * 100, label=f"pooled rate {target:.1%}", dash="solid", colour="#000000")],
        title={"text": plain(title)},
        xaxis_title="Out-of-work clients in the period (n)",
        yaxis_title="Employment rate (%)",
    )
