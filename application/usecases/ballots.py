"""民主测评 ballots (DOMAIN.md "Ballot categories and ballots"): batches of one-time codes, casting
a code (no account: the code is the credential), paper ballots entered from a sheet, voiding a
batch, and the counts.

Codes are 12 characters from an alphabet without 0/O/1/I/L, drawn with ``secrets``: 31^12 ≈ 2^59
possibilities, so a plain SHA-256 of the code is enough to store (a slow password hash protects
low-entropy secrets against a dictionary; nobody can enumerate 2^59 codes from a leaked hash, and
online guessing is rate limited at the edge). Only the hashes' uuid5 (the ``Ballot`` ids) are
kept."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from application import lookups
from application.access.cycles import sees_reviewers
from application.app import LianpingApp, Outcome, Request, of_type
from application.principal import Principal, forbid, require_organizer
from application.usecases.ballot_casts import cast_ids
from domain import ids
from domain.ballot import BALLOT_ACTOR, Ballot, BallotBook, ballot_not_found
from domain.cycle import OPEN_PHASES, Cycle
from domain.errors import NotFoundError, RuleViolationError, ValidationError
from domain.organization import Organization
from domain.report import Report
from domain.scheme import Scheme, parse_grade

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 12
MAX_BATCH = 500
#: Casting has no account: this principal stands for "whoever holds the code".
BALLOT_PRINCIPAL = Principal(account_id=BALLOT_ACTOR, name="ballot", org_code=None, grants=())


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    """What a person may type: lower case, spaces and dashes are forgiven."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def ballot_id_of(code: str) -> Any:
    digest = hashlib.sha256(normalize_code(code).encode("utf-8")).hexdigest()
    return ids.ballot_id(digest)


def _organizer_cycle(app: LianpingApp, request: Request, cycle_id: str) -> Cycle:
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    require_organizer(request.principal, cycle.organizer_org)
    return cycle


def _book(app: LianpingApp, cycle_id: str) -> BallotBook | None:
    return app.find(BallotBook, ids.ballot_book_id(cycle_id))


