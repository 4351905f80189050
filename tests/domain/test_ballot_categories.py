"""DOMAIN.md "Ballot categories and ballots": the scheme's categories and the scoring by category,
with its worked example exactly (with and without the delegate ballots)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.errors import RuleViolationError, ValidationError
from domain.scheme import DEFAULT_SCHEME, Scheme
from domain.scoring import ParticipantFacts, compute_standings, fmt2, fmt4

WEIGHTED = [
    {"code": "committee", "name": "市委委员", "weight": "0.5"},
    {"code": "department", "name": "部门负责人", "weight": 0.3},
    {"code": "delegate", "name": "党代表和群众代表", "weight": "0.2"},
]


def scheme_with(categories: list[dict[str, Any]]) -> Scheme:
    return Scheme.from_dict({**DEFAULT_SCHEME.to_dict(), "ballot_categories": categories})


def many(**counts: int) -> tuple[str, ...]:
    return tuple(grade for grade, n in counts.items() for _ in range(n))


COMMITTEE = ("good", "good", "fairly_good", "average")
DEPARTMENT = many(good=6, fairly_good=3, average=1)
DELEGATE = many(good=10, fairly_good=8, average=2)


def review(scheme: Scheme, by_category: dict[str, tuple[str, ...]]) -> Any:
    facts = ParticipantFacts("county-a", (), {}, None, by_category=by_category)
    return compute_standings(scheme, [facts])[0]


class TestTheWorkedExample:
    def test_with_the_delegate_ballots_review_is_87_10_and_satisfaction_0_8250(self) -> None:
        row = review(scheme_with(WEIGHTED), {
            "committee": COMMITTEE, "department": DEPARTMENT, "delegate": DELEGATE})
        assert row.review_score == Decimal("87.1")
        assert row.satisfaction == Decimal("0.825")
        assert (fmt2(row.review_score), fmt4(row.satisfaction)) == ("87.10", "0.8250")
        assert row.rating_counts == {"good": 18, "fairly_good": 12, "average": 4, "poor": 0}
        assert row.by_category["committee"] == {
            "good": 2, "fairly_good": 1, "average": 1, "poor": 0}

    def test_without_them_the_weights_become_0_625_and_0_375(self) -> None:
        row = review(scheme_with(WEIGHTED), {"committee": COMMITTEE, "department": DEPARTMENT})
        assert row.review_score == Decimal("86.875")
        assert row.satisfaction == Decimal("0.80625")
        assert (fmt2(row.review_score), fmt4(row.satisfaction)) == ("86.88", "0.8063")
        assert row.by_category["delegate"] == {
            "good": 0, "fairly_good": 0, "average": 0, "poor": 0}


class TestUnweightedCategories:
    def test_every_rating_counts_once_in_one_pool(self) -> None:
        categories = [{k: v for k, v in c.items() if k != "weight"} for c in WEIGHTED]
        row = review(scheme_with(categories), {"committee": COMMITTEE, "department": DEPARTMENT})
        # (2+6)*100 + (1+3)*80 + (1+1)*60 over 14
        assert (fmt2(row.review_score), fmt4(row.satisfaction)) == ("88.57", "0.8571")

    def test_no_rating_at_all_leaves_review_and_satisfaction_absent(self) -> None:
        row = review(scheme_with(WEIGHTED), {})
        assert (row.review_score, row.satisfaction) == (None, None)
        assert row.rating_counts == {"good": 0, "fairly_good": 0, "average": 0, "poor": 0}


class TestASchemeWithoutCategories:
    def test_scores_as_before_and_has_no_by_category(self) -> None:
        facts = ParticipantFacts("county-a", many(good=5, fairly_good=4, average=1), {})
        row = compute_standings(DEFAULT_SCHEME, [facts])[0]
        assert (row.review_score, row.satisfaction, row.by_category) == (
            Decimal(88), Decimal("0.9"), {})
        assert "ballot_categories" not in DEFAULT_SCHEME.to_dict()


class TestCategoryValidation:
    @pytest.mark.parametrize("categories, problem", [
        ([{"code": "a", "name": "甲", "weight": "0.5"}, {"code": "b", "name": "乙"}],
         "either every category has a weight or none has"),
        ([{"code": "a", "name": "甲", "weight": "0.5"},
          {"code": "b", "name": "乙", "weight": "0.4"}],
         "the category weights must sum to 1"),
        ([{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}], "duplicate code 'a'"),
        ([{"code": "a", "name": "甲", "weight": "2"}], "must lie in (0, 1]"),
        ([{"code": "a"}], "is required"),
        ("committee", "must be a list"),
    ])
    def test_a_bad_category_list_is_refused_with_every_problem(
        self, categories: Any, problem: str
    ) -> None:
        with pytest.raises(ValidationError) as refused:
            scheme_with(categories)
        assert refused.value.code == "invalid_scheme"
        assert problem in refused.value.message

    def test_categories_round_trip_exactly(self) -> None:
        scheme = scheme_with(WEIGHTED)
        assert Scheme.from_dict(scheme.to_dict()) == scheme
        assert scheme.to_dict()["ballot_categories"][1] == {
            "code": "department", "name": "部门负责人", "weight": "0.3"}

    def test_a_panel_member_needs_a_known_category(self) -> None:
        scheme = scheme_with(WEIGHTED)
        with pytest.raises(ValidationError) as missing:
            scheme.require_category(None)
        with pytest.raises(ValidationError) as unknown:
            scheme.require_category("public")
        assert (missing.value.code, unknown.value.code) == ("category_required", "unknown_category")


class TestCyclePanelCategories:
    def cycle(self) -> Any:
        from domain.cycle import Cycle

        return Cycle(cycle_id="c", organizer_org="city", level="county", year=2026, title="t",
                     scheme=DEFAULT_SCHEME.to_dict(), previous_cycle_id=None, deadlines=None,
                     actor="o")

    def test_setting_categories_while_a_member_has_none_is_refused(self) -> None:
        cycle = self.cycle()
        cycle.add_panel_member("reviewer-1", "o")
        with pytest.raises(RuleViolationError) as refused:
            cycle.set_scheme(scheme_with(WEIGHTED).to_dict(), "o")
        assert refused.value.code == "panel_member_without_category"
        assert refused.value.details == {"account_ids": ["reviewer-1"]}
        assert cycle.scheme_version == 1

    def test_members_added_with_categories_allow_the_scheme(self) -> None:
        cycle = self.cycle()
        cycle.set_scheme(scheme_with(WEIGHTED).to_dict(), "o")
        cycle.add_panel_member("reviewer-1", "o", "committee")
        with pytest.raises(ValidationError) as refused:
            cycle.add_panel_member("reviewer-2", "o")
        assert refused.value.code == "category_required"
        assert cycle.panel_categories == {"reviewer-1": "committee"}
