"""Reviewer identity as one reader may see it: per-cycle pseudonyms (评议人1 …) and masked
rating ids for everyone who may not know which account gave which rating."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from application.access.cycles import sees_reviewers
from application.app import LianpingApp
from application.keys import derive_secret
from application.principal import Principal
from domain import ids
from domain.cycle import Cycle

PSEUDONYM_PREFIX = "评议人"


def pseudonym(cycle: Cycle, account_id: str) -> str:
    """Reviewers are anonymous to secretaries: 评议人1, 评议人2 … by their place on the panel
    (an account no longer on it: 评议人, unnumbered)."""
    if account_id in cycle.panel:
        return f"{PSEUDONYM_PREFIX}{cycle.panel.index(account_id) + 1}"
    return PSEUDONYM_PREFIX


def _id_cipher(app: LianpingApp) -> Cipher[Any]:
    key = derive_secret(app.signing_key, b"masked-aggregate-id", b"")[:16]
    return Cipher(algorithms.AES(key), modes.ECB())  # one 16-byte block: a keyed permutation


def masked_id(app: LianpingApp, aggregate_id: UUID | str) -> str:
    """The id under which a rating is shown to readers who may not know its reviewer: its real
    id is uuid5(cycle, org, reviewer), which anyone could test candidate accounts against. The
    masked id is a keyed permutation of it, so the service alone maps it back."""
    encryptor = _id_cipher(app).encryptor()
    return str(UUID(bytes=encryptor.update(UUID(str(aggregate_id)).bytes) + encryptor.finalize()))


def unmasked_id(app: LianpingApp, aggregate_id: UUID) -> UUID:
    decryptor = _id_cipher(app).decryptor()
    return UUID(bytes=decryptor.update(aggregate_id.bytes) + decryptor.finalize())


@dataclass
class _CycleNames:
    cycle: Cycle
    _rating_ids: set[str] | None = None

    def name(self, account_id: Any) -> Any:
        return pseudonym(self.cycle, account_id) if isinstance(account_id, str) else account_id

    @property
    def rating_ids(self) -> set[str]:
        if self._rating_ids is None:
            c = self.cycle
            self._rating_ids = {
                str(ids.rating_id(c.cycle_id, org, member))
                for org in c.participants
                for member in c.panel
            }
        return self._rating_ids


@dataclass
class ReviewerMask:
    """Reviewer identities as one reader may see them: unchanged where the reader sees reviewers
    of the row's cycle, pseudonyms elsewhere. One per request (it caches the cycles it reads)."""

    app: LianpingApp
    principal: Principal
    _cycles: dict[str, _CycleNames | None] = field(default_factory=dict)

    def names(self, cycle_id: Any) -> _CycleNames | None:
        """None: the reader sees this cycle's reviewers (or there is no such cycle)."""
        if not isinstance(cycle_id, str) or self.principal.is_global_admin:
            return None
        if cycle_id not in self._cycles:
            cycle = self.app.find(Cycle, ids.cycle_id(cycle_id), read_only=True)
            hidden = cycle is not None and not sees_reviewers(self.app, self.principal, cycle)
            self._cycles[cycle_id] = _CycleNames(cycle) if hidden and cycle else None
        return self._cycles[cycle_id]

    def hides(self, cycle: Cycle) -> bool:
        return self.names(cycle.cycle_id) is not None

    # -- one event (audit trail, feed, exports, aggregate history) -------------------------------

    def event(self, row: dict[str, Any]) -> dict[str, Any]:
        """An audit row ``{aggregate_id, aggregate_type, cycle_id, actor, data, hash …}`` with
        every reviewer account id replaced by its pseudonym. A rating's id is masked and its
        chain hash left out (with the row's known content, the hash would confirm a guessed
        reviewer); ``/audit/verify`` still checks the whole chain."""
        return self._event(row)[0]

    def _event(self, row: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(the row as shown, whether its actor was masked)."""
        names = self.names(row.get("cycle_id"))
        if names is None:
            return row, False
        kind, data, actor = row.get("aggregate_type"), dict(row.get("data") or {}), row["actor"]
        changed: dict[str, Any] = {}
        if kind == "Rating":
            subject = actor  # only the reviewer records or amends a rating
            if "reviewer" in data:
                data["reviewer"] = names.name(data["reviewer"])
            changed = {"aggregate_id": masked_id(self.app, row["aggregate_id"]), "hash": None}
        elif kind == "Cycle" and isinstance(data.get("account_id"), str):
            subject = data["account_id"]  # a panel member added, removed, or in conflict
            data["account_id"] = names.name(subject)
        elif kind == "InspectionNote" and data.get("subject_aggregate_id") in names.rating_ids:
            data["subject_aggregate_id"] = masked_id(self.app, data["subject_aggregate_id"])
            return {**row, "data": data}, False
        else:
            return row, False
        hide_actor = actor == subject
        if hide_actor:
            actor = names.name(actor)
            if "actor" in data:
                data["actor"] = actor
        return {**row, **changed, "actor": actor, "data": data}, hide_actor

    def events(
        self, rows: Iterable[dict[str, Any]], actor_filter: str | None = None
    ) -> list[dict[str, Any]]:
        """``event`` for each row. A row whose actor was masked is left out when the reader
        filtered by actor: else the filter would tell which ratings an account gave."""
        shown = []
        for row in rows:
            masked, hid_actor = self._event(row)
            if not (hid_actor and actor_filter is not None):
                shown.append(masked)
        return shown

    # -- flags -----------------------------------------------------------------------------------

    def flags(
        self,
        cycle: Cycle,
        rows: Iterable[dict[str, Any]],
        is_rating_event: Callable[[int], bool],
    ) -> list[dict[str, Any]]:
        """Flags raised by a rating (amendment, late_submission, amendment_after_finalization)
        name the reviewer by pseudonym."""
        names = self.names(cycle.cycle_id)
        if names is None:
            return list(rows)
        shown = []
        for row in rows:
            actor = row.get("actor")
            if (
                actor in cycle.panel
                and row["kind"] in ("amendment", "late_submission", "amendment_after_finalization")
                and (row["kind"] == "amendment" or is_rating_event(row["position"]))
            ):
                row = {**row, "actor": names.name(actor)}
            shown.append(row)
        return shown

    # -- aggregate state (history) ---------------------------------------------------------------

    def state(self, aggregate_type: str, cycle_id: Any, state: dict[str, Any]) -> dict[str, Any]:
        names = self.names(cycle_id)
        if names is None:
            return state
        state = dict(state)
        if aggregate_type == "Rating" and "reviewer" in state:
            state["reviewer"] = names.name(state["reviewer"])
        elif aggregate_type == "Cycle":
            state["panel"] = [names.name(m) for m in state.get("panel", [])]
            state["conflicts"] = [
                {**c, "account_id": names.name(c.get("account_id"))}
                for c in state.get("conflicts", [])
            ]
        elif aggregate_type == "InspectionNote":
            subject = state.get("subject_aggregate_id")
            if subject in names.rating_ids:
                state["subject_aggregate_id"] = masked_id(self.app, subject)
        return state
