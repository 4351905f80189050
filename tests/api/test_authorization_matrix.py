"""The authorization matrix: ONE table (route × principal → allowed, or the exact refusal), run
as one test per cell on both stores. Reads that are allowed but anonymised say so (NAMED: the
reviewers' account ids; MASKED: pseudonyms 评议人N and no account id; EMPTY: allowed, nothing of
the cycle's ratings in scope), and the body is checked for it.

One world per store (module-scoped): every write that succeeds acts on an item of its own
(its own cycle, org, account or token), so the cells do not depend on one another."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from api.console import ballot_sheet
from api.documents import DOCX, XLSX
from api.main import create_app
from application.access.reviewers import masked_id
from application.app import LianpingApp, Request
from application.usecases import (
    ballots,
    cycles,
    directory,
    participants,
    passwords,
    rectification,
    screen,
    supervision,
)
from domain import ids
from domain.scheme import DEFAULT_SCHEME
from projections.runtime import start_projections_in_background
from tests.api.helpers import BASE, REPORT
from tests.application.world import ADMIN, World
from tests.conftest import fresh_app
from tests.credentials_support import cheap_hashing
from tests.projections.conftest import FAST

# -- principals ------------------------------------------------------------------------------

G = "admin"  # the global admin (lianping admin bootstrap)
AC = "admin-city"  # admin @ city
AO = "admin-cb"  # admin @ another county
OC = "organizer"  # organizer @ city: the cycles' organizer
OO = "organizer-c2"  # organizer @ another city
IC = "inspector"  # inspector @ city: the organizer org
ICO = "insp-ca"  # inspector @ county-a: the participant
IO = "insp-c2"  # inspector @ another city
SP = "sec-county-a"  # the participant's secretary
SO = "sec-county-b"  # another participant's secretary
PM = "reviewer-1"  # a panel member
PC = "rev-ca"  # a panel member whose own org is the participant
NG = "nobody"  # an account without grants
PRINCIPALS = (G, AC, AO, OC, OO, IC, ICO, IO, SP, SO, PM, PC, NG)

NAMED, MASKED, EMPTY = "named", "masked", "empty"
Expect = int | tuple[int, str] | str
PANEL = ("reviewer-1", "reviewer-2", "reviewer-3", PC)
RATED_BY = ("reviewer-2", "reviewer-3")


def due(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# -- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # formatted with the world's facts and {who}
    expect: dict[str, Expect]
    others: Expect
    body: Callable[[str], Any] | None = None
    reviewers: Callable[[Any], list[str]] | None = None  # where NAMED/MASKED look
    #: MASKED: no rater's account id anywhere in the body (off where the body also lists
    #: accounts, e.g. the feed's Account events)
    no_account_ids: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    #: a raw file body instead of JSON: who → (bytes, media type)
    content: Callable[[str], tuple[bytes, str]] | None = None
    #: what an allowed answer holds (lists: only what lies in the caller's scope; documents:
    #: their media type), given the world's facts
    check: Callable[[str, Any, dict[str, Any]], None] | None = None  # (who, response, facts)

    def expected(self, who: str) -> Expect:
        return self.expect.get(who, self.others)


ADMINS = {G: 201, AC: 201, AO: (403, "outside_scope")}
ADMINS_200 = {G: 200, AC: 200, AO: (403, "outside_scope")}
NOT_ADMIN = (403, "admin_required")
NOT_ORGANIZER = (403, "organizer_required")
NOT_SECRETARY = (403, "secretary_required")
CHAIN_READERS = {G: 200, AC: 200, AO: 200, IC: 200, ICO: 200, IO: 200}
NOT_CHAIN_READER = (403, "inspector_or_admin_required")
EVERYONE_200: dict[str, Expect] = dict.fromkeys(PRINCIPALS, 200)
BALLOT_COUNTERS: dict[str, Expect] = {G: 200, OC: 200, IC: 200}
P = "/cycles/{cycle}/participants/county-a"


def _rating_rows(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for event in events:
        if event["aggregate_type"] == "Rating":
            found.append(event["actor"])
            if "reviewer" in event["data"]:
                found.append(event["data"]["reviewer"])
    return found


def _jsonl(text: str) -> list[str]:
    return _rating_rows([json.loads(line) for line in text.splitlines() if line])


# -- Round 2: what the lists and documents hold ------------------------------------------------

#: the world's cycles with the three counties and the panel (``copy`` has neither yet)
STAFFED = ("prep", "adv", "rev", "fin", "rep", "ret", "fb", "plan", "appr", "pret", "items", "rm",
           "bal")
CYCLE_READERS = {OC: (*STAFFED, "copy", "reh"), IC: (*STAFFED, "copy", "reh"), ICO: STAFFED,
                 SP: STAFFED,
                 SO: STAFFED, PM: STAFFED, PC: STAFFED}
ROLES_IN_REV = {OC: ["organizer"], IC: ["inspector"], ICO: ["inspector"], SP: ["secretary"],
                SO: ["secretary"], PM: ["panel"], PC: ["panel"]}
CITY_TREE = ("city", "county-a", "county-b", "county-c", "county-d")
WORLD_ORGS = ("prov", "city2") + CITY_TREE
ORG_READERS = {G: WORLD_ORGS, AC: CITY_TREE, AO: ("county-b",), OC: CITY_TREE, OO: ("city2",),
               IC: CITY_TREE, ICO: ("county-a",), IO: ("city2",), SP: ("county-a",),
               SO: ("county-b",)}
#: accounts one admin must (True) or must not (False) see
ACCOUNTS_SEEN = {
    G: {G: True, OO: True, SP: True, AO: True},
    AC: {SP: True, SO: True, OC: True, AO: True, "target": True, G: False, OO: False, IO: False},
    AO: {SO: True, AO: True, SP: False, OC: False, G: False},
}
PASSWORD = "旧密码-0123456789"


def _cycles(who: str, response: Any, facts: dict[str, Any]) -> None:
    body = response.json()
    # ``new-*`` come from POST /cycles; ``copy`` gains the panel and participants in another cell
    shown = {c["cycle_id"]: c for c in body["cycles"] if not c["cycle_id"].startswith("new-")}
    if who not in (OC, IC):
        shown.pop("copy", None)
    assert sorted(shown) == sorted(CYCLE_READERS.get(who, ())), sorted(shown)
    assert [c for c in shown if shown[c]["rehearsal"]] == (["reh"] if "reh" in shown else [])
    if "rev" in shown:
        assert shown["rev"]["my_roles"] == ROLES_IN_REV[who]
        assert shown["rev"]["participants"] == 3


def _dashboard(who: str, response: Any, facts: dict[str, Any]) -> None:
    body = response.json()
    rows = {row["org_code"]: row for row in body["participants"]}
    if who in (PM, PC):  # the panel: each participant's report state, nothing more
        assert sorted(rows) == ["county-a", "county-b", "county-c"]
        assert all(set(row) == {"org_code", "org_name", "report"} for row in rows.values())
    else:  # in full, for what the caller may read: a participant's inspector or secretary, its row
        mine = {ICO: ["county-a"], SP: ["county-a"], SO: ["county-b"]}
        assert sorted(rows) == mine.get(who, ["county-a", "county-b", "county-c"])
        ratings = rows[mine.get(who, ["county-a"])[0]]["ratings"]
        # N: the panel less rev-ca (its own org is county-a); reviewer-1 rates in another cell
        assert ratings["expected"] == (4 if who == SO else 3)
        assert ratings["recorded"] >= 2


def _organizations(who: str, response: Any, facts: dict[str, Any]) -> None:
    body = response.json()
    shown = [o["code"] for o in body["organizations"] if o["code"] in WORLD_ORGS]
    assert sorted(shown) == sorted(ORG_READERS.get(who, ())), shown
    if who not in ORG_READERS:
        assert body["organizations"] == []


def _accounts(who: str, response: Any, facts: dict[str, Any]) -> None:
    body = response.json()
    shown = {a["account_id"] for a in body["accounts"]}
    for account, seen in ACCOUNTS_SEEN[who].items():
        assert (account in shown) == seen, (account, sorted(shown))
    assert all("password" not in key or key == "has_password"
               for a in body["accounts"] for key in a)


def _children_of_city(who: str, response: Any, facts: dict[str, Any]) -> None:
    """A filter narrows, never widens nor refuses: the children of city the caller may read."""
    body = response.json()
    shown = sorted(o["code"] for o in body["organizations"] if o["code"] in WORLD_ORGS)
    reach = ORG_READERS.get(who, ())
    assert shown == sorted(c for c in CITY_TREE if c != "city" and c in reach), shown


def _city_accounts(who: str, response: Any, facts: dict[str, Any]) -> None:
    shown = {a["account_id"] for a in response.json()["accounts"]}
    assert ({OC, IC, NG} <= shown) if who in (G, AC) else shown == set(), sorted(shown)
    assert all(a["org_code"] == "city" for a in response.json()["accounts"])


def _copied(who: str, response: Any, facts: dict[str, Any]) -> None:
    body = response.json()
    assert body["previous_cycle_id"] == "prep"
    assert set(body["added"]["participants"]) >= {"county-a", "county-b", "county-c"}
    assert set(body["added"]["panel"]) >= set(PANEL)
    assert body["left_out"] == []


def _tasks(who: str, response: Any, facts: dict[str, Any]) -> None:
    body = response.json()
    tasks = body["tasks"]
    if who in (SP, SO):
        assert tasks and {t["org_code"] for t in tasks} == {f"county-{who[-1]}"}
    elif who in (PM, PC):
        assert tasks and {t["kind"] for t in tasks} == {"rate"}
        if who == PC:  # never asked to rate its own org
            assert "county-a" not in {t["org_code"] for t in tasks}
    elif who == OC:
        assert tasks and all(t["path"].startswith(f"{BASE}/cycles/") for t in tasks)
        assert {t["kind"] for t in tasks} <= {"score", "give_feedback", "approve_plan",
                                              "verify_item", "hold_talk"}
    elif who in (G, AC, AO, OO, IO, NG):
        assert tasks == []


def _document_text(content: bytes) -> str:
    """Every XML part of an XLSX or DOCX, as text (cells and paragraphs appear in it)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                       if name.endswith(".xml"))


