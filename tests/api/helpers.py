"""HTTP test helpers: a caller per account (Bearer token issued through the use case), positions of
the event log, and scenario builders that reuse tests/application/world.py for the setup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from application.app import LianpingApp, Request
from application.usecases import cycles, directory, participants
from tests.application.world import ADMIN, COUNTIES, World

BASE = "/api/v1"
CYCLE = "city-2026"
REPORT = {"title": "2026年度述职报告", "achievements": "后进村整顿转化12个",
          "problems": "非公党建覆盖不足", "plans": "推进党建信息化"}


class Caller:
    """Requests as one account; paths are relative to /api/v1."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Response:
        return self.client.get(BASE + path, headers=self.headers(headers), **kwargs)

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None,
             **kwargs: Any) -> Response:
        if json is None and "content" not in kwargs:
            json = {}
        return self.client.post(BASE + path, json=json, headers=self.headers(headers), **kwargs)


class Api:
    def __init__(self, client: TestClient, app: LianpingApp) -> None:
        self.client = client
        self.app = app
        self.tokens = {"admin": directory.bootstrap_admin(app, "admin", "管理员")}
        self._world: World | None = None

    @property
    def world(self) -> World:
        """The application-level scenario builder (a city, three counties, people)."""
        if self._world is None:
            self._world = World(self.app)
            for account_id in self._world.principals:  # tokens up front: positions stay put
                self.token(account_id)
        return self._world

    def token(self, account_id: str) -> str:
        if account_id not in self.tokens:
            self.world  # noqa: B018 - the world's people get their tokens with it
        if account_id not in self.tokens:
            outcome = self.app.execute(Request(ADMIN), directory.issue_token, account_id, None)
            self.tokens[account_id] = outcome.body["token"]
        return self.tokens[account_id]

    def as_(self, account_id: str) -> Caller:
        return Caller(self.client, self.token(account_id))

    @property
    def anonymous(self) -> Caller:
        return Caller(self.client, None)

    @property
    def admin(self) -> Caller:
        return self.as_("admin")

    @property
    def organizer(self) -> Caller:
        self.world  # noqa: B018 - the organizer exists once the world does
        return self.as_("organizer")

    def position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    # -- scenarios (set up through the use cases; the test then speaks HTTP) -------------------

    def cycle_in(self, phase: str, cycle_id: str = CYCLE, year: int = 2026) -> str:
        """A cycle of the city over its three counties with ten reviewers, moved to `phase`:
        reporting, reviewing (all reports in), finalized, rectifying (feedback P1 to county-a)."""
        world = self.world
        world.cycle(cycle_id, year)
        if phase == "preparing":
            return cycle_id
        if phase == "reporting":
            world.advance(cycle_id, "reporting")
            return cycle_id
        world.reviewing(cycle_id)
        if phase == "reviewing":
            return cycle_id
        world.run("organizer", cycles.finalize, cycle_id)
        if phase == "finalized":
            return cycle_id
        world.advance(cycle_id, "rectifying")
        world.run("organizer", participants.issue_feedback, cycle_id, "county-a", "书面反馈",
                  [{"code": "P1", "description": "软弱涣散村整顿不到位"},
                   {"code": "P2", "description": "经费保障不足"}])
        assert phase == "rectifying", phase
        return cycle_id

    def due(self, days: int = 30) -> str:
        return (self.app.today() + timedelta(days=days)).isoformat()


def error_code(response: Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return str(body["error"]["code"])


__all__ = ["BASE", "COUNTIES", "CYCLE", "REPORT", "Api", "Caller", "error_code"]


def fresh(api: Api) -> dict[str, str]:
    """Read your writes: the headers of a read that waits for every write made so far."""
    return {"X-Min-Position": str(api.position())}


def read(api: Api, who: str, path: str, **params: Any) -> Response:
    """GET as ``who``, once the read models reflect every write so far."""
    return api.as_(who).get(path, params=params, headers=fresh(api))
