"""Application fixtures (``app`` and ``world``: tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.application.world import World


@pytest.fixture
def preparing(world: World) -> World:
    """Cycle ``c1`` (2026), in preparing."""
    world.cycle("c1", 2026)
    return world