def _no_reviewer_ids(text: str) -> None:
    assert not any(account in text for account in RATED_BY)


Check = Callable[[str, Any, dict[str, Any]], None]


def _document(media: str, masked: tuple[str, ...] = ()) -> Check:
    def check(who: str, response: Any, facts: dict[str, Any]) -> None:
        assert response.headers["content-type"] == media
        assert "attachment" in response.headers["content-disposition"]
        text = _document_text(response.content)
        if who in masked:
            _no_reviewer_ids(text)
            assert facts["rating"] not in text
    return check


def _xlsx(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    from api.console import labels

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    keys = dict(zip(labels.AUDIT_COLUMNS.values(), labels.AUDIT_COLUMNS, strict=True))
    header = [keys[title] for title in rows[0]]
    events = [dict(zip(header, row, strict=False)) for row in rows[1:]]  # trailing blanks: cut
    return _rating_rows([{**e, "data": json.loads(e["data"] or "{}")} for e in events])


def _csv_body(header: str, row: Callable[[str], str]) -> Callable[[str], tuple[bytes, str]]:
    return lambda who: (f"\ufeff{header}\n{row(who)}\n".encode(), "text/csv")


PASSWORD_ADMINS: dict[str, Expect] = {G: 200, AC: 200, AO: (403, "outside_scope")}
IMPORTERS: dict[str, Expect] = {G: 201, AC: 201, AO: (422, "import_rejected")}


#: the ballot cycle's scheme: DEFAULT_SCHEME with ballot categories (DOMAIN.md's worked example)
BALLOT_CATEGORIES = [
    {"code": "committee", "name": "市委委员", "weight": "0.5"},
    {"code": "department", "name": "部门负责人", "weight": "0.3"},
    {"code": "delegate", "name": "党代表和群众代表", "weight": "0.2"},
]


def _screen(who: str, response: Any, facts: dict[str, Any]) -> None:
    """Counts only: the categories' returns and the panel's progress, never a rater's name."""
    body = response.json()
    assert [c["code"] for c in body["categories"]] == ["committee", "department", "delegate"]
    assert body["panel"]["expected"] > 0
    assert not any(f'"{account}"' in response.text for account in PANEL)


def _paper_ballots(who: str) -> tuple[bytes, str]:
    """The entry sheet of ``bal``, one slip rating county-a 好."""
    blank = ballot_sheet.template("2044年度述职评议", [
        ("county-a", "甲县"), ("county-b", "乙县"), ("county-c", "丙县")], slips=2)
    book = load_workbook(io.BytesIO(blank))
    book[ballot_sheet.SHEET_TITLE][f"B{ballot_sheet.FIRST_ROW}"] = "好"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), ballot_sheet.XLSX_MEDIA_TYPE


