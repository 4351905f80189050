"""The benchmark's answer: one table row per measurement (ratio to its same-run baseline, the raw
numbers, the target and whether it is met), printed and written as JSON."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg


@dataclass
class Row:
    name: str
    value: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @classmethod
    def compare(cls, name: str, summary: dict[str, Any], unit: str, target: float | None,
                note: str = "", at_least: bool = True) -> Row:
        ratio = summary.get("ratio")
        subject, baseline = summary.get("subject_median"), summary.get("baseline_median")
        if subject is None and summary.get("subject"):
            subject, baseline = summary["subject"][0], summary["baseline"][0]
        met = None
        if target is not None and ratio is not None:
            met = ratio >= target if at_least else ratio <= target
        return cls(
            name, f"{subject:,.0f} {unit}" if subject is not None else "-",
            f"{baseline:,.0f} {unit}" if baseline is not None else "-", ratio,
            "" if target is None else f"{'>=' if at_least else '<='} {target}", met, note,
        )


def errors(result: dict[str, Any]) -> str:
    return f"errors {result['errors']}" + (f" ({result['error']})" if result["error"] else "")


def times(gain: float | None) -> str:
    return "-" if gain is None else f"{gain:.2f}x"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "kernel": platform.release(), "load_average_at_start": os.getloadavg()}


def cpu_ticks() -> dict[str, int]:
    """The machine's CPU time so far, by kind (/proc/stat, clock ticks; empty if unreadable)."""
    kinds = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return {}
    return dict(zip(kinds, (int(f) for f in fields), strict=False))


def stolen_percent(before: dict[str, int], after: dict[str, int]) -> float | None:
    """The share of CPU time the hypervisor gave to other guests between two ``cpu_ticks``: on
    a shared host this is what makes two runs' ratios incomparable (the subjects are more
    CPU-bound than their baselines)."""
    spent = {k: after[k] - before[k] for k in before if k in after}
    total = sum(spent.values())
    return round(100 * spent.get("steal", 0) / total, 1) if total > 0 else None


def postgres_version(url: str) -> str:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def table(rows: list[Row]) -> str:
    header = ("benchmark", "lianping", "baseline", "ratio", "target", "met")
    cells = [header] + [
        (r.name, r.value, r.baseline, "" if r.ratio is None else f"{r.ratio:.3f}", r.target,
         {True: "yes", False: "NO", None: ""}[r.met])
        for r in rows
    ]
    widths = [max(_width(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("  ".join(_pad(text, widths[i]) for i, text in enumerate(line)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {r.name}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def write(path: Path, rows: list[Row], details: dict[str, Any]) -> None:
    document = {"rows": [asdict(r) for r in rows], **details}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
