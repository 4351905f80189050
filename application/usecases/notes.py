"""督查记录: an inspector's note about an event position or an aggregate, itself an event."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from application.access.reviewers import ReviewerMask, unmasked_id
from application.access.scope import inspects_org
from application.app import LianpingApp, Outcome, Request
from application.principal import forbid
from application.usecases.audit import shown_aggregate_id, subject_of
from domain.errors import ValidationError
from domain.note import InspectionNote
from domain.rating import Rating
from domain.rules import require_text


def _unknown(field: str, message: str) -> ValidationError:
    return ValidationError("unknown_subject", message, [{"field": field, "message": message}])


def _subject_id(app: LianpingApp, subject_position: int | None, aggregate_id: str | None) -> UUID:
    if (subject_position is None) == (aggregate_id is None):
        raise ValidationError(
            "invalid_subject",
            "a note is about exactly one of subject_position or aggregate_id",
            [{"field": "subject_position", "message": "give this or aggregate_id"}],
        )
    if subject_position is not None:
        found = app.recorder.select_notifications(start=subject_position, limit=1)
        if not found or found[0].id != subject_position:
            raise _unknown("subject_position", f"no event at position {subject_position}")
        return UUID(str(found[0].originator_id))
    try:
        return UUID(str(aggregate_id))
    except ValueError:
        raise _unknown("aggregate_id", f"no aggregate {aggregate_id!r}") from None


def _subject(app: LianpingApp, request: Request, shown_id: UUID, by_position: bool) -> Aggregate:
    """The aggregate a note is about, named by its id or (a rating whose reviewer the inspector
    may not know) by its masked id, as the audit trail showed it."""
    mask = ReviewerMask(app, request.principal)
    candidates = [shown_id] if by_position else [shown_id, unmasked_id(app, shown_id)]
    for candidate in candidates:
        try:
            subject: Aggregate = app.repository.get(candidate)
        except AggregateNotFoundError:
            continue
        hidden = isinstance(subject, Rating) and mask.names(subject.cycle_id) is not None
        if by_position or hidden == (candidate != shown_id):
            return subject
    raise _unknown("aggregate_id", f"no aggregate {str(shown_id)!r}")


def record_note(
    app: LianpingApp,
    request: Request,
    note: str,
    subject_position: int | None = None,
    aggregate_id: str | None = None,
) -> Outcome:
    if not request.principal.roles("inspector"):
        raise forbid("inspection notes are recorded by inspectors", "inspector_required")
    note = require_text(note, "note")
    subject = _subject(app, request, _subject_id(app, subject_position, aggregate_id),
                       subject_position is not None)
    subject_id = subject.id
    org_code, _ = subject_of(app, subject)
    if org_code is None or not inspects_org(app, request.principal, org_code):
        raise forbid("the subject lies outside your inspection scope", "outside_scope")
    recorded = InspectionNote(
        subject_position=subject_position,
        subject_aggregate_id=str(subject_id),
        org_code=org_code,
        note=note,
        actor=request.actor,
    )
    body = {
        "note_id": str(recorded.id),
        "subject_position": subject_position,
        "aggregate_id": shown_aggregate_id(app, request.principal, subject),
        "org_code": org_code,
        "note": note,
    }
    return app.commit(request, recorded, item=recorded, body=body, created=True)
