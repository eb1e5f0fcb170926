"""Plotly figures from plain data. No Streamlit, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from fidelity import chart_style as style
from fidelity.chart_style import (
    DASHES,
    HEIGHT,
    LABEL_SIZE,
    PALETTE,
    REFERENCE,
    TEXT,
    ZONE_EDGE,
    plain,
    series_style,
)
from fidelity.stats import RANGE_LIMIT, XmR, XmRPeriod


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


XMR_HEIGHT = 640
XMR_MARGIN = {"l": 60, "r": 190, "t": 80, "b": 110}
XMR_PANELS = ((0.42, 1.0), (0.0, 0.27))  # the values above, their moving ranges below


def _panel_axis(values: list[float], levels: list[float], *, floor: float = 0.0) -> tuple[float, float]:
    low, high = min([*values, *levels]), max([*values, *levels])
    pad = max(1.0, (high - low) * 0.08)
    return max(floor, low - pad), high + pad


def _panel_gap(axis: tuple[float, float], panel: tuple[float, float], margin: dict[str, int]) -> float:
    """One label line (18 px) in a panel's y units."""
    pixels = (XMR_HEIGHT - margin["t"] - margin["b"]) * (panel[1] - panel[0])
    return 18 * (axis[1] - axis[0]) / max(pixels, 1)


def _period_segments(
    quarters: list[str], periods: Sequence[XmRPeriod], last: list[style.Mark], *, ranges: bool
) -> list[style.Mark]:
    """Confine the last period's labelled lines (`last`, changed in place) to its own quarters, and draw each
    earlier period's across its own: the mean and process limits, or (`ranges`) the mean moving range and upper
    range limit, whose first quarter is the period's second (a moving range needs the point before it)."""
    first = 1 if ranges else 0
    for shape, _ in last:
        shape |= {"xref": "x2" if ranges else "x", "x0": quarters[periods[-1].start + first], "x1": quarters[-1]}
    segments: list[style.Mark] = []
    for period in periods[:-1]:
        if period.end - period.start <= first:
            continue
        levels = (
            ((period.mean_moving_range, "solid"), (period.mean_moving_range * RANGE_LIMIT, "dash"))
            if ranges
            else ((period.mean, "solid"), (period.upper, "dash"), (max(period.lower, 0), "dash"))
        )
        span = {
            "xref": "x2" if ranges else "x",
            "x0": quarters[period.start + first],
            "x1": quarters[period.end - 1],
        }
        segments += [
            (style.line(level, dash=dash, colour=REFERENCE, yref="y2" if ranges else "y") | span, None)
            for level, dash in levels
        ]
    return segments


