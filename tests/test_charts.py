"""Reference bands and lines on the charts: each named, at the right height, drawn once, their labels apart;
series told apart by more than colour, and every colour with enough contrast."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidelity import chart_style, charts, outcomes, spc_charts
from fidelity.stats import xmr

BANDS = [("Exemplary", 115, 125), ("Good", 100, 114), ("Fair", 74, 99), ("Not IPS", 25, 73)]


def _marks(figure) -> list[tuple[str, float, float, str]]:  # type: ignore[no-untyped-def]
    """Each named shape with its label (named ones come first; the edges between zones follow, unnamed)."""
    layout = figure.to_dict()["layout"]
    notes = layout.get("annotations", [])
    return [
        (shape["type"], shape["y0"], shape["y1"], note["text"])
        for shape, note in zip(layout.get("shapes", [])[: len(notes)], notes, strict=True)
    ]


def _label_heights(figure) -> list[float]:  # type: ignore[no-untyped-def]
    return sorted(note["ay"] for note in figure.to_dict()["layout"]["annotations"])


def test_fidelity_over_time__one_zone_per_band_edge_to_edge() -> None:
    figure = charts.fidelity_over_time_figure(
        [{"date": date(2025, 3, 1), "total": 101, "kind": "final"}], BANDS, title="t"
    )
    assert _marks(figure) == [
        ("rect", 114.5, 125.5, "Exemplary (115-125)"),
        ("rect", 99.5, 114.5, "Good (100-114)"),
        ("rect", 73.5, 99.5, "Fair (74-99)"),
        ("rect", 24.5, 73.5, "Not IPS (25-73)"),
    ]
    layout = figure.to_dict()["layout"]
    assert layout["shapes"][0]["layer"] == "below"
    edges = [shape["y0"] for shape in layout["shapes"] if shape["type"] == "line"]
    assert edges == [114.5, 99.5, 73.5]  # a line between zones; none at the axis's foot
    assert layout["yaxis"]["range"] == [24.5, 125.5]  # every zone, Exemplary too, shows whole
    assert [note["y"] for note in layout["annotations"]] == [120.0, 107.0, 86.5, 49.0]  # named at its middle


def test_outcome_rates__ranges_then_benchmark_lines_as_percent() -> None:
    figure = charts.outcome_rates_figure(
        ["2025-Q1", "2025-Q2"],
        {"Employment rate": [0.4, None]},
        benchmarks=(("IPS Grow 40%", 0.4), ("US 31%", 0.31)),
        bands=(("DWP 35-45%", 0.35, 0.45),),
        title="t",
    )
    assert _marks(figure) == [
        ("rect", 35.0, 45.0, "DWP 35-45%"),
        ("line", 40.0, 40.0, "IPS Grow 40%"),
        ("line", 31.0, 31.0, "US 31%"),
    ]
    assert list(figure.to_dict()["data"][0]["y"]) == [40.0, None]


def test_outcome_rates__the_shipped_benchmarks__no_label_prints_over_another() -> None:
    """The IPS Grow 40% and US average 41% lines are a point apart; their labels (and the DWP ranges') are not."""
    figure = charts.outcome_rates_figure(
        ["2025-Q1", "2025-Q2"],
        {"Employment rate": [0.4, 0.41], "Job-start rate": [0.3, 0.35], "Sustained-outcome rate": [0.2, 0.2]},
        benchmarks=outcomes.BENCHMARKS,
        bands=(("DWP job starts 35-45%", *outcomes.DWP_JOB_STARTS), ("DWP sustained 21-30%", *outcomes.DWP_SUSTAINED)),
        title="t",
    )
    layout = figure.to_dict()["layout"]
    pixels_per_point = (layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]) / 100
    heights = _label_heights(figure)
    assert len(heights) == 6
    two_lines = 2 * 16  # px: every label here wraps to at most two lines of 11 px text
    assert min(b - a for a, b in itertools.pairwise(heights)) * pixels_per_point >= two_lines
    assert all(note["text"].count("<br>") <= 1 for note in layout["annotations"])
    lines = [(trace["line"]["dash"], trace["marker"]["symbol"]) for trace in figure.to_dict()["data"]]
    assert len(set(lines)) == 3 and len({dash for dash, _ in lines}) == 3  # not colour alone


