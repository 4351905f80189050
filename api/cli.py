"""The `lianping` command: serve, admin bootstrap, demo, projections, audit, bench."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from api import cli_audit, cli_projections
from api.cli_common import Command, open_app
from application.app import LianpingApp
from application.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from api.serve import ServeOptions, serve
    from application.demo import demo_passwords, seed_demo
    from application.keys import SigningKeyError, load_signing_key
    from application.usecases.directory import bootstrap_admin

    if args.demo:  # a trial on a fresh clone (make run): the key is created on first start
        settings = settings.model_copy(update={"create_signing_key": True})
    try:  # here, once, rather than as a traceback from every worker
        load_signing_key(settings.signing_key_file, create=settings.create_signing_key)
    except SigningKeyError as error:
        print(f"lianping: {error}", file=sys.stderr)
        return 2
    if args.demo:
        app = open_app(settings)
        try:
            seeded = seed_demo(app)
            tokens = seeded if seeded is not None else demo_tokens(app)
            admin_token = bootstrap_admin(app, "admin", "系统管理员")
            passwords = demo_passwords(app)
        finally:
            app.close()
        print(f"lianping serves on http://{args.host}:{args.port}  (API docs: /docs)")
        print(f"  admin       {admin_token}")
        for account, token in tokens.items():
            print(f"  {account:<11} {token}")
        print("console sign-in (账号 / 密码):")
        for account, password in passwords.items():
            print(f"  {account:<11} {password}")
        sys.stdout.flush()
    if args.no_projections:
        os.environ["LIANPING_RUN_PROJECTIONS"] = "false"  # read by every uvicorn worker
    serve(ServeOptions(args.host, args.port, args.workers, args.log_level))
    return 0


def demo_tokens(app: LianpingApp) -> dict[str, str]:
    from application.demo import demo_tokens as issue

    return issue(app)


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
    from application.demo import demo_passwords, seed_demo

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


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from bench.runner import main as run_bench

    return run_bench(args)


def _add_bench_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bench.runner import add_arguments

    bench = commands.add_parser(
        "bench",
        help="benchmark a generated province on PostgreSQL (about 6 minutes): prints "
        "a table and writes bench/results.json (LIANPING_BENCH_POSTGRES_URL)",
    )
    add_arguments(bench)
    bench.set_defaults(handler=cmd_bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lianping", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-projections",
        action="store_true",
        help="leave the read models to `lianping projections run` workers",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo city on first start and print demo tokens (creates the signing "
        "key file when absent)",
    )
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)

    admin = commands.add_parser("admin", help="administration").add_subparsers(
        dest="admin_command", required=True
    )
    bootstrap = admin.add_parser("bootstrap", help="create the first admin and print a token")
    bootstrap.add_argument("--account-id", required=True)
    bootstrap.add_argument("--name", required=True)
    bootstrap.set_defaults(handler=cmd_admin_bootstrap)

    demo = commands.add_parser("demo", help="seed a realistic demo city and print its tokens")
    demo.set_defaults(handler=cmd_demo)

    cli_audit.add_commands(commands)
    cli_projections.add_commands(commands)
    _add_bench_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    handler: Command = args.handler
    return handler(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
