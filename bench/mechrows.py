"""The ``mechanisms`` part's rows: each mechanism's end-to-end effect as the ratio on/off (the
product / the same server with that mechanism off), medians over rounds, with the per-round
ratios so a reader can tell an effect from noise."""

from __future__ import annotations

from typing import Any

from bench.mechanisms import REBUILT, gains, lag_percentile
from bench.report import Row, times
from bench.stats import median

WORKER_ONLY = ("no linger", "library subscription")  # variants whose API is the product's


def _rate(r: dict[str, Any]) -> float | None:
    return r["rate"] or None


def _api_cpu(r: dict[str, Any]) -> float | None:
    return r["cpu"].get("api")


def _worker_cpu(r: dict[str, Any]) -> float | None:
    return r["cpu"].get("projections")


def _lag_p50(r: dict[str, Any]) -> float | None:
    return lag_percentile([r], 50)


def _fmt(value: float | None, unit: str, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f} {unit}"


def mechanism_rows(found: dict[str, Any], app_gain: float | None = None) -> list[Row]:
    v = found["variants"]
    rows = []
    for label, off, note in (
        ("mechanism: aggregate cache + read guards, HTTP append on/off", "no cache",
         "off: LIANPING_AGGREGATE_CACHE_SIZE=0"),
        ("mechanism: group commit, HTTP append on/off", "no group commit",
         "off: LIANPING_GROUP_COMMIT=false; app.execute on/off (append part) "
         + times(app_gain)),
    ):
        on_rate, off_rate, ratio, ratios = gains(v, off, _rate)
        on_cpu, off_cpu, _, _ = gains(v, off, _api_cpu)
        rows.append(Row(
            label, _fmt(on_rate, "req/s"), _fmt(off_rate, "req/s"), _round(ratio),
            note=f"{note}; per round {ratios}; API CPU per write {_fmt(on_cpu, 'ms', 2)} on, "
                 f"{_fmt(off_cpu, 'ms', 2)} off; " + _errors(v, off)))
    noise = [round(r, 3) for off in WORKER_ONLY for r in gains(v, off, _rate)[3]]
    rows.append(Row(
        "  noise: HTTP append, product/the same API (worker-only variants)", "", "",
        _round(median(noise)) if noise else None,
        note=f"the linger and subscription rows are measured on the product's API server: its "
             f"rate ratios {noise} show what differs by chance"))
    on, off_value, ratio, ratios = gains(v, "no linger", _worker_cpu)
    rows.append(Row(
        "mechanism: runners' linger, worker CPU per write on/off (lower: it helps)",
        _fmt(on, "ms", 3), _fmt(off_value, "ms", 3), _round(ratio),
        note=f"read-model worker utime+stime per HTTP write under the write load; per round "
             f"{ratios}; lone-write lag p50/p99 {_lags(v['product'])} ms on, "
             f"{_lags(v['no linger'])} ms off"))
    on, off_value, ratio, ratios = gains(v, "library subscription", _lag_p50)
    cpu_on, cpu_off, cpu_ratio, _ = gains(v, "library subscription", _worker_cpu)
    rows.append(Row(
        "mechanism: custom subscription, read-model lag p50 on/off (lower: it helps)",
        _fmt(on, "ms", 1), _fmt(off_value, "ms", 1), _round(ratio),
        note=f"off: the library's PostgresSubscription (bench/worker.py); lone write answered "
             f"-> every read model applied it, p50/p99 {_lags(v['product'])} ms on, "
             f"{_lags(v['library subscription'])} ms off; per round {ratios}; worker CPU per "
             f"write {_fmt(cpu_on, 'ms', 3)} on, {_fmt(cpu_off, 'ms', 3)} off "
             f"({times(cpu_ratio)})"))
    rebuilt = found["rebuilds"]
    copy, plain = rebuilt["copy"], rebuilt["no copy"]
    speed = (None if not copy["events_per_second"] or not plain["events_per_second"]
             else round(copy["events_per_second"] / plain["events_per_second"], 3))
    rows.append(Row(
        f"mechanism: bulk COPY, rebuild of {REBUILT} on/off",
        _fmt(copy["events_per_second"], "events/s"), _fmt(plain["events_per_second"], "events/s"),
        speed, note=f"off: executemany upserts (BulkRows.copy); {copy['seconds']} s vs "
                    f"{plain['seconds']} s for {copy['events']:,} events, while served"))
    reads = copy["reads"] + plain["reads"]
    failed = copy["errors"] + plain["errors"]
    p99 = max((x for x in (copy["read_p99_ms"], plain["read_p99_ms"]) if x is not None),
              default=None)
    rows.append(Row(
        "mechanism: view generations, reads during a rebuild",
        f"errors {failed} of {reads}, p99 {p99} ms",
        note=f"the {REBUILT} read (audit filter) asked one at a time during both rebuilds "
             f"({copy['seconds'] + plain['seconds']:.1f} s); statuses "
             f"{sorted(set(copy['statuses'] + plain['statuses']))}; what it buys is "
             "availability (the serving generation answers until the switch), a guarantee, "
             "not a speed-up: rebuilding in place is not implemented to compare"))
    return rows


def _round(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio, 3)


def _lags(variant: list[dict[str, Any]]) -> str:
    return f"{lag_percentile(variant, 50)}/{lag_percentile(variant, 99)}"


def _errors(v: dict[str, list[dict[str, Any]]], off: str) -> str:
    count = sum(r["errors"] for name in ("product", off) for r in v[name])
    error = next((r["error"] for name in ("product", off) for r in v[name] if r["error"]), None)
    return f"errors {count}" + (f" ({error})" if error else "")