@given(
    st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=8),
    st.floats(min_value=0.5, max_value=10),
)
def test_spread__labels_a_gap_apart_in_their_order_and_in_range_when_there_is_room(
    levels: list[float], gap: float
) -> None:
    heights = chart_style.spread(levels, gap=gap, low=0, high=100)
    ordered = [heights[i] for i in sorted(range(len(levels)), key=lambda i: levels[i])]
    assert all(b - a >= gap - 1e-9 for a, b in itertools.pairwise(ordered))
    if gap * (len(levels) - 1) <= 100:
        assert all(-1e-9 <= h <= 100 + 1e-9 for h in heights)


def test_spread__labels_already_apart__stay_on_their_levels() -> None:
    assert chart_style.spread([50, 10, 30], gap=5, low=0, high=100) == [50, 10, 30]
    assert chart_style.spread([40, 41], gap=5, low=0, high=100) == [40, 45]
    assert chart_style.spread([99, 100], gap=5, low=0, high=100) == [95, 100]


def test_contrast__the_wcag_reference_values() -> None:
    assert chart_style.contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert chart_style.contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert chart_style.contrast("#FFFFFF", "#FFFFFF") == 1


@pytest.mark.parametrize("background", ["#FFFFFF", "#EEEEEE", *charts.BAND_FILLS.values()])
def test_colours__every_series_and_edge_keeps_3_to_1_against_the_page_and_each_zone(background: str) -> None:
    for colour in [*chart_style.PALETTE, chart_style.ZONE_EDGE, chart_style.REFERENCE]:
        assert chart_style.contrast(colour, background) >= 3, (colour, background)


def test_series_style__the_first_seven_differ_in_colour_dash_and_marker() -> None:
    styles = [chart_style.series_style(i) for i in range(7)]
    for part, field in (("line", "color"), ("line", "dash"), ("marker", "symbol")):
        values = [style[part][field] for style in styles[:6]]
        assert len(set(values)) == len(values), part


def _xmr_marks(figure) -> list[tuple[str, float, str]]:  # type: ignore[no-untyped-def]
    """Each reference line of an XmR chart: its panel's y axis, its level and its label."""
    layout = figure.to_dict()["layout"]
    named = [note for note in layout["annotations"] if note.get("showarrow")]
    return [(shape["yref"], shape["y0"], note["text"]) for shape, note in zip(layout["shapes"], named, strict=True)]


def test_xmr__mean_and_limits_named_lower_limit_not_below_zero() -> None:
    values = [2.0, 30.0, 2.0, 30.0, 2.0, 30.0]
    chart = xmr(values)
    assert chart.lower < 0
    figure = spc_charts.xmr_figure([f"Q{i}" for i in range(6)], values, chart, title="t")
    marks = _xmr_marks(figure)
    assert [(yref, text.split(" ")[0]) for yref, _, text in marks] == [
        ("y", "mean"), ("y", "upper"), ("y", "lower"), ("y2", "mean"), ("y2", "upper"),
    ]  # fmt: skip
    assert [level for _, level, _ in marks] == [chart.mean, chart.upper, 0, 28.0, pytest.approx(3.267 * 28)]
    labels = [n for n in figure.to_dict()["layout"]["annotations"] if n.get("showarrow")]
    for panel in ("y", "y2"):
        heights = sorted(n["ay"] for n in labels if n["ayref"] == panel)
        assert all(b - a > 0 for a, b in itertools.pairwise(heights)), panel  # apart, none over another


