"""The chain is encoded twice, by necessity: in SQL (postgres.sql's link function, inside the
append transaction) and in Python (chain.py, which SQLite's recorder and every verifier use). The
two must agree on every input: Chinese text, empty strings, large numbers, nested data with nulls
and decimals (as the events' JSON carries them), any bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.sql import SQL, Identifier

from application.store import ChainedPostgresRecorder, chain, verify_recorder
from tests.store_support import open_pg_recorder, pg_schema

pytestmark = pytest.mark.postgres

INT8 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
# PostgreSQL text holds no NUL; everything else, Chinese first.
TEXT = st.one_of(
    st.just(""),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20),
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))),
)
LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False),
    TEXT,
)
DATA = st.recursive(
    LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)


def as_json(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, default=lambda v: str(v) if isinstance(v, Decimal) else v
    ).encode("utf-8")


STATE = st.one_of(DATA.map(as_json), st.binary(max_size=200))


@pytest.fixture(scope="module")
def recorder() -> Iterator[ChainedPostgresRecorder]:
    with pg_schema() as schema:
        opened = open_pg_recorder(schema, pool_size=1, max_overflow=1)
        try:
            yield opened
        finally:
            opened.datastore.close()


def sql_link(recorder: ChainedPostgresRecorder, *args: Any) -> bytes:
    function = Identifier(recorder.datastore.schema, recorder.link_function_name)
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(
            SQL(
                "SELECT {}(%s::bytea, %s::bigint, %s::uuid, %s::bigint, %s::text, %s::bytea)"
                " AS hash"
            ).format(function),
            args,
        )
        row = curs.fetchone()
    assert row is not None
    return bytes(row["hash"])


@settings(max_examples=150, deadline=None)
@given(
    prev=st.binary(min_size=32, max_size=32),
    position=INT8,
    originator=st.uuids(),
    version=INT8,
    topic=TEXT,
    state=STATE,
)
def test_the_sql_encoder_hashes_as_the_python_one(
    recorder: ChainedPostgresRecorder,
    prev: bytes,
    position: int,
    originator: UUID,
    version: int,
    topic: str,
    state: bytes,
) -> None:
    assert sql_link(recorder, prev, position, originator, version, topic, state) == chain.link(
        prev, position, originator, version, topic, state
    )


@settings(max_examples=25, deadline=None)
@given(saves=st.lists(st.lists(st.tuples(TEXT, STATE), min_size=1, max_size=3), max_size=3))
def test_what_postgresql_chains_python_verifies(
    recorder: ChainedPostgresRecorder, saves: list[list[tuple[str, bytes]]]
) -> None:
    for save in saves:
        recorder.insert_events([StoredEvent(uuid4(), 1, topic, state) for topic, state in save])
    result = verify_recorder(recorder)
    assert result.ok, result
