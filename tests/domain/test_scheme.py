"""The assessment scheme: DOMAIN.md's default, grade labels, parsing and validation."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.scheme import (
    DEFAULT_SCHEME,
    GRADE_LABELS,
    GRADES,
    Indicator,
    Scheme,
    parse_grade,
)


def default_dict() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_SCHEME.to_dict())


def invalid_fields(data: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Scheme.from_dict(data)
    assert caught.value.code == "invalid_scheme"
    return [detail["field"] for detail in caught.value.details]


# -- the default scheme --------------------------------------------------------------------------


def test_the_default_scheme_has_the_five_indicators_of_the_speech_with_their_max_points() -> None:
    assert [(i.code, i.name, i.max_points) for i in DEFAULT_SCHEME.indicators] == [
        ("responsibility", "强化责任（履行第一责任人职责）", Decimal(20)),
        ("development", "服务发展（围绕中心、服务群众）", Decimal(20)),
        ("foundation", "夯实基础（农村、社区、乡镇、非公、机关党建，后进村整顿）", Decimal(25)),
        ("innovation", "锐意创新（项目化、信息化）", Decimal(15)),
        ("leadership", "强化领导（书记抓、抓书记，经费阵地保障）", Decimal(20)),
    ]
    assert DEFAULT_SCHEME.total_max_points == Decimal(100)


def test_the_default_scheme_has_domain_md_points_weights_thresholds_gates_and_no_quota() -> None:
    assert DEFAULT_SCHEME.rating_points == {
        "good": Decimal(100),
        "fairly_good": Decimal(80),
        "average": Decimal(60),
        "poor": Decimal(0),
    }
    assert DEFAULT_SCHEME.weights == {
        "review": Decimal("0.4"),
        "indicators": Decimal("0.4"),
        "rectification": Decimal("0.2"),
    }
    assert DEFAULT_SCHEME.grade_thresholds == {
        "good": Decimal(90),
        "fairly_good": Decimal(80),
        "average": Decimal(60),
    }
    assert DEFAULT_SCHEME.min_satisfaction == {
        "good": Decimal("0.9"),
        "fairly_good": Decimal("0.8"),
    }
    assert DEFAULT_SCHEME.quota == {}


def test_the_default_scheme_round_trips_through_to_dict_and_from_dict() -> None:
    assert Scheme.from_dict(DEFAULT_SCHEME.to_dict()) == DEFAULT_SCHEME


def test_to_dict_is_json_with_numbers_as_plain_decimal_strings() -> None:
    data = json.loads(json.dumps(DEFAULT_SCHEME.to_dict(), ensure_ascii=False))
    assert data["rating_points"] == {
        "good": "100",
        "fairly_good": "80",
        "average": "60",
        "poor": "0",
    }
    assert data["indicators"][2] == {
        "code": "foundation",
        "name": "夯实基础（农村、社区、乡镇、非公、机关党建，后进村整顿）",
        "max_points": "25",
    }
    assert data["weights"] == {"review": "0.4", "indicators": "0.4", "rectification": "0.2"}
    assert data["grade_thresholds"] == {"good": "90", "fairly_good": "80", "average": "60"}
    assert data["min_satisfaction"] == {"good": "0.9", "fairly_good": "0.8"}
    assert data["quota"] == {}
    assert Scheme.from_dict(data) == DEFAULT_SCHEME


# -- grades and labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_value", "code"),
    [
        ("好", "good"),
        ("较好", "fairly_good"),
        ("一般", "average"),
        ("差", "poor"),
        ("good", "good"),
        ("fairly_good", "fairly_good"),
        ("average", "average"),
        ("poor", "poor"),
    ],
)
def test_a_grade_is_given_by_its_code_or_its_chinese_label(given_value: str, code: str) -> None:
    assert parse_grade(given_value) == code


def test_every_grade_has_a_chinese_label() -> None:
    assert GRADES == ("good", "fairly_good", "average", "poor")
    assert GRADE_LABELS == {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}


@pytest.mark.parametrize("value", ["excellent", "GOOD", "", "很好", 1, None])
def test_an_unknown_rating_is_refused_on_the_rating_field(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_grade(value)
    assert caught.value.code == "unknown_rating"
    assert caught.value.details[0]["field"] == "rating"


# -- indicators ----------------------------------------------------------------------------------


def test_an_indicator_is_found_by_its_code() -> None:
    assert DEFAULT_SCHEME.indicator("innovation") == Indicator(
        "innovation", "锐意创新（项目化、信息化）", Decimal(15)
    )


def test_an_unknown_indicator_is_refused_on_the_indicator_field() -> None:
    with pytest.raises(ValidationError) as caught:
        DEFAULT_SCHEME.indicator("attendance")
    assert caught.value.code == "unknown_indicator"
    assert caught.value.details[0]["field"] == "indicator"


# -- accepted shapes -----------------------------------------------------------------------------


def test_numbers_may_be_json_numbers_or_decimal_strings_and_mean_the_same_scheme() -> None:
    as_numbers = default_dict()
    as_numbers["rating_points"] = {"good": 100, "fairly_good": 80.0, "average": 60, "poor": 0}
    as_numbers["weights"] = {"review": 0.4, "indicators": 0.4, "rectification": 0.2}
    as_numbers["min_satisfaction"] = {"good": 0.9, "fairly_good": 0.8}
    for item in as_numbers["indicators"]:
        item["max_points"] = int(item["max_points"])
    as_strings = default_dict()
    as_strings["weights"] = {"review": "0.40", "indicators": " 0.4 ", "rectification": "2E-1"}
    as_strings["grade_thresholds"] = {"good": "90.0", "fairly_good": "80", "average": "60.00"}

    assert Scheme.from_dict(as_numbers) == DEFAULT_SCHEME
    assert Scheme.from_dict(as_strings) == DEFAULT_SCHEME


def test_floats_are_read_through_their_decimal_text_not_their_binary_value() -> None:
    data = default_dict()
    data["weights"] = {"review": 0.1, "indicators": 0.7, "rectification": 0.2}
    scheme = Scheme.from_dict(data)
    assert scheme.weights["review"] == Decimal("0.1")
    assert scheme.to_dict()["weights"] == {
        "review": "0.1",
        "indicators": "0.7",
        "rectification": "0.2",
    }


def test_numbers_are_written_back_canonically_without_trailing_zeros_or_exponents() -> None:
    data = default_dict()
    data["indicators"][0]["max_points"] = "2E+1"
    data["weights"]["review"] = "0.400"
    written = Scheme.from_dict(data).to_dict()
    assert written["indicators"][0]["max_points"] == "20"
    assert written["weights"]["review"] == "0.4"


def test_satisfaction_gates_and_quota_are_optional_and_default_to_none() -> None:
    data = default_dict()
    del data["min_satisfaction"]
    del data["quota"]
    scheme = Scheme.from_dict(data)
    assert scheme.min_satisfaction == {}
    assert scheme.quota == {}


def test_a_quota_is_kept_and_round_trips() -> None:
    data = default_dict()
    data["quota"] = {"good": 0.3, "fairly_good": "0.5"}
    scheme = Scheme.from_dict(data)
    assert scheme.quota == {"good": Decimal("0.3"), "fairly_good": Decimal("0.5")}
    assert Scheme.from_dict(scheme.to_dict()) == scheme


def test_a_scheme_is_immutable() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_SCHEME.weights = {}  # type: ignore[misc]


# -- validation: one error per problem, each on its field path -----------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


def _append_indicator(item: Any) -> Mutation:
    return lambda data: data["indicators"].append(item)


INVALID_CASES: list[tuple[str, Mutation, str]] = [
    ("a missing section", _delete("weights"), "weights"),
    ("an unknown top-level key", _set("bonus", {}), "bonus"),
    ("a missing rating", _delete("rating_points.poor"), "rating_points.poor"),
    ("an unknown rating", _set("rating_points.excellent", 120), "rating_points.excellent"),
    ("a non-numeric value", _set("rating_points.good", "lots"), "rating_points.good"),
    ("a boolean number", _set("weights.review", True), "weights.review"),
    ("a null number", _set("weights.indicators", None), "weights.indicators"),
    ("a NaN", _set("weights.review", float("nan")), "weights.review"),
    ("an infinity", _set("weights.review", "Infinity"), "weights.review"),
    ("an absurd magnitude", _set("indicators.0.max_points", "1E+40"), "indicators[0].max_points"),
    ("a negative weight", _set("weights.rectification", -0.2), "weights.rectification"),
    ("a negative rating point", _set("rating_points.poor", -10), "rating_points.poor"),
    ("rating points above 100", _set("rating_points.good", 120), "rating_points.good"),
    ("rating points out of order", _set("rating_points.average", 90), "rating_points.average"),
    (
        "weights all zero",
        _set("weights", {"review": 0, "indicators": 0, "rectification": 0}),
        "weights",
    ),
    ("a section that is not an object", _set("weights", [0.4, 0.4, 0.2]), "weights"),
    ("no indicators", _set("indicators", []), "indicators"),
    ("indicators not a list", _set("indicators", {"code": "x"}), "indicators"),
    ("an indicator that is not an object", _set("indicators.1", "development"), "indicators[1]"),
    ("a zero max_points", _set("indicators.2.max_points", 0), "indicators[2].max_points"),
    ("a negative max_points", _set("indicators.2.max_points", "-5"), "indicators[2].max_points"),
    ("an empty indicator code", _set("indicators.0.code", " "), "indicators[0].code"),
    ("a non-string indicator code", _set("indicators.0.code", 7), "indicators[0].code"),
    ("a missing indicator name", _delete("indicators.3.name"), "indicators[3].name"),
    ("an unknown indicator key", _set("indicators.4.weight", 1), "indicators[4].weight"),
    (
        "a duplicate indicator code",
        _append_indicator({"code": "development", "name": "重复", "max_points": 5}),
        "indicators[5].code",
    ),
    ("a missing threshold", _delete("grade_thresholds.average"), "grade_thresholds.average"),
    ("a threshold for poor", _set("grade_thresholds.poor", 0), "grade_thresholds.poor"),
    (
        "thresholds out of order",
        _set("grade_thresholds.fairly_good", 95),
        "grade_thresholds.fairly_good",
    ),
    ("a threshold above 100", _set("grade_thresholds.good", 101), "grade_thresholds.good"),
    ("a satisfaction above 1", _set("min_satisfaction.good", 1.5), "min_satisfaction.good"),
    (
        "a negative satisfaction",
        _set("min_satisfaction.average", "-0.1"),
        "min_satisfaction.average",
    ),
    ("a satisfaction gate for poor", _set("min_satisfaction.poor", 0.1), "min_satisfaction.poor"),
    ("a gate for an unknown grade", _set("min_satisfaction.great", 0.9), "min_satisfaction.great"),
    ("a quota above 1", _set("quota", {"good": 1.2}), "quota.good"),
    ("a negative quota", _set("quota", {"average": -0.5}), "quota.average"),
    ("a quota for poor", _set("quota", {"poor": 0.1}), "quota.poor"),
    ("a quota for an unknown grade", _set("quota", {"优秀": 0.1}), "quota.优秀"),
    ("a quota that is not an object", _set("quota", 0.3), "quota"),
]


@pytest.mark.parametrize(
    ("mutation", "field"),
    [(mutation, field) for _, mutation, field in INVALID_CASES],
    ids=[name for name, _, _ in INVALID_CASES],
)
def test_each_invalid_part_of_a_scheme_is_reported_on_its_field_path(
    mutation: Mutation, field: str
) -> None:
    data = default_dict()
    mutation(data)
    assert invalid_fields(data) == [field]


def test_every_problem_is_reported_at_once_in_a_single_error() -> None:
    data = default_dict()
    data["weights"]["review"] = "abc"
    data["indicators"][2]["max_points"] = 0
    data["indicators"][3]["code"] = "responsibility"
    data["quota"] = {"good": 2}
    data["extra"] = True

    with pytest.raises(ValidationError) as caught:
        Scheme.from_dict(data)

    error = caught.value
    assert error.code == "invalid_scheme"
    assert sorted(d["field"] for d in error.details) == sorted(
        [
            "extra",
            "weights.review",
            "indicators[2].max_points",
            "indicators[3].code",
            "quota.good",
        ]
    )
    assert all(d["message"] for d in error.details)
    assert "5 problems" in error.message
    assert "indicators[2].max_points" in error.message


def test_a_scheme_that_is_not_an_object_is_refused() -> None:
    assert invalid_fields(["not", "a", "scheme"]) == ["scheme"]


def test_an_empty_object_reports_each_missing_section() -> None:
    assert invalid_fields({}) == ["rating_points", "indicators", "weights", "grade_thresholds"]


# -- property: any valid scheme round-trips ------------------------------------------------------

_share = st.decimals(min_value=0, max_value=1, places=2)
_points = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def scheme_documents(draw: st.DrawFn) -> dict[str, Any]:
    ratings = sorted(draw(st.lists(_points, min_size=4, max_size=4)), reverse=True)
    thresholds = sorted(draw(st.lists(_points, min_size=3, max_size=3)), reverse=True)
    codes = draw(st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, unique=True))
    weights = draw(st.lists(_share, min_size=3, max_size=3).filter(lambda w: sum(w) > 0))
    gated = ("good", "fairly_good", "average")
    as_text = draw(st.booleans())

    def number(value: Decimal) -> Any:
        return str(value) if as_text else float(value)

    return {
        "rating_points": {g: number(p) for g, p in zip(GRADES, ratings, strict=True)},
        "indicators": [
            {"code": c, "name": c.upper(), "max_points": number(draw(_points.filter(bool)))}
            for c in codes
        ],
        "weights": {
            key: number(weight)
            for key, weight in zip(("review", "indicators", "rectification"), weights, strict=True)
        },
        "grade_thresholds": {g: number(t) for g, t in zip(gated, thresholds, strict=True)},
        "min_satisfaction": draw(st.dictionaries(st.sampled_from(gated), _share.map(number))),
        "quota": draw(st.dictionaries(st.sampled_from(gated), _share.map(number))),
    }


@given(scheme_documents())
def test_any_valid_scheme_survives_a_round_trip_through_its_dict(document: dict[str, Any]) -> None:
    scheme = Scheme.from_dict(document)
    assert Scheme.from_dict(scheme.to_dict()) == scheme
    assert Scheme.from_dict(json.loads(json.dumps(scheme.to_dict()))).to_dict() == scheme.to_dict()
