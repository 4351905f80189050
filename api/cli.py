"""The `lianping` command: serve, admin bootstrap, demo, projections, audit, bench."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence

from api import cli_projections
from application.app import LianpingApp
from application.settings import Settings
from application.usecases.integrity import CheckpointClaim

Command = Callable[[argparse.Namespace, Settings], int]


def _open_app(settings: Settings) -> LianpingApp:
    try:
        return LianpingApp(settings)
    except Exception as error:  # the store is down or misconfigured: say so plainly
        print(
            f"lianping: cannot open the store {settings.database_url!r}: {error}", file=sys.stderr
        )
        raise SystemExit(2) from error


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from application.demo import seed_demo
    from application.usecases.directory import bootstrap_admin

    if args.demo:
        app = _open_app(settings)
        try:
            seeded = seed_demo(app)
            tokens = seeded if seeded is not None else demo_tokens(app)
            admin_token = bootstrap_admin(app, "admin", "系统管理员")
        finally:
            app.close()
        print(f"lianping serves on http://{args.host}:{args.port}  (API docs: /docs)")
        print(f"  admin       {admin_token}")
        for account, token in tokens.items():
            print(f"  {account:<11} {token}")
        sys.stdout.flush()
    if args.no_projections:
        os.environ["LIANPING_RUN_PROJECTIONS"] = "false"  # read by every uvicorn worker
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,
    )
    return 0


def demo_tokens(app: LianpingApp) -> dict[str, str]:
    from application.demo import demo_tokens as issue

    return issue(app)


def cmd_admin_bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.directory import bootstrap_admin

    app = _open_app(settings)
    try:
        token = bootstrap_admin(app, args.account_id, args.name)
    finally:
        app.close()
    print(f"admin account {args.account_id} is ready; its new token:")
    print(token)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from application.demo import seed_demo

    app = _open_app(settings)
    try:
        tokens = seed_demo(app)
        if tokens is None:
            print("the demo city is already seeded; fresh tokens:")
            tokens = demo_tokens(app)
        else:
            print(f"seeded the demo city up to position {app.recorder.max_notification_id()}")
    finally:
        app.close()
    for account, token in tokens.items():
        print(f"{account}\t{token}")
    return 0


# -- audit: tamper evidence ---------------------------------------------------------------------


def _exit_2_on_errors(command: Command) -> Command:
    """A crash must not exit 1, which means "tampered" for the audit commands."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except Exception as error:
            print(f"lianping: {type(error).__name__}: {error}", file=sys.stderr)
            return 2

    return run


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _checkpoint_arg(text: str) -> CheckpointClaim:
    try:
        return CheckpointClaim.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _claim(args: argparse.Namespace) -> CheckpointClaim | None:
    """--checkpoint POS:HASH, or --checkpoint-file with a signed checkpoint object."""
    if args.checkpoint_file is None:
        claim: CheckpointClaim | None = args.checkpoint
        return claim
    try:
        with open(args.checkpoint_file, encoding="utf-8") as file:
            return CheckpointClaim.from_json(json.load(file))
    except (OSError, ValueError, AttributeError) as error:
        print(
            f"lianping: cannot read the checkpoint {args.checkpoint_file}: {error}", file=sys.stderr
        )
        raise SystemExit(2) from error


def cmd_audit_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.integrity import make_checkpoint
    from domain.errors import DomainError

    app = _open_app(settings)
    try:
        checkpoint, _ = make_checkpoint(app)
    except DomainError as error:
        _print_json(
            {"error": {"code": error.code, "message": error.message, "details": error.details}}
        )
        return 1 if error.code == "chain_broken" else 2
    finally:
        app.close()
    _print_json(checkpoint.as_json())
    return 0


def cmd_audit_checkpoints(args: argparse.Namespace, settings: Settings) -> int:
    from application.store.checkpoints import checkpoint_store

    app = _open_app(settings)
    try:
        page = checkpoint_store(app.recorder).newest_first(args.limit)
    finally:
        app.close()
    _print_json([c.as_json() for c in page])
    return 0


