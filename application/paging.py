"""List pages capped in bytes as well as rows (API.md: ≤ 8 MiB a page; a cut page still gives
``next_after``). Every paged GET list runs its rows through ``cap_page``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")

#: Room left for the page's own fields around its rows (position, next_after, ...).
ENVELOPE_BYTES = 4096


def json_size(value: Any) -> int:
    """Bytes of ``value`` as the API answers it (UTF-8 JSON, Chinese unescaped)."""
    return len(
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    )


def cap_page(rows: Sequence[T], limit: int, max_bytes: int) -> tuple[list[T], bool]:
    """The first rows that fit in ``limit`` rows and ``max_bytes`` (0: rows only) with whether
    any were left out. Pass ``limit + 1`` rows when you can, so that a full page knows there is
    more. The first row is always kept, however large, so a cursor always moves on."""
    budget = max_bytes - ENVELOPE_BYTES if max_bytes else 0
    kept: list[T] = []
    size = 0
    for row in rows[:limit]:
        if budget:
            size += json_size(row) + 1
            if kept and size > budget:
                return kept, True
        kept.append(row)
    return kept, len(rows) > limit
