"""Scoring: DOMAIN.md's worked example, each edge rule as a scenario, and properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.scheme import DEFAULT_SCHEME, GRADES, Scheme
from domain.scoring import (
    ParticipantFacts,
    Standing,
    compute_standings,
    fmt2,
    fmt4,
    rectification_component,
    round2,
    round4,
)

D = Decimal


def ratings(
    good: int = 0, fairly_good: int = 0, average: int = 0, poor: int = 0
) -> tuple[str, ...]:
    return (
        ("good",) * good
        + ("fairly_good",) * fairly_good
        + ("average",) * average
        + ("poor",) * poor
    )


def default_points(*values: str | int) -> dict[str, Decimal]:
    """Points for DEFAULT_SCHEME's indicators, in table order."""
    return {
        code: D(str(value))
        for code, value in zip(DEFAULT_SCHEME.indicator_codes, values, strict=True)
    }


def single_indicator_scheme(**overrides: Any) -> Scheme:
    """A scheme whose total is exactly the points of one 0..100 indicator (review weighs 0)."""
    document: dict[str, Any] = DEFAULT_SCHEME.to_dict()
    document["indicators"] = [{"code": "work", "name": "工作", "max_points": 100}]
    document["weights"] = {"review": 0, "indicators": 1, "rectification": 0}
    document.update(overrides)
    return Scheme.from_dict(document)


def at(total: str | int, org: str, **counts: int) -> ParticipantFacts:
    """A participant of ``single_indicator_scheme`` whose total is ``total``."""
    return ParticipantFacts(org, ratings(**counts), {"work": D(str(total))}, None)


def by_org(rows: Sequence[Standing]) -> dict[str, Standing]:
    return {row.org_code: row for row in rows}


def grades_of(rows: Sequence[Standing]) -> dict[str, str]:
    return {row.org_code: row.grade for row in rows}


# -- the worked example --------------------------------------------------------------------------

WORKED_EXAMPLE = [
    ParticipantFacts(
        "county-a",
        ratings(8, 2, 0, 0),
        default_points(19, 18, 23, 13, 18),
        rectification_component(True, 5, 4),
    ),
    ParticipantFacts(
        "county-b",
        ratings(5, 4, 1, 0),
        default_points(18, 19, 22, 14, 19),
        rectification_component(True, 5, 5),
    ),
    ParticipantFacts(
        "county-c",
        ratings(3, 4, 2, 1),
        default_points(16, 17, "20.5", 12, 17),
        rectification_component(False, None, 0),
    ),
]

#          org,        counts,        review, satisf., indic.,  rect.,  total,   grade,    rank
EXPECTED_ROWS = [
    ("county-b", (5, 4, 1, 0), "88", "0.9", "92", "100", "92.00", "good", 1),
    ("county-a", (8, 2, 0, 0), "96", "1.0", "91", "80", "90.80", "good", 2),
    ("county-c", (3, 4, 2, 1), "74", "0.7", "82.5", None, "78.25", "average", 3),
]


def test_the_worked_example_lists_the_counties_in_domain_md_order() -> None:
    rows = compute_standings(DEFAULT_SCHEME, WORKED_EXAMPLE)
    assert [row.org_code for row in rows] == ["county-b", "county-a", "county-c"]


@pytest.mark.parametrize("expected", EXPECTED_ROWS, ids=[row[0] for row in EXPECTED_ROWS])
def test_the_worked_example_reproduces_each_row_of_domain_md(expected: tuple[Any, ...]) -> None:
    org, counts, review, satisfaction, indicators, rect, total, grade, rank = expected
    row = by_org(compute_standings(DEFAULT_SCHEME, WORKED_EXAMPLE))[org]

    assert sum(row.rating_counts.values()) == 10
    assert row.rating_counts == dict(zip(GRADES, counts, strict=True))
    assert row.review_score == D(review)
    assert row.satisfaction == D(satisfaction)
    assert row.indicator_score == D(indicators)
    assert row.rectification_score == (None if rect is None else D(rect))
    assert str(row.total) == total
    assert row.grade == grade
    assert row.rank == rank
    assert row.movement is None
    assert row.vetoed is False


