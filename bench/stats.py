"""Small numeric helpers: percentiles, medians and the ratio of a measurement to its baseline."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


@dataclass
class Rounds:
    """Interleaved rounds of a baseline and a subject, so slow drifts in the machine's load hit
    both alike: the ratio reported is the median of the per-round ratios."""

    baseline: list[float] = field(default_factory=list)
    subject: list[float] = field(default_factory=list)

    def add(self, baseline: float, subject: float) -> None:
        self.baseline.append(baseline)
        self.subject.append(subject)

    @property
    def ratios(self) -> list[float]:
        return [s / b for b, s in zip(self.baseline, self.subject, strict=True) if b > 0]

    @property
    def ratio(self) -> float | None:
        return median(self.ratios)

    def summary(self) -> dict[str, object]:
        return {
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "ratios": [round(r, 3) for r in self.ratios],
            "baseline": [round(b, 1) for b in self.baseline],
            "subject": [round(s, 1) for s in self.subject],
            "baseline_median": None if not self.baseline else round(median(self.baseline) or 0, 1),
            "subject_median": None if not self.subject else round(median(self.subject) or 0, 1),
        }
