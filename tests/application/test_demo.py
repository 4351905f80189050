"""The demo city seeds once, through the use cases, into an ordinary verifiable log."""

from __future__ import annotations

from application.app import Request
from application.demo import SYSTEM, seed_demo
from application.store.chain import verify_recorder
from application.usecases import directory
from application.usecases.standings import get_standings


def test_the_demo_city_is_seeded_once_with_working_tokens(app):
    tokens = seed_demo(app)

    assert tokens is not None and set(tokens) == {"jz-zzb", "jz-jw", "jz-yc-sj", "jz-pw01"}
    assert seed_demo(app) is None
    organizer = directory.authenticate(app, tokens["jz-zzb"])
    previous = get_standings(app, Request(organizer), "jz-2025", None)
    current = get_standings(app, Request(organizer), "jz-2026", None)
    assert (previous["provisional"], current["provisional"]) == (False, True)
    assert len(previous["rows"]) == len(current["rows"]) == 11
    assert verify_recorder(app.recorder).ok
    assert SYSTEM.is_admin
