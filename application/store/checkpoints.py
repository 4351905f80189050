"""Signed checkpoints of the hash chain: the signed bytes, and a ``checkpoints`` table kept in the
same database as the event log (SQLite file or PostgreSQL schema).

A checkpoint says "the event log's row at ``position`` had the chain hash ``hash``", signed with
the service's Ed25519 key. The signature covers exactly these bytes (UTF-8 JSON, keys sorted, no
whitespace, ASCII only)::

    {"created_at":"<created_at>","hash":"<64 lowercase hex>","position":<integer>,
     "type":"lianping.checkpoint.v1"}

i.e. ``json.dumps({"type": "lianping.checkpoint.v1", "position": p, "hash": h,
"created_at": c}, sort_keys=True, separators=(",", ":")).encode()``, where ``created_at`` is the
checkpoint's own string, exactly as given out (ISO 8601 with offset). The signature and the
public key (raw 32 bytes) are given out as lowercase hex.

Checkpoints are not events: they never enter the chain, the audit trail or the exports. The
table has one row per position (a second process signing the same head adds nothing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from application.store.side_tables import SideTableStore, side_store

if TYPE_CHECKING:
    from collections.abc import Sequence

CHECKPOINT_TYPE = "lianping.checkpoint.v1"
TABLE = "checkpoints"
_COLUMNS = "position, hash, created_at, signature, public_key"


def signed_bytes(position: int, hash_: bytes, created_at: str) -> bytes:
    """The exact bytes a checkpoint's signature covers (see the module docstring)."""
    message = {"type": CHECKPOINT_TYPE, "position": position, "hash": hash_.hex(),
               "created_at": created_at}
    return json.dumps(message, sort_keys=True, separators=(",", ":")).encode("utf-8")


def raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Checkpoint:
    position: int
    hash: bytes
    created_at: str
    signature: bytes
    public_key: bytes

    @classmethod
    def sign(
        cls, key: Ed25519PrivateKey, position: int, hash_: bytes, created_at: str
    ) -> Checkpoint:
        signature = key.sign(signed_bytes(position, hash_, created_at))
        return cls(position, bytes(hash_), created_at, signature, raw_public_key(key))

    def signature_valid(self, public_key: bytes | None = None) -> bool:
        """Whether the signature holds under `public_key` (default: the key it names)."""
        try:
            key = Ed25519PublicKey.from_public_bytes(public_key or self.public_key)
            key.verify(self.signature, signed_bytes(self.position, self.hash, self.created_at))
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "hash": self.hash.hex(),
            "created_at": self.created_at,
            "signature": self.signature.hex(),
            "public_key": self.public_key.hex(),
        }


def _checkpoint(row: Sequence[Any]) -> Checkpoint:
    position, hash_, created_at, signature, public_key = row
    return Checkpoint(int(position), bytes(hash_), str(created_at), bytes(signature),
                      bytes(public_key))


class CheckpointStore(SideTableStore):
    """The checkpoints table."""

    TABLES: ClassVar[dict[str, str]] = {"checkpoints": TABLE}

    def ddl(self) -> list[str]:
        integer, blob = ("bigint", "bytea") if self.database.postgres else ("INTEGER", "BLOB")
        return [
            f"CREATE TABLE IF NOT EXISTS {{checkpoints}} (position {integer} PRIMARY KEY, "
            f"hash {blob} NOT NULL, created_at text NOT NULL, signature {blob} NOT NULL, "
            f"public_key {blob} NOT NULL)"
        ]

    def insert(self, checkpoint: Checkpoint) -> bool:
        """Store it unless a checkpoint at its position exists; True when this one was stored."""
        self._run(
            f"INSERT INTO {{checkpoints}} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (position) DO NOTHING",
            (checkpoint.position, checkpoint.hash, checkpoint.created_at, checkpoint.signature,
             checkpoint.public_key),
            commit=True,
        )
        return self.at(checkpoint.position) == checkpoint

    def at(self, position: int) -> Checkpoint | None:
        rows = self._run(f"SELECT {_COLUMNS} FROM {{checkpoints}} WHERE position = ?", (position,))
        return _checkpoint(rows[0]) if rows else None

    def latest(self) -> Checkpoint | None:
        page = self.newest_first(limit=1)
        return page[0] if page else None

    def newest_first(self, limit: int, before: int | None = None) -> list[Checkpoint]:
        """Up to `limit` checkpoints with position < `before` (all when None), newest first."""
        where = "" if before is None else "WHERE position < ? "
        params = ([] if before is None else [before]) + [limit]
        rows = self._run(
            f"SELECT {_COLUMNS} FROM {{checkpoints}} {where}ORDER BY position DESC LIMIT ?", params
        )
        return [_checkpoint(row) for row in rows]


def checkpoint_store(recorder: object) -> CheckpointStore:
    """The checkpoints table next to `recorder`'s event log (created on first use)."""
    return side_store(recorder, CheckpointStore)


__all__ = [
    "CHECKPOINT_TYPE",
    "Checkpoint",
    "CheckpointStore",
    "checkpoint_store",
    "raw_public_key",
    "signed_bytes",
]
