"""`lianping reminders run-once`: evaluate the lights and deliver the due reminders once (the
background loop runs with the read models; this is for operators and tests)."""

from __future__ import annotations

import argparse
import json
import logging

from api.reminders.process import Reminders
from application.app import LianpingApp
from application.settings import Settings


def cmd_run_once(args: argparse.Namespace, settings: Settings) -> int:
    """One round; prints {enqueued, delivered, retrying, failed} as JSON."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = LianpingApp(settings)
    try:
        print(json.dumps(Reminders(app).run_once()))
    finally:
        app.close()
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("reminders", help="红黄灯 reminders (outbox and delivery)")
    sub = group.add_subparsers(dest="reminders_command", required=True)
    once = sub.add_parser(
        "run-once", help="evaluate the lights into the outbox and deliver what is due, once",
    )
    once.set_defaults(handler=cmd_run_once)
