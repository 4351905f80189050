"""The HTTP benchmark's rows: the append rate against raw inserts and against bench/ceiling.py's
routes, the server's CPU per write request against the raw-insert route's, and each read
under the write load against its p99 target."""

from __future__ import annotations

from typing import Any

from bench.reads import READ_TARGET_MS, READS
from bench.report import Row, errors, times
from bench.stats import median
from bench.web import PACED_RATE, HttpResult

CEILINGS = {  # name: (row, what bench/ceiling.py's app does)
    "no-op": ("  ceiling: a no-op route", "the same route, models and serving, no work"),
    "insert": ("  ceiling: + a raw insert", "the same, plus one durable single-row INSERT per "
               "request, as the baseline's"),
    "floor": ("  floor: lianping without the rating use case",
              "lianping's own app and read-model worker, its rating route authenticating and "
              "saving a new Rating, reading and checking nothing else"),
}
AGAINST_CEILING = 0.5  # issue 19: lianping's rate, or CPU, against the raw-insert route's


def http_rows(result: HttpResult, clients: int, workers: int,
              cpu: dict[str, dict[str, float | None]]) -> list[Row]:
    w, u = result.writes, result.writes_under_load
    return [
        Row.compare(
            "HTTP append (ratings)", result.append.summary(), "req/s", 0.25,
            note=f"{clients} clients, serve --workers {workers} (read models in a separate "
                 f"projection worker), no readers; p50/p99 {w['p50_ms']}/{w['p99_ms']} ms; "
                 + errors(w)),
        *[ceiling_row(result, name) for name in CEILINGS],
        Row.compare(
            "HTTP append vs the raw-insert route", result.against["insert"].summary(), "req/s",
            AGAINST_CEILING,
            note="the same load in the same rounds on bench/ceiling.py's route making one "
                 "prepared INSERT (issue 19)"),
        floor_row(result, cpu),
        *cpu_rows(cpu),
        *[under_load(READS[kind], found) for kind, found in result.reads.items()],
        *paced_rows(result),
        Row("peak RSS of the API processes",
            f"{max(result.peak_rss_mb.values(), default=0):.0f} MiB",
            note="per process (MiB): " + ", ".join(
                f"{v:.0f}" for v in result.peak_rss_mb.values())
                 + f"; the writes meanwhile: p50/p99 {u['p50_ms']}/{u['p99_ms']} ms, "
                 + errors(u)),
    ]


def ceiling_row(result: HttpResult, name: str) -> Row:
    phases = [(p["http_rate"], p["ceilings"][name]) for p in result.phases]
    share = median([rate / ceiling["rate"] for rate, ceiling in phases if ceiling["rate"]])
    found = {"errors": sum(c["errors"] for _, c in phases),
             "error": next((c["error"] for _, c in phases if c["error"]), None)}
    label, what = CEILINGS[name]
    return Row.compare(
        label, result.ceilings[name].summary(), "req/s", None,
        note=f"bench/ceiling.py: {what}; HTTP append is {times(share)} of it; " + errors(found))


def floor_row(result: HttpResult, cpu: dict[str, dict[str, float | None]]) -> Row:
    """What HTTP append could reach if the rating use case cost nothing: the floor's rate
    against the raw-insert route's, round by round."""
    phases = [p["ceilings"] for p in result.phases]
    shares = [c["floor"]["rate"] / c["insert"]["rate"] for c in phases if c["insert"]["rate"]]
    share, floor = median(shares), cpu["floor"]
    return Row(
        "  floor vs the raw-insert route",
        f"{median([c['floor']['rate'] for c in phases]) or 0:,.0f} req/s",
        f"{median([c['insert']['rate'] for c in phases]) or 0:,.0f} req/s",
        None if share is None else round(share, 3),
        note=f"bench/ceiling.py's floor; per round {[round(x, 3) for x in shares]}; CPU per "
             f"write: API {floor['api']} ms, read-model worker {floor['projections']} ms")


def cpu_rows(cpu: dict[str, dict[str, float | None]]) -> list[Row]:
    """Server CPU per write request, lianping's against the raw-insert route's: the API
    processes alone, then with the projection worker (the issue's target, >= 0.5 of the
    route, read as CPU: at most twice the route's)."""
    api, projections = cpu["lianping"]["api"], cpu["lianping"]["projections"]
    ceiling = cpu["insert"]["api"]
    both = None if api is None or projections is None else round(api + projections, 3)
    return [
        cpu_row("server CPU per write: API", api, ceiling,
                note="utime+stime (/proc) of the server and its uvicorn workers during the "
                     "write load, per request; baseline: the raw-insert route's server"),
        cpu_row("  + read-model worker", both, ceiling,
                note=f"plus the projection worker's {projections} ms per write (from the "
                     "load's start until the read models caught up)"),
    ]


def cpu_row(label: str, spent: float | None, ceiling: float | None, note: str) -> Row:
    ratio = None if not spent or ceiling is None else round(ceiling / spent, 3)
    return Row(label, "-" if spent is None else f"{spent:.2f} ms",
               "-" if ceiling is None else f"{ceiling:.2f} ms", ratio, f">= {AGAINST_CEILING}",
               None if ratio is None else ratio >= AGAINST_CEILING, note)


def paced_rows(result: HttpResult) -> list[Row]:
    """The same reads while the writes come at a meeting's pace (bench/web.py PACED_RATE)."""
    if not result.reads_paced:
        return []
    p = result.writes_paced
    rows = [Row(f"writes paced at {PACED_RATE:.0f}/s (reads below meanwhile)",
                f"{p.get('rate')} req/s",
                note=f"p50/p99 {p['p50_ms']}/{p['p99_ms']} ms; " + errors(p))]
    for kind, found in result.reads_paced.items():
        rows.append(under_load("  paced: " + READS[kind].split(": ", 1)[1], found))
    return rows


def under_load(label: str, found: dict[str, Any]) -> Row:
    """A read measured under the write load, against its p99 target (issues 14 and 16)."""
    p99 = found.get("p99_ms")
    return Row(label, f"p99 {p99} ms", target=f"<= {READ_TARGET_MS} ms",
               met=None if p99 is None else p99 <= READ_TARGET_MS,
               note=f"p50 {found.get('p50_ms')} ms, {found.get('ops')} reads, " + errors(found))
