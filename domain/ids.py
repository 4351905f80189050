"""Deterministic aggregate ids (uuid5 of natural keys).

An aggregate whose id derives from its natural key is found with one ``repository.get`` and a racing
duplicate fails on the store's unique key, so no lookup tables are needed."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1d3c2a-4b1e-5a7c-9d2e-8f0a1b2c3d4e")


@lru_cache(maxsize=1 << 15)  # a command computes several ids (~6 µs each), mostly the same ones
def _id(*parts: str) -> UUID:
    return uuid5(NAMESPACE, "\x1f".join(parts))


def org_id(code: str) -> UUID:
    return _id("org", code)


def account_id(account: str) -> UUID:
    return _id("account", account)


def token_id(token_hash: str) -> UUID:
    return _id("token", token_hash)


def cycle_id(cycle: str) -> UUID:
    return _id("cycle", cycle)


def cycle_slot_id(organizer_org: str, level: str, year: int) -> UUID:
    return _id("cycle-slot", organizer_org, level, str(year))


def report_id(cycle: str, org_code: str) -> UUID:
    return _id("report", cycle, org_code)


def rating_id(cycle: str, org_code: str, reviewer: str) -> UUID:
    return _id("rating", cycle, org_code, reviewer)


def score_id(cycle: str, org_code: str, indicator: str) -> UUID:
    return _id("score", cycle, org_code, indicator)


def feedback_id(cycle: str, org_code: str) -> UUID:
    return _id("feedback", cycle, org_code)


def plan_id(cycle: str, org_code: str) -> UUID:
    return _id("plan", cycle, org_code)


def idempotency_id(actor: str, key: str) -> UUID:
    return _id("idempotency", actor, key)


def ballot_book_id(cycle: str) -> UUID:
    return _id("ballot-book", cycle)


def ballot_id(code_hash: str) -> UUID:
    """A one-time ballot code's aggregate: found from the code alone (its hash), and a second
    cast of the same code fails on the store's unique key."""
    return _id("ballot", code_hash)


def hall_screen_id(cycle: str) -> UUID:
    return _id("hall-screen", cycle)


def screen_link_id(key_hash: str) -> str:
    """A read-only screen link's id: derived from its key's hash, so a key finds its link."""
    return str(_id("screen-link", key_hash))
