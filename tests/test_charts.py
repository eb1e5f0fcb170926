"""Reference bands and lines on the charts: each named, at the right height, drawn once."""

from __future__ import annotations

from datetime import date

from fidelity import charts
from fidelity.stats import xmr

BANDS = [("Exemplary", 115, 125), ("Good", 100, 114), ("Fair", 74, 99), ("Not IPS", 25, 73)]


def _marks(figure) -> list[tuple[str, float, float, str]]:  # type: ignore[no-untyped-def]
    layout = figure.to_dict()["layout"]
    return [
        (shape["type"], shape["y0"], shape["y1"], note["text"])
        for shape, note in zip(layout["shapes"], layout["annotations"], strict=True)
    ]


def test_fidelity_over_time__one_zone_per_band_edge_to_edge() -> None:
    figure = charts.fidelity_over_time_figure(
        [{"date": date(2025, 3, 1), "total": 101, "kind": "final"}], BANDS, title="t"
    )
    assert _marks(figure) == [
        ("rect", 114.5, 125.5, "Exemplary"),
        ("rect", 99.5, 114.5, "Good"),
        ("rect", 73.5, 99.5, "Fair"),
        ("rect", 24.5, 73.5, "Not IPS"),
    ]
    assert figure.to_dict()["layout"]["shapes"][0]["layer"] == "below"


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


def test_xmr__mean_and_limits_named_lower_limit_not_below_zero() -> None:
    values = [2.0, 30.0, 2.0, 30.0, 2.0, 30.0]
    chart = xmr(values)
    assert chart.lower < 0
    marks = _marks(charts.xmr_figure([f"Q{i}" for i in range(6)], values, chart, title="t"))
    assert [m[3].split(" ")[0] for m in marks] == ["mean", "upper", "lower"]
    assert marks[0][1] == chart.mean and marks[1][1] == chart.upper and marks[2][1] == 0


def test_funnel__pooled_rate_line() -> None:
    curve = [{"n": n, "low95": 0.2, "high95": 0.6, "low998": 0.1, "high998": 0.7} for n in (10, 100)]
    figure = charts.funnel_figure([{"n": 50, "rate": 0.4, "service": "A"}], curve, 0.4, title="t")
    assert _marks(figure) == [("line", 40.0, 40.0, "pooled rate 40.0%")]
