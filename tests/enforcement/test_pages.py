"""Pure helpers of the console pages: highlighting matched spans, drawing charts."""

from __future__ import annotations

from ringfence.web.charts import bars, columns
from ringfence.web.enforcement.pages import highlight


def test_highlight_marks_the_spans_and_escapes_the_rest() -> None:
    findings = [
        {"field": "title", "start": 7, "end": 20},
        {"field": "title", "start": 9, "end": 12},  # inside the first: dropped
        {"field": "description", "start": 0, "end": 3},  # another field
        {"field": "title", "start": 30, "end": 99},  # beyond the text: dropped
        {"field": "title", "start": 0, "end": 6, "exception": "place_name: X"},
    ]
    out = str(highlight("<b>&c: Olympic rings!", findings))
    assert out == '<mark class="excepted">&lt;b&gt;&amp;c:</mark> <mark>Olympic rings</mark>!'


def test_charts_are_svg_with_a_title_and_escaped_labels() -> None:
    chart = str(bars("Top <sellers>", [("a<b", 3), ("c", 1)]))
    assert chart.startswith("<svg")
    assert "<title>Top &lt;sellers&gt;</title>" in chart
    assert "a&lt;b" in chart
    assert chart.count("<rect") == 2
    stacked = str(columns("Per day", ["2026-11-24", "2026-11-25"], [("x", [1, 0]), ("y", [2, 3])]))
    assert stacked.count("<rect") == 3 + 2  # three non-empty bars, two legend keys
