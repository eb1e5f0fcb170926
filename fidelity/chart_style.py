"""How the charts look and are labelled: colours with enough contrast, series told apart by more than colour, and
labels placed so none prints over another. Pure: Plotly layout dictionaries, no Streamlit."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

# Okabe-Ito's hues (told apart with the common forms of colour-blindness), darkened where needed so every one
# keeps 3:1 against white and against each band zone's fill (WCAG 1.4.11); series also differ by line and marker.
PALETTE = ["#0072B2", "#B34A00", "#007A5A", "#9A4A7E", "#000000", "#A36200", "#505A5F"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "hexagon"]
ZONE_EDGE = "#505A5F"  # the line between band zones
REFERENCE = "#505A5F"  # reference lines and their labels
LABEL_SIZE = 11
TEXT = "#0B0C0C"  # the theme's text colour (.streamlit/config.toml)


BAND_COLOURS = {"Exemplary": PALETTE[0], "Good": PALETTE[2], "Fair": PALETTE[5], "Not IPS": PALETTE[1]}


def band_bar(band: str, index: int) -> dict[str, object]:
    """A bar's look for a fidelity band (the `index`-th of its scale, for bands the app does not know): a solid
    fill that white text keeps 4.5:1 on, a white edge between stacked bands, and the band's name written inside
    wherever it fits, so bands are told apart without colour. (Plotly's pattern fills do not draw inside
    Streamlit's chart element, so they cannot carry the difference.)"""
    colour = BAND_COLOURS.get(band, PALETTE[index % len(PALETTE)])
    return {
        "marker": {"color": colour, "line": {"color": "#FFFFFF", "width": 1}},
        "text": band,
        "textposition": "inside",
        "insidetextanchor": "middle",
        "textfont": {"color": "#FFFFFF"},
    }


def series_style(index: int) -> dict[str, dict[str, object]]:
    """The line and marker of the index-th series: colour, dash and marker shape all differ."""
    colour = PALETTE[index % len(PALETTE)]
    return {
        "line": {"color": colour, "dash": DASHES[index % len(DASHES)]},
        "marker": {"color": colour, "symbol": SYMBOLS[index % len(SYMBOLS)], "size": 8},
    }


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def spread(levels: Sequence[float], *, gap: float, low: float, high: float) -> list[float]:
    """Heights for labels of `levels` (in their order) at least `gap` apart, each as near its level as the
    others allow, kept within low..high where there is room: labels that would print over each other move apart."""
    order = sorted(range(len(levels)), key=lambda i: levels[i])
    placed = [min(max(levels[i], low), high) for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    if placed and placed[-1] > high:
        placed[-1] = max(high, low + gap * (len(placed) - 1))
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    heights = [0.0] * len(levels)
    for rank, i in enumerate(order):
        heights[i] = placed[rank]
    return heights


Mark = tuple[dict[str, object], dict[str, object] | None]  # a layout shape and the annotation naming it, if any


def rect(low: float, high: float, *, fill: str, opacity: float = 1.0, yref: str = "y") -> dict[str, object]:
    """A shaded horizontal band across the plot, below the data."""
    return {
        "type": "rect",
        "yref": yref,
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


def line(y: float, *, dash: str, colour: str, width: float = 1, yref: str = "y") -> dict[str, object]:
    return {
        "type": "line",
        "xref": "paper",
        "yref": yref,
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": colour, "dash": dash, "width": width},
    }


def side_label(text: str, *, at: float, placed: float, yref: str = "y") -> dict[str, object]:
    """A label in the right margin at height `placed`, with a short leader to `at` on the plot's right edge."""
    return {
        "xref": "paper",
        "x": 1,
        "y": at,
        "yref": yref,
        "ax": 14,
        "axref": "pixel",
        "ay": placed,
        "ayref": yref,
        "xanchor": "left",
        "align": "left",
        "text": text,
        "showarrow": True,
        "arrowhead": 0,
        "arrowwidth": 1,
        "arrowcolor": REFERENCE,
        "font": {"size": LABEL_SIZE, "color": TEXT},
    }


def labelled(
    zones: Sequence[tuple[str, float, float, str, float]],
    lines: Sequence[tuple[str, float, str]],
    *,
    axis: tuple[float, float],
    gap: float,
    yref: str = "y",
) -> list[Mark]:
    """Zones (label, low, high, fill, opacity) and reference lines (label, level, dash), each named in the right
    margin; labels are moved apart so none prints over another, and a zone is named at the middle of the part of
    it that shows. `yref` names the y axis they belong to, for a chart of more than one panel."""
    bottom, top = axis
    middles = [(max(low, bottom) + min(high, top)) / 2 for _, low, high, _, _ in zones]
    levels = [*middles, *(level for _, level, _ in lines)]
    placed = spread(levels, gap=gap, low=bottom, high=top)
    marks: list[Mark] = []
    for (label, low, high, fill, opacity), middle, y in zip(zones, middles, placed, strict=False):
        marks.append(
            (
                rect(low, high, fill=fill, opacity=opacity, yref=yref),
                side_label(label, at=middle, placed=y, yref=yref),
            )
        )
    for (label, level, dash), y in zip(lines, placed[len(zones) :], strict=True):
        marks.append(
            (line(level, dash=dash, colour=REFERENCE, yref=yref), side_label(label, at=level, placed=y, yref=yref))
        )
    return marks


def event_marks(events: Sequence[tuple[str, str]]) -> list[Mark]:
    """A dotted vertical line at each event's quarter (a category of the x axis), named above the plot; labels
    of neighbouring events take turns at three heights so they do not print over each other."""
    return [
        (
            {
                "type": "line",
                "xref": "x",
                "x0": quarter,
                "x1": quarter,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": REFERENCE, "dash": "dot", "width": 1},
            },
            {
                "xref": "x",
                "x": quarter,
                "yref": "paper",
                "y": 1,
                "yshift": 2 + 19 * (i % 3),  # in pixels, whatever the plot's height: a label is about 17 px tall
                "yanchor": "bottom",
                "showarrow": False,
                "text": plain(label),
                "font": {"size": LABEL_SIZE - 1, "color": TEXT},
            },
        )
        for i, (quarter, label) in enumerate(events)
    ]


def plain(text: object) -> str:
    """User text for a chart label, title or hover: Plotly reads <b>, <a href>, <br> and the like as HTML,
    so `<` and `&` are written as entities, which it shows as typed."""
    return html.escape(str(text), quote=False)


def figure(
    data: list[Any], marks: Sequence[Mark] = (), *, notes: Sequence[dict[str, object]] = (), **layout: object
) -> go.Figure:
    """A figure built whole, layout and every band and line with it (and `notes`, annotations of their own).
    Plotly's add_shape re-checks every shape already there, and update_layout copies the layout: building a chart
    that way took 5-20 ms."""
    if marks or notes:
        layout |= {
            "shapes": [m[0] for m in marks],
            "annotations": [*(m[1] for m in marks if m[1] is not None), *notes],
        }
    return go.Figure(data=data, layout=dark_text(layout))


def dark_text(layout: dict[str, Any]) -> dict[str, Any]:
    """Axis, legend and title text in the page's text colour: Streamlit's chart theme draws it #808495, 3.8:1
    against white where text needs 4.5:1 (WCAG 1.4.3)."""
    dark = {"color": TEXT}
    panels = sorted({"xaxis", "yaxis", *(k for k in layout if re.fullmatch(r"[xy]axis\d+", k))})
    for name in panels if "polar" not in layout else ():
        axis = dict(layout.pop(name, None) or {})
        title = layout.pop(f"{name}_title", None)
        axis["title"] = {**({"text": title} if title is not None else {}), **axis.get("title", {}), "font": dark}
        axis["tickfont"] = dark
        layout[name] = axis
    if "polar" in layout:
        polar = dict(layout["polar"])
        polar["radialaxis"] = {**polar.get("radialaxis", {}), "tickfont": dark}
        polar["angularaxis"] = {**polar.get("angularaxis", {}), "tickfont": dark}
        layout["polar"] = polar
    layout["legend"] = {**(layout.get("legend") or {}), "font": dark}
    layout["title"] = {**(layout.get("title") or {}), "font": dark}
    return layout


def label_gap(axis: tuple[float, float], *, height: int, margin: dict[str, int]) -> float:
    """The height of one label line (18 px) in the y axis's units, for a plot `height` px tall."""
    plot = height - margin["t"] - margin["b"]
    return 18 * (axis[1] - axis[0]) / max(plot, 1)


HEIGHT = 460


def ranged(title: str, *, x: str, y: str, axis: tuple[float, float], margin: dict[str, int]) -> dict[str, object]:
    """The layout of a chart with a fixed y range and a known height, so its side labels can be spaced in pixels."""
    return {
        "title": {"text": plain(title)},
        "xaxis_title": x,
        "yaxis_title": y,
        "yaxis": {"range": list(axis)},
        "height": HEIGHT,
        "margin": margin,
    }
