"""Scoring (DOMAIN.md "Scoring"): components, total, grade, quotas, order, rank and movement.

Pure module: stdlib, ``domain.errors`` and ``domain.scheme`` only. All arithmetic is ``Decimal`` in
a local 50-digit context; only the total is rounded (half-up, 2 places) before it is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from domain.errors import ValidationError
from domain.scheme import GATED_GRADES, GRADES, Scheme, parse_grade

PRECISION = 50

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_TEN_THOUSANDTH = Decimal("0.0001")


@dataclass(frozen=True)
class ParticipantFacts:
    """What scoring needs to know about one participant, already reduced to latest values."""

    org_code: str
    ratings: tuple[str, ...]  # each reviewer's latest rating code (one entry per reviewer)
    points: Mapping[str, Decimal] = field(default_factory=dict)  # indicator code -> latest points
    rectification: Decimal | None = None  # rectification component, None when absent
    vetoed: bool = False
    #: With a scheme that has ballot categories: every counted rating by category code (panel
    #: ratings of members in that category, plus ballots of it); ``ratings`` is then ignored.
    by_category: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Standing:
    org_code: str
    rating_counts: dict[str, int]
    by_category: dict[str, dict[str, int]]
    review_score: Decimal | None
    satisfaction: Decimal | None
    indicator_score: Decimal
    rectification_score: Decimal | None
    total: Decimal
    grade: str
    rank: int
    movement: int | None
    vetoed: bool


def round2(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def round4(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return value.quantize(_TEN_THOUSANDTH, rounding=ROUND_HALF_UP)


def fmt2(value: Decimal | None) -> str | None:
    return None if value is None else format(round2(value), "f")


def fmt4(value: Decimal | None) -> str | None:
    return None if value is None else format(round4(value), "f")


def rectification_component(
    had_problems: bool, approved_items: int | None, verified_items: int
) -> Decimal | None:
    """The rectification component carried over from the previous cycle.

    - no feedback problems there (or no previous cycle / not a participant): absent (None);
    - problems but no approved plan (``approved_items is None``): 0;
    - otherwise 100 × verified / items of the last approved plan.
    Judgment call: an approved plan with zero items leaves nothing outstanding, so it counts 100
    (the organizer approved it as a complete answer to the feedback).
    """
    if not had_problems:
        return None
    if approved_items is None:
        return _ZERO
    if approved_items < 0 or verified_items < 0 or verified_items > approved_items:
        message = f"verified items ({verified_items}) must lie within 0..{approved_items}"
        raise ValidationError(
            "invalid_rectification", message, details=[{"field": "verified", "message": message}]
        )
    if approved_items == 0:
        return _HUNDRED
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _HUNDRED * Decimal(verified_items) / Decimal(approved_items)


@dataclass(frozen=True)
class _Scored:
    facts: ParticipantFacts
    rating_counts: dict[str, int]
    by_category: dict[str, dict[str, int]]
    review_score: Decimal | None
    satisfaction: Decimal | None
    indicator_score: Decimal
    total: Decimal


def compute_standings(
    scheme: Scheme,
    participants: Sequence[ParticipantFacts],
    previous_ranks: Mapping[str, int] | None = None,
) -> list[Standing]:
    """Standings in DOMAIN.md's order: total desc, satisfaction desc (null last), org code asc."""
    _check_unique(participants)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        scored = sorted((_score(scheme, facts) for facts in participants), key=_order_key)
    grades = _grades(scheme, scored)
    ranks = _ranks(scored)
    previous = previous_ranks or {}
    return [
        Standing(
            org_code=row.facts.org_code,
            rating_counts=row.rating_counts,
            by_category=row.by_category,
            review_score=row.review_score,
            satisfaction=row.satisfaction,
            indicator_score=row.indicator_score,
            rectification_score=row.facts.rectification,
            total=row.total,
            grade=grade,
            rank=rank,
            movement=_movement(previous.get(row.facts.org_code), rank),
            vetoed=row.facts.vetoed,
        )
        for row, grade, rank in zip(scored, grades, ranks, strict=True)
    ]


def _check_unique(participants: Sequence[ParticipantFacts]) -> None:
    seen: set[str] = set()
    for facts in participants:
        if facts.org_code in seen:
            message = f"participant {facts.org_code!r} appears more than once"
            details = [{"field": "org_code", "message": message}]
            raise ValidationError("duplicate_participant", message, details=details)
        seen.add(facts.org_code)


# -- components ---------------------------------------------------------------------------------


def _score(scheme: Scheme, facts: ParticipantFacts) -> _Scored:
    by_category: dict[str, dict[str, int]] = {}
    if scheme.ballot_categories:
        by_category = {
            code: _rating_counts(facts.by_category.get(code, ())) for code in scheme.category_codes
        }
        counts = {g: sum(c[g] for c in by_category.values()) for g in GRADES}
        review, satisfaction = _categorized_review(scheme, by_category, counts)
    else:
        counts = _rating_counts(facts.ratings)
        review, satisfaction = _review(scheme, counts)
    indicators = _indicator_score(scheme, facts.points)
    components = {"review": review, "indicators": indicators, "rectification": facts.rectification}
    return _Scored(
        facts=facts,
        rating_counts=counts,
        by_category=by_category,
        review_score=review,
        satisfaction=satisfaction,
        indicator_score=indicators,
        total=round2(_weighted_total(scheme, components)),
    )


