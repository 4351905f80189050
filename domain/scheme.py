"""The assessment scheme (考核方案): rating points, indicators, weights, thresholds, gates, quotas.

Pure module: stdlib and ``domain.errors`` only. Numbers are ``Decimal`` throughout; ``from_dict``
accepts JSON numbers or decimal strings and ``to_dict`` writes plain decimal strings, so a scheme
round-trips exactly through the event log and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from domain.errors import ValidationError

GRADES: tuple[str, ...] = ("good", "fairly_good", "average", "poor")
GRADE_LABELS: dict[str, str] = {
    "good": "好",
    "fairly_good": "较好",
    "average": "一般",
    "poor": "差",
}
_LABEL_TO_GRADE: dict[str, str] = {label: code for code, label in GRADE_LABELS.items()}

#: Grades that have a score threshold, a possible satisfaction gate and a possible quota.
#: ``poor`` is the floor: everyone qualifies for it, so it has none of these.
GATED_GRADES: tuple[str, ...] = ("good", "fairly_good", "average")

WEIGHT_KEYS: tuple[str, ...] = ("review", "indicators", "rectification")

_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_ZERO = Decimal(0)
#: Scheme numbers are points, weights and shares: anything beyond 10**±12 is a typo or an attack.
_MAX_MAGNITUDE = 12

_REQUIRED_KEYS: tuple[str, ...] = ("rating_points", "indicators", "weights", "grade_thresholds")
_OPTIONAL_KEYS: tuple[str, ...] = ("min_satisfaction", "quota", "ballot_categories")
_INDICATOR_KEYS: tuple[str, ...] = ("code", "name", "max_points")
_CATEGORY_KEYS: tuple[str, ...] = ("code", "name")


def parse_grade(value: str) -> str:
    """Return the grade code for a code (``"good"``) or a Chinese label (``"好"``)."""
    if isinstance(value, str):
        if value in GRADE_LABELS:
            return value
        if value in _LABEL_TO_GRADE:
            return _LABEL_TO_GRADE[value]
    allowed = ", ".join(f"{code} ({GRADE_LABELS[code]})" for code in GRADES)
    message = f"unknown rating {value!r}; expected one of {allowed}"
    raise ValidationError(
        "unknown_rating", message, details=[{"field": "rating", "message": message}]
    )


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class BallotCategory:
    """A reviewer category (民主测评: 市委委员, 部门负责人 …); ``weight`` None when the scheme
    weights none of them (then every rating counts once)."""

    code: str
    name: str
    weight: Decimal | None = None


@dataclass(frozen=True)
class Scheme:
    rating_points: dict[str, Decimal]
    indicators: tuple[Indicator, ...]
    weights: dict[str, Decimal]
    grade_thresholds: dict[str, Decimal]
    min_satisfaction: dict[str, Decimal] = field(default_factory=dict)
    quota: dict[str, Decimal] = field(default_factory=dict)
    ballot_categories: tuple[BallotCategory, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scheme:
        """Parse the API.md JSON shape; raise one ``invalid_scheme`` listing every problem."""
        return _SchemeParser().parse(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rating_points": {g: _plain(self.rating_points[g]) for g in GRADES},
            "indicators": [
                {"code": i.code, "name": i.name, "max_points": _plain(i.max_points)}
                for i in self.indicators
            ],
            "weights": {k: _plain(self.weights[k]) for k in WEIGHT_KEYS},
            "grade_thresholds": {g: _plain(self.grade_thresholds[g]) for g in GATED_GRADES},
            "min_satisfaction": _ordered_plain(self.min_satisfaction),
            "quota": _ordered_plain(self.quota),
            # Only when there are categories: a scheme without them reads exactly as before.
            **({"ballot_categories": [_category_dict(c) for c in self.ballot_categories]}
               if self.ballot_categories else {}),
        }

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.ballot_categories)

    def require_category(self, code: str | None, field_name: str = "category") -> str:
        """The category code, checked against the scheme (422 when missing or unknown)."""
        if not self.ballot_categories:
            message = "this cycle's scheme has no ballot categories"
            raise ValidationError(
                "no_ballot_categories", message, [{"field": field_name, "message": message}]
            )
        if code is None or code not in self.category_codes:
            known = ", ".join(self.category_codes)
            message = (f"a category is required (one of {known})" if code is None
                       else f"unknown category {code!r}; this scheme has: {known}")
            raise ValidationError(
                "category_required" if code is None else "unknown_category", message,
                [{"field": field_name, "message": message}],
            )
        return code

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        known = ", ".join(i.code for i in self.indicators)
        message = f"unknown indicator {code!r}; this scheme has: {known}"
        raise ValidationError(
            "unknown_indicator", message, details=[{"field": "indicator", "message": message}]
        )

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    @property
    def total_max_points(self) -> Decimal:
        return sum((i.max_points for i in self.indicators), _ZERO)


def _plain(value: Decimal) -> str:
    """A plain decimal string without exponent: ``Decimal("2E+1")`` -> ``"20"``."""
    return format(value, "f")


def _category_dict(category: BallotCategory) -> dict[str, str]:
    found = {"code": category.code, "name": category.name}
    if category.weight is not None:
        found["weight"] = _plain(category.weight)
    return found


def _ordered_plain(values: Mapping[str, Decimal]) -> dict[str, str]:
    return {g: _plain(values[g]) for g in GRADES if g in values}


def _canonical(value: Decimal) -> Decimal:
    """Drop insignificant trailing zeros (``20.0`` -> ``20``, ``0.40`` -> ``0.4``), no exponent."""
    if value == 0:
        return _ZERO
    if value == value.to_integral_value():
        return value.quantize(_ONE)
    return value.normalize()


class _NotANumberError(Exception):
    pass


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _NotANumberError("must be a number, not a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _NotANumberError(f"must be a number or a decimal string, got {value!r}") from None
    else:
        raise _NotANumberError(f"must be a number or a decimal string, got {type(value).__name__}")
    if not number.is_finite():
        raise _NotANumberError(f"must be a finite number, got {value!r}")
    if number != 0 and abs(number.adjusted()) > _MAX_MAGNITUDE:
        raise _NotANumberError(f"is out of range, got {value!r}")
    return _canonical(number)


class _SchemeParser:
    """Collects every problem of a scheme document before raising a single ``invalid_scheme``."""

    def __init__(self) -> None:
        self.problems: list[dict[str, str]] = []

    def problem(self, field_path: str, message: str) -> None:
        self.problems.append({"field": field_path, "message": message})

    def parse(self, data: Any) -> Scheme:
        if not isinstance(data, Mapping):
            self.problem("scheme", "must be an object")
            self.fail()
        self.check_keys(data, "", _REQUIRED_KEYS, _OPTIONAL_KEYS)
        rating_points = self.rating_points(data.get("rating_points"))
        indicators = self.indicators(data.get("indicators"))
        weights = self.weights(data.get("weights"))
        thresholds = self.thresholds(data.get("grade_thresholds"))
        min_satisfaction = self.shares(data.get("min_satisfaction"), "min_satisfaction")
        quota = self.shares(data.get("quota"), "quota")
        categories = self.categories(data.get("ballot_categories"))
        if self.problems:
            self.fail()
        return Scheme(
            rating_points=rating_points,
            indicators=indicators,
            weights=weights,
            grade_thresholds=thresholds,
            min_satisfaction=min_satisfaction,
            quota=quota,
            ballot_categories=categories,
        )

    def fail(self) -> NoReturn:
        count = len(self.problems)
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in self.problems)
        noun = "problem" if count == 1 else "problems"
        raise ValidationError(
            "invalid_scheme", f"invalid scheme ({count} {noun}): {summary}", details=self.problems
        )

    # -- generic helpers -------------------------------------------------------------------------

    def check_keys(
        self,
        data: Mapping[str, Any],
        prefix: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> None:
        for key in required:
            if key not in data:
                self.problem(_join(prefix, key), "is required")
        for key in data:
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.problem(_join(prefix, str(key)), f"unknown key; allowed: {allowed}")

    def number(self, value: Any, path: str, low: Decimal | None = _ZERO) -> Decimal | None:
        try:
            number = _to_decimal(value)
        except _NotANumberError as exc:
            self.problem(path, str(exc))
            return None
        if low is not None and number < low:
            self.problem(path, f"must not be less than {_plain(low)}")
            return None
        return number

    def section(
        self, value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Decimal] | None:
        """Parse an object of non-negative numbers keyed by ``required``/``optional`` keys."""
        if not isinstance(value, Mapping):
            if value is not None:
                self.problem(path, "must be an object")
            return None
        self.check_keys(value, path, required, optional)
        result: dict[str, Decimal] = {}
        for key in required + optional:
            if key in value:
                number = self.number(value[key], f"{path}.{key}")
                if number is not None:
                    result[key] = number
        return result

    def descending(self, values: dict[str, Decimal], keys: tuple[str, ...], path: str) -> None:
        for higher, lower in zip(keys, keys[1:], strict=False):
            if higher in values and lower in values and values[higher] < values[lower]:
                self.problem(
                    f"{path}.{lower}",
                    f"must not exceed {path}.{higher} ({_plain(values[higher])})",
                )

    def at_most(self, values: dict[str, Decimal], path: str, high: Decimal) -> None:
        for key, number in values.items():
            if number > high:
                self.problem(f"{path}.{key}", f"must not exceed {_plain(high)}")

    # -- sections --------------------------------------------------------------------------------

    def rating_points(self, value: Any) -> dict[str, Decimal]:
        points = self.section(value, "rating_points", GRADES) or {}
        self.at_most(points, "rating_points", _HUNDRED)
        self.descending(points, GRADES, "rating_points")
        return points

    def weights(self, value: Any) -> dict[str, Decimal]:
        weights = self.section(value, "weights", WEIGHT_KEYS) or {}
        if len(weights) == len(WEIGHT_KEYS) and sum(weights.values()) <= 0:
            self.problem("weights", "at least one weight must be positive")
        return weights

    def thresholds(self, value: Any) -> dict[str, Decimal]:
        thresholds = self.section(value, "grade_thresholds", GATED_GRADES) or {}
        self.at_most(thresholds, "grade_thresholds", _HUNDRED)
        self.descending(thresholds, GATED_GRADES, "grade_thresholds")
        return thresholds

    def shares(self, value: Any, path: str) -> dict[str, Decimal]:
        """``min_satisfaction`` / ``quota``: optional shares in 0..1 for the gated grades."""
        if value is None:
            return {}
        shares = self.section(value, path, (), GATED_GRADES)
        if shares is None:
            return {}
        self.at_most(shares, path, _ONE)
        return shares

    def indicators(self, value: Any) -> tuple[Indicator, ...]:
        if value is None:
            return ()
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            self.problem("indicators", "must be a list of {code, name, max_points}")
            return ()
        if not value:
            self.problem("indicators", "at least one indicator is required")
            return ()
        parsed = [self.indicator(item, f"indicators[{index}]") for index, item in enumerate(value)]
        self.unique_codes(value)
        return tuple(indicator for indicator in parsed if indicator is not None)

    def indicator(self, item: Any, path: str) -> Indicator | None:
        if not isinstance(item, Mapping):
            self.problem(path, "must be an object {code, name, max_points}")
            return None
        self.check_keys(item, path, _INDICATOR_KEYS)
        code = self.text(item.get("code"), f"{path}.code") if "code" in item else None
        name = self.text(item.get("name"), f"{path}.name") if "name" in item else None
        max_points = None
        if "max_points" in item:
            max_points = self.number(item["max_points"], f"{path}.max_points")
            if max_points is not None and max_points <= 0:
                self.problem(f"{path}.max_points", "must be greater than 0")
                max_points = None
        if code is None or name is None or max_points is None:
            return None
        return Indicator(code=code, name=name, max_points=max_points)

    def categories(self, value: Any) -> tuple[BallotCategory, ...]:
        """Optional; either every category has a weight (in 0..1, summing to 1) or none has."""
        if value is None:
            return ()
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            self.problem("ballot_categories", "must be a list of {code, name, weight?}")
            return ()
        parsed: list[BallotCategory] = []
        for index, item in enumerate(value):
            path = f"ballot_categories[{index}]"
            if not isinstance(item, Mapping):
                self.problem(path, "must be an object {code, name, weight?}")
                continue
            self.check_keys(item, path, _CATEGORY_KEYS, ("weight",))
            code = self.text(item.get("code"), f"{path}.code") if "code" in item else None
            name = self.text(item.get("name"), f"{path}.name") if "name" in item else None
            weight = None
            if item.get("weight") is not None:
                weight = self.number(item["weight"], f"{path}.weight")
                if weight is not None and not _ZERO < weight <= _ONE:
                    self.problem(f"{path}.weight", "must lie in (0, 1]")
                    weight = None
                if weight is None:
                    continue
            if code is not None and name is not None:
                parsed.append(BallotCategory(code=code, name=name, weight=weight))
        self.unique_codes(value, "ballot_categories")
        weighted = [c for c in parsed if c.weight is not None]
        if weighted and len(weighted) != len(value):
            self.problem("ballot_categories", "either every category has a weight or none has")
        elif weighted and sum((c.weight or _ZERO for c in weighted), _ZERO) != _ONE:
            self.problem("ballot_categories", "the category weights must sum to 1")
        return tuple(parsed)

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.problem(path, "must be a string")
            return None
        if not value.strip():
            self.problem(path, "must not be empty")
            return None
        if value != value.strip():
            self.problem(path, "must not start or end with whitespace")
            return None
        return value

    def unique_codes(
        self, items: list[Any] | tuple[Any, ...], section: str = "indicators"
    ) -> None:
        first_seen: dict[str, int] = {}
        for index, item in enumerate(items):
            code = item.get("code") if isinstance(item, Mapping) else None
            if not isinstance(code, str) or not code.strip():
                continue
            if code in first_seen:
                self.problem(
                    f"{section}[{index}].code",
                    f"duplicate code {code!r} (also {section}[{first_seen[code]}])",
                )
            else:
                first_seen[code] = index


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


DEFAULT_SCHEME: Scheme = Scheme(
    rating_points={
        "good": Decimal(100),
        "fairly_good": Decimal(80),
        "average": Decimal(60),
        "poor": Decimal(0),
    },
    indicators=(
        Indicator("responsibility", "强化责任（履行第一责任人职责）", Decimal(20)),
        Indicator("development", "服务发展（围绕中心、服务群众）", Decimal(20)),
        Indicator(
            "foundation", "夯实基础（农村、社区、乡镇、非公、机关党建，后进村整顿）", Decimal(25)
        ),
        Indicator("innovation", "锐意创新（项目化、信息化）", Decimal(15)),
        Indicator("leadership", "强化领导（书记抓、抓书记，经费阵地保障）", Decimal(20)),
    ),
    weights={
        "review": Decimal("0.4"),
        "indicators": Decimal("0.4"),
        "rectification": Decimal("0.2"),
    },
    grade_thresholds={"good": Decimal(90), "fairly_good": Decimal(80), "average": Decimal(60)},
    min_satisfaction={"good": Decimal("0.9"), "fairly_good": Decimal("0.8")},
    quota={},
)
