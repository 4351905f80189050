"""Full raw exports of the event log that an inspector can verify offline, without the database:
every row carries the chain fields next to its decoded content (the file format and its
verification: application/store/export_file.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.app import LianpingApp
from application.store import chain
from application.store.chain import GENESIS
from application.store.export_file import EXPORT_FORMAT, EXPORT_HEADER, chain_fields
from application.store.records import ChainRow
from application.usecases.integrity import chain_rows, timestamp

# -- exports ---------------------------------------------------------------------------------------


def iter_chain(
    recorder: Any, after: int = 0, through: int | None = None, prev_hash: bytes = GENESIS
) -> Iterator[tuple[ChainRow, bytes]]:
    """Each stored row with the hash of the row before it (pass `prev_hash` of row `after`)."""
    for row in chain_rows(recorder, after, through):
        yield row, prev_hash
        prev_hash = b"" if row.hash is None else bytes(row.hash)


_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")


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
    head_rows = app.recorder.chain_rows(after=head - 1, limit=1) if head else []
    through = None
    if head_rows:
        head_hash = head_rows[0].hash
        through = {"position": head, "hash": None if head_hash is None else head_hash.hex()}
    yield _line(
        {
            EXPORT_HEADER: {
                "format": EXPORT_FORMAT,
                "scope": "chain",
                "created_at": timestamp(app.now()),
                "through": through,
            }
        }
    )
    if through is None:
        return
    for row, prev in iter_chain(app.recorder, through=head):
        yield _line({**chain_fields(row, prev), **decoded_fields(app, row)})
