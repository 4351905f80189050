"""List pages capped in bytes as well as rows (API.md: ≤ 8 MiB a page; a cut page still gives
``next_after``). Every paged GET list runs its rows through ``cap_page``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic_core import to_json

T = TypeVar("T")

#: Room left for the page's own fields around its rows (position, next_after, ...).
ENVELOPE_BYTES = 4096


def json_size(value: Any) -> int:
    """Bytes of ``value`` as the API answers it (UTF-8 JSON, Chinese unescaped; Pydantic's
    encoder, as FastAPI's answers use it: ~5× json.dumps for a page of 1,000 flags)."""
    return len(to_json(value, fallback=str))


def cap_page(
    rows: Sequence[T], limit: int, max_bytes: int, cursor: Callable[[T], Any] | None = None
) -> tuple[list[T], bool]:
    """The first rows that fit in ``limit`` rows and ``max_bytes`` (0: rows only) with whether
    any were left out. Pass ``limit + 1`` rows when you can, so that a full page knows there is
    more. The first row is always kept, however large, so a cursor always moves on.

    ``cursor`` (rows sorted by it): rows sharing a cursor value are never split between pages,
    since the next page starts after the last cursor value of this one."""
    budget = max_bytes - ENVELOPE_BYTES if max_bytes else 0
    if budget and json_size(rows[:limit]) - 1 <= budget:
        # One encoding of the whole page (its rows' sizes + 1 each, plus the brackets, less the
        # last comma) instead of one per row: when it fits, every row does.
        budget = 0
    kept: list[T] = []
    size = 0
    for row in rows[:limit]:
        if budget:
            size += json_size(row) + 1
            if kept and size > budget:
                break
        kept.append(row)
    more = len(rows) > len(kept)
    if more and cursor is not None:
        cut_at = cursor(rows[len(kept)])
        whole = [row for row in kept if cursor(row) != cut_at]
        # Both are prefixes of ``rows``: the whole groups kept, or else the first group whole.
        kept = whole or [row for row in rows if cursor(row) == cut_at]
        more = len(rows) > len(kept)
    return kept, more