def _batches(who: str, response: Any, facts: dict[str, Any]) -> None:
    rows = {b["batch_id"]: b for b in response.json()["batches"]}
    assert {facts["sheet_batch"], facts["void_batch"]} <= set(rows)
    assert rows[facts["sheet_batch"]]["issued"] == 1


def _slips(who: str, response: Any, facts: dict[str, Any]) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert "/b/" in response.text


def _cast(who: str, response: Any, facts: dict[str, Any]) -> None:
    assert response.json() == {"accepted": 1}


TABLE: list[Route] = [
    # -- Directory ---------------------------------------------------------------------------
    Route("POST", "/organizations", ADMINS, NOT_ADMIN, lambda who: {
        "code": f"t-{who}", "name": "某乡镇", "level": "township", "parent_code": "county-a"}),
    Route("GET", "/organizations/county-a", EVERYONE_200, 200),
    Route("POST", "/organizations/county-a/secretary", ADMINS_200, NOT_ADMIN, lambda who: {
        "name": "甲县书记", "account_id": SP, "since": "2020-01-01"}),
    Route("POST", "/accounts", ADMINS, NOT_ADMIN, lambda who: {
        "account_id": f"acc-{who}", "name": "某人", "org_code": "county-a"}),
    Route("POST", "/accounts/target/grants", ADMINS_200, NOT_ADMIN, lambda who: {
        "role": "organizer" if who == AC else "inspector", "org_code": "county-a"}),
    Route("POST", "/accounts/target/revocations", ADMINS_200, NOT_ADMIN, lambda who: {
        "role": "organizer" if who == AC else "inspector", "org_code": "county-a"}),
    Route("POST", "/accounts/target/tokens", ADMINS, NOT_ADMIN, lambda who: {}),
    Route("POST", "/accounts/target/tokens/{token_of_who}/revocation", ADMINS_200, NOT_ADMIN,
          lambda who: {"reason": "测试"}),
    Route("GET", "/me", EVERYONE_200, 200),
    # -- Cycles ------------------------------------------------------------------------------
    Route("POST", "/cycles", {OC: 201}, NOT_ORGANIZER, lambda who: {
        "cycle_id": f"new-{who}", "organizer_org": "city", "level": "county", "year": 2060,
        "title": "新周期"}),
    Route("GET", "/cycles/rev", {OC: NAMED, IC: NAMED, ICO: MASKED, SP: MASKED, SO: MASKED,
                                 PM: MASKED, PC: MASKED}, (403, "forbidden"),
          reviewers=lambda body: body["panel"]),
    Route("POST", "/cycles/prep/scheme", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"scheme": DEFAULT_SCHEME.to_dict()}),
    Route("POST", "/cycles/prep/participants", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"org_code": "county-d"}),
    Route("POST", "/cycles/prep/panel", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"account_id": "target"}),
    Route("POST", "/cycles/prep/conflicts", {OC: 200, PM: 200, PC: 200}, NOT_ORGANIZER,
          lambda who: {"account_id": who if who in PANEL else "reviewer-2",
                       "org_code": "county-c", "reason": "近亲属任职"}),
    Route("POST", "/cycles/adv/advance", {OC: 200}, NOT_ORGANIZER, lambda who: {"to": "reporting"}),
    Route("POST", "/cycles/rev/vetoes", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"org_code": "county-c", "reason": "发生重大问题"}),
    Route("POST", "/cycles/fin/finalize", {OC: 200}, NOT_ORGANIZER, lambda who: {}),
    Route("POST", "/cycles/reh/end-rehearsal", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"reason": "演练完毕"}),
    # -- One participant ---------------------------------------------------------------------
    Route("GET", P.format(cycle="rev"), {OC: NAMED, IC: NAMED, ICO: MASKED, SP: MASKED},
          (403, "forbidden"), reviewers=lambda body: [r["reviewer"] for r in body["ratings"]]),
    Route("POST", P.format(cycle="rep") + "/report", {SP: 201}, NOT_SECRETARY,
          lambda who: REPORT),
    Route("GET", P.format(cycle="rev") + "/report",
          {OC: 200, IC: 200, ICO: 200, SP: 200, PM: 200, PC: 200}, (403, "forbidden")),
    Route("POST", P.format(cycle="ret") + "/report/return", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"reason": "内容不全"}),
    Route("POST", P.format(cycle="rev") + "/reviews", {PM: 201, PC: (403, "conflict_of_interest")},
          (403, "not_panel_member"), lambda who: {"rating": "好"}),
    Route("POST", P.format(cycle="rev") + "/scores", {OC: 201}, NOT_ORGANIZER,
          lambda who: {"indicator": "responsibility", "points": 18}),
    Route("POST", P.format(cycle="fb") + "/feedback", {OC: 201}, NOT_ORGANIZER,
          lambda who: {"text": "书面反馈", "problems": [{"code": "P1", "description": "问题"}]}),
    Route("POST", P.format(cycle="plan") + "/rectification/plan", {SP: 201}, NOT_SECRETARY,
          lambda who: {"items": [{"item_id": "I1", "problem_code": "P1", "measure": "措施",
                                  "owner": "责任人", "due_date": due(30)}]}),
    Route("POST", P.format(cycle="appr") + "/rectification/plan/approve", {OC: 200},
          NOT_ORGANIZER, lambda who: {}),
    Route("POST", P.format(cycle="pret") + "/rectification/plan/return", {OC: 200},
          NOT_ORGANIZER, lambda who: {"reason": "措施不具体"}),
    Route("POST", P.format(cycle="items") + "/rectification/items/I1/progress", {SP: 200},
          NOT_SECRETARY, lambda who: {"note": "推进中", "percent": 50}),
    Route("POST", P.format(cycle="items") + "/rectification/items/I2/completion", {SP: 200},
          NOT_SECRETARY, lambda who: {"evidence": "整改材料"}),
    Route("POST", P.format(cycle="items") + "/rectification/items/I3/verification", {OC: 200},
          NOT_ORGANIZER, lambda who: {"accepted": True, "note": "销号"}),
    Route("POST", P.format(cycle="items") + "/rectification/items/I4/extension", {OC: 200},
          NOT_ORGANIZER, lambda who: {"due_date": due(90), "reason": "客观原因"}),
    # -- Read models -------------------------------------------------------------------------
    Route("GET", "/cycles/rev/standings", {OC: 200, IC: 200}, (403, "organizer_or_inspector")),
    Route("GET", "/cycles/items/rectification", {OC: 200, IC: 200},
          (403, "organizer_or_inspector")),
    Route("GET", "/organizations/county-a/record",
          {G: 200, AC: 200, OC: 200, IC: 200, ICO: 200, SP: 200}, (403, "record_forbidden")),
    Route("GET", "/audit/events?cycle_id=rev&limit=1000",
          {G: NAMED, AC: MASKED, AO: MASKED, OC: NAMED, OO: EMPTY, IC: NAMED, ICO: MASKED,
           IO: EMPTY}, (403, "auditor_required"),
          reviewers=lambda body: _rating_rows(body["events"])),
    Route("GET", "/audit/flags?cycle_id=rev",
          {G: NAMED, AC: MASKED, AO: MASKED, OC: NAMED, OO: EMPTY, IC: NAMED, ICO: MASKED,
           IO: EMPTY}, (403, "organizer_or_inspector"),
          reviewers=lambda body: [f["actor"] for f in body["flags"] if f["kind"] == "amendment"]),
    Route("GET", "/audit/checkpoints", CHAIN_READERS, NOT_CHAIN_READER),
    Route("POST", "/audit/notes", {IC: 201, ICO: 201, IO: (403, "outside_scope")},
          (403, "inspector_required"),
          lambda who: {"subject_position": "{report_position}", "note": "核查"}),
    Route("GET", "/audit/aggregates/{rating}", {G: NAMED, OC: NAMED, IC: NAMED},
          (404, "unknown_aggregate"),
          reviewers=lambda body: _rating_rows(
              [{**e, "aggregate_type": "Rating"} for e in body["events"]])
          + [body["state"]["reviewer"]]),
    Route("GET", "/audit/aggregates/{masked_rating}",
          {G: (404, "unknown_aggregate"), OC: (404, "unknown_aggregate"),
           IC: (404, "unknown_aggregate"), AC: MASKED, ICO: MASKED},
          (403, "history_forbidden"),
          reviewers=lambda body: _rating_rows(
              [{**e, "aggregate_type": "Rating"} for e in body["events"]])
          + [body["state"]["reviewer"]]),
    Route("GET", "/audit/checkpoint", CHAIN_READERS, NOT_CHAIN_READER),
    Route("POST", "/audit/verify", CHAIN_READERS, NOT_CHAIN_READER, lambda who: {}),
    Route("GET", "/audit/export?format=jsonl&cycle_id=rev",
          {G: NAMED, AC: MASKED, AO: MASKED, OC: NAMED, OO: EMPTY, IC: NAMED, ICO: MASKED,
           IO: EMPTY}, (403, "auditor_required"), reviewers=_jsonl),
    Route("GET", "/audit/export?format=csv&cycle_id=rev",
          {G: NAMED, AC: MASKED, AO: MASKED, OC: NAMED, OO: EMPTY, IC: NAMED, ICO: MASKED,
           IO: EMPTY}, (403, "auditor_required"), reviewers=lambda text: _csv_reviewers(text)),
    Route("GET", "/events?limit=1000",
          {G: NAMED, AC: MASKED, AO: MASKED, IC: NAMED, ICO: MASKED, IO: EMPTY},
          (403, "inspector_required"), reviewers=lambda body: _rating_rows(body["events"]),
          no_account_ids=False),
    Route("GET", "/audit/public-key", EVERYONE_200, 200),
    # -- Supervision (约谈, 督办, coverage, a person's record) ----------------------------------
    Route("POST", P.format(cycle="fb") + "/talks", {OC: 201, IC: 201},
          (403, "talk_holder_required"), lambda who: {
              "scheduled_for": due(7), "with_name": "甲县书记", "reason": "等次为差"}),
    Route("POST", P.format(cycle="fb") + "/talks/{talk_of_who}/record", {OC: 200, IC: 200},
          (403, "talk_holder_required"), lambda who: {
              "held_on": due(0), "held_by": "市委书记", "notes": "谈话记录"}),
    Route("POST", P.format(cycle="plan") + "/feedback/amendment", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"text": "修订后的反馈", "reason": "文字更正"}),
    Route("POST", "/supervision/orders", {IC: 201, ICO: 201, IO: (403, "outside_scope")},
          (403, "inspector_required"), lambda who: {
              "org_code": "county-a", "subject": "督办", "requirement": "按期整改",
              "due_date": due(10)}),
    Route("POST", "/supervision/orders/{order_open}/response", {SP: 200}, NOT_SECRETARY,
          lambda who: {"text": "已整改"}),
    Route("POST", "/supervision/orders/{order_answered}/closure", {IC: 200},
          (403, "inspector_required"), lambda who: {"accepted": True, "note": "同意"}),
    Route("GET", "/supervision/orders", EVERYONE_200, 200),
    Route("GET", "/organizations/county-a/coverage?year=2032",
          {G: 200, AC: 200, OC: 200, IC: 200, ICO: 200}, (403, "outside_scope")),
    Route("GET", "/people/sec-county-a/record",
          {G: 200, AC: 200, AO: 200, IC: 200, ICO: 200, IO: 200, SP: 200},
          (403, "record_forbidden")),
    Route("GET", "/audit/flags?org_code=county-a",
          {G: NAMED, AC: MASKED, OC: NAMED, IC: NAMED, ICO: MASKED}, (403, "outside_scope"),
          reviewers=lambda body: [f["actor"] for f in body["flags"] if f["kind"] == "amendment"]),
    Route("GET", "/audit/export?format=xlsx&cycle_id=rev",
          {G: NAMED, AC: MASKED, AO: MASKED, OC: NAMED, OO: EMPTY, IC: NAMED, ICO: MASKED,
           IO: EMPTY}, (403, "auditor_required"), reviewers=_xlsx),
    # -- Finding things (Round 2): lists leave out what lies outside scope, never 403 ----------
    Route("GET", "/cycles", EVERYONE_200, 200, check=_cycles),
    Route("GET", "/cycles/rev/participants",
          {OC: 200, IC: 200, ICO: 200, SP: 200, SO: 200, PM: 200, PC: 200},
          (403, "forbidden"), check=_dashboard),
    Route("GET", "/organizations", EVERYONE_200, 200, check=_organizations),
    Route("GET", "/organizations?parent_code=city", EVERYONE_200, 200, check=_children_of_city),
    Route("GET", "/accounts", {G: 200, AC: 200, AO: 200}, NOT_ADMIN, check=_accounts),
    Route("GET", "/accounts?org_code=city", {G: 200, AC: 200, AO: 200}, NOT_ADMIN,
          check=_city_accounts),
    Route("GET", "/me/tasks", EVERYONE_200, 200, check=_tasks),
    # -- Passwords and sessions --------------------------------------------------------------
    Route("POST", "/accounts/target/password", PASSWORD_ADMINS, NOT_ADMIN,
          lambda who: {"password": f"新密码-{who}-0123456789"}),
    Route("POST", "/me/password", EVERYONE_200, 200, lambda who: {
        "current_password": PASSWORD, "new_password": f"{PASSWORD}-{who}"}),
    Route("POST", "/accounts/target/sessions/revocation", PASSWORD_ADMINS, NOT_ADMIN,
          lambda who: {"reason": "账号交接"}),
    # -- Reminders (红黄灯): contact details outside the log, a cycle's outbox ---------------
    Route("GET", "/accounts/target/contact", PASSWORD_ADMINS, NOT_ADMIN),
    Route("POST", "/accounts/target/contact", PASSWORD_ADMINS, NOT_ADMIN,
          lambda who: {"email": f"{who}@example.cn", "mobile": "13800000000"}),
    Route("GET", "/cycles/items/reminders", {OC: 200, IC: 200}, (403, "organizer_or_inspector")),
    # -- Setting up and correcting a cycle ---------------------------------------------------
    Route("POST", "/cycles/rm/participants/county-c/removal", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"reason": "机构调整"}),
    Route("POST", "/cycles/rm/panel/reviewer-3/removal", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"reason": "工作调动"}),
    Route("POST", "/cycles/copy/copy-from-previous", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"participants": True, "panel": True}, check=_copied),
    Route("POST", "/cycles/prep/deadlines", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"report_due": due(60)}),
    # -- Documents: the JSON twin's rules, the media type, pseudonyms in the bytes ----------
    Route("GET", "/cycles/rev/standings.xlsx", {OC: 200, IC: 200},
          (403, "organizer_or_inspector"), check=_document(XLSX)),
    Route("GET", "/cycles/items/rectification.xlsx", {OC: 200, IC: 200},
          (403, "organizer_or_inspector"), check=_document(XLSX)),
    Route("GET", P.format(cycle="plan") + "/feedback.docx", {OC: 200, IC: 200, ICO: 200, SP: 200},
          (403, "forbidden"), check=_document(DOCX, masked=(ICO, SP))),
    Route("GET", "/cycles/fb/bulletin.docx", {OC: 200, IC: 200}, (403, "organizer_or_inspector"),
          check=_document(DOCX)),
    # -- Bulk imports (admin within scope; a row outside it is a refused cell) ---------------
    Route("POST", "/organizations/import", IMPORTERS, NOT_ADMIN, content=_csv_body(
        "code,name,level,parent_code", lambda who: f"imp-{who},某乡镇,township,county-a"),
        extra={"refused_cell": "outside_scope"}),
    Route("POST", "/accounts/import", IMPORTERS, NOT_ADMIN, content=_csv_body(
        "account_id,name,org_code,roles", lambda who: f"imp-{who},某人,county-a,"),
        extra={"refused_cell": "outside_scope"}),
    # -- Ballots (cycle ``bal``, reviewing, with ballot categories) ----------------------------
    Route("POST", "/cycles/bal/ballots", {OC: 201}, NOT_ORGANIZER,
          lambda who: {"category": "department", "count": 2}),
    Route("GET", "/cycles/bal/ballots", BALLOT_COUNTERS, (403, "organizer_or_inspector"),
          check=_batches),
    Route("POST", "/cycles/bal/ballots/{sheet_batch}/sheet", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"codes": ["{sheet_code}"]}, check=_slips),
    Route("POST", "/cycles/bal/ballots/{void_batch}/void", {OC: 200}, NOT_ORGANIZER,
          lambda who: {"reason": "发放有误"}),
    Route("GET", "/cycles/bal/ballots/template.xlsx", {OC: 200}, NOT_ORGANIZER,
          check=_document(XLSX)),
    Route("POST", "/cycles/bal/ballots/import?category=delegate", {OC: 201}, NOT_ORGANIZER,
          content=_paper_ballots),
    # no bearer token: the code is the credential, the caller's token is ignored
    Route("POST", "/ballots/{code_of_who}", {}, 201,
          lambda who: {"ratings": {"county-a": "good"}}, check=_cast),
    Route("POST", "/ballots/BADCODE0000000000", {}, (404, "ballot_not_found"),
          lambda who: {"ratings": {"county-a": "good"}}),
    # -- The 大屏 hall screen (cycle ``bal``) ------------------------------------------------
    Route("GET", "/cycles/bal/screen", BALLOT_COUNTERS, (403, "organizer_or_inspector"),
          check=_screen),
    # a live screen link's key is the credential: the caller's token is ignored
    Route("GET", "/cycles/bal/screen?k={screen_key}", {}, 200, check=_screen),
    Route("POST", "/cycles/bal/tally-reveal", {OC: 200}, NOT_ORGANIZER),
    Route("POST", "/cycles/bal/screen-links", {OC: 201}, NOT_ORGANIZER),
    Route("POST", "/cycles/bal/screen-links/{screen_link}/revocation", {OC: 200}, NOT_ORGANIZER),
]


