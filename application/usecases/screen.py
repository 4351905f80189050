"""The 大屏 hall screen of a cycle's 民主测评: revealing the per-participant tally (once, an event
inspectors see), the read-only screen links the organizer creates and revokes, and the screen's
figures — 回收率 per ballot category and, once revealed, the tally (counts only, never who).

A link's key is 32 random bytes (URL-safe), so a plain SHA-256 of it is enough to store, as for
ballot codes and API tokens; the key is in the creating answer only."""

from __future__ import annotations

import hashlib
import secrets
from copy import deepcopy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

from application import lookups
from application.access import sees_reviewers
from application.app import LianpingApp, Outcome, Request
from application.principal import Principal, forbid, require_organizer
from application.usecases.ballot_casts import cast_ids
from application.usecases.standings import standings_rows
from domain import ids
from domain.ballot import BallotBook
from domain.cycle import Cycle
from domain.errors import NotFoundError
from domain.scheme import GRADES, Scheme
from domain.scoring import fmt4
from domain.screen import REVEAL_PHASES, HallScreen


def link_id_of(key: str) -> str:
    return ids.screen_link_id(hashlib.sha256(key.strip().encode("utf-8")).hexdigest())


def screen_path(cycle_id: str, key: str) -> str:
    return f"/screen/{quote(cycle_id, safe='')}?k={key}"


def _hall_screen(app: LianpingApp, cycle_id: str, read_only: bool = False) -> HallScreen | None:
    return app.find(HallScreen, ids.hall_screen_id(cycle_id), read_only=read_only)


def _organizer_cycle(app: LianpingApp, request: Request, cycle_id: str) -> Cycle:
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    require_organizer(request.principal, cycle.organizer_org)
    return cycle


def _opened(app: LianpingApp, request: Request, cycle: Cycle) -> HallScreen:
    return _hall_screen(app, cycle.cycle_id) or HallScreen(
        cycle_id=cycle.cycle_id, org_code=cycle.organizer_org, actor=request.actor)


# -- writes (the organizer) ----------------------------------------------------------------------


def reveal_tally(app: LianpingApp, request: Request, cycle_id: str) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    cycle.require_phase("revealing the tally", *REVEAL_PHASES)
    screen = _opened(app, request, cycle)
    screen.reveal(request.actor)
    at = screen.revealed_at.isoformat() if screen.revealed_at else None
    body = {"cycle_id": cycle_id, "revealed": True, "revealed_at": at}
    return app.commit(request, screen, item=screen, body=body)


def create_link(app: LianpingApp, request: Request, cycle_id: str) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    key = secrets.token_urlsafe(32)
    screen = _opened(app, request, cycle)
    link_id = link_id_of(key)
    screen.create_link(link_id, request.actor)
    body = {"link_id": link_id, "key": key, "path": screen_path(cycle_id, key)}
    return app.commit(request, screen, item=screen, body=body, created=True,
                      secret_fields=("key", "path"))


def _replayed_link(app: LianpingApp, request: Request, outcome: Outcome) -> Outcome:
    # The key is shown once: a retried create names the link, its key is gone (revoke it).
    outcome.body.setdefault("key", None)
    outcome.body.setdefault("path", None)
    return outcome


create_link.on_replay = _replayed_link  # type: ignore[attr-defined]


def revoke_link(app: LianpingApp, request: Request, cycle_id: str, link_id: str) -> Outcome:
    _organizer_cycle(app, request, cycle_id)
    screen = _hall_screen(app, cycle_id)
    if screen is None:
        raise NotFoundError("unknown_screen_link", f"no screen link {link_id!r} in this cycle")
    screen.revoke_link(link_id, request.actor)
    return app.commit(request, screen, item=screen, body={"link_id": link_id, "revoked": True})


def controls(app: LianpingApp, request: Request, cycle_id: str) -> dict[str, Any]:
    """For the organizer's page: whether the tally was revealed (when), and the links, newest
    first (their keys are nowhere: shown once at creation)."""
    cycle = _organizer_cycle(app, request, cycle_id)
    screen = _hall_screen(app, cycle_id, read_only=True)
    links = list(screen.links.values()) if screen else []
    return {"can_reveal": cycle.phase in REVEAL_PHASES,
            "revealed_at": screen.revealed_at if screen else None,
            "revealed_by": screen.revealed_by if screen else None,
            "links": sorted(links, key=lambda link: link["created_at"], reverse=True)}


# -- the screen's figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who looks at the screen: a signed-in principal, or the holder of a link's key."""

    principal: Principal | None = None
    key: str | None = None


def link_not_found() -> NotFoundError:
    # The same answer for an unknown cycle, an unknown key and a revoked link.
    return NotFoundError("screen_link_not_found", "no live screen link with this key")