def test_xmr__moving_range_panel__screened_ranges_marked_and_said_to_be_left_out() -> None:
    values = [35.0, 36.0, 33.0, 34.0, 5.0]
    figure = spc_charts.xmr_figure([f"Q{i}" for i in range(5)], values, xmr(values), title="t").to_dict()
    left_out = [t for t in figure["data"] if t["name"] == "Moving range left out of the limits"]
    assert [(list(t["x"]), list(t["y"])) for t in left_out] == [(["Q4"], [29.0])]
    ranges = next(t for t in figure["data"] if t["name"] == "Moving range")
    assert (ranges["yaxis"], list(ranges["x"])) == ("y2", ["Q1", "Q2", "Q3", "Q4"])
    notes = [n["text"] for n in figure["layout"]["annotations"] if not n.get("showarrow")]
    assert notes == ["Moving ranges: 1 at or above 3.267 x their mean left out before the limits were set"]
    calm = spc_charts.xmr_figure(["Q1", "Q2", "Q3"], [30.0, 31.0, 30.0], xmr([30.0, 31.0, 30.0]), title="t").to_dict()
    assert not any(t["name"] == "Moving range left out of the limits" for t in calm["data"])
    assert [n["text"] for n in calm["layout"]["annotations"] if not n.get("showarrow")] == [
        "Moving ranges: none at or above 3.267 x their mean, so none left out"
    ]
    for axis in ("xaxis2", "yaxis2"):
        assert figure["layout"][axis]["tickfont"]["color"] == chart_style.TEXT


def test_funnel__pooled_rate_line() -> None:
    curve = [{"n": n, "low95": 0.2, "high95": 0.6, "low998": 0.1, "high998": 0.7} for n in (10, 100)]
    figure = spc_charts.funnel_figure([{"n": 50, "rate": 0.4, "service": "A"}], curve, 0.4, title="t")
    pooled = [trace for trace in figure.to_dict()["data"] if trace["name"].startswith("Pooled rate")]
    assert [(p["name"], list(p["x"]), list(p["y"])) for p in pooled] == [("Pooled rate 40.0%", [10, 100], [40.0, 40.0])]


def test_item_heatmap__each_cell_shows_its_score_as_a_number_until_too_many_services() -> None:
    def numbers(count: int) -> object:
        services = [f"S{i}" for i in range(count)]
        figure = charts.item_heatmap_figure(services, ["1"], [[3]] * count, title="t")
        return figure.to_dict()["data"][0].get("texttemplate")

    assert numbers(charts.HEATMAP_NUMBERS) == "%{z}"
    assert numbers(charts.HEATMAP_NUMBERS + 1) is None  # hover and the table view give the scores


def test_every_chart__axis_legend_and_title_text_in_the_page_text_colour() -> None:
    """Streamlit's chart theme greys axis text to #808495 (3.8:1); each chart sets its own, 4.5:1 or more."""
    curve = [{"n": n, "low95": 0.2, "high95": 0.6, "low998": 0.1, "high998": 0.7} for n in (10, 100)]
    cartesian = [
        charts.section_subtotals_figure({"Staffing": 12}, {"Staffing": 15}, title="t"),
        charts.plan_progress_figure([{"week": date(2026, 1, 5), "actions": 2, "done": 1}], title="t"),
        charts.fidelity_over_time_figure([{"date": date(2025, 3, 1), "total": 101, "kind": "final"}], BANDS, title="t"),
        charts.outcome_rates_figure(["2025-Q1"], {"Employment rate": [0.4]}, benchmarks=(), bands=(), title="t"),
        charts.fidelity_outcome_scatter(
            [{"service": "A", "total": 90, "rate": 0.3}], line=None, summary="s", title="t"
        ),
        charts.item_heatmap_figure(["A"], ["1"], [[3]], title="t"),
        charts.band_distribution_figure([{"year": 2025, "band": "Good"}], ["Good"], title="t"),
        spc_charts.xmr_figure(["Q1", "Q2"], [30.0, 40.0], xmr([30.0, 40.0]), title="t"),
        spc_charts.funnel_figure([{"n": 50, "rate": 0.4, "service": "A"}], curve, 0.4, title="t"),
    ]
    for figure in cartesian:
        layout = figure.to_dict()["layout"]
        for axis in ("xaxis", "yaxis"):
            assert layout[axis]["tickfont"]["color"] == layout[axis]["title"]["font"]["color"] == chart_style.TEXT
        assert layout["legend"]["font"]["color"] == layout["title"]["font"]["color"] == chart_style.TEXT
    radar = charts.principle_profile_figure({"A": 3.0}, title="t").to_dict()["layout"]
    assert radar["polar"]["angularaxis"]["tickfont"]["color"] == radar["polar"]["radialaxis"]["tickfont"]["color"]
    assert "xaxis" not in radar  # no empty grid drawn behind the radar
    assert chart_style.contrast(chart_style.TEXT, "#FFFFFF") >= 4.5


