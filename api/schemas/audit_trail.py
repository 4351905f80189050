"""Request and response bodies of the audit trail, flags, notes and history
(api/routers/audit_trail.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictInt

from api.schemas.common import Note, Strict


class EventOut(BaseModel):
    position: int
    recorded_at: str
    aggregate_id: str
    aggregate_type: str
    version: int
    type: str = Field(examples=["lianping:Report.Submitted"])
    actor: str | None
    org_code: str | None
    cycle_id: str | None
    reason: str | None
    data: dict[str, Any]
    hash: str | None = Field(description="SHA-256 chain hash of the stored event, hex")


class EventsOut(BaseModel):
    position: int
    events: list[EventOut]
    next_after: int | None


class FlagOut(BaseModel):
    kind: str = Field(examples=["late_submission"])
    position: int
    org_code: str | None
    actor: str | None
    reason: str | None
    recorded_at: str
    item_id: str | None = None
    due_date: str | None = None
    cycle_id: str | None = Field(default=None, description="with `org_code=` (a subtree) only")


class FlagsOut(BaseModel):
    cycle_id: str | None
    org_code: str | None = None
    position: int
    flags: list[FlagOut]
    next_after: int | None = Field(
        default=None, description="pass as ?after= for the next page; null at the end"
    )


class NoteIn(Strict):
    subject_position: StrictInt | None = Field(default=None, ge=1)
    aggregate_id: str | None = Field(default=None, max_length=64)
    note: Note


class NoteOut(BaseModel):
    note_id: str
    subject_position: int | None
    aggregate_id: str
    org_code: str
    note: str


class HistoryEventOut(BaseModel):
    version: int
    position: int | None = Field(default=None, description="its place in the event log")
    hash: str | None = Field(default=None, description="its link in the hash chain (hex)")
    type: str
    recorded_at: str
    actor: str | None
    reason: str | None
    data: dict[str, Any]


class HistoryOut(BaseModel):
    aggregate_id: str
    aggregate_type: str
    version: int
    as_of: str | None
    state: dict[str, Any]
    events: list[HistoryEventOut]
