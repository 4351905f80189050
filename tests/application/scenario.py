"""given / when / then helpers for application scenarios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from application.app import LianpingApp
from domain.errors import DomainError


def position(app: LianpingApp) -> int:
    return app.recorder.max_notification_id() or 0


def event_types_since(app: LianpingApp, after: int) -> list[str]:
    """The event types (topics without the 'lianping:' prefix) recorded after a position."""
    notifications = app.recorder.select_notifications(start=after + 1, limit=1000)
    return [n.topic.removeprefix("lianping:") for n in notifications]


def then_refused(
    app: LianpingApp, code: str, when: Callable[[], Any], kind: str | None = None
) -> DomainError:
    """The command is refused with that code, and nothing at all is recorded."""
    before = position(app)
    with pytest.raises(DomainError) as refused:
        when()
    assert refused.value.code == code, refused.value.message
    if kind is not None:
        assert refused.value.kind == kind
    assert position(app) == before, "a refused command recorded events"
    return refused.value