def test_the_worked_example_displays_components_rounded_to_two_places() -> None:
    county_c = by_org(compute_standings(DEFAULT_SCHEME, WORKED_EXAMPLE))["county-c"]
    assert fmt2(county_c.review_score) == "74.00"
    assert fmt2(county_c.indicator_score) == "82.50"
    assert fmt2(county_c.rectification_score) is None
    assert fmt4(county_c.satisfaction) == "0.7000"


# -- components ----------------------------------------------------------------------------------


def test_without_ratings_review_and_satisfaction_are_absent_and_their_weight_is_shared_out() -> (
    None
):
    facts = ParticipantFacts("county-x", (), default_points(19, 19, 24, 14, 19), D(100))

    (row,) = compute_standings(DEFAULT_SCHEME, [facts])

    assert row.review_score is None
    assert row.satisfaction is None
    assert row.rating_counts == {"good": 0, "fairly_good": 0, "average": 0, "poor": 0}
    assert row.indicator_score == D(95)
    # (0.4 × 95 + 0.2 × 100) / (0.4 + 0.2) = 96.666…
    assert row.total == D("96.67")


def test_without_ratings_every_grade_with_a_satisfaction_gate_fails_it() -> None:
    facts = ParticipantFacts("county-x", (), default_points(20, 20, 25, 15, 20), D(100))

    (row,) = compute_standings(DEFAULT_SCHEME, [facts])

    assert row.total == D("100.00")
    assert row.grade == "average"  # good and fairly_good are gated, average is not


def test_even_a_zero_satisfaction_gate_fails_without_ratings() -> None:
    scheme = single_indicator_scheme(min_satisfaction={"good": 0})
    rows = compute_standings(scheme, [at(95, "rated", poor=1), at(95, "unrated")])
    assert grades_of(rows) == {"rated": "good", "unrated": "fairly_good"}


def test_unscored_indicators_count_zero_and_the_indicator_component_is_never_absent() -> None:
    partly = ParticipantFacts("partly", ratings(good=1), {"foundation": D(25)}, None)
    unscored = ParticipantFacts("unscored", ratings(good=1), {}, None)

    rows = by_org(compute_standings(DEFAULT_SCHEME, [partly, unscored]))

    assert rows["partly"].indicator_score == D(25)
    assert rows["unscored"].indicator_score == D(0)
    assert rows["unscored"].total == D("50.00")  # (0.4 × 100 + 0.4 × 0) / 0.8


def test_points_are_read_only_for_the_schemes_indicators_and_within_their_range() -> None:
    # Recording refuses such points; this guards standings against a scheme changed after scoring.
    facts = ParticipantFacts(
        "county-a", (), {"innovation": D(30), "retired_indicator": D(50)}, None
    )
    (row,) = compute_standings(DEFAULT_SCHEME, [facts])
    assert row.indicator_score == D(15)  # innovation capped at its max of 15


def test_when_every_present_component_weighs_nothing_the_present_ones_are_averaged() -> None:
    document = DEFAULT_SCHEME.to_dict()
    document["weights"] = {"review": 1, "indicators": 0, "rectification": 0}
    scheme = Scheme.from_dict(document)
    facts = ParticipantFacts("county-a", (), default_points(18, 18, 20, 12, 16), D(50))
    (row,) = compute_standings(scheme, [facts])
    assert row.total == D("67.00")  # review absent: its weight is shared equally by 84 and 50


def test_a_participant_with_no_ratings_and_no_scores_is_still_ranked() -> None:
    rows = compute_standings(
        DEFAULT_SCHEME,
        [ParticipantFacts("silent", (), {}, None), WORKED_EXAMPLE[2]],
    )
    silent = by_org(rows)["silent"]
    assert (silent.total, silent.grade, silent.rank) == (D("0.00"), "poor", 2)
    assert silent.review_score is None and silent.rectification_score is None


def test_ratings_may_be_given_by_their_chinese_labels() -> None:
    facts = ParticipantFacts("county-a", ("好", "较好", "一般", "差"), {}, None)
    (row,) = compute_standings(DEFAULT_SCHEME, [facts])
    assert row.rating_counts == {"good": 1, "fairly_good": 1, "average": 1, "poor": 1}
    assert row.review_score == D(60)
    assert row.satisfaction == D("0.5")


