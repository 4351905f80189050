"""Routers served under /api/v1. Add a resource's router to ROUTERS (read-model routers too: they
reuse ``api.routers.deps.reader`` with their own position source for X-Min-Position)."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import (
    audit_trail,
    ballots,
    cycles,
    directory,
    documents,
    finding,
    health,
    imports,
    integrity,
    participants,
    passwords,
    plans,
    readmodels,
    reminders,
    screen,
    standings,
    supervision,
)

ROUTERS: list[APIRouter] = [
    directory.router,
    cycles.router,
    participants.router,
    plans.router,
    standings.router,
    integrity.router,
    readmodels.router,
    audit_trail.router,
    finding.router,
    passwords.router,
    documents.router,
    imports.router,
    ballots.router,
    supervision.router,
    reminders.router,
    screen.router,
]

#: Served at the root (and, hidden from the schema, under /api/v1 as well).
OPERATIONS_ROUTERS: list[APIRouter] = [health.router]
