"""`lianping bench`: the one command that imports the `bench` package, and only when it runs
or builds its arguments (tests/test_architecture.py checks this)."""

from __future__ import annotations

import argparse

from application.settings import Settings


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from bench.runner import main as run_bench

    return run_bench(args)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bench.runner import add_arguments

    bench = commands.add_parser(
        "bench",
        help="benchmark a generated province on PostgreSQL (about 7 minutes): prints "
        "a table and writes bench/results.json (LIANPING_BENCH_POSTGRES_URL)",
    )
    add_arguments(bench)
    bench.set_defaults(handler=cmd_bench)
