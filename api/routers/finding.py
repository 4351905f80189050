"""Finding things (any signed-in account; each answer holds only what the caller may read):
cycles, the cycle dashboard, organizations, accounts (admin) and 我的待办. All from the finding
read model: X-Min-Position waits for it, and bodies carry the position they reflect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import Application
from api.routers.deps import reader
from api.routers.readmodels import view_position
from api.routing import OneHopRoute
from api.schemas.finding import (
    AccountsOut,
    Cursor,
    CyclesOut,
    DashboardOut,
    FilterCode,
    FilterLevel,
    FilterPhase,
    FilterRole,
    Limit,
    OrganizationsOut,
    SearchText,
    TasksOut,
    Year,
)
from application.app import Request as AppRequest
from projections import dashboard, finding, lists, tasks
from projections.service import read_models

router = APIRouter(tags=["finding"], route_class=OneHopRoute)

FindingReader = Annotated[AppRequest, Depends(reader(view_position(finding.NAME)))]


@router.get("/cycles", response_model=CyclesOut)
def list_cycles(
    request: FindingReader, app: Application, organizer_org: FilterCode = None,
    level: FilterLevel = None, year: Year = None, phase: FilterPhase = None,
    limit: Limit = 100, after: Cursor = None,
) -> dict[str, Any]:
    """The cycles the caller may read, newest year first, with the caller's roles in each."""
    with read_models(app).read(finding.NAME) as view:
        return lists.cycles(view, app, request.principal, organizer_org=organizer_org,
                            level=level, year=year, phase=phase, limit=limit, after=after)


@router.get("/cycles/{cycle_id}/participants", response_model=DashboardOut,
            response_model_exclude_unset=True)
def cycle_dashboard(cycle_id: str, request: FindingReader, app: Application) -> dict[str, Any]:
    """Per participant: report, ratings n/N, scores n/N, feedback, plan, frozen grade
    (organizer, inspectors); panel members get each participant's report state only."""
    with read_models(app).read(finding.NAME) as view:
        return dashboard.dashboard(view, app, request.principal, cycle_id)


@router.get("/organizations", response_model=OrganizationsOut)
def list_organizations(
    request: FindingReader, app: Application, parent_code: FilterCode = None,
    level: FilterLevel = None, q: SearchText = None, limit: Limit = 100, after: Cursor = None,
) -> dict[str, Any]:
    """Orgs in the subtrees of the caller's grants (a global admin: every org), in tree order."""
    with read_models(app).read(finding.NAME) as view:
        return lists.organizations(view, request.principal, parent_code=parent_code,
                                   level=level, q=q, limit=limit, after=after)


@router.get("/accounts", response_model=AccountsOut)
def list_accounts(
    request: FindingReader, app: Application, org_code: FilterCode = None,
    role: FilterRole = None, q: SearchText = None, limit: Limit = 100, after: Cursor = None,
) -> dict[str, Any]:
    """Accounts within the admin's scope, with their grants and whether a password is set."""
    with read_models(app).read(finding.NAME) as view:
        return lists.accounts(view, request.principal, org_code=org_code, role=role, q=q,
                              limit=limit, after=after)


@router.get("/me/tasks", response_model=TasksOut, tags=["me"])
def my_tasks(request: FindingReader, app: Application) -> dict[str, Any]:
    """我的待办: what the caller has to do now, each with the API path to do it."""
    with read_models(app).read(finding.NAME) as view:
        return tasks.tasks(view, request.principal, app.today(), app.tz)
