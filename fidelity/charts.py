"""Plotly figures from plain data. No Streamlit, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from fidelity import chart_style as style
from fidelity.chart_style import (
    DASHES,
    HEIGHT,
    PALETTE,
    TEXT,
    ZONE_EDGE,
    plain,
    series_style,
)


def principle_profile_figure(
    profile: Mapping[str, float | None], *, previous: Mapping[str, float | None] | None = None, title: str
) -> go.Figure:
    """Mean item score (1-5) per IPS principle as a radar; the previous review as a dashed outline."""
    names = list(profile)
    axis_labels = [_wrap(name) for name in names]
    series = [("This review", profile, 0)]
    if previous:
        series.append(("Previous final review", previous, 1))  # drawn over this review's fill, so it shows
    traces = []
    for label, values, index in series:
        scores = [values.get(name) for name in names]
        traces.append(
            go.Scatterpolar(
                r=[*scores, scores[0]],
                theta=[*axis_labels, axis_labels[0]],
                customdata=[*names, names[0]],
                name=label,
                mode="lines+markers",
                **series_style(index),
                fill="toself" if index == 0 else None,
                hovertemplate="%{customdata}: %{r:.2f} (mean item score)<extra>" + label + "</extra>",
            )
        )
    return style.figure(
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
    return style.figure(
        [
            go.Bar(
                x=names,
                y=[maxima[n] for n in names],
                name="Maximum possible",
                marker={"color": "#EEEEEE", "line": {"color": ZONE_EDGE, "width": 1}},
            ),
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
    return style.figure(
        [
            go.Scatter(
                x=[w["week"] for w in weeks],
                y=[w["actions"] for w in weeks],
                name="Actions in the plan",
                mode="lines+markers",
                **series_style(1),
            ),
            go.Scatter(
                x=[w["week"] for w in weeks],
                y=[w["done"] for w in weeks],
                name="Actions done",
                mode="lines+markers",
                **series_style(0),
                fill="tozeroy",
            ),
        ],
        title={"text": plain(title)},
        xaxis_title="Week starting",
        yaxis_title="Number of actions",
        legend={"orientation": "h", "y": -0.2},
    )


BAND_FILLS = {"Exemplary": "#CDE3F5", "Good": "#D5EFE3", "Fair": "#FBEBC8", "Not IPS": "#F6D5CB"}


def fidelity_over_time_figure(
    points: list[dict[str, object]], bands: list[tuple[str, int, int]], *, title: str
) -> go.Figure:
    """Total fidelity score per review over time, on the band zones (label, min, max), each zone named and edged."""
    axis = (min(low for _, low, _ in bands) - 0.5, max(high for _, _, high in bands) + 0.5) if bands else (25, 125)
    margin = {"l": 70, "r": 130, "t": 80, "b": 60}
    zones = [
        (f"{label} ({low}-{high})", low - 0.5, high + 0.5, BAND_FILLS.get(label, "#EEEEEE"), 1.0)
        for label, low, high in bands
    ]
    marks = style.labelled(zones, [], axis=axis, gap=style.label_gap(axis, height=HEIGHT, margin=margin))
    marks += [
        (style.line(low - 0.5, dash="solid", colour=ZONE_EDGE), None) for _, low, _ in bands if low - 0.5 > axis[0]
    ]
    trace = go.Scatter(
        x=[p["date"] for p in points],
        y=[p["total"] for p in points],
        mode="lines+markers+text",
        text=[str(p["total"]) for p in points],
        textposition="top center",
        name="Total",
        **series_style(0),
        customdata=[p["kind"] for p in points],
        hovertemplate="%{x|%d %b %Y}: %{y} (%{customdata})<extra></extra>",
    )
    return style.figure(
        [trace],
        marks,
        **style.ranged(title, x="Review visit date", y="Total fidelity score (25-125)", axis=axis, margin=margin),
        showlegend=False,
    )


def outcome_rates_figure(
    quarters: list[str],
    rates: dict[str, list[float | None]],
    *,
    benchmarks: tuple[tuple[str, float], ...],
    bands: tuple[tuple[str, float, float], ...],
    title: str,
    events: Sequence[tuple[str, str]] = (),
) -> go.Figure:
    """Rates per quarter (as %) with benchmark lines and shaded comparison ranges, each named by source, and the
    service's reviews and completed improvement actions marked at their quarters (`events`)."""
    traces = [
        go.Scatter(
            x=quarters,
            y=[None if v is None else round(v * 100, 1) for v in values],
            name=label,
            mode="lines+markers",
            **series_style(i),
        )
        for i, (label, values) in enumerate(rates.items())
    ]
    axis = (0.0, 100.0)
    margin = {"l": 60, "r": 250, "t": 110 if events else 80, "b": 120}  # room above for the events' labels
    zones = [(_wrap(label, 34), low * 100, high * 100, "#DDDDDD", 0.45) for label, low, high in bands]
    lines = [(_wrap(label, 34), level * 100, DASHES[1 + i % 3]) for i, (label, level) in enumerate(benchmarks)]
    marks = style.labelled(zones, lines, axis=axis, gap=2 * style.label_gap(axis, height=HEIGHT, margin=margin))
    return style.figure(
        traces,
        [*marks, *style.event_marks(events)],
        **style.ranged(title, x="Quarter", y="Rate (%)", axis=axis, margin=margin),
        legend={"orientation": "h", "y": -0.3},
    )


