"""Documents (XLSX, DOCX) of a cycle: the same use cases and read models as their JSON twins
(same access rules, same figures, same errors), formatted by ``api.documents``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import Application
from api.console import labels
from api.documents import DOCX, XLSX, attachment, letters, sheets
from api.routers.deps import ReadRequest
from api.routers.readmodels import BoardReader, get_rectification_board
from api.routers.standings import AsOf
from api.routing import OneHopRoute
from application import lookups
from application.app import LianpingApp
from application.usecases import documents

router = APIRouter(tags=["documents"], route_class=OneHopRoute)


def _marked(app: LianpingApp, cycle_id: str, title: str) -> str:
    """A rehearsal's documents say so in their title (and file name): 演练, never counts."""
    rehearsal = lookups.cycle(app, cycle_id, read_only=True).rehearsal
    return f"{title}{labels.REHEARSAL['document_mark']}" if rehearsal else title


def _file(media: str) -> dict[int | str, dict[str, object]]:
    return {200: {"content": {media: {}}, "description": "the document, as an attachment"}}


@router.get("/cycles/{cycle_id}/standings.xlsx", response_class=Response,
            responses=_file(XLSX))
def standings_sheet(
    cycle_id: str, request: ReadRequest, app: Application, as_of: AsOf = None
) -> Response:
    """The standings as a sheet (organizer, inspectors): Chinese headers and grades, figures as
    numbers, the as-of moment in the title; marked 暂定 until the cycle is finalized."""
    body = documents.standings_sheet(app, request, cycle_id, as_of)
    body["title"] = _marked(app, cycle_id, body["title"])
    content = sheets.standings_workbook(body, body["title"], body["moment"])
    return attachment(content, XLSX, f"{body['title']}排名.xlsx", f"standings-{cycle_id}.xlsx")


@router.get("/cycles/{cycle_id}/rectification.xlsx", response_class=Response,
            responses=_file(XLSX))
def rectification_sheet(cycle_id: str, request: BoardReader, app: Application) -> Response:
    """The rectification board as a sheet (organizer, inspectors): the items (overdue ones
    highlighted) and a summary per org."""
    board = get_rectification_board(cycle_id, request, app)
    title = _marked(app, cycle_id, documents.cycle_title(app, cycle_id))
    content = sheets.board_workbook(board, title, documents.moment_text(app, app.now()))
    return attachment(content, XLSX, f"{title}整改台账.xlsx", f"rectification-{cycle_id}.xlsx")


@router.get("/cycles/{cycle_id}/participants/{org_code}/feedback.docx",
            response_class=Response, responses=_file(DOCX))
def feedback_letter(
    cycle_id: str, org_code: str, request: ReadRequest, app: Application
) -> Response:
    """The written feedback in the organizer committee's name (organizer, inspectors, the
    participant's own secretary); 409 feedback_not_issued before it is issued."""
    letter = documents.feedback_letter(app, request, cycle_id, org_code)
    letter["title"] = _marked(app, cycle_id, letter["title"])
    content = letters.feedback_letter(letter)
    name = f"{letter['org_name'] or org_code}述职评议反馈意见.docx"
    return attachment(content, DOCX, name, f"feedback-{cycle_id}-{org_code}.docx")


@router.get("/cycles/{cycle_id}/bulletin.docx", response_class=Response,
            responses=_file(DOCX))
def bulletin(cycle_id: str, request: ReadRequest, app: Application) -> Response:
    """通报 of the final results (organizer, inspectors): ranks, totals, grades, movement and
    the units whose secretaries must be talked to; 409 results_not_final before finalization."""
    body = documents.bulletin(app, request, cycle_id)
    body["title"] = _marked(app, cycle_id, body["title"])
    content = letters.bulletin(body)
    return attachment(content, DOCX, f"{body['title']}结果通报.docx", f"bulletin-{cycle_id}.docx")
