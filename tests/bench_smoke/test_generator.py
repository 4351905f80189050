"""The benchmark's generator records exactly what the use cases record through app.execute."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from application.app import LianpingApp
from application.settings import Settings
from bench.generator import Generator

TOKEN_FIELDS = ("token_hash", "expires_at")


def log_of(app: LianpingApp) -> list[tuple[Any, ...]]:
    """Every stored event in log order, without what differs from run to run (times, tokens)."""
    found = []
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        state = dict(vars(app.mapper.to_domain_event(notification)))
        state.pop("timestamp")
        is_token = notification.topic.startswith("lianping:ApiToken")
        originator = state.pop("originator_id")
        for name in TOKEN_FIELDS if is_token else ():
            state.pop(name, None)
        found.append((notification.topic, None if is_token else originator,
                      notification.originator_version, sorted(state.items(), key=str)))
    return found


def generate(folder: Path, execute: bool) -> list[tuple[Any, ...]]:
    settings = Settings(database_url=f"sqlite:///{folder / 'lianping.db'}",
                        signing_key_file=str(folder / "signing-key.pem"))
    app = LianpingApp(settings)
    try:
        generated = Generator(app, 1, (2025,), 2026, tiny=True, execute=execute).run()
        assert generated.open_ratings and generated.tokens
        return log_of(app)
    finally:
        app.close()


def test_the_fast_generator_records_exactly_what_the_use_cases_record(tmp_path: Path) -> None:
    fast = generate(tmp_path / "fast", execute=False)
    reference = generate(tmp_path / "execute", execute=True)
    assert len(fast) == len(reference) > 500
    for position, (mine, theirs) in enumerate(zip(fast, reference, strict=True), start=1):
        assert mine == theirs, f"position {position}"