LEGEND_LIMIT = 12


# Above this many points a scatter is drawn with WebGL: at national scale (2,205 reviews) the SVG scatter took the
# browser about 1 s to draw after the page's script had finished; WebGL about 0.3 s.
WEBGL_POINTS = 500


def fidelity_outcome_scatter(
    points: list[dict[str, object]], *, line: tuple[float, float] | None, summary: str, title: str
) -> go.Figure:
    """Fidelity total (x) against employment rate (y, %), one point per review, with the fitted line."""
    traces = []
    services = sorted({str(p["service"]) for p in points})
    if len(services) <= LEGEND_LIMIT:  # one coloured trace per service, named in the legend
        groups = [
            (s, [p for p in points if p["service"] == s], series_style(i)["marker"]) for i, s in enumerate(services)
        ]
    else:  # too many to tell apart: one trace, the service named on hover
        groups = [("Reviews", points, series_style(0)["marker"])]
    kind = go.Scattergl if len(points) > WEBGL_POINTS else go.Scatter
    for name, mine, marker in groups:
        traces.append(
            kind(
                x=[p["total"] for p in mine],
                y=[round(float(p["rate"]) * 100, 1) for p in mine],
                text=[plain(p["service"]) for p in mine],
                mode="markers",
                name=plain(name),
                marker=marker | {"opacity": 0.85 if len(groups) > 1 else 0.6},
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
    return style.figure(
        traces,
        title={"text": f"{plain(title)}<br><sup>{plain(summary)}</sup>"},
        xaxis_title="Fidelity total (25-125)",
        yaxis_title="Employment rate in the following quarters (%)",
    )


HEATMAP_NUMBERS = 40  # services up to which each cell also shows its score as a number


def item_heatmap_figure(
    services: list[str], items: list[str], scores: list[list[int | None]], *, title: str
) -> go.Figure:
    """Latest agreed score per item (columns) and service (rows), 1-5; low scores dark."""
    return style.figure(
        [
            go.Heatmap(
                z=np.array([[np.nan if v is None else v for v in row] for row in scores], dtype=float),
                x=items,
                y=[plain(s) for s in services],
                zmin=1,
                zmax=5,
                colorscale="Cividis",
                colorbar={"title": {"text": "score", "font": {"color": TEXT}}, "tickfont": {"color": TEXT}},
                texttemplate="%{z}" if len(services) <= HEATMAP_NUMBERS else None,  # not colour alone
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
    bars = []
    for i, band in enumerate(bands):
        counts = [sum(1 for r in rows if str(r["year"]) == y and r["band"] == band) for y in years]
        bars.append(go.Bar(x=years, y=counts, name=band, **style.band_bar(band, i)))
    return style.figure(
        bars,
        title={"text": plain(title)},
        barmode="stack",
        uniformtext={"minsize": 10, "mode": "hide"},
        xaxis_title="Year of review",
        yaxis_title="Final reviews",
    )