def _csv_reviewers(text: str) -> list[str]:
    import csv
    import io

    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return _rating_rows([{**r, "data": json.loads(r["data"])} for r in rows])


CELLS = [(route, who) for route in TABLE for who in PRINCIPALS]


def _cell_id(cell: tuple[Route, str]) -> str:
    route, who = cell
    return f"{route.method} {route.path} as {who}"


# -- the world -------------------------------------------------------------------------------


@dataclass
class Matrix:
    app: LianpingApp
    client: TestClient
    tokens: dict[str, str]
    facts: dict[str, Any]

    def call(self, route: Route, who: str) -> Any:
        path = route.path.format(who=who, token_of_who=self.facts["tokens"].get(who, "x"),
                                 talk_of_who=self.facts["talks"].get(who, "x"),
                                 code_of_who=self.facts["ballot_codes"].get(who, "x"),
                                 **self.facts)
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if route.method == "GET":
            head = self.app.recorder.max_notification_id() or 0
            return self.client.get(BASE + path, headers={**headers, "X-Min-Position": str(head)})
        if route.content is not None:
            content, media = route.content(who)
            return self.client.post(BASE + path, content=content,
                                    headers={**headers, "Content-Type": media})
        body = route.body(who) if route.body else {}
        body = json.loads(json.dumps(body).replace(
            '"{report_position}"', str(self.facts["report_position"])).replace(
            "{sheet_code}", self.facts["sheet_code"]))
        return self.client.post(BASE + path, json=body, headers=headers)


