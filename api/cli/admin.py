"""`lianping admin bootstrap` and `lianping demo`: the first admin, and the demo city."""

from __future__ import annotations

import argparse

from api.cli.common import open_app
from application.settings import Settings


def cmd_admin_bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.directory import bootstrap_admin

    app = open_app(settings)
    try:
        token = bootstrap_admin(app, args.account_id, args.name)
    finally:
        app.close()
    print(f"admin account {args.account_id} is ready; its new token:")
    print(token)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from application.demo import demo_passwords, demo_tokens, seed_demo

    app = open_app(settings)
    try:
        tokens = seed_demo(app)
        if tokens is None:
            print("the demo city is already seeded; fresh tokens:")
            tokens = demo_tokens(app)
        else:
            print(f"seeded the demo city up to position {app.recorder.max_notification_id()}")
        passwords = demo_passwords(app)
    finally:
        app.close()
    for account, token in tokens.items():
        print(f"{account}\t{token}")
    print("console sign-in (账号 / 密码):")
    for account, password in passwords.items():
        print(f"{account}\t{password}")
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = commands.add_parser("admin", help="administration").add_subparsers(
        dest="admin_command", required=True
    )
    bootstrap = admin.add_parser("bootstrap", help="create the first admin and print a token")
    bootstrap.add_argument("--account-id", required=True)
    bootstrap.add_argument("--name", required=True)
    bootstrap.set_defaults(handler=cmd_admin_bootstrap)

    demo = commands.add_parser("demo", help="seed a realistic demo city and print its tokens")
    demo.set_defaults(handler=cmd_demo)