def issue_ballots(
    app: LianpingApp, request: Request, cycle_id: str, category: str, count: int
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    cycle.require_phase("issuing ballots", *OPEN_PHASES)
    Scheme.from_dict(cycle.scheme).require_category(category)
    if not 1 <= count <= MAX_BATCH:
        message = f"count must lie within 1..{MAX_BATCH}"
        raise ValidationError("invalid_count", message, [{"field": "count", "message": message}])
    book = _book(app, cycle_id) or BallotBook(cycle_id=cycle_id, actor=request.actor)
    batch_id = secrets.token_hex(8)
    codes = [new_code() for _ in range(count)]
    ballots = [Ballot(id=ballot_id_of(code), cycle_id=cycle_id, batch_id=batch_id,
                      actor=request.actor) for code in codes]
    book.issue(batch_id, category, [str(b.id) for b in ballots], request.actor)
    body = {"batch_id": batch_id, "category": category, "codes": codes}
    return app.commit(request, book, *ballots, item=book, body=body, created=True,
                      secret_fields=("codes",))


def _replayed_issue(app: LianpingApp, request: Request, outcome: Outcome) -> Outcome:
    # Codes are shown once: a retried issue names the batch, its codes are gone (void it).
    outcome.body.setdefault("codes", [])
    return outcome


issue_ballots.on_replay = _replayed_issue  # type: ignore[attr-defined]


def _check_ratings(
    app: LianpingApp, cycle: Cycle, ratings: Mapping[str, str | None]
) -> dict[str, str]:
    """The ballot's ratings without blanks (abstentions), or the refusal of the whole ballot."""
    clean: dict[str, str] = {}
    for org_code, value in ratings.items():
        if org_code not in cycle.participants:
            message = f"{org_code!r} is not a participant of this cycle"
            raise ValidationError("unknown_participant", message,
                                  [{"field": f"ratings.{org_code}", "message": message}])
        if value is None or not str(value).strip():
            continue
        clean[org_code] = parse_grade(str(value).strip())
    missing = [o for o in clean if app.find(Report, ids.report_id(cycle.cycle_id, o),
                                            read_only=True) is None]
    if missing:
        raise RuleViolationError(
            "report_not_submitted",
            f"{', '.join(missing)} has not submitted its report: the ballot is refused whole",
            {"org_codes": missing},
        )
    return clean


@dataclass(frozen=True)
class OpenBallot:
    """A usable code: its cycle and the participants it may rate (reports submitted)."""

    cycle: Cycle
    participants: list[tuple[str, str]]  # (org_code, org_name)


def _castable(app: LianpingApp, code: str, *, read_only: bool) -> tuple[Ballot, Cycle]:
    """The ballot of ``code`` and its cycle: 404 ballot_not_found (unknown, used or voided),
    409 outside reviewing."""
    ballot = app.find(Ballot, ballot_id_of(code), read_only=read_only)
    if ballot is None or ballot.used:
        raise ballot_not_found()
    book = app.find(BallotBook, ids.ballot_book_id(ballot.cycle_id), read_only=True)
    if book is None or book.batch(ballot.batch_id)["voided"]:
        raise ballot_not_found()
    cycle = lookups.cycle(app, ballot.cycle_id, read_only=True)
    cycle.require_phase("casting a ballot", "reviewing")
    return ballot, cycle


def open_ballot(app: LianpingApp, code: str) -> OpenBallot:
    """For the phone page: 404 ballot_not_found (unknown, used or voided), 409 outside
    reviewing."""
    _, cycle = _castable(app, code, read_only=True)
    found = app.read_all([ids.report_id(cycle.cycle_id, o) for o in cycle.participants])
    names = app.read_all([ids.org_id(o) for o in cycle.participants])
    rows = []
    for org_code in cycle.participants:
        if of_type(Report, found.get(ids.report_id(cycle.cycle_id, org_code))) is None:
            continue
        org = of_type(Organization, names.get(ids.org_id(org_code)))
        rows.append((org_code, org.name if org else org_code))
    return OpenBallot(cycle, rows)


def cast_ballot(
    app: LianpingApp, request: Request, code: str, ratings: Mapping[str, str | None]
) -> Outcome:
    ballot, cycle = _castable(app, code, read_only=False)
    clean = _check_ratings(app, cycle, ratings)
    ballot.cast(clean)
    return app.commit(request, ballot, item=ballot, body={"accepted": len(clean)}, created=True)


def void_batch(
    app: LianpingApp, request: Request, cycle_id: str, batch_id: str, reason: str | None
) -> Outcome:
    cycle = _organizer_cycle(app, request, cycle_id)
    book = _existing_book(app, cycle_id, batch_id)
    book.batch(batch_id)
    cycle.require_phase("voiding ballots", *OPEN_PHASES)
    book.void(batch_id, reason, request.actor)
    return app.commit(request, book, item=book, body={"batch_id": batch_id, "voided": True})


def _existing_book(app: LianpingApp, cycle_id: str, batch_id: str) -> BallotBook:
    book = _book(app, cycle_id)
    if book is None:
        raise NotFoundError("unknown_batch", f"no ballot batch {batch_id!r} in this cycle")
    return book


def check_sheet_codes(
    app: LianpingApp, request: Request, cycle_id: str, batch_id: str, codes: list[str]
) -> dict[str, Any]:
    """The batch's slips may be printed for codes of that batch only (422 otherwise)."""
    cycle = _organizer_cycle(app, request, cycle_id)
    batch = _existing_book(app, cycle_id, batch_id).batch(batch_id)
    known = set(batch["ballot_ids"])
    strangers = [i for i, code in enumerate(codes) if str(ballot_id_of(code)) not in known]
    if not codes or strangers:
        message = "every code must belong to this batch" if codes else "give at least one code"
        raise ValidationError("code_not_in_batch", message,
                              [{"field": f"codes[{i}]", "message": message} for i in strangers])
    scheme = Scheme.from_dict(cycle.scheme)
    names = {c.code: c.name for c in scheme.ballot_categories}
    return {"cycle": cycle, "category": batch["category"],
            "category_name": names.get(batch["category"], batch["category"]),
            "codes": [normalize_code(c) for c in codes]}


def list_batches(app: LianpingApp, request: Request, cycle_id: str) -> dict[str, Any]:
    position = app.recorder.max_notification_id() or 0
    cycle = lookups.cycle(app, cycle_id, read_only=True)
    if not sees_reviewers(app, request.principal, cycle):
        raise forbid("ballot counts are for the organizer and inspectors", "organizer_or_inspector")
    book = app.find(BallotBook, ids.ballot_book_id(cycle_id), read_only=True)
    batches = list(book.batches.values()) if book else []
    cast = cast_ids(app, cycle_id, (i for batch in batches for i in batch["ballot_ids"]))
    rows = []
    for batch in batches:
        used = (sum(1 for i in batch["ballot_ids"] if i in cast)
                if batch["kind"] == "codes" else batch["issued"])
        rows.append({
            "batch_id": batch["batch_id"], "category": batch["category"], "kind": batch["kind"],
            "issued": batch["issued"], "cast": used, "voided": batch["voided"],
            "void_reason": batch["void_reason"], "entered_by": batch["entered_by"],
        })
    return {"cycle_id": cycle_id, "batches": rows, "position": position}


# -- paper ballots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperSheet:
    """A filled entry sheet as the spreadsheet shows it: the participant code of each column
    (header row ``code_row``) and each data row's non-blank cells."""

    columns: dict[str, str]  # column letter -> participant code as written
    code_row: int
    rows: list[tuple[int, dict[str, str]]]  # (row number, {column letter: cell text})


def paper_columns(app: LianpingApp, request: Request, cycle_id: str) -> dict[str, Any]:
    """The template's columns: every participant (code and name), for the organizer."""
    cycle = _organizer_cycle(app, request, cycle_id)
    names = app.find_all([ids.org_id(o) for o in cycle.participants])
    participants = []
    for org_code in cycle.participants:
        org = of_type(Organization, names.get(ids.org_id(org_code)))
        participants.append((org_code, org.name if org else org_code))
    return {"cycle": cycle, "participants": participants}


def import_paper(
    app: LianpingApp, request: Request, cycle_id: str, category: str | None,
    sheet: PaperSheet | Callable[[], PaperSheet], dry_run: bool,
) -> Outcome:
    """All or nothing: one paper batch with one ballot per row that rates anyone (rows with no
    rating at all are ignored); every bad cell is listed (422 ``ballots_rejected``). ``sheet``
    may be its reader, so that a stranger's file is refused (403) before it is read."""
    cycle = _organizer_cycle(app, request, cycle_id)
    cycle.require_phase("entering paper ballots", "reviewing")
    Scheme.from_dict(cycle.scheme).require_category(category)
    assert category is not None
    if not isinstance(sheet, PaperSheet):
        sheet = sheet()
    rejected: list[dict[str, Any]] = []
    reported = app.find_all([ids.report_id(cycle_id, o) for o in cycle.participants])
    columns: dict[str, str] = {}
    for letter, org_code in sheet.columns.items():
        if org_code not in cycle.participants:
            rejected.append({"row": sheet.code_row, "column": letter,
                             "error": f"未知的参评单位代码 {org_code}（不是本次参评单位）"})
        else:
            columns[letter] = org_code
    ballots: list[dict[str, str]] = []
    for row, cells in sheet.rows:
        ballot: dict[str, str] = {}
        for letter, text in cells.items():
            if letter not in sheet.columns:
                rejected.append({"row": row, "column": letter, "error": "该列没有参评单位"})
                continue
            if letter not in columns:
                continue  # the column itself is already rejected
            org_code = columns[letter]
            try:
                grade = parse_grade(text)
            except ValidationError:
                rejected.append({"row": row, "column": letter,
                                 "error": f"无法识别的评价“{text}”，应为 好/较好/一般/差"})
                continue
            if ids.report_id(cycle_id, org_code) not in reported:
                rejected.append({"row": row, "column": letter,
                                 "error": f"{org_code} 尚未提交述职报告，不能评价"})
                continue
            ballot[org_code] = grade
        if ballot:
            ballots.append(ballot)
    if rejected:
        raise ValidationError(
            "ballots_rejected", f"{len(rejected)} cell(s) rejected; nothing was recorded",
            {"rejected": rejected},
        )
    if not ballots:
        raise ValidationError("no_ballots", "the sheet holds no rated row",
                              {"rejected": []})
    batch_id = secrets.token_hex(8)
    if dry_run:
        return Outcome({"batch_id": None, "accepted": len(ballots), "dry_run": True},
                       0, app.recorder.max_notification_id() or 0)
    book = _book(app, cycle_id) or BallotBook(cycle_id=cycle_id, actor=request.actor)
    book.enter_paper(batch_id, category, ballots, request.actor)
    body = {"batch_id": batch_id, "accepted": len(ballots), "dry_run": False}
    return app.commit(request, book, item=book, body=body, created=True)