def _build(app: LianpingApp) -> tuple[dict[str, str], dict[str, Any]]:
    tokens = {G: directory.bootstrap_admin(app, G, "管理员")}
    world = World(app)
    run = world.run
    run(ADMIN, directory.register_org, "county-d", "丁县", "county", "city")
    run(ADMIN, directory.register_org, "city2", "另一市", "city", "prov")
    world.person(AC, "市管理员", "city", ("admin", "city"))
    world.person(AO, "县管理员", "county-b", ("admin", "county-b"))
    world.person(OO, "另一市组织部", "city2", ("organizer", "city2"))
    world.person(ICO, "县纪委", "county-a", ("inspector", "county-a"))
    world.person(IO, "另一市纪委", "city2", ("inspector", "city2"))
    world.person(PC, "甲县评议人", "county-a")
    world.person(NG, "无角色", "city")
    world.person("target", "被授权人", "county-a")
    for who in PRINCIPALS[1:]:
        tokens[who] = run(ADMIN, directory.issue_token, who, None).body["token"]
    token_ids = {who: run(ADMIN, directory.issue_token, "target", None).body["token_id"]
                 for who in (G, AC, AO)}

    def cycle(cycle_id: str, year: int, panel: tuple[str, ...] = PANEL) -> None:
        world.cycle(cycle_id, year, panel=panel)

    def reviewing(cycle_id: str, year: int) -> None:
        cycle(cycle_id, year)
        world.reviewing(cycle_id)

    def rectifying(cycle_id: str, year: int, plan: str | None = None, items: int = 1) -> None:
        reviewing(cycle_id, year)
        run(OC, cycles.finalize, cycle_id)
        world.advance(cycle_id, "rectifying")
        problems = [{"code": f"P{n}", "description": f"问题{n}"} for n in range(1, items + 1)]
        run(OC, participants.issue_feedback, cycle_id, "county-a", "反馈", problems)
        if plan is None:
            return
        run(SP, rectification.submit_plan, cycle_id, "county-a", [
            {"item_id": f"I{n}", "problem_code": f"P{n}", "measure": "措施", "owner": "责任人",
             "due_date": due(30)} for n in range(1, items + 1)])
        if plan == "approved":
            run(OC, rectification.approve_plan, cycle_id, "county-a")

    cycle("prep", 2030)
    cycle("adv", 2031)
    reviewing("rev", 2032)
    report_position = app.recorder.positions_of(
        ids.report_id("rev", "county-a"))[1][0]
    for org in ("county-a", "county-b"):
        for reviewer in RATED_BY:
            run(reviewer, participants.rate, "rev", org, "fairly_good", "评语", None)
        run("reviewer-2", participants.rate, "rev", org, "good", "改评", "重新审阅")
    run(OC, participants.score, "rev", "county-b", "responsibility", Decimal(15), None, None)
    reviewing("fin", 2033)
    cycle("rep", 2034)
    world.advance("rep", "reporting")
    cycle("ret", 2035)
    world.advance("ret", "reporting")
    world.report("ret", "county-a")
    reviewing("fb", 2036)
    run(OC, cycles.finalize, "fb")
    rectifying("plan", 2037)
    rectifying("appr", 2038, plan="submitted")
    rectifying("pret", 2039, plan="submitted")
    rectifying("items", 2040, plan="approved", items=4)
    run(SP, rectification.claim_completion, "items", "county-a", "I3", "材料")
    cycle("rm", 2042)
    run(OC, cycles.create_cycle, "city", "county", 2043, "2043年度述职评议", cycle_id="copy",
        previous_cycle_id="prep")
    run(OC, cycles.create_cycle, "city", "county", 2045, "2045年度模拟测评", cycle_id="reh",
        rehearsal=True)
    run(OC, cycles.create_cycle, "city", "county", 2044, "2044年度述职评议", cycle_id="bal",
        scheme={**DEFAULT_SCHEME.to_dict(), "ballot_categories": BALLOT_CATEGORIES})
    for org in ("county-a", "county-b", "county-c"):
        run(OC, cycles.add_participant, "bal", org)
    for member in PANEL:
        run(OC, cycles.add_panel_member, "bal", member, "committee")
    world.reviewing("bal")
    sheet = run(OC, ballots.issue_ballots, "bal", "department", 1).body
    voided = run(OC, ballots.issue_ballots, "bal", "department", 1).body
    cast = run(OC, ballots.issue_ballots, "bal", "department", len(PRINCIPALS)).body
    screen_key = run(OC, screen.create_link, "bal").body["key"]
    screen_link = run(OC, screen.create_link, "bal").body["link_id"]
    for who in PRINCIPALS:  # for POST /me/password
        passwords.set_password(app, Request(ADMIN), who, PASSWORD, must_change=False)
    rating = ids.rating_id("rev", "county-a", "reviewer-2")
    talks = {who: run(who, supervision.schedule_talk, "fb", "county-a", due(3), "甲县书记",
                      "等次为差").body["talk_id"] for who in (OC, IC)}
    orders = [run(IC, supervision.issue_order, "county-a", None, "督办", "按期整改",
                  due(10)).body["order_id"] for _ in range(2)]
    run(SP, supervision.respond_to_order, orders[1], "已整改")
    facts = {
        "talks": talks,
        "order_open": orders[0],
        "order_answered": orders[1],
        "tokens": token_ids,
        "report_position": report_position,
        "rating": str(rating),
        "masked_rating": masked_id(app, rating),
        "sheet_batch": sheet["batch_id"],
        "sheet_code": sheet["codes"][0],
        "void_batch": voided["batch_id"],
        "ballot_codes": dict(zip(PRINCIPALS, cast["codes"], strict=True)),
        "screen_key": screen_key,
        "screen_link": screen_link,
    }
    return tokens, facts


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def matrix(request: pytest.FixtureRequest) -> Iterator[Matrix]:
    with (
        cheap_hashing(),
        fresh_app(request.param) as app,
        TestClient(create_app(application=app)) as client,
    ):
        runners = start_projections_in_background(app, config=FAST)
        try:
            tokens, facts = _build(app)
            yield Matrix(app, client, tokens, facts)
        finally:
            runners.stop()


