"""The scope rules of application/access/: the pure ones (conflicts of interest, the
organizer's own-org conflict, subtree scope) from the facts the use cases load, and an admin's
scope over a store."""

from __future__ import annotations

import pytest

from application.access.conflicts import organizer_conflicts
from application.access.scope import administers
from application.principal import GLOBAL_SCOPE, Principal, within
from domain.conflicts import rating_conflicts
from tests.application.world import World


def someone(org: str | None = "city", *grants: tuple[str, str]) -> Principal:
    return Principal("zhang", "张三", org, tuple(grants))


class TestRatingConflicts:
    def test_none_for_a_reviewer_of_another_branch(self) -> None:
        assert rating_conflicts("zhang", "county-a", [], ["city", "prov"], "sec-a", False) == []

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
        granted = [org for _, org in principal.grants]
        assert rating_conflicts("zhang", "county-a", granted, own, appointed, declared) == why

    def test_a_grant_elsewhere_is_no_tie(self) -> None:
        granted = ["county-b", GLOBAL_SCOPE]

        assert rating_conflicts("zhang", "county-a", granted, ["city"], None, False) == []

    def test_every_tie_at_once_is_named(self) -> None:
        assert rating_conflicts(
            "zhang", "county-a", ["county-a"], ["county-a", "city"], "zhang", True
        ) == ["holds_grant", "appointed_secretary", "own_org", "declared"]


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


class TestAdminScope:
    def test_an_admin_administers_its_subtree_and_the_global_admin_everything(self, app) -> None:
        World(app)
        county = Principal("a1", "县管理员", "county-a", (("admin", "county-a"),))
        city = Principal("a2", "市管理员", "city", (("admin", "city"),))
        everything = Principal("a3", "总管理员", None, (("admin", "*"),))
        organizer = Principal("o", "组织部", "city", (("organizer", "city"),))

        assert administers(app, county, "county-a")
        assert not administers(app, county, "county-b")
        assert not administers(app, county, "city")
        assert administers(app, city, "county-b") and administers(app, city, "city")
        assert not administers(app, city, None)
        assert administers(app, everything, None) and administers(app, everything, "prov")
        assert not administers(app, organizer, "county-a")
