"""The console's page modules, one APIRouter each; ``PAGES`` is the one list the app mounts
(see api/console/__init__.py for how to add one)."""

from __future__ import annotations

from fastapi import APIRouter

from api.console.pages import (
    admin,
    audit,
    auth,
    ballots,
    cycles,
    documents,
    home,
    imports,
    new_cycle,
    organizing,
    rehearsals,
    reminders,
    reviewing,
    screen,
    secretary,
    standings,
    supervision,
)

PAGES: list[APIRouter] = [
    auth.router,
    home.router,
    ballots.router,
    documents.router,
    new_cycle.router,  # before cycles: /cycles/new is not a cycle id
    organizing.router,
    cycles.router,
    standings.router,
    reviewing.router,
    secretary.router,
    audit.router,
    admin.router,
    imports.router,
    supervision.router,
    reminders.router,
    screen.router,
    rehearsals.router,
]
