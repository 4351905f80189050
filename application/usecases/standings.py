"""Standings of a cycle, computed from its aggregates (found by deterministic ids, so the cost grows
with the cycle, never with the log). The same code gives finalization, provisional and as-of
figures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application import lookups
from application.access.cycles import oversees_cycle
from application.app import LianpingApp, Request, of_type
from application.principal import forbid
from application.usecases.history import state_at
from domain import ids
from domain.ballot import Ballot, BallotBook
from domain.cycle import Cycle
from domain.cycle_slot import CycleSlot
from domain.feedback import Feedback
from domain.organization import Organization
from domain.plan import RectificationPlan
from domain.rating import Rating
from domain.report import Report
from domain.scheme import GRADE_LABELS, Scheme
from domain.score import IndicatorScore
from domain.scoring import ParticipantFacts, compute_standings, fmt2, fmt4, rectification_component

A = TypeVar("A", bound=Aggregate)


def previous_cycle(app: LianpingApp, cycle: Cycle, as_of: datetime | None) -> Cycle | None:
    """The cycle named at creation, else the same organizer and level the year before."""
    previous_id = cycle.previous_cycle_id
    if previous_id is None:
        slot = app.find(
            CycleSlot, ids.cycle_slot_id(cycle.organizer_org, cycle.level, cycle.year - 1)
        )
        previous_id = slot.cycle_id if slot else None
    if previous_id is None:
        return None
    return state_at(app, Cycle, ids.cycle_id(previous_id), as_of)


class CycleFacts:
    """Every aggregate a cycle's standings read — each participant's ratings, scores and report,
    and its feedback and plan of the previous cycle — read in ONE query (as of a moment), instead
    of one lookup each (~350 for a county's cycle with a panel of 20), and in the same query each
    participant's organization as it is now (its name and secretaries). For reading only."""

    def __init__(
        self, app: LianpingApp, cycle: Cycle, previous: Cycle | None, as_of: datetime | None
    ) -> None:
        self.cycle, self.previous = cycle, previous
        scheme = Scheme.from_dict(cycle.scheme)
        self.indicators = [i.code for i in scheme.indicators]
        self.categories = scheme.category_codes
        wanted: list[UUID] = [ids.ballot_book_id(cycle.cycle_id)] if self.categories else []
        # Each id computed once (uuid5: ~700 for a county's cycle), kept for ``participant``.
        self._ratings = {org: [(r, ids.rating_id(cycle.cycle_id, org, r)) for r in cycle.panel]
                         for org in cycle.participants}
        self._scores = {org: [(code, ids.score_id(cycle.cycle_id, org, code))
                              for code in self.indicators] for org in cycle.participants}
        for org in cycle.participants:
            wanted += [found for _, found in self._ratings[org]]
            wanted += [found for _, found in self._scores[org]]
            wanted.append(ids.report_id(cycle.cycle_id, org))
            if previous is not None and org in previous.participants:
                wanted += [ids.feedback_id(previous.cycle_id, org),
                           ids.plan_id(previous.cycle_id, org)]
        # The organizations as they are now (not as of the moment), as the rows name them.
        orgs = [ids.org_id(org) for org in cycle.participants]
        self._found = _read(app, wanted + orgs if as_of is None else wanted, as_of)
        self._orgs = self._found if as_of is None else app.read_all(orgs)
        self.ballots = self._ballots(app, as_of)

    def _ballots(
        self, app: LianpingApp, as_of: datetime | None
    ) -> list[tuple[str, dict[str, str]]]:
        """(category, ratings) of every counted ballot: cast codes and paper rows of batches not
        voided (as of the moment)."""
        book = self.get(BallotBook, ids.ballot_book_id(self.cycle.cycle_id))
        if book is None:
            return []
        live = [b for b in book.batches.values() if not b["voided"]]
        codes = [UUID(i) for b in live for i in b["ballot_ids"]]
        found = _read(app, codes, as_of) if codes else {}
        counted: list[tuple[str, dict[str, str]]] = []
        for batch in live:
            counted += [(batch["category"], paper) for paper in batch["ballots"]]
            for ballot_id in batch["ballot_ids"]:
                ballot = of_type(Ballot, found.get(UUID(ballot_id)))
                if ballot is not None and ballot.ratings is not None:
                    counted.append((batch["category"], ballot.ratings))
        return counted

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        return of_type(cls, self._found.get(aggregate_id))

    def org(self, org_code: str) -> Organization | None:
        return of_type(Organization, self._orgs.get(ids.org_id(org_code)))

    def participant(self, org_code: str) -> ParticipantFacts:
        cycle = self.cycle
        ratings = []
        by_category: dict[str, list[str]] = {code: [] for code in self.categories}
        for reviewer, rating_id in self._ratings[org_code]:
            rating = self.get(Rating, rating_id)
            if rating is not None and not cycle.has_conflict(reviewer, org_code):
                ratings.append(rating.rating)
                category = cycle.panel_categories.get(reviewer)
                if category in by_category:
                    by_category[category].append(rating.rating)
        for category, ballot in self.ballots:
            if org_code in ballot and category in by_category:
                by_category[category].append(ballot[org_code])
        points = {}
        for code, score_id in self._scores[org_code]:
            score = self.get(IndicatorScore, score_id)
            if score is not None:
                points[code] = score.points
        return ParticipantFacts(
            org_code=org_code,
            ratings=tuple(ratings),
            points=points,
            rectification=self.rectification(org_code),
            vetoed=org_code in cycle.vetoes,
            by_category={code: tuple(found) for code, found in by_category.items()},
        )

    def rectification(self, org_code: str) -> Decimal | None:
        previous = self.previous
        if previous is None or org_code not in previous.participants:
            return None
        feedback = self.get(Feedback, ids.feedback_id(previous.cycle_id, org_code))
        if feedback is None or not feedback.problems:
            return None
        plan = self.get(RectificationPlan, ids.plan_id(previous.cycle_id, org_code))
        approved = plan.approved_items if plan else None
        return rectification_component(True, approved, plan.verified_items if plan else 0)

    def secretary(self, app: LianpingApp, org: Organization | None, as_of: datetime | None
                  ) -> str | None:
        """Whose result it is: the secretary named on the participant's report (the one in
        office when it was submitted), else the one in office at that moment."""
        if org is None:
            return None
        report = self.get(Report, ids.report_id(self.cycle.cycle_id, org.code))
        if report is not None and report.latest.get("secretary"):
            return str(report.latest["secretary"])
        secretary = org.secretary_on((as_of or app.now()).astimezone(app.tz))
        return secretary["name"] if secretary else None


def _read(app: LianpingApp, aggregate_ids: list[UUID], as_of: datetime | None) -> dict[UUID, Any]:
    """The aggregates now (shared with the cache: read_all) or as of a moment (find_all)."""
    return app.read_all(aggregate_ids) if as_of is None else app.find_all(aggregate_ids, as_of)


def previous_ranks(previous: Cycle | None) -> dict[str, int]:
    if previous is None or previous.results is None:
        return {}
    return {row["org_code"]: row["rank"] for row in previous.results}


def standings_rows(app: LianpingApp, cycle: Cycle, as_of: datetime | None) -> list[dict[str, Any]]:
    """The standings rows of API.md, in rank order, from the cycle's state (as of a moment)."""
    previous = previous_cycle(app, cycle, as_of)
    known = CycleFacts(app, cycle, previous, as_of)
    facts = [known.participant(org) for org in cycle.participants]
    standings = compute_standings(Scheme.from_dict(cycle.scheme), facts, previous_ranks(previous))
    rows = []
    for s in standings:
        org = known.org(s.org_code)
        rows.append(
            {
                "rank": s.rank,
                "org_code": s.org_code,
                "org_name": org.name if org else None,
                "secretary": known.secretary(app, org, as_of),
                "review_score": fmt2(s.review_score),
                "satisfaction": fmt4(s.satisfaction),
                "ratings": s.rating_counts,
                "by_category": s.by_category,
                "indicator_score": fmt2(s.indicator_score),
                "rectification_score": fmt2(s.rectification_score),
                "total": fmt2(s.total),
                "grade": s.grade,
                "grade_label": GRADE_LABELS[s.grade],
                "movement": s.movement,
                "vetoed": s.vetoed,
                # Secretaries graded 一般/差 are called to a talk (约谈).
                "talk_required": s.grade in ("average", "poor"),
            }
        )
    return rows


def get_standings(
    app: LianpingApp, request: Request, cycle_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """Frozen results once finalized (as of that moment), provisional figures before.
    Organizers and inspectors only: standings name every participant."""
    position = app.recorder.max_notification_id() or 0
    current = lookups.cycle(app, cycle_id, read_only=True)
    if not oversees_cycle(app, request.principal, current):
        raise forbid("standings are for the organizer and inspectors", "organizer_or_inspector")
    cycle = current if as_of is None else state_at(app, Cycle, current.id, as_of)
    body: dict[str, Any] = {
        "cycle_id": cycle_id,
        "as_of": as_of.isoformat() if as_of else None,
        "position": position,
        "rehearsal": current.rehearsal,
    }
    if cycle is None:
        return {**body, "provisional": True, "phase": None, "deadlines": None, "rows": []}
    frozen = cycle.results is not None
    rows = cycle.results if frozen else standings_rows(app, cycle, as_of)
    return {**body, "provisional": not frozen, "phase": cycle.phase,
            "deadlines": dict(cycle.deadlines), "rows": rows}