def _rating_counts(ratings: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(GRADES, 0)
    for rating in ratings:
        counts[parse_grade(rating)] += 1
    return counts


def _review(scheme: Scheme, counts: Mapping[str, int]) -> tuple[Decimal | None, Decimal | None]:
    """(review_score, satisfaction); both absent without ratings."""
    number = sum(counts.values())
    if number == 0:
        return None, None
    points = sum((scheme.rating_points[g] * counts[g] for g in GRADES), _ZERO)
    satisfied = counts["good"] + counts["fairly_good"]
    return points / number, Decimal(satisfied) / number


def _categorized_review(
    scheme: Scheme, by_category: Mapping[str, Mapping[str, int]], counts: Mapping[str, int]
) -> tuple[Decimal | None, Decimal | None]:
    """DOMAIN.md "Ballot categories": without weights one pool (as before); with weights
    Σ w_c × mean_c and Σ w_c × share_c over the categories that have ratings, their weights
    rescaled to sum to 1 (like absent components)."""
    weights = {c.code: c.weight for c in scheme.ballot_categories}
    if any(w is None for w in weights.values()):
        return _review(scheme, counts)
    rated = {code: c for code, c in by_category.items() if sum(c.values())}
    if not rated:
        return None, None
    weight_sum = sum((weights[code] or _ZERO for code in rated), _ZERO)
    review = satisfaction = _ZERO
    for code, category_counts in rated.items():
        mean, share = _review(scheme, category_counts)
        weight = (weights[code] or _ZERO) / weight_sum
        review += weight * (mean or _ZERO)
        satisfaction += weight * (share or _ZERO)
    return review, satisfaction


def _indicator_score(scheme: Scheme, points: Mapping[str, Decimal]) -> Decimal:
    """100 × Σ points / Σ max points; unscored indicators count 0.

    Judgment call: points are read only for the scheme's indicators (a code the scheme no longer
    has is ignored) and clamped to 0..max_points, so a scheme changed after scoring can never push
    the component outside 0..100. Recording already refuses out-of-range points.
    """
    total = _ZERO
    for indicator in scheme.indicators:
        value = Decimal(points.get(indicator.code, _ZERO))
        total += min(max(value, _ZERO), indicator.max_points)
    return _HUNDRED * total / scheme.total_max_points


def _weighted_total(scheme: Scheme, components: Mapping[str, Decimal | None]) -> Decimal:
    """Σ weight × component over present components / Σ their weights (absent weight shared out).

    Judgment call: if every present component has weight 0 (only possible with a custom scheme),
    the absent components' weight is shared out equally, i.e. the plain mean of the present ones.
    """
    present = {key: value for key, value in components.items() if value is not None}
    weight_sum = sum((scheme.weights[key] for key in present), _ZERO)
    if weight_sum == 0:
        return sum(present.values(), _ZERO) / len(present)
    weighted = sum((scheme.weights[key] * value for key, value in present.items()), _ZERO)
    return weighted / weight_sum


# -- order, grade, rank -------------------------------------------------------------------------


def _order_key(row: _Scored) -> tuple[Decimal, int, Decimal, str]:
    satisfaction = row.satisfaction
    has_satisfaction = 0 if satisfaction is not None else 1
    return (-row.total, has_satisfaction, -(satisfaction or _ZERO), row.facts.org_code)


def _qualifies(scheme: Scheme, grade: str, row: _Scored) -> bool:
    """Threshold on the rounded total; satisfaction gate on the exact satisfaction."""
    if grade == "poor":
        return True
    if row.total < scheme.grade_thresholds[grade]:
        return False
    gate = scheme.min_satisfaction.get(grade)
    return gate is None or (row.satisfaction is not None and row.satisfaction >= gate)


def _best_grade(scheme: Scheme, row: _Scored, below: str | None = None) -> str:
    """The best grade the row qualifies for, strictly below ``below`` when given."""
    start = 0 if below is None else GRADES.index(below) + 1
    return next(g for g in GRADES[start:] if _qualifies(scheme, g, row))


def _grades(scheme: Scheme, ordered: Sequence[_Scored]) -> list[str]:
    """Grades for rows already in standings order: best qualifying grade, veto, then quotas."""
    grades = ["poor" if row.facts.vetoed else _best_grade(scheme, row) for row in ordered]
    for grade in GATED_GRADES:
        share = scheme.quota.get(grade)
        if share is not None:
            _apply_quota(scheme, ordered, grades, grade, _quota_cap(share, len(ordered)))
    return grades


def _quota_cap(share: Decimal, participants: int) -> int:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return int((share * participants).to_integral_value(rounding=ROUND_FLOOR))


def _apply_quota(
    scheme: Scheme, ordered: Sequence[_Scored], grades: list[str], grade: str, cap: int
) -> None:
    """Keep ``grade`` for the first ``cap`` holders in order; the rest drop to their next grade."""
    holders = [index for index, current in enumerate(grades) if current == grade]
    for index in holders[cap:]:
        grades[index] = _best_grade(scheme, ordered[index], below=grade)


def _ranks(ordered: Sequence[_Scored]) -> list[int]:
    """Competition ranking by the rounded total alone (1, 2, 2, 4); vetoes do not move a rank."""
    ranks: list[int] = []
    for position, row in enumerate(ordered):
        tied_with_previous = position > 0 and ordered[position - 1].total == row.total
        ranks.append(ranks[-1] if tied_with_previous else position + 1)
    return ranks


def _movement(previous_rank: int | None, rank: int) -> int | None:
    return None if previous_rank is None else previous_rank - rank