def screen_cycle(
    app: LianpingApp, viewer: Viewer, cycle_id: str
) -> tuple[Cycle, HallScreen | None]:
    """The cycle and its hall screen, once the viewer may see them: the organizer, inspectors
    over it and the global admin (403 ``organizer_or_inspector``), or a live link's key (404
    ``screen_link_not_found`` otherwise, whatever else is wrong)."""
    if viewer.key is not None:
        screen = _hall_screen(app, cycle_id, read_only=True)
        found = app.find(Cycle, ids.cycle_id(cycle_id), read_only=True)
        if screen is None or found is None or not screen.opens(link_id_of(viewer.key)):
            raise link_not_found()
        return found, screen
    assert viewer.principal is not None
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not sees_reviewers(app, viewer.principal, cycle):
        raise forbid("the hall screen is for the organizer and inspectors",
                     "organizer_or_inspector")
    return cycle, _hall_screen(app, cycle_id, read_only=True)


def _rate(cast: int, issued: int) -> str | None:
    return fmt4(Decimal(cast) / Decimal(issued)) if issued else None


def ballot_returns(app: LianpingApp, cycle: Cycle) -> list[dict[str, Any]]:
    """回收率 per ballot category: ballots cast / issued, over the batches not voided (a paper
    batch is all cast: its rows are the slips handed back)."""
    names = {c.code: c.name for c in Scheme.from_dict(cycle.scheme).ballot_categories}
    book = app.find(BallotBook, ids.ballot_book_id(cycle.cycle_id), read_only=True)
    live = [b for b in book.batches.values() if not b["voided"]] if book else []
    cast = cast_ids(app, cycle.cycle_id, (i for batch in live for i in batch["ballot_ids"]))
    counts = {code: [0, 0] for code in names}
    for batch in live:
        issued_cast = counts.setdefault(batch["category"], [0, 0])
        issued_cast[0] += batch["issued"]
        if batch["kind"] == "paper":
            issued_cast[1] += batch["issued"]
        else:
            issued_cast[1] += sum(1 for i in batch["ballot_ids"] if i in cast)
    return [{"code": code, "name": names.get(code, code), "issued": issued, "cast": cast,
             "rate": _rate(cast, issued)} for code, (issued, cast) in counts.items()]


def tally(app: LianpingApp, cycle: Cycle) -> list[dict[str, Any]]:
    """Per participant, in the cycle's order (as added): how many ratings of each grade count
    (panel ratings and ballots, as the standings count them; frozen once finalized). Counts
    only."""
    rows = cycle.results if cycle.results is not None else standings_rows(app, cycle, None)
    by_org = {row["org_code"]: row for row in rows}
    answer = []
    for org_code in cycle.participants:
        row = by_org.get(org_code)
        counts = row["ratings"] if row else {}
        answer.append({"org_code": org_code, "org_name": row["org_name"] if row else None,
                       **{grade: int(counts.get(grade, 0)) for grade in GRADES}})
    return answer


#: The figures last computed per app, by (cycle, log position): screens poll every 2 s and most
#: polls find nothing new (a few cycles' entries; the viewer is checked on every poll).
_COMPUTED: WeakKeyDictionary[LianpingApp, dict[tuple[str, int], dict[str, Any]]] = (
    WeakKeyDictionary())
_KEPT = 8


def screen_figures(app: LianpingApp, viewer: Viewer, cycle_id: str) -> dict[str, Any]:
    """What the hall screen shows, but the panel's progress (from the finding read model)."""
    position = app.recorder.max_notification_id() or 0
    cycle, screen = screen_cycle(app, viewer, cycle_id)
    computed = _COMPUTED.setdefault(app, {})
    found = computed.get((cycle_id, position))
    if found is None:
        found = _figures(app, cycle, screen, position)
        if len(computed) >= _KEPT:
            computed.pop(next(iter(computed)))
        computed[(cycle_id, position)] = found
    return deepcopy(found)


def _figures(
    app: LianpingApp, cycle: Cycle, screen: HallScreen | None, position: int
) -> dict[str, Any]:
    cycle_id = cycle.cycle_id
    categories = ballot_returns(app, cycle)
    issued = sum(c["issued"] for c in categories)
    cast = sum(c["cast"] for c in categories)
    revealed = screen is not None and screen.revealed
    return {
        "cycle_id": cycle_id,
        "title": cycle.title,
        "phase": cycle.phase,
        "rehearsal": cycle.rehearsal,
        "rehearsal_ended": cycle.rehearsal_ended is not None,
        "position": position,
        "categories": categories,
        "ballots": {"issued": issued, "cast": cast, "rate": _rate(cast, issued)},
        "revealed": revealed,
        "revealed_at": screen.revealed_at.isoformat() if screen and screen.revealed_at else None,
        "tally": tally(app, cycle) if revealed else None,
        "order": list(cycle.participants),  # the participants' order on the screen
    }
