"""Event data and aggregate state as JSON values: one conversion for the audit trail, the
history and the read models (whose stored JSON must match it byte for byte)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

# The library's own fields of every domain event (the envelope); the rest is the event's data.
ENVELOPE_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic")


def plain(value: Any) -> Any:
    """Aggregate state and event data as JSON values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value
