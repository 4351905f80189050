"""The scope rules as pure functions (no store): conflicts of interest and the organizer's own-org
conflict, from the facts the use cases load."""

from __future__ import annotations

import pytest

from application.principal import GLOBAL_SCOPE, Principal, within
from application.usecases.access import organizer_conflicts, rating_conflicts


def someone(org: str | None = "city", *grants: tuple[str, str]) -> Principal:
    return Principal("zhang", "张三", org, tuple(grants))


class TestRatingConflicts:
    def test_none_for_a_reviewer_of_another_branch(self) -> None:
        assert rating_conflicts(someone(), "county-a", ["city", "prov"], "sec-a", False) == []

    @pytest.mark.parametrize("principal, own, appointed, declared, why", [
        (someone(None, ("secretary", "county-a")), [], None, False, ["holds_grant"]),
        (someone("city", ("inspector", "county-a")), ["city"], None, False, ["holds_grant"]),
        (someone("city"), ["city"], "zhang", False, ["appointed_secretary"]),
        (someone("county-a"), ["county-a", "city"], None, False, ["own_org"]),
        (someone("town-a"), ["town-a", "county-a", "city"], None, False, ["own_org"]),
        (someone("city"), ["city"], None, True, ["declared"]),
    ])
    def test_names_every_tie_to_the_participant(
        self, principal: Principal, own: list[str], appointed: str | None, declared: bool,
        why: list[str],
    ) -> None:
        assert rating_conflicts(principal, "county-a", own, appointed, declared) == why

    def test_a_grant_elsewhere_is_no_tie(self) -> None:
        principal = someone("city", ("secretary", "county-b"), ("admin", GLOBAL_SCOPE))

        assert rating_conflicts(principal, "county-a", ["city"], None, False) == []


class TestOrganizerConflicts:
    def test_a_secretary_grant_or_the_appointment_is_a_conflict(self) -> None:
        organizer = someone("city", ("organizer", "city"), ("secretary", "county-a"))

        assert organizer_conflicts(organizer, "county-a", None) == ["secretary_grant"]
        assert organizer_conflicts(someone("city"), "county-a", "zhang") == [
            "appointed_secretary"
        ]
        assert organizer_conflicts(organizer, "county-b", "li") == []


class TestWithin:
    def test_a_scope_reaches_its_subtree_only(self) -> None:
        assert within("town-a", ["city"], ["county-a", "city", "prov"])
        assert within("city", ["city"], ["prov"])
        assert not within("prov", ["city"], [])
        assert not within("county-a", [], ["city"])
