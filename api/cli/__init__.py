"""The `lianping` command: serve, admin bootstrap, demo, projections, audit, restore, bench.

Entry point ``api.cli:main``; one module of this package per command group."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from api.cli import admin, audit, bench, projections, reminders, serve
from api.cli.common import Command
from application.settings import Settings

GROUPS = (serve, admin, audit, projections, bench, reminders)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lianping", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    handler: Command = args.handler
    return handler(args, settings)
