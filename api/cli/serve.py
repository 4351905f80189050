"""`lianping serve`: the HTTP API (uvicorn), optionally seeding the demo city first."""

from __future__ import annotations

import argparse
import os
import sys

from api.cli.common import open_app
from application.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from api.serve import ServeOptions, serve
    from application.demo import demo_passwords, demo_tokens, seed_demo
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
    # API processes never run read models: a child process does (api/read_model_process.py),
    # unless --no-projections leaves them to `lianping projections run` workers.
    os.environ["LIANPING_RUN_PROJECTIONS"] = "false"  # read by every uvicorn worker
    read_models = None if args.no_projections else settings
    serve(ServeOptions(args.host, args.port, args.workers, args.log_level), read_models)
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve", help="run the HTTP API (uvicorn) and, in a process of their own, the read models"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-projections",
        action="store_true",
        help="run no read models: leave them to `lianping projections run` workers",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo city on first start and print demo tokens (creates the signing "
        "key file when absent)",
    )
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)
