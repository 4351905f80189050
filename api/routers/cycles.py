"""Running a cycle (organizer of its organizer_org): create, scheme, participants, panel,
conflicts, phases, vetoes, finalize; and reading it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.auth import Application
from api.routers.deps import ReadRequest, Writing, etag, written
from api.routers.standings import AsOf
from api.routing import OneHopRoute
from api.schemas.cycles import (
    AdvanceIn,
    ConflictIn,
    ConflictsOut,
    CopyFromPreviousIn,
    CopyFromPreviousOut,
    CycleCreatedOut,
    CycleIn,
    CycleOut,
    DeadlinesOut,
    EmptyIn,
    EndRehearsalIn,
    EndRehearsalOut,
    FinalizedOut,
    PanelMemberIn,
    PanelOut,
    ParticipantIn,
    ParticipantsOut,
    PhaseOut,
    RemovalIn,
    SchemeIn,
    SchemeVersionOut,
    SetDeadlinesIn,
    VetoesOut,
    VetoIn,
)
from application.usecases import cycle_reading, cycles, rehearsals

router = APIRouter(prefix="/cycles", tags=["cycles"], route_class=OneHopRoute)


@router.post("", status_code=201, response_model=CycleCreatedOut)
def create_cycle(
    body: CycleIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Create a cycle in `preparing` (default scheme from DOMAIN.md when `scheme` is omitted)."""
    deadlines = body.deadlines.model_dump(exclude_none=True) if body.deadlines else None
    outcome = write.app.execute(
        write.request, cycles.create_cycle, body.organizer_org, body.level, body.year, body.title,
        cycle_id=body.cycle_id, scheme=body.scheme, previous_cycle_id=body.previous_cycle_id,
        deadlines=deadlines, warn_days=body.warn_days,
        rehearsal=body.rehearsal,
    )
    return written(response, outcome)


@router.get("/{cycle_id}", response_model=CycleOut)
def get_cycle(
    cycle_id: str, request: ReadRequest, app: Application, response: Response, as_of: AsOf = None
) -> dict[str, Any]:
    """The cycle; with `as_of`, as it was then (the deadlines, participants and panel in force)."""
    view = cycle_reading.get_cycle(app, request, cycle_id, as_of)
    etag(response, view["version"])
    return view


@router.post("/{cycle_id}/scheme", response_model=SchemeVersionOut)
def set_scheme(
    cycle_id: str, body: SchemeIn, write: Writing, response: Response
) -> dict[str, Any]:
    return written(
        response, write.app.execute(write.request, cycles.set_scheme, cycle_id, body.scheme)
    )