def test_band_bars__named_inside_in_white_text_at_4_5_to_1__no_pattern_fills() -> None:
    """Bands are told apart by the name written in each bar, not by colour (Plotly's patterns do not draw in
    Streamlit's chart element); the white text keeps 4.5:1 on every band's fill."""
    figure = charts.band_distribution_figure(
        [{"year": 2025, "band": band} for band in ("Good", "Fair", "Fair", "Not IPS", "Exemplary")],
        ["Exemplary", "Good", "Fair", "Not IPS"],
        title="t",
    ).to_dict()
    for bar in figure["data"]:
        assert bar["text"] == bar["name"] and bar["textposition"] == "inside"
        assert "pattern" not in bar["marker"]
        assert chart_style.contrast(bar["marker"]["color"], bar["textfont"]["color"]) >= 4.5


def test_outcome_charts__events_marked_at_their_quarter_and_named_above() -> None:
    events = [("2025-Q1", "Review 104 (Good)"), ("2025-Q2", "2 actions done")]
    rates = charts.outcome_rates_figure(
        ["2025-Q1", "2025-Q2"], {"Employment rate": [0.4, 0.5]}, benchmarks=(), bands=(), title="t", events=events
    ).to_dict()["layout"]
    lines = [(s["x0"], s["yref"], s["line"]["dash"]) for s in rates["shapes"] if s.get("xref") == "x"]
    assert lines == [("2025-Q1", "paper", "dot"), ("2025-Q2", "paper", "dot")]
    named = [(a["x"], a["text"]) for a in rates["annotations"] if a.get("xref") == "x"]
    assert named == events
    heights = [a["yshift"] for a in rates["annotations"] if a.get("xref") == "x"]
    assert heights[0] != heights[1]  # neighbours take turns at three heights, so their labels do not overlap
    values = [30.0, 35.0, 31.0]
    chart = xmr(values)
    xmr_layout = spc_charts.xmr_figure(["2025-Q1", "2025-Q2", "2025-Q3"], values, chart, title="t", events=events[:1])
    assert [a["text"] for a in xmr_layout.to_dict()["layout"]["annotations"] if a.get("xref") == "x"] == [
        "Review 104 (Good)"
    ]


def test_xmr__rebased__a_line_per_period__earlier_limits_across_their_own_quarters() -> None:
    values = [30.0, 31.5, 29.0, 30.5, 32.0, 29.5, 31.0, 40.0, 41.0, 39.5, 42.0, 40.5, 41.5]
    quarters = [f"Q{i}" for i in range(13)]
    chart = xmr(values, rebase_at=[7])
    figure = spc_charts.xmr_figure(quarters, values, chart, title="t", events=[("Q7", "New period: new specialist")])
    data, layout = figure.to_dict()["data"], figure.to_dict()["layout"]
    rate = [t for t in data if t["name"] == "Employment rate"]
    assert [list(t["x"]) for t in rate] == [quarters[:7], quarters[7:]]  # the line breaks at the rebase
    assert [t["showlegend"] for t in rate] == [True, False]
    segments = [(s["x0"], s["x1"], s["y0"]) for s in layout["shapes"] if s.get("xref") == "x" and s["type"] == "line"]
    first = chart.periods[0]
    assert ("Q0", "Q6", first.mean) in segments and ("Q0", "Q6", first.upper) in segments
    assert ("Q7", "Q12", chart.mean) in segments  # the last period's lines, named in the margin
    notes = [a["text"] for a in layout["annotations"]]
    assert any(n.startswith("2 periods: the mean and limits start again at each rebase.") for n in notes)
    assert "New period: new specialist" in notes
    ranges = next(t for t in data if t["name"] == "Moving range")
    assert ranges["y"][6] is None  # the range across the rebase is in neither period
    range_lines = [(s["x0"], s["x1"], s["y0"]) for s in layout["shapes"] if s.get("yref") == "y2"]
    assert sorted(range_lines) == sorted(
        [
            ("Q1", "Q6", first.mean_moving_range),  # an earlier period's moving ranges start at its second quarter
            ("Q1", "Q6", first.mean_moving_range * 3.267),
            ("Q8", "Q12", chart.mean_moving_range),
            ("Q8", "Q12", chart.upper_range_limit),
        ]
    )
