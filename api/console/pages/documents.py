"""The documents' download buttons: the console's twins of the API's document routes (same use
cases, same formatters, same access rules), for the signed-in user's session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import application_of
from api.console.web import ConsoleRoute, CurrentUser, fresh_view, read_request
from api.documents import DOCX, XLSX, attachment, letters, sheets
from application.usecases import audit, documents
from projections import rectification

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/cycles/{cycle_id}/standings.xlsx")
def standings_sheet(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    body = documents.standings_sheet(app, read_request(user), cycle_id, None)
    content = sheets.standings_workbook(body, body["title"], body["moment"])
    return attachment(content, XLSX, f"{body['title']}排名.xlsx", f"standings-{cycle_id}.xlsx")


@router.get("/cycles/{cycle_id}/bulletin.docx")
def bulletin(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    body = documents.bulletin(app, read_request(user), cycle_id)
    content = letters.bulletin(body)
    return attachment(content, DOCX, f"{body['title']}结果通报.docx", f"bulletin-{cycle_id}.docx")


@router.get("/cycles/{cycle_id}/rectification.xlsx")
def rectification_sheet(cycle_id: str, request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    audit.check_board_reader(app, user.principal, cycle_id)
    with fresh_view(request, rectification.NAME) as view:
        board = rectification.board(view, cycle_id, app.today())
    title = documents.cycle_title(app, cycle_id)
    content = sheets.board_workbook(board, title, documents.moment_text(app, app.now()))
    return attachment(content, XLSX, f"{title}整改台账.xlsx", f"rectification-{cycle_id}.xlsx")


@router.get("/cycles/{cycle_id}/participants/{org_code}/feedback.docx")
def feedback_letter(cycle_id: str, org_code: str, request: Request,
                    user: CurrentUser) -> Response:
    app = application_of(request)
    letter = documents.feedback_letter(app, read_request(user), cycle_id, org_code)
    content = letters.feedback_letter(letter)
    name = f"{letter['org_name'] or org_code}述职评议反馈意见.docx"
    return attachment(content, DOCX, name, f"feedback-{cycle_id}-{org_code}.docx")