@router.post("/{cycle_id}/participants", response_model=ParticipantsOut)
def add_participant(
    cycle_id: str, body: ParticipantIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(write.request, cycles.add_participant, cycle_id, body.org_code)
    return written(response, outcome)


@router.post("/{cycle_id}/panel", response_model=PanelOut)
def add_panel_member(
    cycle_id: str, body: PanelMemberIn, write: Writing, response: Response
) -> dict[str, Any]:
    outcome = write.app.execute(
        write.request, cycles.add_panel_member, cycle_id, body.account_id, body.category
    )
    return written(response, outcome)


@router.post("/{cycle_id}/participants/{org_code}/removal", response_model=ParticipantsOut)
def remove_participant(
    cycle_id: str, org_code: str, body: RemovalIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Remove a participant while `preparing` (with a reason); it may be added again."""
    outcome = write.app.execute(
        write.request, cycles.remove_participant, cycle_id, org_code, body.reason
    )
    return written(response, outcome)


@router.post("/{cycle_id}/panel/{account_id}/removal", response_model=PanelOut)
def remove_panel_member(
    cycle_id: str, account_id: str, body: RemovalIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Remove a panel member while `preparing` (with a reason); the conflicts they declared stay
    recorded, and apply again if they are added again."""
    outcome = write.app.execute(
        write.request, cycles.remove_panel_member, cycle_id, account_id, body.reason
    )
    return written(response, outcome)


@router.post("/{cycle_id}/copy-from-previous", response_model=CopyFromPreviousOut)
def copy_from_previous(
    cycle_id: str, body: CopyFromPreviousIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Copy the participants and/or panel of the previous cycle (the one named at creation,
    else the same organizer and level the year before) while `preparing`, in one step: what can
    no longer be added is listed in `left_out`; 409 `nothing_to_copy` when nothing is left."""
    outcome = write.app.execute(
        write.request, cycles.copy_from_previous, cycle_id, body.participants, body.panel
    )
    return written(response, outcome)


@router.post("/{cycle_id}/deadlines", response_model=DeadlinesOut)
def set_deadlines(
    cycle_id: str, body: SetDeadlinesIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Set or move cycle deadlines until the cycle is closed (they may lie in the past). Moving
    one once its phase has begun (report_due from reporting, review_due from reviewing, plan_due
    from rectifying) needs a reason and is flagged `deadline_changed`; setting one that had none
    is not a change; 409 `deadlines_unchanged` when every date given is already in force. Late
    submissions are judged by the deadline in force when they came in. `warn_days` (0–60): how
    many days ahead the cycle's deadlines turn yellow (红黄灯; default 3)."""
    deadlines = body.model_dump(include={"report_due", "review_due", "plan_due"})
    outcome = write.app.execute(write.request, cycles.set_deadlines, cycle_id, deadlines,
                                body.reason, warn_days=body.warn_days)
    return written(response, outcome)


@router.post("/{cycle_id}/conflicts", response_model=ConflictsOut)
def record_conflict(
    cycle_id: str, body: ConflictIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Record a conflict of interest (organizer), or declare one's own (panel member). The answer
    lists the conflicts of the named account only: other reviewers' stay undisclosed."""
    outcome = write.app.execute(
        write.request, cycles.record_conflict, cycle_id, body.account_id, body.org_code, body.reason
    )
    answer = written(response, outcome)
    return {"conflicts": [c for c in answer["conflicts"] if c["account_id"] == body.account_id]}


@router.post("/{cycle_id}/advance", response_model=PhaseOut)
def advance(
    cycle_id: str, body: AdvanceIn, write: Writing, response: Response
) -> dict[str, Any]:
    """Move one phase forward, or back one (reopening: needs a reason, flagged for inspectors)."""
    outcome = write.app.execute(write.request, cycles.advance, cycle_id, body.to, body.reason)
    return written(response, outcome)


@router.post("/{cycle_id}/vetoes", response_model=VetoesOut)
def veto(
    cycle_id: str, body: VetoIn, write: Writing, response: Response
) -> dict[str, Any]:
    """一票否决 (needs a reason): the participant's grade becomes poor."""
    outcome = write.app.execute(write.request, cycles.veto, cycle_id, body.org_code, body.reason)
    return written(response, outcome)


@router.post("/{cycle_id}/finalize", response_model=FinalizedOut)
def finalize(
    cycle_id: str, write: Writing, response: Response,
    body: EmptyIn | None = None,
) -> dict[str, Any]:
    """Compute and freeze totals, grades and ranks."""
    return written(response, write.app.execute(write.request, cycles.finalize, cycle_id))


@router.post("/{cycle_id}/end-rehearsal", response_model=EndRehearsalOut)
def end_rehearsal(
    cycle_id: str, body: EndRehearsalIn, write: Writing, response: Response
) -> dict[str, Any]:
    """End a rehearsal (模拟测评) from any phase, with a reason: it is closed and leaves
    everyone's tasks; its events stay in the log. A real cycle → 409 `not_a_rehearsal`; ended
    already → 409 `rehearsal_already_ended`."""
    outcome = write.app.execute(write.request, rehearsals.end_rehearsal, cycle_id, body.reason)
    return written(response, outcome)
