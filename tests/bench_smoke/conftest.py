"""One quick benchmark run (`--quick`, replay, append and http) shared by the smoke tests that
read its results."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from bench import runner


@pytest.fixture(scope="session")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    args = argparse.Namespace(quick=True, only="replay,append,http", out=out)
    assert runner.main(args) == 0
    results: dict[str, Any] = json.loads(out.read_text())
    return results
