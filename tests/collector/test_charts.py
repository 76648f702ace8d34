"""The collector's server-side charts: the data they are given is what they draw, escaped, without colour alone."""

import xml.etree.ElementTree as ElementTree

import pytest

from chefwrap.collector import charts

pytestmark = pytest.mark.fast  # in-process: the fast tier (docs/development.md)

SVG = "{http://www.w3.org/2000/svg}"


def points(svg: str) -> list:
    root = ElementTree.fromstring(svg)
    return [(element.get("data-series"), element.get("data-label"), float(element.get("data-value"))) for element in root.iter() if element.get("data-value")]


def test_a_line_chart_draws_every_value_it_is_given_and_skips_gaps():
    days = ["2026-11-01", "2026-11-02", "2026-11-03"]
    svg = charts.line_chart("runs", "Daily runs", days, [("knife node list", [3, 5, 8]), ("kitchen test", [None, 2, 0])], "runs")
    assert points(svg) == [
        ("knife node list", "2026-11-01", 3), ("knife node list", "2026-11-02", 5), ("knife node list", "2026-11-03", 8),
        ("kitchen test", "2026-11-02", 2), ("kitchen test", "2026-11-03", 0),
    ]
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Daily runs"
    labels = [element.text for element in root.iter(f"{SVG}text") if "axis-label" in (element.get("class") or "")]
    assert labels == ["runs", "day (UTC)"]


def test_series_differ_by_more_than_colour():
    days = [f"2026-11-0{day}" for day in range(1, 4)]
    svg = charts.line_chart("c", "t", days, [(f"s{n}", [1, 2, 3]) for n in range(4)], "runs")
    root = ElementTree.fromstring(svg)
    lines = [element.get("stroke-dasharray") for element in root.iter(f"{SVG}polyline")]
    shapes = [next(child.get("class") for child in group if "point" in (child.get("class") or "")) for group in root.iter(f"{SVG}g") if group.get("class") == "series"]
    assert len(set(lines)) == 4 and len(set(shapes)) == 4
    assert [element.text for element in root.iter(f"{SVG}text") if element.text in ("s0", "s1", "s2", "s3")] == ["s0", "s1", "s2", "s3"]


def test_a_bar_chart_marks_the_other_row_by_pattern_and_escapes_names():
    svg = charts.bar_chart("cookbooks", "Cookbooks", [("<script>x</script>", 4), ("other", 9)], "runs", other_label="other")
    assert "<script>" not in svg
    root = ElementTree.fromstring(svg)
    bars = [element for element in root.iter(f"{SVG}rect") if "bar" in (element.get("class") or "")]
    assert [(bar.get("data-label"), bar.get("data-value")) for bar in bars] == [("<script>x</script>", "4"), ("other", "9")]
    assert bars[1].get("fill").startswith("url(#") and "other" in bars[1].get("class")


def test_ticks_are_round_and_cover_the_top():
    assert charts._ticks(87) == [0, 25, 50, 75, 100]
    assert charts._ticks(0.37) == [0, 0.1, 0.2, 0.3, 0.4]
    assert charts._ticks(0) == [0, 1]


def test_the_names_at_the_lines_ends_never_overlap():
    days = ["2026-11-01", "2026-11-02"]
    svg = charts.line_chart("c", "t", days, [("a", [5, 100]), ("b", [5, 99]), ("c", [5, 98.5]), ("d", [5, 10])], "runs")
    heights = sorted(float(element.get("y")) for element in ElementTree.fromstring(svg).iter(f"{SVG}text") if element.get("class") == "series-name")
    assert len(heights) == 4 and all(lower - upper >= charts.LABEL_GAP for upper, lower in zip(heights, heights[1:]))
