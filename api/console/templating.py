"""The console's Jinja2 environment (templates/, every label and path as globals, strict about
undefined names) and the formatting of moments and days in the configured time zone."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import jinja2

from api.console import labels, paths
from application.app import LianpingApp

TEMPLATES = Path(__file__).parent / "templates"


def _local(app: LianpingApp, value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(app.tz)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    env.globals.update(labels=labels, paths=paths)
    return env


ENV = _environment()


def format_datetime(app: LianpingApp, value: datetime | str | None) -> str:
    """``2026-11-28 10:00`` in the configured time zone; empty for nothing."""
    moment = _local(app, value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def format_date(value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value[:10]
    return value.isoformat()
