"""Statistical process control charts from plain data, as NHSRplotthedots and the NHS's Making Data Count draw
them: the XmR chart with its moving-range panel, and the funnel plot. No Streamlit, no database."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from fidelity import chart_style as style
from fidelity.chart_style import LABEL_SIZE, PALETTE, REFERENCE, TEXT, plain, series_style
from fidelity.stats import RANGE_LIMIT, XmR, XmRPeriod

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
