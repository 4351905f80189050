"""The 民主测评 benchmark in its quick form: the storm (phones arriving over a second, each opening
its ballot page then casting, while the screens poll throughout) and the paper import run through
the real server without an error, and every ballot is counted."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bench import runner

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]


def test_a_quick_ballot_run_has_no_errors_and_counts_every_ballot(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = argparse.Namespace(quick=True, only="ballots", out=out)
    assert runner.main(args) == 0
    results = json.loads(out.read_text())
    ballots = results["ballots"]
    rows = {row["name"]: row for row in results["rows"]}

    assert ballots["storm_errors"] == 0, ballots["storm_error"]
    assert ballots["storm_casts"] == ballots["clients"]
    assert ballots["storm_p99_ms"] > 0 and ballots["page_p99_ms"] > 0
    assert ballots["storm_casts_per_second"] > 0 and ballots["storm_api_cpu_s"] > 0
    assert ballots["import_status"] == 201, ballots["import_answer"]
    assert ballots["import_answer"]["accepted"] == ballots["slips"]
    assert ballots["ratings_counted"] == ballots["ratings_expected"]
    assert "ballot storm (POST /ballots/{code})" in rows
    assert "paper ballots: import a sheet" in rows
    assert ballots["screen_errors"] == 0, ballots["screen_error"]
    # polled on a timer throughout the storm (about a second here), not once per screen
    assert ballots["screen_requests"] >= 2 * ballots["screens"]
    assert ballots["reveal_status"] == 200
    assert ballots["revealed_errors"] == 0, ballots["revealed_error"]
    assert ballots["revealed_requests"] == ballots["screens"] * 5
    assert "大屏 screen data during the storm (GET /cycles/{id}/screen)" in rows