def test_an_unknown_rating_is_refused() -> None:
    facts = ParticipantFacts("county-a", ("excellent",), {}, None)
    with pytest.raises(ValidationError) as caught:
        compute_standings(DEFAULT_SCHEME, [facts])
    assert caught.value.code == "unknown_rating"


def test_the_same_participant_twice_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        compute_standings(DEFAULT_SCHEME, [WORKED_EXAMPLE[0], WORKED_EXAMPLE[0]])
    assert caught.value.code == "duplicate_participant"


def test_review_score_and_satisfaction_are_kept_exact_and_only_displayed_rounded() -> None:
    facts = ParticipantFacts("county-a", ratings(good=1, fairly_good=1, poor=1), {}, None)
    (row,) = compute_standings(DEFAULT_SCHEME, [facts])
    assert row.review_score is not None and row.satisfaction is not None
    assert row.review_score * 3 == D(180)  # 60 exactly, not a rounded value
    assert row.satisfaction > D("0.6666") and round4(row.satisfaction) == D("0.6667")
    assert fmt4(row.satisfaction) == "0.6667"
    assert fmt2(row.review_score) == "60.00"


# -- rounding ------------------------------------------------------------------------------------


def test_a_total_ending_in_exactly_five_thousandths_rounds_half_up() -> None:
    # (0.4 × 74 + 0.4 × 82.25) / 0.8 = 78.125 exactly: half-up 78.13, half-even would give 78.12
    facts = ParticipantFacts(
        "county-c", ratings(3, 4, 2, 1), default_points(16, 17, "20.25", 12, 17), None
    )
    (row,) = compute_standings(DEFAULT_SCHEME, [facts])
    assert row.total == D("78.13")


def test_grades_use_the_rounded_total_so_89_995_is_good() -> None:
    rows = compute_standings(single_indicator_scheme(), [at("89.995", "a", good=10)])
    assert (rows[0].total, rows[0].grade) == (D("90.00"), "good")


def test_ranks_use_the_rounded_total_so_near_equal_totals_share_a_rank() -> None:
    rows = compute_standings(
        single_indicator_scheme(),
        [at("80.004", "a", good=1), at("79.996", "b", good=1), at("79.994", "c", good=1)],
    )
    assert [(r.org_code, str(r.total), r.rank) for r in rows] == [
        ("a", "80.00", 1),
        ("b", "80.00", 1),
        ("c", "79.99", 3),
    ]


@pytest.mark.parametrize(
    ("value", "two", "four"),
    [
        ("78.125", "78.13", "78.1250"),
        ("0.66665", "0.67", "0.6667"),
        ("2.5", "2.50", "2.5000"),
        ("-1.005", "-1.01", "-1.0050"),
        ("100", "100.00", "100.0000"),
    ],
)
def test_rounding_helpers_round_half_up(value: str, two: str, four: str) -> None:
    assert round2(D(value)) == D(two) and fmt2(D(value)) == two
    assert round4(D(value)) == D(four) and fmt4(D(value)) == four


def test_formatting_nothing_gives_nothing() -> None:
    assert fmt2(None) is None
    assert fmt4(None) is None


# -- grades: satisfaction gates and vetoes -------------------------------------------------------


def test_a_failed_satisfaction_gate_drops_good_to_fairly_good_and_further() -> None:
    rows = compute_standings(
        single_indicator_scheme(),
        [
            at(95, "all-satisfied", good=10),
            at(95, "gate-exactly-met", good=9, average=1),  # 0.9 meets good's gate
            at(95, "good-gate-failed", good=17, poor=3),  # 0.85: good fails, fairly_good holds
            at(95, "both-gates-failed", good=7, poor=3),  # 0.7: falls through to average
        ],
    )
    assert grades_of(rows) == {
        "all-satisfied": "good",
        "gate-exactly-met": "good",
        "good-gate-failed": "fairly_good",
        "both-gates-failed": "average",
    }


def test_gates_use_the_exact_satisfaction_not_its_rounded_display() -> None:
    scheme = single_indicator_scheme(min_satisfaction={"good": "0.6667"})
    (row,) = compute_standings(scheme, [at(95, "a", good=2, poor=1)])
    assert fmt4(row.satisfaction) == "0.6667"
    assert row.grade == "fairly_good"  # 2/3 < 0.6667, and fairly_good has no gate here


