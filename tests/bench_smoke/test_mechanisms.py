"""The ``mechanisms`` part in its quick form (issue 13): every mechanism is measured on and off
with no error, the read-model worker (swapped for each worker variant) found and caught up, and
each reported as a ratio row. Sane numbers only, never timing thresholds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bench import cpu, runner
from bench.mechanisms import VARIANTS

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

ROWS = (
    "mechanism: aggregate cache + read guards, HTTP append on/off",
    "mechanism: group commit, HTTP append on/off",
    "mechanism: runners' linger, worker CPU per write on/off (lower: it helps)",
    "mechanism: custom subscription, read-model lag p50 on/off (lower: it helps)",
    "mechanism: bulk COPY, rebuild of audit on/off",
)


def test_a_quick_mechanisms_run_measures_each_mechanism_on_and_off(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = argparse.Namespace(quick=True, only="mechanisms", out=out)
    assert runner.main(args) == 0
    results = json.loads(out.read_text())
    found = results["mechanisms"]
    rows = {row["name"]: row for row in results["rows"]}

    assert set(found["variants"]) == set(VARIANTS)
    for name, rounds in found["variants"].items():
        assert rounds, name
        for measured in rounds:
            assert measured["errors"] == 0, (name, measured["error"])
            assert measured["ops"] > 0 and measured["rate"] > 0, (name, measured)
            spent = measured["cpu"]
            assert spent["processes"][cpu.API] >= 1, (name, spent)
            if name in ("no cache", "no group commit"):  # their own API servers, no worker
                assert "projections" not in spent and not measured["lag_ms"], (name, measured)
                continue
            assert spent["processes"][cpu.PROJECTIONS] >= 1, (name, spent)  # worker found
            assert spent["caught_up"] is True, (name, spent)  # the worker held the locks
            assert measured["lag_ms"] and all(x > 0 for x in measured["lag_ms"]), name
    assert found["worker_swaps"] >= 3  # the product's, then each worker variant's
    for name in ROWS:
        assert rows[name]["ratio"] is not None and rows[name]["ratio"] > 0, rows[name]
    for name, rebuilt in found["rebuilds"].items():
        assert rebuilt["events"] > 0 and rebuilt["seconds"] > 0, name
        assert rebuilt["errors"] == 0, (name, rebuilt["statuses"])  # the old generation served
    assert rows["mechanism: view generations, reads during a rebuild"]["value"].startswith(
        "errors 0 of ")
