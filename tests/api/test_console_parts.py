"""The console's parts without a server: where each task is done, the inline SVG charts, the
sign-in's next page, the labels."""

from __future__ import annotations

import pytest

from api.console import charts, labels, paths
from api.console.templating import ENV
from api.console.web import safe_next
from projections.tasks import KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_every_task_links_to_a_console_page_not_to_the_api(kind: str):
    task = {"kind": kind, "cycle_id": "jz-2026", "org_code": "jz-yc", "item_id": "I-1",
            "path": "/api/v1/cycles/jz-2026/participants/jz-yc/x"}

    page = paths.task_page(task)

    assert page.startswith("/") and not page.startswith("/api/")
    assert kind in labels.TASK_KINDS


def test_a_rating_task_leads_to_the_rating_form():
    task = {"kind": "rate", "cycle_id": "jz 2026", "org_code": "jz-yc", "path": ""}
    assert paths.task_page(task) == "/cycles/jz%202026/participants/jz-yc/rate"


def test_the_totals_chart_scales_to_100_points_and_colours_by_grade():
    rows = [{"org_name": "祁县", "total": "96.20", "grade": "good"},
            {"org_name": "一个名字很长的县级单位", "total": "48.1", "grade": "poor"},
            {"org_code": "x", "total": None, "grade": None}]

    chart = charts.totals_chart(rows)

    assert [round(b.width, 1) for b in chart.bars] == [round(0.962 * chart.plot_width, 1),
                                                       round(0.481 * chart.plot_width, 1), 0.0]
    assert [b.colour for b in chart.bars] == ["#2e7d4f", "#a61b1b", charts.NEUTRAL]
    assert chart.bars[1].label == "一个名字…" and chart.bars[2].label == "x"
    assert chart.ticks[-1][1] == "100"


def test_the_grade_distribution_counts_each_grade_in_order():
    rows = [{"grade": g} for g in ("average", "good", "average", "poor")]

    chart = charts.grade_distribution(rows)

    assert [(c.label, c.count) for c in chart.columns] == [("好", 1), ("较好", 0), ("一般", 2),
                                                           ("差", 1)]
    assert max(c.height for c in chart.columns) == chart.columns[2].height


@pytest.mark.parametrize(("given", "followed"), [
    ("/cycles?year=2026", "/cycles?year=2026"), (None, "/"), ("", "/"),
    ("//evil.example", "/"), ("https://evil.example", "/"), ("/\\evil", "/"),
])
def test_after_sign_in_only_paths_of_this_server_are_followed(given, followed):
    assert safe_next(given) == followed


def test_templates_escape_what_people_typed():
    template = ENV.from_string("{{ text }}")
    assert template.render(text="<script>alert(1)</script>") == \
        "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_unknown_error_codes_still_read_in_chinese():
    assert labels.error_message("csrf_failed").startswith("页面已过期")
    assert labels.error_message("no_such_code") == "操作未能完成（no_such_code）"
