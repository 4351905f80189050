"""Reminders (红黄灯): an account's contact details (admin; kept outside the event log) and a
cycle's reminder outbox for its organizer and inspectors — what is pending, what failed and why."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import Application
from api.routers.deps import ReadRequest, Writing
from api.routing import OneHopRoute
from api.schemas.common import Strict
from application.store.reminders import STATUSES, reminder_store
from application.usecases import audit as access
from application.usecases import contacts

router = APIRouter(tags=["reminders"], route_class=OneHopRoute)

Status = Literal["pending", "delivered", "failed"]


class ContactIn(Strict):
    email: str | None = Field(default=None, max_length=254, examples=["yc-sj@example.cn"])
    mobile: str | None = Field(default=None, max_length=32, examples=["13800000000"])


class ContactOut(BaseModel):
    account_id: str
    email: str | None
    mobile: str | None


class ReminderOut(BaseModel):
    account_id: str
    kind: str
    org_code: str
    item_id: str | None
    light: Literal["yellow", "red"]
    due: str
    status: Status
    attempts: int
    next_attempt_at: str | None = Field(description="pending: when it is tried (again)")
    last_error: str | None
    created_at: str | None
    delivered_at: str | None


class RemindersOut(BaseModel):
    cycle_id: str
    counts: dict[str, int] = Field(description="reminders of the cycle per status")
    reminders: list[ReminderOut]


@router.get("/accounts/{account_id}/contact", response_model=ContactOut)
def get_contact(account_id: str, request: ReadRequest, app: Application) -> dict[str, Any]:
    """An account's e-mail address and mobile number for reminders (admin within scope)."""
    return contacts.contact(app, request.principal, account_id)


@router.post("/accounts/{account_id}/contact", response_model=ContactOut)
def set_contact(
    account_id: str, body: ContactIn, write: Writing
) -> dict[str, Any]:
    """Replace an account's contact details (admin within scope; null or empty: none). They are
    personal data, kept beside the event log and not in it, so a correction really erases."""
    return contacts.set_contact(
        write.app, write.request.principal, account_id, body.email, body.mobile
    )


@router.get("/cycles/{cycle_id}/reminders", response_model=RemindersOut)
def cycle_reminders(
    cycle_id: str, request: ReadRequest, app: Application,
    status: Annotated[list[Status] | None, Query(
        description="pending, delivered, failed (repeatable; default pending and failed)")] = None,
) -> dict[str, Any]:
    """The cycle's reminders (organizer, inspectors over it) in the given statuses (default
    pending and failed): each yellow or red task is sent once; a failed send is retried with
    exponential backoff (`attempts`, `next_attempt_at`, `last_error`) until `failed`."""
    access.check_board_reader(app, request.principal, cycle_id)
    store = reminder_store(app.recorder)
    chosen = [s for s in STATUSES if s in (status or ("pending", "failed"))]
    return {"cycle_id": cycle_id, "counts": store.counts(cycle_id),
            "reminders": [r.__dict__ for r in store.of_cycle(cycle_id, chosen)]}