def test_fairly_good_satisfaction_counts_towards_satisfaction() -> None:
    rows = compute_standings(single_indicator_scheme(), [at(95, "a", fairly_good=10)])
    assert rows[0].satisfaction == D(1) and rows[0].grade == "good"


def test_a_total_below_every_threshold_is_poor() -> None:
    rows = compute_standings(single_indicator_scheme(), [at("59.99", "a", good=10)])
    assert rows[0].grade == "poor"


def test_a_veto_makes_the_grade_poor_but_keeps_the_rank() -> None:
    vetoed = ParticipantFacts(
        "county-b", ratings(5, 4, 1, 0), default_points(18, 19, 22, 14, 19), D(100), vetoed=True
    )
    rows = compute_standings(DEFAULT_SCHEME, [WORKED_EXAMPLE[0], vetoed, WORKED_EXAMPLE[2]])

    assert [(r.org_code, str(r.total), r.grade, r.rank, r.vetoed) for r in rows] == [
        ("county-b", "92.00", "poor", 1, True),
        ("county-a", "90.80", "good", 2, False),
        ("county-c", "78.25", "average", 3, False),
    ]


# -- order and rank ------------------------------------------------------------------------------


def test_equal_totals_share_a_rank_and_the_next_rank_skips() -> None:
    rows = compute_standings(
        single_indicator_scheme(),
        [at(85, "d", good=1), at(90, "b", good=1), at(95, "a", good=1), at(90, "c", good=1)],
    )
    assert [(r.org_code, r.rank) for r in rows] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


def test_equal_totals_are_ordered_by_satisfaction_with_none_last_then_by_code() -> None:
    rows = compute_standings(
        single_indicator_scheme(),
        [
            at(88, "a-unrated"),
            at(88, "b-half", good=1, poor=1),
            at(88, "b-none-satisfied", poor=2),  # a satisfaction of 0 still beats no ratings
            at(88, "c-full", good=2),
            at(88, "B-full", fairly_good=1),  # "B" sorts before "c" by code point
            at(88, "县-full", good=1),  # a CJK code sorts after every ASCII code
            at(90, "z-top", poor=1),
        ],
    )
    assert [r.org_code for r in rows] == [
        "z-top",
        "B-full",
        "c-full",
        "县-full",
        "b-half",
        "b-none-satisfied",
        "a-unrated",
    ]
    assert [r.rank for r in rows] == [1, 2, 2, 2, 2, 2, 2]


def test_movement_is_the_previous_rank_minus_this_rank_and_none_for_newcomers() -> None:
    rows = compute_standings(
        DEFAULT_SCHEME, WORKED_EXAMPLE, previous_ranks={"county-b": 3, "county-a": 1}
    )
    assert {r.org_code: r.movement for r in rows} == {
        "county-b": 2,  # 3rd → 1st: 晋位 two places
        "county-a": -1,  # 1st → 2nd
        "county-c": None,  # not ranked last time
    }


# -- quotas --------------------------------------------------------------------------------------


def test_a_good_quota_of_30_percent_keeps_three_of_ten_goods_best_first() -> None:
    scheme = single_indicator_scheme(quota={"good": "0.3"})
    participants = [
        at(99, "p01", good=10),
        at(97, "p02", good=10),
        at(97, "p03", good=9, average=1),  # same total as p02, lower satisfaction: after it
        at(96, "p04", good=10),
        at(95, "p05", good=10),
        at(94, "p06", good=10),
        at(93, "p07", good=10),
        at(92, "p08", good=10),
        at(91, "p09", good=10),
        at(90, "p10", good=10),
    ]

    rows = compute_standings(scheme, participants)

    assert [r.org_code for r in rows if r.grade == "good"] == ["p01", "p02", "p03"]
    assert all(r.grade == "fairly_good" for r in rows[3:])