def cmd_audit_public_key(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from application.keys import load_or_create_signing_key, public_key_hex

    if not Path(settings.signing_key_file).exists():
        print(
            f"lianping: no signing key at {settings.signing_key_file} "
            "(LIANPING_SIGNING_KEY_FILE); the server creates it on first start",
            file=sys.stderr,
        )
        return 2
    print(public_key_hex(load_or_create_signing_key(settings.signing_key_file)))
    return 0


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.integrity import result_json, verify_store

    claim = _claim(args)
    app = _open_app(settings)
    try:
        result = verify_store(app, claim)
    finally:
        app.close()
    _print_json(result_json(result))
    return 0 if result.ok else 1


def cmd_audit_verify_export(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.exports import verify_export_lines
    from application.usecases.integrity import result_json

    claim = _claim(args)
    try:
        with contextlib.ExitStack() as stack:
            lines = sys.stdin
            if args.file != "-":
                lines = stack.enter_context(open(args.file, encoding="utf-8"))
            result = verify_export_lines(lines, claim, full=args.full or None)
    except (OSError, UnicodeDecodeError) as error:
        print(f"lianping: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    _print_json(result_json(result))
    return 0 if result.ok else 1


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.exports import export_lines

    app = _open_app(settings)
    try:
        with contextlib.ExitStack() as stack:
            out = sys.stdout
            if args.out not in (None, "-"):
                out = stack.enter_context(open(args.out, "w", encoding="utf-8"))
            for line in export_lines(app):
                out.write(line + "\n")
            out.flush()
    except OSError as error:
        print(f"lianping: cannot write the export: {error}", file=sys.stderr)
        return 2
    finally:
        app.close()
    return 0


def _add_audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser(
        "audit", help="tamper evidence: checkpoints, verification, full raw export"
    ).add_subparsers(dest="audit_command", required=True)

    checkpoint = audit.add_parser("checkpoint", help="sign the chain's head, keep and print it")
    checkpoint.set_defaults(handler=_exit_2_on_errors(cmd_audit_checkpoint))

    listing = audit.add_parser("checkpoints", help="print the kept checkpoints, newest first")
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(handler=_exit_2_on_errors(cmd_audit_checkpoints))

    key = audit.add_parser("public-key", help="print the public key checkpoints are signed with")
    key.set_defaults(handler=_exit_2_on_errors(cmd_audit_public_key))

    def checkpoint_options(parser: argparse.ArgumentParser) -> None:
        given = parser.add_mutually_exclusive_group()
        given.add_argument(
            "--checkpoint",
            type=_checkpoint_arg,
            metavar="POS:HASH",
            help="a checkpoint kept earlier: position and hash (hex)",
        )
        given.add_argument(
            "--checkpoint-file",
            metavar="FILE",
            help="a signed checkpoint (JSON, as GET /audit/checkpoint gives it); "
            "its signature is checked against this service's key",
        )

    verify = audit.add_parser(
        "verify", help="recompute the stored hash chain; exit 0 ok, 1 tampered, 2 error"
    )
    checkpoint_options(verify)
    verify.set_defaults(handler=_exit_2_on_errors(cmd_audit_verify))

    verify_export = audit.add_parser(
        "verify-export", help="verify an exported JSONL file offline; exit 0 ok, 1 bad, 2 error"
    )
    verify_export.add_argument("file", metavar="FILE", help="the export (- for stdin)")
    verify_export.add_argument(
        "--full", action="store_true", help="treat a header-less export as the whole log"
    )
    checkpoint_options(verify_export)
    verify_export.set_defaults(handler=_exit_2_on_errors(cmd_audit_verify_export))

    export = audit.add_parser(
        "export", help="write every stored row with its chain fields as JSONL (streamed)"
    )
    export.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=_exit_2_on_errors(cmd_audit_export))


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
        help="seed the demo city on first start and print demo tokens",
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

    _add_audit_commands(commands)
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
