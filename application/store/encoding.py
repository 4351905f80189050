"""The hash chain's one encoder (the layout: chain.py; its SQL twin: postgres.sql's link function,
checked against this one by tests/application/test_chain_encoders.py).

Position, UUID bytes and version in one pack, then the length-prefixed topic (UTF-8) and state.
canonical_bytes checks its input; verify_chain's fast loop calls encode_row directly, with the
topic's field cached.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

GENESIS = bytes(32)

_INT4 = struct.Struct(">i")


def as_uuid(originator_id: UUID | str) -> UUID:
    """The chain hashes UUID bytes; a str id must be a UUID's text form."""
    if isinstance(originator_id, UUID):
        return originator_id
    if isinstance(originator_id, str):
        return UUID(originator_id)
    msg = f"originator id is not a UUID: {originator_id!r}"
    raise TypeError(msg)


_HEAD = struct.Struct(">q16sq")


def field(data: bytes) -> bytes:
    return _INT4.pack(len(data)) + data


def encode_row(
    position: int, originator: bytes, originator_version: int, topic_field: bytes, state: bytes
) -> bytes:
    return b"".join(
        (_HEAD.pack(position, originator, originator_version), topic_field, field(state))
    )


def canonical_bytes(
    position: int,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The bytes of one event that the chain hashes (layout in the module docstring).

    Raises ValueError/TypeError/struct.error for values that cannot be encoded.
    """
    if not isinstance(topic, str):
        msg = f"topic is not text: {topic!r}"
        raise TypeError(msg)
    if not isinstance(state, bytes | bytearray | memoryview):
        msg = f"state is not bytes: {type(state).__name__}"
        raise TypeError(msg)
    return encode_row(
        position,
        as_uuid(originator_id).bytes,
        originator_version,
        field(topic.encode("utf-8")),
        bytes(state),
    )


def link(
    prev_hash: bytes,
    position: int,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """SHA-256(prev_hash || canonical_bytes(...)): the hash stored with the event."""
    canonical = canonical_bytes(position, originator_id, originator_version, topic, state)
    return hashlib.sha256(prev_hash + canonical).digest()
