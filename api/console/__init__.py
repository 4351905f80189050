"""The web console: another adapter at the HTTP edge (server-rendered Jinja2 pages calling the same
use cases as the JSON API), with its assets served by this app.

How to add a page (e.g. the organizer's scheme editor):

1. Write ``api/console/pages/<area>.py`` with ``router = APIRouter(route_class=ConsoleRoute,
   include_in_schema=False)`` and sync route functions (they run in the thread pool). Take
   ``user: CurrentUser`` on a GET (no session → the sign-in page; a forced password change
   first), ``posted: FormPost`` on a POST (CSRF checked: missing or wrong → the 403 page;
   ``posted.form`` is the field dict, ``posted.request`` the use cases' Request, so a write is
   ``app.execute(posted.request, usecase, ...)``). Read with ``read_request(user)``.
2. Call the use cases or read models (never the JSON API, never SQL of your own); let domain
   errors propagate: ``ConsoleRoute`` renders them as a Chinese error page with their status.
   To show an error beside the form instead, catch it and ``render`` the form again with
   ``errors={"field": labels.error_message(e.code)}`` (``""`` for the whole form), status 422.
3. Answer with ``render(request, "<area>/<page>.html", **context)``; after a write,
   ``redirect_with_flash(request, paths.x(...), "已保存")`` (POST-redirect-GET).
4. Templates extend ``base.html`` (blocks: title, content, breadcrumbs, head, scripts,
   nav_extra, main_class) and ``{% import "_forms.html" as f %}`` for fields with labels and
   errors (text, textarea, select, radio, checkbox, date, datetime, reason, hidden, submit,
   csrf, form_errors, table); ``_charts.html`` draws inline SVG charts (api/console/charts.py).
5. Every word a person reads comes from ``api/console/labels/``; every URL from
   ``api/console/paths.py`` (add a builder there; ``TASK_PAGES`` maps a task kind to its page).
6. Add the router to ``PAGES`` in ``api/console/pages/__init__.py``, and a browser test in
   ``tests/browser/`` that finds things by their labels.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def larger_bodies() -> dict[str, int]:
    """Console pages that take a larger body than the API's limit (path → bytes)."""
    from api.console import paths
    from api.console.pages.imports import MAX_FORM_BYTES

    return {paths.ADMIN_IMPORT: MAX_FORM_BYTES}


def install_console(app: FastAPI) -> None:
    """Mount the console's pages at ``/`` and its assets at ``/static``."""
    from api.console import paths
    from api.console.pages import PAGES
    from api.console.web import STATIC

    for router in PAGES:
        app.include_router(router)
    app.mount(paths.STATIC, StaticFiles(directory=STATIC), name="console-static")