def test_those_over_a_quota_drop_to_the_next_grade_they_qualify_for_whose_quota_applies() -> None:
    scheme = single_indicator_scheme(
        min_satisfaction={"good": "0.5", "fairly_good": "0.9"},
        quota={"good": "0.3", "fairly_good": "0.2"},
    )
    participants = [
        at(99, "p01", good=10),
        at(98, "p02", good=10),
        at(97, "p03", good=6, poor=4),
        at(96, "p04", good=6, poor=4),  # over good's quota and below fairly_good's gate: average
        at(95, "p05", good=10),  # over good's quota: fairly_good
        at(94, "p06", good=10),  # over good's quota: fairly_good
        at(85, "p07", good=10),  # fairly_good on its own, but over fairly_good's quota of 2
        at(84, "p08", good=10),  # likewise
        at(70, "p09", good=10),
        at(50, "p10", good=10),
    ]

    rows = compute_standings(scheme, participants)

    assert grades_of(rows) == {
        "p01": "good",
        "p02": "good",
        "p03": "good",
        "p04": "average",
        "p05": "fairly_good",
        "p06": "fairly_good",
        "p07": "average",
        "p08": "average",
        "p09": "average",
        "p10": "poor",
    }
    assert [r.rank for r in rows] == list(range(1, 11))


def test_a_quota_counts_vetoed_participants_among_all_participants() -> None:
    scheme = single_indicator_scheme(quota={"good": "0.5"})
    participants = [
        at(99, "a", good=1),
        at(98, "b", good=1),
        at(97, "c", good=1),
        ParticipantFacts("d", ratings(good=1), {"work": D(10)}, None, vetoed=True),
    ]
    # N = 4 → floor(0.5 × 4) = 2 goods, not floor(0.5 × 3) = 1
    assert grades_of(compute_standings(scheme, participants)) == {
        "a": "good",
        "b": "good",
        "c": "fairly_good",
        "d": "poor",
    }


def test_a_quota_smaller_than_one_participant_keeps_nobody_in_that_grade() -> None:
    scheme = single_indicator_scheme(quota={"good": "0.3"})
    rows = compute_standings(scheme, [at(99, "a", good=1), at(98, "b", good=1)])
    assert grades_of(rows) == {"a": "fairly_good", "b": "fairly_good"}  # floor(0.6) = 0


# -- rectification component ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("had_problems", "approved", "verified", "expected"),
    [
        (False, None, 0, None),  # no problems last time (or no previous cycle): absent
        (False, 5, 5, None),
        (True, None, 0, D(0)),  # problems but no approved plan
        (True, 5, 4, D(80)),
        (True, 5, 5, D(100)),
        (True, 5, 0, D(0)),
        (True, 0, 0, D(100)),  # an approved plan with no items leaves nothing outstanding
    ],
)
def test_the_rectification_component_follows_last_years_feedback_and_plan(
    had_problems: bool, approved: int | None, verified: int, expected: Decimal | None
) -> None:
    assert rectification_component(had_problems, approved, verified) == expected


def test_the_rectification_component_is_exact_for_thirds() -> None:
    value = rectification_component(True, 3, 1)
    assert value is not None and fmt2(value) == "33.33" and value * 3 > D("99.99999")


@pytest.mark.parametrize(("approved", "verified"), [(3, 4), (3, -1), (-1, 0)])
def test_more_verified_items_than_approved_ones_is_refused(approved: int, verified: int) -> None:
    with pytest.raises(ValidationError) as caught:
        rectification_component(True, approved, verified)
    assert caught.value.code == "invalid_rectification"


# -- properties ----------------------------------------------------------------------------------

_ORG_CODES = st.from_regex(r"[a-zA-Z0-9-]{1,6}|县[0-9]{1,2}", fullmatch=True)
_share = st.decimals(min_value=0, max_value=1, places=2)
_percent = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def schemes(draw: st.DrawFn) -> Scheme:
    gated = ("good", "fairly_good", "average")
    rating_points = sorted(draw(st.lists(_percent, min_size=4, max_size=4)), reverse=True)
    thresholds = sorted(draw(st.lists(_percent, min_size=3, max_size=3)), reverse=True)
    weights = draw(st.lists(_share, min_size=3, max_size=3).filter(lambda w: sum(w) > 0))
    document = DEFAULT_SCHEME.to_dict()
    document.update(
        rating_points={g: str(p) for g, p in zip(GRADES, rating_points, strict=True)},
        weights={
            k: str(w)
            for k, w in zip(("review", "indicators", "rectification"), weights, strict=True)
        },
        grade_thresholds={g: str(t) for g, t in zip(gated, thresholds, strict=True)},
        min_satisfaction=draw(st.dictionaries(st.sampled_from(gated), _share.map(str))),
        quota=draw(st.dictionaries(st.sampled_from(gated), _share.map(str))),
    )
    return Scheme.from_dict(document)


