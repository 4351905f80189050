"""`lianping audit …`: signed checkpoints, verification of the store and of exports, raw exports;
`lianping restore FILE`: an export back into an empty store."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from api.cli.common import Command, open_app
from application.settings import Settings
from application.usecases.integrity import CheckpointClaim


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

    app = open_app(settings)
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

    app = open_app(settings)
    try:
        page = checkpoint_store(app.recorder).newest_first(args.limit)
    finally:
        app.close()
    _print_json([c.as_json() for c in page])
    return 0


def cmd_audit_public_key(args: argparse.Namespace, settings: Settings) -> int:
    from application.keys import SigningKeyError, load_signing_key, public_key_hex

    try:
        key = load_signing_key(settings.signing_key_file)
    except SigningKeyError as error:
        print(f"lianping: {error}", file=sys.stderr)
        return 2
    print(public_key_hex(key))
    return 0


def cmd_audit_keygen(args: argparse.Namespace, settings: Settings) -> int:
    """Create the signing key file (0600); an existing one is never overwritten."""
    from application.keys import (
        SigningKeyError,
        create_signing_key,
        load_signing_key,
        public_key_hex,
    )

    path = settings.signing_key_file
    try:
        created = create_signing_key(path, exist_ok=args.if_absent)
        key = load_signing_key(path)
    except (SigningKeyError, OSError) as error:
        print(f"lianping: {error}", file=sys.stderr)
        return 2
    print(f"{'created' if created else 'kept the existing'} signing key {path} (mode 0600); "
          "public key:")
    print(public_key_hex(key))
    return 0


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.integrity import result_json, verify_store

    claim = _claim(args)
    app = open_app(settings)
    try:
        result = verify_store(app, claim)
    finally:
        app.close()
    _print_json(result_json(result))
    return 0 if result.ok else 1


def cmd_audit_verify_export(args: argparse.Namespace, settings: Settings) -> int:
    from application.store.export_file import verify_export_lines
    from application.usecases.integrity import result_json

    claim = _claim(args)
    try:
        with contextlib.ExitStack() as stack:
            lines = sys.stdin
            if args.file != "-":
                lines = stack.enter_context(open(args.file, encoding="utf-8"))
            checkpoint = None if claim is None else claim.pair
            result = verify_export_lines(lines, checkpoint, full=args.full or None)
    except (OSError, UnicodeDecodeError) as error:
        print(f"lianping: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    _print_json(result_json(result))
    return 0 if result.ok else 1


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.exports import export_lines

    app = open_app(settings)
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


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from application.usecases.restore import RestoreRefusedError, restore_file

    try:
        restored = restore_file(settings, args.file)
    except RestoreRefusedError as refused:
        _print_json(
            {"error": {"code": refused.code, "message": refused.message,
                       "details": refused.details}}
        )
        return 1
    except (OSError, UnicodeDecodeError) as error:
        print(f"lianping: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    _print_json(restored.as_json())
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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

    keygen = audit.add_parser(
        "keygen",
        help="create the signing key file LIANPING_SIGNING_KEY_FILE (0600); refuses to overwrite",
    )
    keygen.add_argument(
        "--if-absent", action="store_true", help="an existing key file is kept (exit 0)"
    )
    keygen.set_defaults(handler=cmd_audit_keygen)

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

    restore = commands.add_parser(
        "restore",
        help="load an `audit export` into an EMPTY store (same positions, hashes, timestamps); "
        "exit 0 restored, 1 refused (store not empty, or the file does not verify), 2 error",
    )
    restore.add_argument("file", metavar="FILE", help="the export written by `audit export`")
    restore.set_defaults(handler=_exit_2_on_errors(cmd_restore))
