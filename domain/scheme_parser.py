"""Reading a scheme document (API.md's JSON shape) into a ``Scheme``: every problem is collected
and raised as one ``invalid_scheme`` with a detail per field."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from domain.errors import ValidationError
from domain.scheme import (
    GATED_GRADES,
    GRADES,
    WEIGHT_KEYS,
    BallotCategory,
    Indicator,
    Scheme,
    plain_decimal,
)

_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_ZERO = Decimal(0)
#: Scheme numbers are points, weights and shares: anything beyond 10**±12 is a typo or an attack.
_MAX_MAGNITUDE = 12

_REQUIRED_KEYS: tuple[str, ...] = ("rating_points", "indicators", "weights", "grade_thresholds")
_OPTIONAL_KEYS: tuple[str, ...] = ("min_satisfaction", "quota", "ballot_categories")
_INDICATOR_KEYS: tuple[str, ...] = ("code", "name", "max_points")
_CATEGORY_KEYS: tuple[str, ...] = ("code", "name")



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


class SchemeParser:
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
            self.problem(path, f"must not be less than {plain_decimal(low)}")
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
                    f"must not exceed {path}.{higher} ({plain_decimal(values[higher])})",
                )

    def at_most(self, values: dict[str, Decimal], path: str, high: Decimal) -> None:
        for key, number in values.items():
            if number > high:
                self.problem(f"{path}.{key}", f"must not exceed {plain_decimal(high)}")

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

    def listed(self, value: Any, path: str, shape: str) -> list[Any] | tuple[Any, ...] | None:
        """A list section's items; None when it is absent, or not a list (a problem)."""
        if value is None:
            return None
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            self.problem(path, f"must be a list of {shape}")
            return None
        return value

    def code_and_name(self, item: Mapping[str, Any], path: str) -> tuple[str | None, str | None]:
        code = self.text(item.get("code"), f"{path}.code") if "code" in item else None
        name = self.text(item.get("name"), f"{path}.name") if "name" in item else None
        return code, name

    def indicators(self, value: Any) -> tuple[Indicator, ...]:
        value = self.listed(value, "indicators", "{code, name, max_points}")
        if value is None:
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
        code, name = self.code_and_name(item, path)
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
        value = self.listed(value, "ballot_categories", "{code, name, weight?}")
        if value is None:
            return ()
        parsed: list[BallotCategory] = []
        for index, item in enumerate(value):
            path = f"ballot_categories[{index}]"
            if not isinstance(item, Mapping):
                self.problem(path, "must be an object {code, name, weight?}")
                continue
            self.check_keys(item, path, _CATEGORY_KEYS, ("weight",))
            code, name = self.code_and_name(item, path)
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

