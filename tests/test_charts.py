"""The report's hand-drawn charts (kb/reports/charts.py, kb/templates/html/charts.j2): right is
better on the position strip, a missing value draws nothing, and the SVG escapes its labels."""

from __future__ import annotations

import re

from kb.reports.charts import Strip, StripRow, bar, position_strip
from kb.templating import environment


def draw(strip: Strip) -> str:
    return environment().from_string('{% import "charts.j2" as charts %}{{ charts.strip(s) }}').render(s=strip)


def median_x(strip: Strip) -> float:
    return next(t.x for t in strip.ticks if t.median)


def test_a_high_percentile_is_right_of_the_median_and_a_low_one_left() -> None:
    strip = position_strip([StripRow("R&D", region=90, peers=50, pilots=10)], "t")
    markers = {m.kind: m for m in strip.lines[0].markers}
    assert markers["region"].x > median_x(strip)
    assert markers["pilots"].x < median_x(strip)
    assert markers["peers"].x == median_x(strip)
    ticks = sorted(strip.ticks, key=lambda t: t.x)
    assert [t.label for t in ticks] == ["0", "25", "EU median", "75", "100"]


def test_rows_are_stacked_downwards_in_order() -> None:
    strip = position_strip([StripRow("a", 50, None, None), StripRow("b", 50, None, None)], "t")
    first, second = (line.markers[0] for line in strip.lines)
    assert first.y < second.y


def test_a_missing_value_draws_no_marker() -> None:
    strip = position_strip([StripRow("known", 40, 60, 55), StripRow("unknown", None, None, None)], "t")
    assert len(strip.lines[0].markers) == 3
    assert strip.lines[1].markers == () and strip.lines[1].no_data
    svg = draw(strip)
    assert re.findall(r"<title>(\w+): \d+</title>", svg) == ["pilots", "peers", "region"]
    assert svg.count("<circle") == 2  # the known row's region marker and the legend's
    assert svg.count(">no data</text>") == 1


def test_only_the_missing_series_is_left_out() -> None:
    strip = position_strip([StripRow("partial", 70, None, 30)], "t")
    assert sorted(m.kind for m in strip.lines[0].markers) == ["pilots", "region"]
    assert not strip.lines[0].no_data


def test_labels_are_escaped_in_the_svg() -> None:
    svg = draw(position_strip([StripRow("<script>x</script>", 50, 50, 50)], 'a "title" & <b>'))
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    assert "<b>" not in svg


def test_bar_is_clamped_and_labelled() -> None:
    assert bar(0.5).fill == 60 and bar(0.5).label == "50%"
    assert bar(1.7).fill == 120 and bar(-1).fill == 0


def test_a_trend_runs_left_to_right_in_time_and_up_with_the_value() -> None:
    from kb.reports.charts import trend_chart

    chart = trend_chart("GDP", [("region", "Here", ((2010, 80.0), (2015, 90.0), (2020, 85.0))),
                                ("eu", "EU-27", ((2010, 100.0), (2020, 100.0)))])
    here = next(line for line in chart.lines if line.kind == "region")
    points = [tuple(map(float, p.split(","))) for p in here.points.split()]
    assert [p[0] for p in points] == sorted(p[0] for p in points)  # later years further right
    assert points[1][1] < points[0][1] and points[1][1] < points[2][1]  # 90 is drawn highest
    eu = next(line for line in chart.lines if line.kind == "eu")
    assert all(float(p.split(",")[1]) < points[1][1] for p in eu.points.split())  # 100 above 90
    svg = environment().from_string('{% import "charts.j2" as c %}{{ c.trend(t) }}').render(t=chart)
    assert svg.count("<polyline") == 2 and "no data" not in svg


def test_a_trend_without_data_says_so() -> None:
    from kb.reports.charts import trend_chart

    chart = trend_chart("<b>x</b>", [("region", "Here", ())])
    svg = environment().from_string('{% import "charts.j2" as c %}{{ c.trend(t) }}').render(t=chart)
    assert "no data" in svg and "<b>" not in svg and "&lt;b&gt;" in svg
