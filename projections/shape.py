"""A read model's table shape, and whether the generation that serves it still has that shape.

The fingerprint of a projection is a hash of its declared tables (names, columns, integer
columns, keys, indexes). ``rm_shape`` records, per generation, the fingerprint of the tables it
was made with. When a release changes a read model's tables, the serving generation's recorded
fingerprint no longer matches the code's: the runner that holds the read model's lock rebuilds
it into a new generation (runner.py), and reads of the old generation answer
``ReadModelRebuildingError`` (503 ``read_model_rebuilding``) meanwhile, since the new code's SQL
may name columns or tables the old generation does not have.

Stores made before fingerprints existed have no row: their serving generation is compared with
the declaration by its actual columns; when every declared table exists with exactly the declared
columns, the fingerprint is recorded (nothing to rebuild), else the read model is rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from projections.tables import Projection
from projections.views import Dialect, fetch_rows, table_name

SHAPES = "rm_shape"


class ReadModelRebuildingError(RuntimeError):
    """The serving generation's tables are not the shape this code reads: a rebuild is due."""

    def __init__(self, name: str) -> None:
        super().__init__(f"read model {name} is being rebuilt for its new tables; retry shortly")
        self.name = name


@functools.lru_cache(maxsize=64)
def fingerprint(projection: Projection) -> str:
    declared = [
        [t.name, list(t.columns), list(t.key), sorted(t.integers), [list(i) for i in t.indexes]]
        for t in projection.tables
    ]
    return hashlib.sha256(json.dumps(declared).encode()).hexdigest()[:16]


def create_shapes_table(cursor: Any, dialect: Dialect) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {dialect.name(SHAPES)} (view_name TEXT NOT NULL, "
        f"generation {dialect.integer} NOT NULL, fingerprint TEXT NOT NULL, "
        "PRIMARY KEY (view_name, generation))"
    )


def record_shape(cursor: Any, dialect: Dialect, projection: Projection, generation: int) -> None:
    cursor.execute(
        dialect.sql(
            f"INSERT INTO {dialect.name(SHAPES)} (view_name, generation, fingerprint) "
            "VALUES (?, ?, ?) ON CONFLICT (view_name, generation) "
            "DO UPDATE SET fingerprint = excluded.fingerprint"
        ),
        (projection.name, generation, fingerprint(projection)),
    )


def recorded_shape(cursor: Any, dialect: Dialect, name: str, generation: int) -> str | None:
    cursor.execute(
        dialect.sql(
            f"SELECT fingerprint FROM {dialect.name(SHAPES)} WHERE view_name = ? AND generation = ?"
        ),
        (name, generation),
    )
    found = fetch_rows(cursor)
    return str(found[0]["fingerprint"]) if found else None


def forget_shape(cursor: Any, dialect: Dialect, name: str, generation: int) -> None:
    cursor.execute(
        dialect.sql(f"DELETE FROM {dialect.name(SHAPES)} WHERE view_name = ? AND generation = ?"),
        (name, generation),
    )


def columns_match(cursor: Any, dialect: Dialect, projection: Projection, generation: int) -> bool:
    """Every declared table of ``generation`` exists with exactly the declared columns."""
    return all(
        _columns(cursor, dialect, table_name(projection.name, generation, t)) == set(t.columns)
        for t in projection.tables
    )


def _columns(cursor: Any, dialect: Dialect, raw: str) -> set[str]:
    if dialect.schema is None:
        cursor.execute(f"PRAGMA table_info({dialect.quote(raw)})")
        return {str(row["name"]) for row in fetch_rows(cursor)}
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s",
        (dialect.schema, raw),
    )
    return {str(row["column_name"]) for row in fetch_rows(cursor)}
