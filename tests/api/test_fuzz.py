"""Schemathesis over /openapi.json with all its checks (bounded; SQLite in full, PostgreSQL with
fewer examples, since text such as NUL fails differently there): whatever it sends to any
operation of the schema, no 5xx, and every answer matches its documented status codes, headers,
media type and schema, refuses missing auth, and so on.

Two checks are left out by design: ``positive_data_acceptance`` (schema-valid data that breaks a
domain rule, e.g. an unknown parent org, is a 409/422 from the rule, not from the schema) and
``negative_data_rejection`` (unknown query parameters are ignored, as HTTP APIs do)."""

from __future__ import annotations

from collections import Counter

import schemathesis
import schemathesis.specs.openapi.checks  # noqa: F401  (registers the OpenAPI checks)
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, not_a_server_error

from tests.api.helpers import CYCLE, Api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@schemathesis.serializer(XLSX)
def xlsx_bytes(ctx: object, value: object) -> bytes:
    """Raw spreadsheet bodies (paper-ballot import): whatever was generated, as bytes."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


#: Path parameters that exist in the scenario, so most cases get past 404 to the rules.
KNOWN = {"cycle_id": CYCLE, "org_code": "county-a", "code": "county-a",
         "account_id": "sec-county-a", "item_id": "I1"}
EXAMPLES = {"known": 20, "random": 4, "negative": 8}
FEWER = {"known": 5, "random": 1, "negative": 3}
BY_DESIGN = {"not_a_server_error", "positive_data_acceptance", "negative_data_rejection"}


class Checks:
    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()

    def no_server_error(
        self, ctx: schemathesis.CheckContext, response: schemathesis.Response,
        case: schemathesis.Case,
    ) -> bool | None:
        """5xx fails, except the documented 503 for an X-Min-Position a read model has not
        reached (no projection runs here; a position beyond the log's head is 422)."""
        self.statuses[response.status_code // 100] += 1
        if response.status_code == 503 and response.json()["error"]["code"] == "read_model_behind":
            return True
        return not_a_server_error(ctx, response, case)

    def all(self) -> list:
        return [self.no_server_error,
                *(check for check in CHECKS.get_all() if check.__name__ not in BY_DESIGN)]


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, examples: int,
         headers: dict[str, str], checks: Checks, path: dict[str, str] | None) -> None:
    fixed = {k: v for k, v in (path or {}).items()
             if any(p.name == k for p in operation.path_parameters)}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=checks.all())

    call()


def test_fuzzing_every_operation_finds_no_5xx_and_no_schema_violation(
    api: Api, web: FastAPI, store: str
) -> None:
    examples = EXAMPLES if store == "sqlite" else FEWER
    api.cycle_in("rectifying")
    for role, scope in (("organizer", "city"), ("inspector", "city"), ("secretary", "county-a")):
        api.admin.post("/accounts/admin/grants", {"role": role, "org_code": scope})
    web.state.min_position_wait = 0.05
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", web)
    checks = Checks()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        fuzz(operation, GenerationMode.POSITIVE, examples["known"], headers, checks, KNOWN)
        fuzz(operation, GenerationMode.POSITIVE, examples["random"], headers, checks, None)
        if operation.body or list(operation.iter_parameters()):  # else nothing to get wrong
            fuzz(operation, GenerationMode.NEGATIVE, examples["negative"], headers, checks, KNOWN)

    assert len(operations) > 40
    # It got past validation and auth to the rules, not only refusals.
    assert checks.statuses[2] > sum(checks.statuses.values()) / 10
