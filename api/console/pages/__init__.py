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
    organizing.router,  # before cycles: /cycles/new is not a cycle id
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
