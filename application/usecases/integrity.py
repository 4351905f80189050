"""Proof that history was not altered: signed checkpoints of the hash chain (on demand, periodic,
CLI), verification of the stored log against them, and full raw exports that verify offline.

The chain is described in application/store/chain.py, the signed checkpoint bytes in
application/store/checkpoints.py. Everything here runs in constant memory: rows are read in pages.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib
import itertools
import json
import logging
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

import domain
from application.app import LianpingApp, Outcome, Request
from application.principal import Principal, forbid
from application.store import chain
from application.store.chain import GENESIS, VerifyResult, link, verify_chain
from application.store.checkpoints import Checkpoint, checkpoint_store, raw_public_key
from application.store.records import ChainRow, IdempotencyRecord
from domain import ids
from domain.errors import RuleViolationError

log = logging.getLogger("lianping.integrity")

BAD_SIGNATURE = "bad_signature"
EXPORT_HEADER = "lianping_export"
EXPORT_FORMAT = 1
PAGE = 1000


# -- who may ---------------------------------------------------------------------------------------


def require_auditor(principal: Principal) -> None:
    """Inspectors of any scope and admins check the whole chain (API.md)."""
    if not (principal.is_admin or principal.roles("inspector")):
        raise forbid(
            "integrity checks are for inspectors and admins", "inspector_or_admin_required"
        )


# -- checkpoints -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointClaim:
    """A checkpoint handed in for verification: (position, hash), optionally signed."""

    position: int
    hash: bytes
    created_at: str | None = None
    signature: bytes | None = None
    public_key: bytes | None = None

    @classmethod
    def parse(cls, text: str) -> CheckpointClaim:
        """``POS:HASH`` (hash as 64 hex digits); ValueError otherwise."""
        position, _, hash_hex = text.strip().partition(":")
        if not position.isdigit() or int(position) < 1:
            raise ValueError(f"not POS:HASH with a position >= 1: {text[:80]!r}")
        return cls(int(position), _hex(hash_hex, 32, "hash"))

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CheckpointClaim:
        """A checkpoint object as GET /audit/checkpoint gives it (signature optional)."""
        position = obj.get("position")
        if not isinstance(position, int) or isinstance(position, bool) or position < 1:
            raise ValueError("checkpoint.position must be an integer >= 1")
        signature, public_key = obj.get("signature"), obj.get("public_key")
        return cls(
            position,
            _hex(obj.get("hash"), 32, "hash"),
            obj.get("created_at"),
            None if signature is None else _hex(signature, 64, "signature"),
            None if public_key is None else _hex(public_key, 32, "public_key"),
        )


def _hex(value: object, size: int, name: str) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise ValueError(f"{name} must be {size * 2} hex digits")
    return raw


def public_key(app: LianpingApp) -> bytes:
    return raw_public_key(app.signing_key)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _rows(recorder: Any, after: int = 0, through: int | None = None) -> Iterator[ChainRow]:
    """Stored rows after `after` up to `through`, a page at a time."""
    while True:
        page = recorder.chain_rows(after=after, limit=PAGE)
        for row in page:
            if through is not None and row.position > through:
                return
            yield row
        if len(page) < PAGE:
            return
        after = page[-1].position


def _verify_since(app: LianpingApp, anchor: Checkpoint, head: tuple[int, bytes]) -> VerifyResult:
    """The rows after an earlier signed checkpoint still link onto it, up to `head`."""
    rows = app.recorder.chain_rows(after=anchor.position - 1, limit=1)  # type: ignore[attr-defined]
    at = rows[0] if rows and rows[0].position == anchor.position else None

    def fail(position: int, code: str, reason: str) -> VerifyResult:
        return VerifyResult(False, None, position, f"{code}: {reason}", code)

    if at is None:
        code = chain.TAIL_TRUNCATED if head[0] < anchor.position else chain.ROW_DELETED
        return fail(anchor.position, code, f"row {anchor.position} of the last checkpoint is gone")
    if at.hash != anchor.hash:
        return fail(
            anchor.position,
            chain.CHECKPOINT_NOT_PREFIX,
            f"row {anchor.position} has another hash than the last checkpoint",
        )
    prev = anchor.hash
    for row in _rows(app.recorder, anchor.position, head[0]):
        try:
            expected = link(
                prev,
                row.position,
                row.originator_id,
                row.originator_version,
                row.topic,  # type: ignore[arg-type]
                row.state,  # type: ignore[arg-type]
            )
        except (TypeError, ValueError, AttributeError):
            expected = None
        if expected is None or expected != row.hash:
            return fail(
                row.position,
                chain.PAYLOAD_ALTERED,
                f"row {row.position} does not link onto the chain before it",
            )
        prev = expected
    return VerifyResult(True, head[0], None, None, None, prev)


def make_checkpoint(app: LianpingApp, now: datetime | None = None) -> tuple[Checkpoint, bool]:
    """Sign the head of the chain and keep it; (checkpoint, stored). The head is signed only once
    the rows since the previous checkpoint of ours (all rows, the first time) were recomputed and
    found to link; an unmoved head answers the checkpoint already taken."""
    head = app.recorder.chain_head()  # type: ignore[attr-defined]
    if head is None:
        raise RuleViolationError("empty_log", "the event log is empty: nothing to checkpoint yet")
    store = checkpoint_store(app.recorder)
    ours = public_key(app)
    latest = store.latest()
    anchor = latest if latest and latest.public_key == ours and latest.signature_valid() else None
    if anchor is not None and (anchor.position, anchor.hash) == head:
        return anchor, False
    if anchor is not None:
        result = _verify_since(app, anchor, head)
    else:
        result = verify_chain(_rows(app.recorder, 0, head[0]), head)
    if not result.ok:
        raise RuleViolationError(
            "chain_broken",
            f"the stored history does not verify, no checkpoint was signed: {result.reason}",
            result_json(result),
        )
    checkpoint = Checkpoint.sign(app.signing_key, head[0], head[1], _timestamp(now or app.now()))
    if store.insert(checkpoint):
        return checkpoint, True
    existing = store.at(checkpoint.position)
    if existing and existing.hash == checkpoint.hash and existing.signature_valid(ours):
        return existing, False  # another process signed the same head first
    raise RuleViolationError(
        "checkpoint_conflict",
        f"a checkpoint at position {checkpoint.position} is stored that this service did not "
        "sign for this hash",
        existing.as_json() if existing else None,
    )


def take_checkpoint(app: LianpingApp, request: Request) -> dict[str, Any]:
    require_auditor(request.principal)
    return make_checkpoint(app)[0].as_json()


def list_checkpoints(
    app: LianpingApp, request: Request, limit: int = 100, after: int | None = None
) -> dict[str, Any]:
    """Newest first; ``after`` is the ``next_after`` of the previous page (a position)."""
    require_auditor(request.principal)
    page = checkpoint_store(app.recorder).newest_first(limit + 1, before=after)
    more = len(page) > limit
    page = page[:limit]
    return {
        "checkpoints": [c.as_json() for c in page],
        "next_after": page[-1].position if more else None,
        "public_key": public_key(app).hex(),
    }


# -- periodic checkpoints --------------------------------------------------------------------------

Clock = Callable[[], datetime]
Wait = Callable[[threading.Event, float], bool]


def _wait(stop: threading.Event, seconds: float) -> bool:
    return stop.wait(seconds)


def checkpoint_if_due(app: LianpingApp, interval: float, now: datetime) -> Checkpoint | None:
    """Take a checkpoint unless one was taken less than half an interval ago (by this process or
    another one on the same store): several processes each ticking every interval store at most
    about one per interval, and never two for one head. Returns the checkpoint stored, if any."""
    latest = checkpoint_store(app.recorder).latest()
    if latest is not None:
        try:
            age = (now - datetime.fromisoformat(latest.created_at)).total_seconds()
        except (TypeError, ValueError):
            age = interval
        if 0 <= age < interval / 2:
            return None
    if app.recorder.chain_head() is None:  # type: ignore[attr-defined]
        return None
    checkpoint, stored = make_checkpoint(app, now)
    return checkpoint if stored else None


def start_periodic_checkpoints(
    app: LianpingApp,
    interval: float | None = None,
    *,
    clock: Clock | None = None,
    wait: Wait = _wait,
) -> Callable[[], None]:
    """Checkpoint now and then every `interval` seconds (default:
    settings.checkpoint_interval_seconds; <= 0 disables) in a daemon thread; returns the function
    that stops it. Restarts and several processes are safe: see checkpoint_if_due.
    `wait(stop, seconds)` returns True to stop (tests inject one that advances `clock`)."""
    seconds = float(app.settings.checkpoint_interval_seconds if interval is None else interval)
    if seconds <= 0:
        return lambda: None
    now = clock or app.now
    stop = threading.Event()

    def tick() -> None:
        try:
            checkpoint = checkpoint_if_due(app, seconds, now())
        except RuleViolationError as refused:  # chain_broken: say so at every tick
            log.error("periodic checkpoint refused: %s", refused.message)
        except Exception:  # the store may be down for a while: keep ticking
            log.exception("periodic checkpoint failed")
        else:
            if checkpoint is not None:
                log.info("checkpoint at position %d", checkpoint.position)

    def run() -> None:
        tick()
        while not wait(stop, seconds):
            tick()

    thread = threading.Thread(target=run, name="lianping-checkpoints", daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=30)

    return stopper


# -- verification ----------------------------------------------------------------------------------


def result_json(result: VerifyResult) -> dict[str, Any]:
    body = {
        "ok": result.ok,
        "verified_through": result.verified_through,
        "first_bad_position": result.first_bad_position,
        "reason": result.reason,
        "code": result.code,
        "verified_hash": None if result.verified_hash is None else result.verified_hash.hex(),
    }
    if isinstance(result, ExportVerifyResult):
        body.update(
            scope=result.scope, rows=result.rows, checkpoint_checked=result.checkpoint_checked
        )
    return body


def signature_problem(app: LianpingApp, claim: CheckpointClaim) -> str | None:
    """Why a signed checkpoint is not one of ours (None when its signature holds)."""
    ours = public_key(app)
    if claim.public_key is not None and claim.public_key != ours:
        return (
            f"the checkpoint was signed with key {claim.public_key.hex()}, not this "
            f"service's key {ours.hex()}"
        )
    if claim.signature is None:
        return None
    if not isinstance(claim.created_at, str):
        return "a signed checkpoint needs its created_at (the signature covers it)"
    candidate = Checkpoint(claim.position, claim.hash, claim.created_at, claim.signature, ours)
    if not candidate.signature_valid():
        return (
            "the signature does not hold for this position, hash and created_at under this "
            f"service's key {ours.hex()}"
        )
    return None


def verify_store(app: LianpingApp, claim: CheckpointClaim | None = None) -> VerifyResult:
    """Recompute the whole stored chain (and the checkpoint's prefix). A signed checkpoint whose
    signature does not hold under our key is refused before anything is recomputed."""
    if claim is not None:
        problem = signature_problem(app, claim)
        if problem is not None:
            return VerifyResult(False, None, None, f"{BAD_SIGNATURE}: {problem}", BAD_SIGNATURE)
    checkpoint = None if claim is None else (claim.position, claim.hash)
    return chain.verify_recorder(app.recorder, checkpoint)  # type: ignore[arg-type]


def verify(app: LianpingApp, request: Request, claim: CheckpointClaim | None = None) -> Outcome:
    """POST /audit/verify. Records nothing but, under an Idempotency-Key, the answer itself, so
    that a retry gets the same answer (the command runner replays it)."""
    require_auditor(request.principal)
    result = verify_store(app, claim)
    body = {
        **result_json(result),
        "checkpoint": None
        if claim is None
        else {
            "position": claim.position,
            "hash": claim.hash.hex(),
            "signature_checked": claim.signature is not None,
        },
    }
    if request.idempotency_key is not None:
        response = {"body": body, "version": 0, "created": False}
        record = IdempotencyRecord(
            key_id=ids.idempotency_id(request.actor, request.idempotency_key),
            actor=request.actor,
            fingerprint=request.fingerprint or "",
            response=json.dumps(response, ensure_ascii=False),
        )
        app.recorder.insert_events([], idempotency=record)  # type: ignore[call-arg]
    return Outcome(body, 0, app.recorder.max_notification_id() or 0)


# -- exports ---------------------------------------------------------------------------------------


def chain_fields(row: ChainRow, prev_hash: bytes) -> dict[str, Any]:
    """What an exported row must carry to be recomputed offline: link(prev_hash, position,
    aggregate_id, version, topic, state) == hash (chain.py). `prev_hash` is the hash of the row
    before it in the whole log (GENESIS for the first), whatever the export's filters."""
    return {
        "position": row.position,
        "aggregate_id": str(row.originator_id),
        "version": row.originator_version,
        "topic": row.topic,
        "state": None if row.state is None else base64.b64encode(row.state).decode("ascii"),
        "hash": None if row.hash is None else bytes(row.hash).hex(),
        "prev_hash": prev_hash.hex(),
    }


def iter_chain(
    recorder: Any, after: int = 0, through: int | None = None, prev_hash: bytes = GENESIS
) -> Iterator[tuple[ChainRow, bytes]]:
    """Each stored row with the hash of the row before it (pass `prev_hash` of row `after`)."""
    for row in _rows(recorder, after, through):
        yield row, prev_hash
        prev_hash = b"" if row.hash is None else bytes(row.hash)


_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")


@functools.cache
def _register_domain_topics() -> None:
    """Event topics (``lianping:Report.Submitted``) resolve once their aggregate's module is
    imported; a CLI process may not have imported them all yet."""
    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"{domain.__name__}.{module.name}")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def decoded_fields(app: LianpingApp, row: ChainRow) -> dict[str, Any]:
    """type/actor/reason/recorded_at/data of a row; nulls and a decode_error when it does not
    decode (the row is still exported and hashed as stored)."""
    _register_domain_topics()
    try:
        event = app.mapper.to_domain_event(
            StoredEvent(
                originator_id=chain.as_uuid(row.originator_id),
                originator_version=row.originator_version,
                topic=row.topic,  # type: ignore[arg-type]
                state=row.state,  # type: ignore[arg-type]
            )
        )
        state = vars(event)
        timestamp = state.get("timestamp")
        return {
            "type": row.topic,
            "actor": state.get("actor"),
            "reason": state.get("reason"),
            "recorded_at": timestamp.isoformat() if isinstance(timestamp, datetime) else None,
            "data": {k: v for k, v in state.items() if k not in _ENVELOPE},
        }
    except Exception as error:  # anything stored may be garbage: report it, never crash
        return {
            "type": None,
            "actor": None,
            "reason": None,
            "recorded_at": None,
            "data": None,
            "decode_error": f"{type(error).__name__}: {error}"[:500],
        }


