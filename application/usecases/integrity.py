"""Proof that history was not altered: signed checkpoints of the hash chain (on demand, periodic,
CLI) and verification of the stored log against them (exports live in exports.py).

The chain is described in application/store/chain.py, the signed checkpoint bytes in
application/store/checkpoints.py. Everything here runs in constant memory: rows are read in pages.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from application.app import LianpingApp, Outcome, Request
from application.paging import cap_page
from application.principal import Principal, forbid
from application.store import chain
from application.store.chain import VerifyResult, verify_chain
from application.store.checkpoints import Checkpoint, checkpoint_store, raw_public_key
from application.store.records import ChainRow, IdempotencyRecord
from domain import ids
from domain.errors import RuleViolationError

log = logging.getLogger("lianping.integrity")

BAD_SIGNATURE = "bad_signature"
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

    @property
    def pair(self) -> tuple[int, bytes]:
        """(position, hash), as the chain's verifier takes a checkpoint."""
        return self.position, self.hash

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


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def chain_rows(recorder: Any, after: int = 0, through: int | None = None) -> Iterator[ChainRow]:
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
    rows = app.recorder.chain_rows(after=anchor.position - 1, limit=1)
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
    since = chain_rows(app.recorder, anchor.position, head[0])
    return verify_chain(since, start=(anchor.position, anchor.hash))


def make_checkpoint(app: LianpingApp, now: datetime | None = None) -> tuple[Checkpoint, bool]:
    """Sign the head of the chain and keep it; (checkpoint, stored). The head is signed only once
    the rows since the previous checkpoint of ours (all rows, the first time) were recomputed and
    found to link; an unmoved head answers the checkpoint already taken."""
    head = app.recorder.chain_head()
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
        result = verify_chain(chain_rows(app.recorder, 0, head[0]), head)
    if not result.ok:
        raise RuleViolationError(
            "chain_broken",
            f"the stored history does not verify, no checkpoint was signed: {result.reason}",
            result_json(result),
        )
    checkpoint = Checkpoint.sign(app.signing_key, head[0], head[1], timestamp(now or app.now()))
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
    found = checkpoint_store(app.recorder).newest_first(limit + 1, before=after)
    page, more = cap_page([c.as_json() for c in found], limit, app.settings.max_page_bytes)
    return {
        "checkpoints": page,
        "next_after": page[-1]["position"] if more else None,
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
    if app.recorder.chain_head() is None:
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
    extra = getattr(result, "as_json_extra", None)  # exports add their scope and counts
    return {**body, **(extra() if extra else {})}


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
    return chain.verify_recorder(app.recorder, None if claim is None else claim.pair)


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
        app.recorder.insert_events([], idempotency=record)
    return Outcome(body, 0, app.recorder.max_notification_id() or 0)


# No events to save, so nothing would assert what a first attempt read from the cache (the
# caller's token and account): read them fresh, and run the whole-chain check once per request.
verify.reads_fresh = True  # type: ignore[attr-defined]
