"""整改方案: versions until approved; then each item is progressed, claimed, verified (销号) or
rejected,
and its deadline moves only by an extension with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import NotFoundError, RuleViolationError, ValidationError
from domain.rules import check_version_cap, require_reason

ITEM_STATUSES = ("planned", "in_progress", "claimed", "verified", "rejected")


def is_overdue(item: dict[str, Any], today: date) -> bool:
    """An item not yet verified (销号) whose due date has passed."""
    return item["status"] != "verified" and item["due_date"] < today.isoformat()


def check_items(items: list[dict[str, Any]], problem_codes: list[str], today: date) -> None:
    """Every item names a problem of the feedback, ids are unique, due dates are not in the past,
    and every problem of the feedback is addressed by at least one item."""
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["item_id"] in seen:
            errors.append({"field": f"items[{index}].item_id", "message": "duplicate item id"})
        seen.add(item["item_id"])
        if item["problem_code"] not in problem_codes:
            errors.append(
                {
                    "field": f"items[{index}].problem_code",
                    "message": f"unknown problem {item['problem_code']!r} (feedback lists "
                    f"{', '.join(problem_codes) or 'none'})",
                }
            )
        try:
            due = date.fromisoformat(item["due_date"])
        except (TypeError, ValueError):
            errors.append({"field": f"items[{index}].due_date", "message": "not a YYYY-MM-DD date"})
        else:
            if due < today:
                errors.append({"field": f"items[{index}].due_date", "message": "lies in the past"})
    missing = [code for code in problem_codes if code not in {i["problem_code"] for i in items}]
    if missing:
        errors.append({"field": "items", "message": f"no item addresses {', '.join(missing)}"})
    if not items:
        errors.append({"field": "items", "message": "a plan needs at least one item"})
    if errors:
        raise ValidationError("invalid_plan", "the rectification plan is invalid", errors)


class RectificationPlan(Aggregate):
    TOPIC = "lianping:RectificationPlan"

    @staticmethod
    def create_id(cycle_id: str, org_code: str) -> UUID:
        return ids.plan_id(cycle_id, org_code)

    @event("Created", topic="lianping:RectificationPlan.Submitted")
    def __init__(self, cycle_id: str, org_code: str, items: list[dict[str, Any]], actor: str):
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.versions: list[list[dict[str, Any]]] = []
        self.items: dict[str, dict[str, Any]] = {}
        self._add_version(items)

    def _add_version(self, items: list[dict[str, Any]]) -> None:
        self.versions.append(items)
        self.status = "submitted"
        self.return_reason: str | None = None

    @property
    def approved_items(self) -> int | None:
        return len(self.items) if self.status == "approved" else None

    @property
    def verified_items(self) -> int:
        return sum(1 for item in self.items.values() if item["status"] == "verified")

    def resubmit(self, items: list[dict[str, Any]], actor: str, max_versions: int = 0) -> None:
        if self.status == "approved":
            raise RuleViolationError("plan_already_approved", "an approved plan cannot be replaced")
        check_version_cap("rectification plan", len(self.versions), max_versions)
        self._resubmitted(items=items, actor=actor)

    @event("Resubmitted", topic="lianping:RectificationPlan.Resubmitted")
    def _resubmitted(self, items: list[dict[str, Any]], actor: str) -> None:
        self._add_version(items)

    def approve(self, actor: str) -> None:
        self._require_status("approving a plan", "submitted")
        self._approved(version=len(self.versions), actor=actor)

    @event("Approved", topic="lianping:RectificationPlan.Approved")
    def _approved(self, version: int, actor: str) -> None:
        self.status = "approved"
        self.items = {
            item["item_id"]: {**item, "status": "planned", "percent": 0, "extensions": []}
            for item in self.versions[version - 1]
        }

    def return_for_revision(self, reason: str | None, actor: str) -> None:
        reason = require_reason(reason, "returning a plan")
        self._require_status("returning a plan", "submitted")
        self._returned(reason=reason, version=len(self.versions), actor=actor)

    @event("Returned", topic="lianping:RectificationPlan.Returned")
    def _returned(self, reason: str, version: int, actor: str) -> None:
        self.status = "returned"
        self.return_reason = reason

    # -- items of the approved plan ---------------------------------------------------------------

    def item(self, item_id: str) -> dict[str, Any]:
        self._require_status("working on plan items", "approved")
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFoundError("unknown_item", f"the plan has no item {item_id!r}") from None

    def report_progress(self, item_id: str, note: str, percent: int, actor: str) -> None:
        if not 0 <= percent <= 100:
            raise ValidationError(
                "percent_out_of_range",
                "percent must lie within 0..100",
                [{"field": "percent", "message": "between 0 and 100"}],
            )
        self._require_item_status(
            item_id, "reporting progress", "planned", "in_progress", "rejected"
        )
        self._progress_reported(item_id=item_id, note=note, percent=percent, actor=actor)

    @event("ProgressReported", topic="lianping:RectificationPlan.ProgressReported")
    def _progress_reported(self, item_id: str, note: str, percent: int, actor: str) -> None:
        self.items[item_id].update(status="in_progress", percent=percent)

    def claim_completion(self, item_id: str, evidence: str, actor: str) -> None:
        self._require_item_status(
            item_id, "claiming completion", "planned", "in_progress", "rejected"
        )
        self._completion_claimed(item_id=item_id, evidence=evidence, actor=actor)

    @event("CompletionClaimed", topic="lianping:RectificationPlan.CompletionClaimed")
    def _completion_claimed(self, item_id: str, evidence: str, actor: str) -> None:
        self.items[item_id].update(status="claimed", evidence=evidence)

    def verify(self, item_id: str, accepted: bool, note: str, actor: str) -> None:
        self._require_item_status(item_id, "verifying an item", "claimed")
        if accepted:
            self._verified(item_id=item_id, note=note, actor=actor)
        else:
            self._claim_rejected(item_id=item_id, note=note, actor=actor)

    @event("ItemVerified", topic="lianping:RectificationPlan.ItemVerified")
    def _verified(self, item_id: str, note: str, actor: str) -> None:
        self.items[item_id].update(status="verified", percent=100)

    @event("ClaimRejected", topic="lianping:RectificationPlan.ClaimRejected")
    def _claim_rejected(self, item_id: str, note: str, actor: str) -> None:
        self.items[item_id].update(status="rejected")

    def extend(
        self, item_id: str, due_date: date, reason: str | None, today: date, actor: str
    ) -> None:
        reason = require_reason(reason, "extending a deadline")
        item = self._require_item_status(
            item_id, "extending a deadline", "planned", "in_progress", "claimed", "rejected"
        )
        if due_date < today:
            raise ValidationError(
                "due_date_in_past",
                "a new deadline cannot lie in the past",
                [{"field": "due_date", "message": "lies in the past"}],
            )
        if due_date.isoformat() <= item["due_date"]:
            raise RuleViolationError(
                "extension_not_later",
                f"an extension must move the deadline later than {item['due_date']}",
                {"field": "due_date"},
            )
        self._extended(
            item_id=item_id,
            due_date=due_date.isoformat(),
            previous_due_date=item["due_date"],
            reason=reason,
            actor=actor,
        )

    @event("DeadlineExtended", topic="lianping:RectificationPlan.DeadlineExtended")
    def _extended(
        self, item_id: str, due_date: str, previous_due_date: str, reason: str, actor: str
    ) -> None:
        self.items[item_id]["due_date"] = due_date
        self.items[item_id]["extensions"].append({"due_date": due_date, "reason": reason})

    def _require_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise RuleViolationError(
                f"plan_not_{allowed[0]}",
                f"{action} needs a plan that is {' or '.join(allowed)}; this one is {self.status}",
                {"status": self.status},
            )

    def _require_item_status(self, item_id: str, action: str, *allowed: str) -> dict[str, Any]:
        item = self.item(item_id)
        if item["status"] not in allowed:
            code = "completion_not_claimed" if allowed == ("claimed",) else "item_not_open"
            raise RuleViolationError(
                code,
                f"{action} is not possible: item {item_id} is {item['status']}",
                {"status": item["status"]},
            )
        return item