def _line(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_plain)


def export_lines(app: LianpingApp) -> Iterator[str]:
    """The FULL raw export as JSONL lines (no newline): a header line ``{"lianping_export":
    {format, scope: "chain", created_at, through: {position, hash}}}``, then every stored row up to
    the head read at the start, in position order: chain_fields + decoded_fields."""
    head = app.recorder.max_notification_id() or 0
    head_rows = app.recorder.chain_rows(after=head - 1, limit=1) if head else []  # type: ignore
    through = None
    if head_rows:
        head_hash = head_rows[0].hash
        through = {"position": head, "hash": None if head_hash is None else head_hash.hex()}
    yield _line(
        {
            EXPORT_HEADER: {
                "format": EXPORT_FORMAT,
                "scope": "chain",
                "created_at": _timestamp(app.now()),
                "through": through,
            }
        }
    )
    if through is None:
        return
    for row, prev in iter_chain(app.recorder, through=head):
        yield _line({**chain_fields(row, prev), **decoded_fields(app, row)})


@dataclass(frozen=True)
class ExportVerifyResult(VerifyResult):
    """``scope``: "chain" when the export was verified as the log from its first row on (then
    verified_through is a checkpoint of it), "rows" when each row was only recomputed from its own
    prev_hash (a filtered export: rows left out cannot be noticed)."""

    scope: str = "chain"
    rows: int = 0
    checkpoint_checked: bool = False


