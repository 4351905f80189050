"""`lianping projections run|rebuild|status`: the read-model worker and its maintenance."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from typing import Any

from api.reminders.process import start_reminders_in_background
from application.settings import Settings
from projections.registry import NAMES
from projections.runtime import rebuild_all, run_projections, status

READ_MODELS = NAMES


def _check(names: list[str]) -> None:
    unknown = sorted(set(names) - set(READ_MODELS))
    if unknown:
        raise SystemExit(
            f"lianping: unknown read model {', '.join(unknown)} "
            f"(read models: {', '.join(READ_MODELS)})"
        )


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    _check(args.names)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run_projections(settings, args.names or None, stop,
                    companions=[start_reminders_in_background])
    return 0


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """All the named read models (default: all) in one pass over the log; one line each."""
    _check(args.names)
    answer = rebuild_all(settings, args.names or None)
    for result in answer["read_models"].values():
        print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    rows: list[dict[str, Any]] = status(settings)
    print(f"{'read model':<14} {'generation':>10} {'position':>10} {'head':>10} {'lag':>8}  "
          "tables")
    for row in rows:
        tables = "current" if row["shape_current"] else "changed (rebuild due)"
        if row["rebuilding"]:
            tables = "rebuilding"
        print(
            f"{row['name']:<14} {row['generation']:>10} {row['position'] or 0:>10} "
            f"{row['head'] or 0:>10} {row['lag']:>8}  {tables}"
        )
    return 0


def _names_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"one or more of {', '.join(READ_MODELS)} (default: all)",
    )


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("projections", help="read-model worker and maintenance")
    sub = group.add_subparsers(dest="projections_command", required=True)

    run = sub.add_parser(
        "run",
        help="run the read models until stopped (a dedicated worker; "
        "several may run: each read model is processed by one at a time)",
    )
    _names_argument(run)
    run.set_defaults(handler=cmd_run)

    rebuild_cmd = sub.add_parser(
        "rebuild",
        help="fold the whole log into fresh tables (every named read model in one pass) "
        "while the current ones keep serving, then switch",
    )
    _names_argument(rebuild_cmd)
    rebuild_cmd.set_defaults(handler=cmd_rebuild)

    status_cmd = sub.add_parser("status", help="each read model's position and lag")
    status_cmd.set_defaults(handler=cmd_status)