def _body(response: Any) -> Any:
    if response.headers["content-type"].startswith(("text/csv", "application/x-ndjson")):
        return response.text
    if response.headers["content-type"] in (XLSX, DOCX):
        return response.content
    return response.json()


@pytest.mark.parametrize("cell", CELLS, ids=[_cell_id(c) for c in CELLS])
def test_authorization_matrix(matrix: Matrix, cell: tuple[Route, str]) -> None:
    route, who = cell
    expected = route.expected(who)
    before = matrix.app.recorder.max_notification_id()

    response = matrix.call(route, who)

    if isinstance(expected, tuple):
        status, code = expected
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), \
            response.text
        assert matrix.app.recorder.max_notification_id() == before, "a refusal recorded events"
        if "refused_cell" in route.extra and status == 422:
            cells = response.json()["error"]["details"]
            assert [c["error"] for c in cells] == [route.extra["refused_cell"]], cells
        return
    if isinstance(expected, int):
        assert response.status_code == expected, response.text
        if route.check is not None:
            route.check(who, response, matrix.facts)
        return
    assert response.status_code == 200, response.text
    assert route.reviewers is not None
    shown = route.reviewers(_body(response))
    if expected == EMPTY:
        assert shown == []
    elif expected == NAMED:
        assert shown and set(shown) <= set(PANEL), shown
    else:
        assert shown and all(name.startswith("评议人") for name in shown), shown
        binary = response.headers["content-type"] in (XLSX, DOCX)
        text = _document_text(response.content) if binary else response.text
        text = text if route.no_account_ids else ""
        if binary:
            _no_reviewer_ids(text)
        assert not any(f'"{account}"' in text or f",{account}," in text for account in RATED_BY)
        assert matrix.facts["rating"] not in text


