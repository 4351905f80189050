"""The benchmark harness end to end, on a tiny province with very short runs (`--quick`): it
measures nothing worth reading, but every part runs, answers without errors and is reported."""

from __future__ import annotations

from typing import Any

import pytest

from bench import report

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]


def test_a_quick_run_fills_every_row_and_writes_the_json(quick_results: dict[str, Any]) -> None:
    results = quick_results
    rows = {row["name"]: row for row in results["rows"]}

    assert results["verify"]["ok"] is True
    assert results["full_store"]["events"] > 500
    for name in ("verify (hash chain, whole log)", "append: rate via app.execute",
                 "append path alone (recorder)", "HTTP append (ratings)",
                 "  ceiling: a no-op route", "  ceiling: + a raw insert",
                 "  floor: lianping without the rating use case", "  floor vs the raw-insert route",
                 "  floor: reading + decoding alone"):
        assert rows[name]["ratio"] is not None and rows[name]["ratio"] > 0, name
    for phase in results["append"]["rounds"]:
        assert all(phase[k]["errors"] == 0 for k in phase if isinstance(phase[k], dict)), phase
    assert results["http"]["writes"]["errors"] == 0, results["http"]["writes"]
    assert results["http"]["writes"]["ops"] > 0
    for read in ("coverage_under_load", "subtree_flags_under_load"):  # issue 16
        assert results["http"][read]["errors"] == 0, results["http"][read]
        assert results["http"][read]["ops"] > 0, read
    for name in ("reads under load: province coverage", "reads under load: subtree flags"):
        assert rows[name]["value"].startswith("p99 "), rows[name]
    for phase in results["http"]["rounds"]:
        ceilings = phase["ceilings"]
        assert set(ceilings) == {"no-op", "insert", "floor"}, phase
        assert all(c["errors"] == 0 and c["ops"] > 0 for c in ceilings.values()), phase
    inserted = sum(phase["ceilings"]["insert"]["ops"] for phase in results["http"]["rounds"])
    assert results["http"]["ceiling_rows_inserted"] >= inserted  # (+ the warm-up's)
    assert results["rebuild_floor"]["events"] == results["full_store"]["events"]
    assert max(results["http"]["peak_rss_mb"].values()) > 0
    assert results["machine"]["cores"] >= 1 and results["machine"]["postgres"]
    assert 0 <= results["machine"]["cpu_stolen_percent"] <= 100


def test_stolen_cpu_is_the_steal_share_of_all_cpu_time_between_two_readings() -> None:
    before = {"user": 100, "system": 50, "idle": 800, "steal": 50}
    after = {"user": 400, "system": 100, "idle": 1250, "steal": 250}

    assert report.stolen_percent(before, after) == 20.0  # 200 of 1,000 ticks
    assert report.stolen_percent(after, after) is None
    assert set(report.cpu_ticks()) >= {"user", "idle", "steal"}