class _BadLine(ValueError):
    def __init__(self, line_no: int, position: int | None, message: str) -> None:
        super().__init__(f"line {line_no}: {message}")
        self.position = position


def _parse(line_no: int, text: str) -> tuple[ChainRow, bytes]:
    """One exported row -> (ChainRow, prev_hash); _BadLine when it lacks the chain fields."""
    try:
        obj = json.loads(text)
    except ValueError as error:
        raise _BadLine(line_no, None, f"not JSON ({error})") from None
    if not isinstance(obj, dict):
        raise _BadLine(line_no, None, "not a JSON object")
    position = obj.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise _BadLine(line_no, None, "no integer position")
    try:
        version = obj["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError("version is not an integer")
        state = obj["state"]
        hash_ = obj["hash"]
        row = ChainRow(
            position=position,
            originator_id=str(obj["aggregate_id"]),
            originator_version=version,
            topic=obj["topic"],
            state=None if state is None else base64.b64decode(state, validate=True),
            hash=None if hash_ is None else bytes.fromhex(hash_),
        )
        return row, bytes.fromhex(obj["prev_hash"])
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise _BadLine(line_no, position, f"row {position}: bad chain fields ({error!r})") from None


def _export_result(
    result: VerifyResult, scope: str, rows: int, checked: bool
) -> ExportVerifyResult:
    return ExportVerifyResult(**asdict(result), scope=scope, rows=rows, checkpoint_checked=checked)


def _fail(
    code: str, position: int | None, reason: str, through: int | None, hash_: bytes | None
) -> VerifyResult:
    return VerifyResult(False, through, position, f"{code}: {reason}", code, hash_)


def _claimed_through(header: Mapping[str, Any] | None) -> tuple[int, str | None] | None:
    """The (position, hash hex) the header says the export runs through, if it says so."""
    through = header.get("through") if header else None
    if not isinstance(through, dict) or not isinstance(through.get("position"), int):
        return None
    return through["position"], through.get("hash")


def _verify_full(
    lines: Iterator[tuple[int, str]],
    checkpoint: tuple[int, bytes] | None,
    header: Mapping[str, Any] | None,
) -> ExportVerifyResult:
    bad: list[_BadLine] = []
    count = 0
    claimed = _claimed_through(header)
    at_claim: bytes | None = None  # the stored hash of the row the header ends at
    beyond: int | None = None  # the first row after it

    def rows() -> Iterator[ChainRow]:
        nonlocal count, at_claim, beyond
        for line_no, text in lines:
            try:
                row, _ = _parse(line_no, text)
            except _BadLine as error:
                bad.append(error)
                return
            count += 1
            if claimed is not None and row.position == claimed[0]:
                at_claim = row.hash
            elif claimed is not None and row.position > claimed[0] and beyond is None:
                beyond = row.position
            yield row

    result = verify_chain(rows(), checkpoint)
    if bad and (result.ok or result.code == chain.TAIL_TRUNCATED):
        result = _fail(
            chain.MALFORMED_ROW,
            bad[0].position,
            str(bad[0]),
            result.verified_through,
            result.verified_hash,
        )
    elif result.ok and claimed is not None:
        position, hash_hex = claimed
        if beyond is not None:
            result = _fail(
                chain.ROW_INSERTED,
                beyond,
                f"row {beyond} comes after position {position}, where the header "
                "says the export ends",
                position,
                at_claim,
            )
        elif at_claim is None:
            result = _fail(
                chain.TAIL_TRUNCATED,
                (result.verified_through or 0) + 1,
                f"the export ends at position {result.verified_through or 0} but its "
                f"header says it runs through {position}",
                result.verified_through,
                result.verified_hash,
            )
        elif hash_hex is not None and at_claim.hex() != hash_hex.lower():
            result = _fail(
                chain.CHECKPOINT_NOT_PREFIX,
                position,
                f"row {position} has another hash than the header says",
                result.verified_through,
                result.verified_hash,
            )
    return _export_result(result, "chain", count, checkpoint is not None)


def _verify_rows(
    lines: Iterator[tuple[int, str]], checkpoint: tuple[int, bytes] | None
) -> ExportVerifyResult:
    count, last, last_hash = 0, None, None
    contiguous, checked = True, False

    def done(result: VerifyResult) -> ExportVerifyResult:
        return _export_result(result, "chain" if contiguous else "rows", count, checked)

    for line_no, text in lines:
        try:
            row, prev = _parse(line_no, text)
        except _BadLine as error:
            return done(_fail(chain.MALFORMED_ROW, error.position, str(error), last, last_hash))
        if last is not None and row.position <= last:
            return done(
                _fail(
                    chain.OUT_OF_ORDER,
                    row.position,
                    f"row {row.position} comes after row {last}",
                    last,
                    last_hash,
                )
            )
        try:
            expected: bytes | None = link(
                prev,
                row.position,
                row.originator_id,
                row.originator_version,
                row.topic,  # type: ignore[arg-type]
                row.state,  # type: ignore[arg-type]
            )
        except (TypeError, ValueError, AttributeError):
            expected = None
        if expected is None or expected != row.hash:
            return done(
                _fail(
                    chain.PAYLOAD_ALTERED,
                    row.position,
                    f"row {row.position}: its hash does not match its content and prev_hash",
                    last,
                    last_hash,
                )
            )
        contiguous = contiguous and prev == (GENESIS if last is None else last_hash)
        if checkpoint is not None and row.position == checkpoint[0]:
            checked = True
            if row.hash != checkpoint[1]:
                return done(
                    _fail(
                        chain.CHECKPOINT_NOT_PREFIX,
                        row.position,
                        f"row {row.position} has another hash than the checkpoint",
                        last,
                        last_hash,
                    )
                )
        count, last, last_hash = count + 1, row.position, row.hash
    if contiguous and checkpoint is not None and not checked:
        if (last or 0) < checkpoint[0]:
            return done(
                _fail(
                    chain.TAIL_TRUNCATED,
                    (last or 0) + 1,
                    f"the export ends at position {last or 0} but the checkpoint covers "
                    f"position {checkpoint[0]}",
                    last,
                    last_hash,
                )
            )
        return done(
            _fail(
                chain.CHECKPOINT_NOT_PREFIX,
                checkpoint[0],
                f"no row at checkpoint position {checkpoint[0]}",
                last,
                last_hash,
            )
        )
    return done(VerifyResult(True, last, None, None, None, last_hash))


def verify_export_lines(
    lines: Iterable[str],
    checkpoint: tuple[int, bytes] | CheckpointClaim | None = None,
    *,
    full: bool | None = None,
) -> ExportVerifyResult:
    """Verify an exported JSONL file without the database, in constant memory.

    An export with the ``lianping_export`` header line (``lianping audit export``), or any export
    when ``full=True``, is the whole log: the chain is recomputed from genesis (a removed, altered,
    inserted or reordered line is named by position), it must reach the header's ``through``, and
    the checkpoint must be a prefix of it. Without that, each row is recomputed from its own
    prev_hash (scope "rows"); if the rows happen to link up from genesis, scope is "chain".
    """
    if isinstance(checkpoint, CheckpointClaim):
        checkpoint = (checkpoint.position, checkpoint.hash)
    numbered = ((n, text) for n, text in enumerate(lines, 1) if text.strip())
    first = next(numbered, None)
    header = None
    if first is not None:
        try:
            obj = json.loads(first[1])
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get(EXPORT_HEADER), dict):
            header, first = obj[EXPORT_HEADER], None
    stream = itertools.chain([] if first is None else [first], numbered)
    if header is not None or full:
        return _verify_full(stream, checkpoint, header)
    return _verify_rows(stream, checkpoint)
