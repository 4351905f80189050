"""The append function's array parameters (application/store/pg_arrays.py) reach PostgreSQL as
the values they wrap: quotes, backslashes, braces, "NULL" as text, None, empty and binary bytes."""

from __future__ import annotations

import uuid

import pytest

from application.store.pg_arrays import BytesArray, IntArray, TextArray, UuidArray
from tests.conftest import postgres_connection

pytestmark = pytest.mark.postgres

TEXTS = ['a"b\\c', "{x,y}", "NULL", "", " spaced ", '中文\n"\\', "x'y", None]
BLOBS = [b"", b"\x00\x01\xff", bytes(range(256)), b'"\\{},']
IDS = [uuid.uuid4(), None, uuid.uuid4()]
NUMBERS = [0, 1, -5, 2**40]


def test_every_array_arrives_as_the_values_it_wraps() -> None:
    with postgres_connection() as conn:
        for prepare in (False, True):
            row = conn.execute(
                "SELECT %s::text[], %s::bytea[], %s::uuid[], %s::bigint[], %s::integer[]",
                (TextArray(TEXTS), BytesArray(BLOBS), UuidArray(IDS), IntArray(NUMBERS),
                 IntArray([])),
                prepare=prepare,
            ).fetchone()
            assert row is not None
            texts, blobs, ids, numbers, empty = row
            assert texts == TEXTS
            assert [bytes(b) for b in blobs] == BLOBS
            assert ids == IDS
            assert numbers == NUMBERS
            assert empty == []