@st.composite
def facts_for(draw: st.DrawFn, scheme: Scheme, org_code: str) -> ParticipantFacts:
    points: dict[str, Decimal] = {}
    for indicator in scheme.indicators:
        if draw(st.booleans()):
            points[indicator.code] = draw(
                st.decimals(min_value=0, max_value=indicator.max_points, places=1)
            )
    rectification = draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda approved, verified: rectification_component(
                    True, approved, min(verified, approved)
                ),
                st.integers(min_value=1, max_value=9),
                st.integers(min_value=0, max_value=9),
            ),
        )
    )
    return ParticipantFacts(
        org_code=org_code,
        ratings=tuple(draw(st.lists(st.sampled_from(GRADES), max_size=12))),
        points=points,
        rectification=rectification,
        vetoed=draw(st.integers(min_value=0, max_value=4)) == 0,
    )


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[Scheme, list[ParticipantFacts]]:
    scheme = draw(schemes())
    codes = draw(st.lists(_ORG_CODES, min_size=1, max_size=12, unique=True))
    return scheme, [draw(facts_for(scheme, code)) for code in codes]


def _previous_ranks(participants: Sequence[ParticipantFacts]) -> Mapping[str, int]:
    return {facts.org_code: index + 1 for index, facts in enumerate(participants) if index % 2}


@given(cohorts(), st.data())
def test_standings_do_not_depend_on_the_order_of_participants_or_of_their_ratings(
    cohort: tuple[Scheme, list[ParticipantFacts]], data: st.DataObject
) -> None:
    scheme, participants = cohort
    previous = _previous_ranks(participants)
    shuffled = [
        ParticipantFacts(
            f.org_code,
            tuple(data.draw(st.permutations(f.ratings))),
            dict(reversed(list(f.points.items()))),
            f.rectification,
            f.vetoed,
        )
        for f in data.draw(st.permutations(participants))
    ]
    assert compute_standings(scheme, shuffled, previous) == compute_standings(
        scheme, participants, previous
    )


@given(cohorts())
def test_totals_always_lie_within_0_and_100_with_exactly_two_decimal_places(
    cohort: tuple[Scheme, list[ParticipantFacts]],
) -> None:
    scheme, participants = cohort
    for row in compute_standings(scheme, participants):
        assert D(0) <= row.total <= D(100)
        assert row.total.as_tuple().exponent == -2


@given(cohorts())
def test_no_quota_is_ever_exceeded(cohort: tuple[Scheme, list[ParticipantFacts]]) -> None:
    scheme, participants = cohort
    rows = compute_standings(scheme, participants)
    for grade, share in scheme.quota.items():
        holders = sum(1 for row in rows if row.grade == grade)
        assert holders <= int(share * len(participants))


@given(cohorts())
def test_every_grade_is_earned_by_threshold_and_gate_and_every_veto_is_poor(
    cohort: tuple[Scheme, list[ParticipantFacts]],
) -> None:
    scheme, participants = cohort
    for row in compute_standings(scheme, participants):
        if row.vetoed:
            assert row.grade == "poor"
        elif row.grade != "poor":
            assert row.total >= scheme.grade_thresholds[row.grade]
            gate = scheme.min_satisfaction.get(row.grade)
            if gate is not None:
                assert row.satisfaction is not None and row.satisfaction >= gate


@given(cohorts())
def test_rows_are_in_order_and_ranks_follow_the_total_alone(
    cohort: tuple[Scheme, list[ParticipantFacts]],
) -> None:
    scheme, participants = cohort
    rows = compute_standings(scheme, participants)
    assert len(rows) == len(participants)
    for position, row in enumerate(rows):
        assert row.rank == 1 + sum(1 for other in rows if other.total > row.total)
        if position:
            before = rows[position - 1]
            assert before.total >= row.total
            if before.total == row.total:
                assert _satisfaction_key(before) <= _satisfaction_key(row)
                if before.satisfaction == row.satisfaction:
                    assert before.org_code < row.org_code


def _satisfaction_key(row: Standing) -> tuple[int, Decimal]:
    if row.satisfaction is None:
        return (1, D(0))
    return (0, -row.satisfaction)