def xmr_figure(
    quarters: list[str], values: list[float], chart: XmR, *, title: str, events: Sequence[tuple[str, str]] = ()
) -> go.Figure:
    """Employment rate (%) per quarter with its mean, process limits and special-cause points; below it the moving
    ranges with their mean and upper range limit, the screened-out ranges marked and said to be left out."""
    mean, lower, upper, flags = chart.mean, chart.lower, chart.upper, chart.special_cause
    later = quarters[1:]
    dropped = [(q, m) for q, m, out in zip(later, chart.moving_ranges, chart.screened, strict=True) if out]
    periods = chart.periods or ()
    spans = [(p.start, p.end) for p in periods] if len(periods) > 1 else [(0, len(values))]
    traces = [
        go.Scatter(
            x=quarters[start:end],
            y=values[start:end],
            mode="lines+markers",
            name="Employment rate",
            legendgroup="rate",
            showlegend=number == 0,
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
            **series_style(0),
        )
        for number, (start, end) in enumerate(spans)  # the line breaks where the chart is rebased
    ]
    traces += [
        go.Scatter(
            x=[q for q, f in zip(quarters, flags, strict=True) if f],
            y=[v for v, f in zip(values, flags, strict=True) if f],
            mode="markers",
            name="Special cause",
            marker={"color": PALETTE[1], "size": 13, "symbol": "diamond-open", "line": {"width": 2}},
        ),
        go.Scatter(
            x=later,
            y=chart.moving_ranges,
            xaxis="x2",
            yaxis="y2",
            mode="lines+markers",
            name="Moving range",
            hovertemplate="%{x}: %{y:.1f} points<extra></extra>",
            line={"color": PALETTE[2], "dash": "solid"},
            marker={"color": PALETTE[2], "symbol": "square", "size": 7},
        ),
    ]
    if dropped:
        traces.append(
            go.Scatter(
                x=[q for q, _ in dropped],
                y=[m for _, m in dropped],
                xaxis="x2",
                yaxis="y2",
                mode="markers",
                name="Moving range left out of the limits",
                marker={"color": PALETTE[1], "size": 13, "symbol": "x-open", "line": {"width": 2}},
            )
        )
    levels = [
        (f"{label} {level:.1f}%", level, dash)
        for label, level, dash in (
            ("mean", mean, "solid"),
            ("upper process limit", upper, "dash"),
            ("lower process limit", max(lower, 0), "dash"),
        )
    ]
    ranges = [
        (f"mean range {chart.mean_moving_range:.1f}", chart.mean_moving_range, "solid"),
        (f"upper range limit {chart.upper_range_limit:.1f}", chart.upper_range_limit, "dash"),
    ]
    limits = [level for p in periods or [chart] for level in (p.upper, max(p.lower, 0))]  # type: ignore[list-item]
    axis = _panel_axis(values, limits)
    ranges_shown = [m for m in chart.moving_ranges if m is not None]  # None: across a rebase, in neither period
    range_axis = _panel_axis(ranges_shown, [p.mean_moving_range * RANGE_LIMIT for p in periods or [chart]])
    margin = XMR_MARGIN | {"t": 110 if events or chart.baseline else XMR_MARGIN["t"]}  # room for events' labels
    level_marks = style.labelled([], levels, axis=axis, gap=_panel_gap(axis, XMR_PANELS[0], margin))
    range_marks = style.labelled(
        [], ranges, axis=range_axis, gap=_panel_gap(range_axis, XMR_PANELS[1], margin), yref="y2"
    )
    if len(periods) > 1:  # each period's mean and limits across its own quarters; the last period's named
        level_marks += _period_segments(quarters, periods, level_marks, ranges=False)
        range_marks += _period_segments(quarters, periods, range_marks, ranges=True)
    marks = [*level_marks, *range_marks, *style.event_marks(events)]
    screened = sum(chart.screened)
    note = (
        f"Moving ranges: {screened} at or above {RANGE_LIMIT} x their mean left out before the limits were set"
        if screened
        else "Moving ranges: none at or above 3.267 x their mean, so none left out"
    )
    if len(periods) > 1:
        note = f"{len(periods)} periods: the mean and limits start again at each rebase. " + note
    elif chart.baseline:
        note = f"Limits from the first {chart.baseline} quarters, to {quarters[chart.baseline - 1]}. " + note
        marks.append(
            style.event_marks([(quarters[chart.baseline - 1], f"End of baseline ({chart.baseline} quarters)")])[0]
        )
    return style.figure(
        traces,
        marks,
        title={"text": plain(title)},
        height=XMR_HEIGHT,
        margin=margin,
        xaxis={"anchor": "y", "showticklabels": False, "matches": "x2"},
        yaxis={"domain": list(XMR_PANELS[0]), "range": list(axis), "title": {"text": "Employment rate (%)"}},
        xaxis2={"anchor": "y2", "title": {"text": "Quarter"}},
        yaxis2={"domain": list(XMR_PANELS[1]), "range": list(range_axis), "title": {"text": "Moving range"}},
        legend={"orientation": "h", "y": -0.17},
        notes=[
            {
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": XMR_PANELS[1][1] + 0.02,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "text": note,
                "font": {"size": LABEL_SIZE, "color": TEXT},
            }
        ],
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
                line={"color": REFERENCE, "dash": dash},
            )
        )
    traces.append(
        go.Scatter(
            x=[ns[0], ns[-1]] if ns else [],
            y=[target * 100] * (2 if ns else 0),
            mode="lines",
            name=f"Pooled rate {target:.1%}",
            line={"color": "#000000", "width": 1},
        )
    )
    traces.append(
        go.Scatter(
            x=[u["n"] for u in units],
            y=[round(float(u["rate"]) * 100, 1) for u in units],
            mode="markers",
            name="Services",
            text=[plain(u["service"]) for u in units],
            marker={"color": PALETTE[0], "size": 9, "line": {"color": "#FFFFFF", "width": 1}},
            hovertemplate="%{text}<br>n %{x}, %{y}%<extra></extra>",
        )
    )
    return style.figure(
        traces,
        title={"text": plain(title)},
        xaxis_title="Out-of-work clients in the period (n)",
        yaxis_title="Employment rate (%)",
    )
