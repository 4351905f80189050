"""What the readers GET while the ratings are written: the JSON reads (bearer tokens) and the
console pages a person uses (signed in with a console session), each kind with its target."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlencode

from application.app import LianpingApp, Request
from application.usecases import passwords, sessions
from bench.generator import Generated, Slot
from bench.httpload import Read
from bench.shape import PROVINCE, SYSTEM
from bench.store import Store
from domain import ids

READ_TARGET_MS = 300  # p99 under the write load (issues 14 and 16)
INSPECTOR = f"{PROVINCE[0]}-jw"

# kind: the row's label (JSON reads first, then the console's pages)
READS = {
    "standings": "reads under load: standings",
    "audit": "reads under load: audit filter",
    "coverage": "reads under load: province coverage",
    "subtree_flags": "reads under load: subtree flags",
    "console_home": "console under load: 我的待办 (/)",
    "console_cycle": "console under load: cycle page",
    "console_standings": "console under load: standings page",
    "console_audit": "console under load: audit trail",
    "console_history": "console under load: item history",
}


def console_sessions(store: Store, accounts: list[str]) -> dict[str, str]:
    """A console session id for each of `accounts`: a password set by an admin (no change
    required), then a sign-in, as a person does at /login."""
    app = LianpingApp(store.settings(pool_size=2))
    try:
        found = {}
        for account in accounts:
            password = secrets.token_urlsafe(12)
            passwords.set_password(app, Request(SYSTEM), account, password, must_change=False)
            found[account] = sessions.sign_in(app, account, password, None).session_id
        return found
    finally:
        app.close()


def console_accounts(slots: list[Slot], count: int) -> list[str]:
    """The organizers of the first `count` cycles being rated over HTTP."""
    organizers = sorted({s.organizer for s in slots})
    return [f"{organizer}-zzb" for organizer in organizers[:count]]


def plan_reads(slots: list[Slot], generated: Generated, year: int,
               console: dict[str, str]) -> dict[str, list[Read]]:
    """Each reader's choices: the JSON reads of the cycles being rated (an organizer's
    standings, the inspector's audit filter), 一级抓一级 (the province's coverage of its cities
    for `year`, the flags of the province's and each city's subtree), and the console pages
    of the organizers signed in as `console` (account -> session id): 我的待办, the cycle, its
    standings, the audit trail of a participant and the history of its report (its versions
    side by side: returned reports have several)."""
    tokens, inspector = generated.tokens, generated.tokens[INSPECTOR]
    cycles = sorted({(s.cycle_id, s.organizer) for s in slots})
    audits = sorted({(s.cycle_id, s.org_code) for s in slots})[:200]
    cities = sorted({PROVINCE[0], *(s.organizer for s in slots if "-" not in s.organizer)})
    mine = [(cycle, organizer, console[f"{organizer}-zzb"]) for cycle, organizer in cycles
            if f"{organizer}-zzb" in console]
    participants = {cycle: sorted({s.org_code for s in slots if s.cycle_id == cycle})
                    for cycle, _, _ in mine}
    return {
        "standings": [Read(f"/api/v1/cycles/{quote(cycle)}/standings",
                           tokens[f"{organizer}-zzb"]) for cycle, organizer in cycles],
        "audit": [Read("/api/v1/audit/events?" + urlencode(
            {"cycle_id": cycle, "org_code": org, "limit": 100}), inspector)
            for cycle, org in audits],
        "coverage": [Read(f"/api/v1/organizations/{quote(PROVINCE[0])}/coverage?year={year}",
                          inspector)],
        "subtree_flags": [Read("/api/v1/audit/flags?" + urlencode({"org_code": org}), inspector)
                          for org in cities],
        "console_home": [Read("/", session=session) for _, _, session in mine],
        "console_cycle": [Read(f"/cycles/{quote(cycle)}", session=session)
                          for cycle, _, session in mine],
        "console_standings": [Read(f"/cycles/{quote(cycle)}/standings", session=session)
                              for cycle, _, session in mine],
        "console_audit": [Read("/audit?" + urlencode({"cycle_id": cycle, "org_code": org}),
                               session=session)
                          for cycle, _, session in mine for org in participants[cycle][:10]],
        "console_history": [Read(f"/audit/aggregates/{ids.report_id(cycle, org)}",
                                 session=session)
                            for cycle, _, session in mine for org in participants[cycle][:10]],
    }
