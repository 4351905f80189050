"""述职报告: every submission is a new version; the organizer may return one for revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.cycle import WrongPhaseError
from domain.errors import RuleViolationError
from domain.rules import check_version_cap, require_reason


class Report(Aggregate):
    TOPIC = "lianping:Report"

    @staticmethod
    def create_id(cycle_id: str, org_code: str) -> UUID:
        return ids.report_id(cycle_id, org_code)

    @classmethod
    def submit_first(
        cls,
        cycle_id: str,
        org_code: str,
        phase: str,
        content: dict[str, str],
        secretary: str | None,
        actor: str,
        secretary_account: str | None = None,
    ) -> Report:
        if phase != "reporting":
            raise WrongPhaseError("submitting a report", phase, ("reporting",))
        return cls(
            cycle_id=cycle_id,
            org_code=org_code,
            secretary=secretary,
            secretary_account=secretary_account,
            actor=actor,
            title=content["title"],
            achievements=content["achievements"],
            problems=content["problems"],
            plans=content["plans"],
        )

    class Created(Aggregate.Created):
        """v2 also records the account of the secretary in office (``secretary_account``: the
        appointment's account id, None when none), for a person's record across orgs.
        Submissions recorded by v1 did not: None."""

        TOPIC = "lianping:Report.Submitted"
        class_version = 2

        cycle_id: str
        org_code: str
        secretary: str | None
        secretary_account: str | None
        title: str
        achievements: str
        problems: str
        plans: str
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["secretary_account"] = None

    class Resubmitted(Aggregate.Event):
        """v2: as ``Created`` (Submitted), with ``secretary_account``."""

        TOPIC = "lianping:Report.Resubmitted"
        class_version = 2

        secretary: str | None
        secretary_account: str | None
        title: str
        achievements: str
        problems: str
        plans: str
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["secretary_account"] = None

    @event(Created)
    def __init__(
        self,
        cycle_id: str,
        org_code: str,
        secretary: str | None,
        secretary_account: str | None,
        title: str,
        achievements: str,
        problems: str,
        plans: str,
        actor: str,
        timestamp: datetime | None = None,
    ):
        self.cycle_id = cycle_id
        self.org_code = org_code
        self.versions: list[dict[str, Any]] = []
        self._add_version(secretary, title, achievements, problems, plans, timestamp)
        self.latest["secretary_account"] = secretary_account

    def _add_version(
        self,
        secretary: str | None,
        title: str,
        achievements: str,
        problems: str,
        plans: str,
        submitted_at: datetime | None,
    ) -> None:
        self.versions.append(
            {
                "version": len(self.versions) + 1,
                "title": title,
                "achievements": achievements,
                "problems": problems,
                "plans": plans,
                "secretary": secretary,
                "submitted_at": submitted_at,
            }
        )
        self.status = "submitted"
        self.return_reason: str | None = None

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1]

    def resubmit(
        self, phase: str, content: dict[str, str], secretary: str | None, actor: str,
        max_versions: int = 0, secretary_account: str | None = None,
    ) -> None:
        """``max_versions`` (0: no cap): every version is kept and re-read by standings and
        finalization, so a participant cannot add them without end."""
        if phase == "reviewing" and self.status != "returned":
            raise RuleViolationError(
                "report_not_returned",
                "during reviewing a report can be resubmitted only after the organizer returned it",
            )
        if phase not in ("reporting", "reviewing"):
            raise WrongPhaseError("submitting a report", phase, ("reporting", "reviewing"))
        check_version_cap("report", len(self.versions), max_versions)
        self._resubmitted(
            secretary=secretary,
            secretary_account=secretary_account,
            actor=actor,
            title=content["title"],
            achievements=content["achievements"],
            problems=content["problems"],
            plans=content["plans"],
        )

    @event(Resubmitted)
    def _resubmitted(
        self,
        secretary: str | None,
        secretary_account: str | None,
        title: str,
        achievements: str,
        problems: str,
        plans: str,
        actor: str,
        timestamp: datetime | None = None,
    ) -> None:
        self._add_version(secretary, title, achievements, problems, plans, timestamp)
        self.latest["secretary_account"] = secretary_account

    def return_for_revision(self, phase: str, reason: str | None, actor: str) -> None:
        if phase not in ("reporting", "reviewing"):
            raise WrongPhaseError("returning a report", phase, ("reporting", "reviewing"))
        reason = require_reason(reason, "returning a report (退回修改)")
        if self.status != "submitted":
            raise RuleViolationError("report_already_returned", "the report is already returned")
        self._returned(reason=reason, version=len(self.versions), actor=actor)

    @event("Returned", topic="lianping:Report.Returned")
    def _returned(self, reason: str, version: int, actor: str) -> None:
        self.status = "returned"
        self.return_reason = reason
        self.versions[version - 1]["return_reason"] = reason  # stays with that version
