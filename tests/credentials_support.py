"""Cheap Argon2 parameters for tests (a real hash costs ~0.1 s on this machine; a test signs in
dozens of times). The code under test is the same; only the cost parameters differ."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher

from application.usecases import passwords


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64,
                                                            parallelism=1))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@contextmanager
def cheap_hashing() -> Iterator[None]:
    """``cheap_hashes`` for a wider scope (a module-scoped world)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64,
                                                          parallelism=1))
        passwords._dummy_hash.cache_clear()
        try:
            yield
        finally:
            passwords._dummy_hash.cache_clear()
