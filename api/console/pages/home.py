"""我的待办: the signed-in person's tasks (the tasks read model behind GET /me/tasks), each linked
to the console page where it is done."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.auth import application_of
from api.console import labels, paths
from api.console.web import ConsoleRoute, CurrentUser, fresh_view, render
from projections import finding, tasks

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def role_labels(user: CurrentUser) -> list[str]:
    seen = []
    for role, _ in user.principal.grants:
        label = labels.ROLES.get(role, role)
        if label not in seen:
            seen.append(label)
    return seen


@router.get(paths.HOME)
def home(request: Request, user: CurrentUser) -> Response:
    app = application_of(request)
    with fresh_view(request, finding.NAME) as view:
        found = tasks.tasks(view, user.principal, app.today(), app.tz)["tasks"]
    shown: list[dict[str, Any]] = [
        {**task, "href": paths.task_page(task),
         "kind_label": labels.TASK_KINDS.get(task["kind"], task["kind"])}
        for task in found
    ]
    return render(request, "home.html", tasks=shown, roles=role_labels(user))