def test_the_table_covers_every_route_of_the_service(matrix: Matrix) -> None:
    """Every /api/v1 route the app serves today appears in the table (new routes must be added)."""
    paths = matrix.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    served = {
        (method.upper(), path.removeprefix(BASE))
        for path, operations in paths.items()
        if path.startswith(BASE)
        for method in operations if method in ("get", "post")
    }
    covered = {(r.method, _template(r.path)) for r in TABLE}
    assert len(served) >= 44
    assert served - covered == set()
    assert covered - served == set()


def _template(path: str) -> str:
    """The route template a table path exercises."""
    path = path.split("?")[0]
    known = {
        "/organizations/county-a": "/organizations/{code}",
        "/organizations/county-a/secretary": "/organizations/{code}/secretary",
        "/organizations/county-a/record": "/organizations/{code}/record",
        "/accounts/target/grants": "/accounts/{account_id}/grants",
        "/accounts/target/revocations": "/accounts/{account_id}/revocations",
        "/accounts/target/tokens": "/accounts/{account_id}/tokens",
        "/accounts/target/tokens/{token_of_who}/revocation":
            "/accounts/{account_id}/tokens/{token_id}/revocation",
        "/audit/aggregates/{rating}": "/audit/aggregates/{aggregate_id}",
        "/audit/aggregates/{masked_rating}": "/audit/aggregates/{aggregate_id}",
        "/organizations/county-a/coverage": "/organizations/{code}/coverage",
        "/people/sec-county-a/record": "/people/{account_id}/record",
        "/supervision/orders/{order_open}/response": "/supervision/orders/{order_id}/response",
        "/supervision/orders/{order_answered}/closure": "/supervision/orders/{order_id}/closure",
        "/accounts/target/password": "/accounts/{account_id}/password",
        "/accounts/target/sessions/revocation": "/accounts/{account_id}/sessions/revocation",
        "/accounts/target/contact": "/accounts/{account_id}/contact",
    }
    if path in known:
        return known[path]
    if path.startswith("/ballots/"):
        return "/ballots/{code}"
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "cycles":
        parts[2] = "{cycle_id}"
        if len(parts) > 4 and parts[3] == "participants":
            parts[4] = "{org_code}"
        if len(parts) > 4 and parts[3] == "panel":
            parts[4] = "{account_id}"
        if len(parts) > 7 and parts[6] == "items":
            parts[7] = "{item_id}"
        if len(parts) > 5 and parts[3] == "ballots":
            parts[4] = "{batch_id}"
        if len(parts) > 4 and parts[3] == "screen-links":
            parts[4] = "{link_id}"
        if len(parts) > 6 and parts[5] == "talks":
            parts[6] = "{talk_id}"
    return "/".join(parts)
