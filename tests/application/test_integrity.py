"""Tamper evidence through the integrity use cases, on SQLite and PostgreSQL: signed checkpoints
(on demand, periodic), verification naming the first bad position, and offline exports."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from eventsourcing.persistence import StoredEvent

from application.app import LianpingApp, Request
from application.keys import public_key_hex
from application.principal import Principal
from application.settings import Settings
from application.store import chain, export_file
from application.store.checkpoints import Checkpoint, checkpoint_store
from application.usecases import directory, exports, integrity
from application.usecases.integrity import CheckpointClaim
from domain.errors import ForbiddenError, RuleViolationError
from tests.application.world import ADMIN, World
from tests.store_support import Backend, events, open_gap, pg_connect, rechain_from, row_at

INSPECTOR = Principal("inspector", "纪检", "city", (("inspector", "city"),))
COUNTY_INSPECTOR = Principal("insp-a", "县纪检", "county-a", (("inspector", "county-a"),))
ORGANIZER = Principal("organizer", "组织部", "city", (("organizer", "city"),))
SECRETARY = Principal("sec-county-a", "甲县书记", "county-a", (("secretary", "county-a"),))


@dataclass
class AppStore(Backend):
    """The app's own store; SQL written against ``stored_events`` runs on the app's events table
    (``lianping_events`` on PostgreSQL), so the tamper helpers of store_support apply."""

    table: str = "stored_events"

    def sql(self, statement: str, *params: Any) -> list[Any]:
        return super().sql(statement.replace("stored_events", self.table), *params)

    def close(self) -> None:
        self._raw.close()  # the recorder is the app's: leave it open


@contextmanager
def tampering(app: LianpingApp, settings: Settings, store: str) -> Iterator[Backend]:
    """The app's own store, with a raw connection that goes around the recorder."""
    raw: Any
    if store == "sqlite":
        location = settings.eventsourcing_env()["SQLITE_DBNAME"]
        raw = sqlite3.connect(location, isolation_level=None)
    else:
        location = settings.postgres_schema
        raw = pg_connect(location)
    backend = AppStore(
        store,
        location,
        app.recorder,
        _raw=raw,  # type: ignore[arg-type]
        table=app.recorder.events_table_name,
    )  # type: ignore[attr-defined]
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def db(app: LianpingApp, settings: Settings, store: str) -> Iterator[Backend]:
    with tampering(app, settings, store) as backend:
        yield backend


def given_a_log(app: LianpingApp) -> World:
    """A city, three counties and their people: a few dozen events at positions 1..n."""
    return World(app)


def more_events(app: LianpingApp, n: int = 1) -> None:
    for _ in range(n):
        code = f"x-{uuid4().hex[:8]}"
        app.execute(Request(ADMIN), directory.register_org, code, "新县", "county", "city")


def head(app: LianpingApp) -> tuple[int, bytes]:
    found = app.recorder.chain_head()
    assert found is not None
    return found  # type: ignore[no-any-return]


def verify(
    app: LianpingApp, claim: CheckpointClaim | None = None, who: Principal = INSPECTOR
) -> dict[str, Any]:
    return app.execute(Request(who), integrity.verify, claim).body


def claim_of(position: int, hash_: bytes) -> CheckpointClaim:
    return CheckpointClaim(position, hash_)


def inspector_checks_signature(checkpoint: dict[str, Any], public_key: str) -> None:
    """What an inspector runs with `cryptography` alone (the README's script)."""
    message = json.dumps(
        {
            "type": "lianping.checkpoint.v1",
            "position": checkpoint["position"],
            "hash": checkpoint["hash"],
            "created_at": checkpoint["created_at"],
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    key.verify(bytes.fromhex(checkpoint["signature"]), message)  # raises if forged


# -- checkpoints -----------------------------------------------------------------------------------


class TestTakingACheckpoint:
    def test_it_signs_the_head_of_the_chain(self, app: LianpingApp) -> None:
        given_a_log(app)
        checkpoint = integrity.take_checkpoint(app, Request(INSPECTOR))
        position, hash_ = head(app)
        assert (checkpoint["position"], checkpoint["hash"]) == (position, hash_.hex())
        assert checkpoint["public_key"] == public_key_hex(app.signing_key)
        assert datetime.fromisoformat(checkpoint["created_at"]).utcoffset() is not None
        inspector_checks_signature(checkpoint, public_key_hex(app.signing_key))

    def test_an_unmoved_head_answers_the_checkpoint_already_taken(self, app: LianpingApp) -> None:
        given_a_log(app)
        first = integrity.take_checkpoint(app, Request(INSPECTOR))
        again = integrity.take_checkpoint(app, Request(ADMIN))
        assert again == first
        assert len(integrity.list_checkpoints(app, Request(INSPECTOR))["checkpoints"]) == 1

    def test_checkpoints_are_listed_newest_first_page_by_page(self, app: LianpingApp) -> None:
        given_a_log(app)
        taken = []
        for _ in range(3):
            taken.append(integrity.take_checkpoint(app, Request(INSPECTOR))["position"])
            more_events(app)
        listed = integrity.list_checkpoints(app, Request(INSPECTOR), limit=2)
        assert [c["position"] for c in listed["checkpoints"]] == taken[::-1][:2]
        assert listed["next_after"] == taken[1]
        rest = integrity.list_checkpoints(
            app, Request(INSPECTOR), limit=2, after=listed["next_after"]
        )
        assert [c["position"] for c in rest["checkpoints"]] == [taken[0]]
        assert rest["next_after"] is None

    def test_an_empty_log_has_nothing_to_sign(self, app: LianpingApp) -> None:
        with pytest.raises(RuleViolationError) as refused:
            integrity.take_checkpoint(app, Request(ADMIN))
        assert refused.value.code == "empty_log"

    def test_a_broken_chain_is_not_signed(self, app: LianpingApp, db: Backend) -> None:
        given_a_log(app)
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 5", b"{}")
        with pytest.raises(RuleViolationError) as refused:
            integrity.take_checkpoint(app, Request(INSPECTOR))
        assert refused.value.code == "chain_broken"
        assert refused.value.details["first_bad_position"] == 5
        assert integrity.list_checkpoints(app, Request(INSPECTOR))["checkpoints"] == []

    def test_rows_altered_since_the_last_checkpoint_are_not_signed(
        self, app: LianpingApp, db: Backend
    ) -> None:
        given_a_log(app)
        first = integrity.take_checkpoint(app, Request(INSPECTOR))["position"]
        more_events(app, 3)
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = %s", b"{}", first + 2)
        with pytest.raises(RuleViolationError) as refused:
            integrity.take_checkpoint(app, Request(INSPECTOR))
        assert refused.value.details["first_bad_position"] == first + 2

    def test_a_rewritten_checkpointed_row_is_not_signed(
        self, app: LianpingApp, db: Backend
    ) -> None:
        given_a_log(app)
        first = integrity.take_checkpoint(app, Request(INSPECTOR))["position"]
        more_events(app, 2)
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 3", b"{}")
        rechain_from(db, 3)  # a forger who recomputes every later hash
        with pytest.raises(RuleViolationError) as refused:
            integrity.take_checkpoint(app, Request(INSPECTOR))
        assert refused.value.details["code"] == chain.CHECKPOINT_NOT_PREFIX
        assert refused.value.details["first_bad_position"] == first

    def test_a_log_truncated_below_the_last_checkpoint_is_not_signed(
        self, app: LianpingApp, db: Backend
    ) -> None:
        given_a_log(app)
        first = integrity.take_checkpoint(app, Request(INSPECTOR))["position"]
        db.sql("DELETE FROM stored_events WHERE notification_id > %s", first - 2)
        with pytest.raises(RuleViolationError) as refused:
            integrity.take_checkpoint(app, Request(INSPECTOR))
        assert refused.value.details["code"] == chain.TAIL_TRUNCATED
        assert refused.value.details["first_bad_position"] == first

    def test_racing_takers_store_one_checkpoint(self, app: LianpingApp) -> None:
        given_a_log(app)
        barrier = threading.Barrier(4)
        answers: list[dict[str, Any]] = []

        def take() -> None:
            barrier.wait()
            answers.append(integrity.take_checkpoint(app, Request(INSPECTOR)))

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 4 and all(a == answers[0] for a in answers)
        assert len(checkpoint_store(app.recorder).newest_first(10)) == 1

    def test_another_process_reuses_the_checkpoint_of_the_same_head(
        self, app: LianpingApp, settings: Settings
    ) -> None:
        given_a_log(app)
        first = integrity.take_checkpoint(app, Request(INSPECTOR))
        other = LianpingApp(settings)
        try:
            assert integrity.take_checkpoint(other, Request(INSPECTOR)) == first
        finally:
            other.close()

    @pytest.mark.parametrize("who", [ORGANIZER, SECRETARY])
    def test_only_inspectors_and_admins_may(self, app: LianpingApp, who: Principal) -> None:
        given_a_log(app)
        for action in (
            lambda: integrity.take_checkpoint(app, Request(who)),
            lambda: integrity.list_checkpoints(app, Request(who)),
            lambda: verify(app, who=who),
        ):
            with pytest.raises(ForbiddenError) as refused:
                action()
            assert refused.value.code == "inspector_or_admin_required"

    def test_an_inspector_of_any_scope_may(self, app: LianpingApp) -> None:
        given_a_log(app)
        assert integrity.take_checkpoint(app, Request(COUNTY_INSPECTOR))["position"] > 0
        assert verify(app, who=COUNTY_INSPECTOR)["ok"]


# -- verification ----------------------------------------------------------------------------------


class TestVerifyingTheStore:
    def test_a_clean_store_verifies_through_its_head(self, app: LianpingApp) -> None:
        given_a_log(app)
        position, hash_ = head(app)
        answer = verify(app)
        assert answer["ok"] is True
        assert (answer["verified_through"], answer["verified_hash"]) == (position, hash_.hex())
        assert answer["first_bad_position"] is None and answer["reason"] is None

    def test_an_altered_payload_byte_is_named(self, app: LianpingApp, db: Backend) -> None:
        given_a_log(app)
        state = bytearray(row_at(db, 7).state or b"")
        state[10] ^= 0x01
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 7", bytes(state))
        answer = verify(app)
        assert (answer["ok"], answer["first_bad_position"], answer["code"]) == (
            False,
            7,
            chain.PAYLOAD_ALTERED,
        )
        assert answer["verified_through"] == 6

    def test_a_deleted_row_is_named(self, app: LianpingApp, db: Backend) -> None:
        given_a_log(app)
        db.sql("DELETE FROM stored_events WHERE notification_id = 4")
        answer = verify(app)
        assert (answer["ok"], answer["first_bad_position"], answer["code"]) == (
            False,
            4,
            chain.ROW_DELETED,
        )

    def test_two_swapped_rows_are_named(self, app: LianpingApp, db: Backend) -> None:
        given_a_log(app)
        r5, r6 = row_at(db, 5), row_at(db, 6)
        update = (
            "UPDATE stored_events SET originator_id = %s, originator_version = %s, "
            "topic = %s, state = %s WHERE notification_id = %s"
        )
        db.sql(update, uuid4(), 1, "tmp", b"", 5)
        db.sql(update, r5.originator_id, r5.originator_version, r5.topic, r5.state, 6)
        db.sql(update, r6.originator_id, r6.originator_version, r6.topic, r6.state, 5)
        answer = verify(app)
        assert (answer["ok"], answer["first_bad_position"], answer["code"]) == (
            False,
            5,
            chain.ROWS_REORDERED,
        )

    def test_a_forged_row_is_named(self, app: LianpingApp, db: Backend) -> None:
        given_a_log(app)
        open_gap(db, at=8)
        forged = events(1)[0]
        db.sql(
            "INSERT INTO stored_events (notification_id, originator_id, originator_version, "
            "topic, state, hash) VALUES (%s, %s, %s, %s, %s, %s)",
            8,
            forged.originator_id,
            1,
            forged.topic,
            forged.state,
            b"\x01" * 32,
        )
        answer = verify(app)
        assert (answer["ok"], answer["first_bad_position"], answer["code"]) == (
            False,
            8,
            chain.ROW_INSERTED,
        )

    def test_a_truncated_tail_is_found_against_a_checkpoint(
        self, app: LianpingApp, db: Backend
    ) -> None:
        given_a_log(app)
        position, hash_ = head(app)
        db.sql("DELETE FROM stored_events WHERE notification_id > %s", position - 3)
        assert verify(app)["ok"]  # the chain alone cannot tell
        answer = verify(app, claim_of(position, hash_))
        assert (answer["ok"], answer["first_bad_position"], answer["code"]) == (
            False,
            position - 2,
            chain.TAIL_TRUNCATED,
        )
        assert answer["checkpoint"] == {
            "position": position,
            "hash": hash_.hex(),
            "signature_checked": False,
        }

    def test_a_rechained_rewrite_fails_its_signed_checkpoint(
        self, app: LianpingApp, db: Backend
    ) -> None:
        given_a_log(app)
        signed = CheckpointClaim.from_json(integrity.take_checkpoint(app, Request(INSPECTOR)))
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 3", b"{}")
        rechain_from(db, 3)
        assert verify(app)["ok"]  # self-consistent forgery
        answer = verify(app, signed)
        assert (answer["ok"], answer["code"], answer["first_bad_position"]) == (
            False,
            chain.CHECKPOINT_NOT_PREFIX,
            signed.position,
        )
        assert answer["checkpoint"]["signature_checked"] is True


class TestSignedCheckpointsHandedIn:
    def test_our_signed_checkpoint_verifies(self, app: LianpingApp) -> None:
        given_a_log(app)
        signed = integrity.take_checkpoint(app, Request(INSPECTOR))
        more_events(app)
        answer = verify(app, CheckpointClaim.from_json(signed))
        assert answer["ok"] and answer["verified_through"] == signed["position"] + 1

    def test_one_signed_with_another_key_is_rejected(self, app: LianpingApp) -> None:
        given_a_log(app)
        position, hash_ = head(app)
        forged = Checkpoint.sign(
            Ed25519PrivateKey.generate(), position, hash_, "2026-11-28T10:00:00+08:00"
        )
        answer = verify(app, CheckpointClaim.from_json(forged.as_json()))
        assert (answer["ok"], answer["code"]) == (False, integrity.BAD_SIGNATURE)
        assert answer["verified_through"] is None and answer["first_bad_position"] is None
        assert "another" in answer["reason"] or "not this service" in answer["reason"]

    def test_one_claiming_our_key_with_a_foreign_signature_is_rejected(
        self, app: LianpingApp
    ) -> None:
        given_a_log(app)
        position, hash_ = head(app)
        forged = Checkpoint.sign(
            Ed25519PrivateKey.generate(), position, hash_, "2026-11-28T10:00:00+08:00"
        ).as_json()
        forged["public_key"] = public_key_hex(app.signing_key)
        answer = verify(app, CheckpointClaim.from_json(forged))
        assert (answer["ok"], answer["code"]) == (False, integrity.BAD_SIGNATURE)

    def test_an_altered_signed_field_breaks_the_signature(self, app: LianpingApp) -> None:
        given_a_log(app)
        signed = integrity.take_checkpoint(app, Request(INSPECTOR))
        signed["created_at"] = "2020-01-01T00:00:00+00:00"
        answer = verify(app, CheckpointClaim.from_json(signed))
        assert (answer["ok"], answer["code"]) == (False, integrity.BAD_SIGNATURE)


# -- periodic checkpoints --------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class TestPeriodicCheckpoints:
    def test_one_checkpoint_is_stored_per_interval(self, app: LianpingApp) -> None:
        given_a_log(app)
        clock = FakeClock()
        ticks: list[datetime] = []

        def wait(stop: threading.Event, seconds: float) -> bool:
            assert seconds == 600
            if len(ticks) == 3:
                return True
            ticks.append(clock.now)
            clock.now += timedelta(seconds=seconds)
            more_events(app)  # the log grows during the interval
            return False

        start = clock.now
        stop = integrity.start_periodic_checkpoints(app, 600, clock=clock, wait=wait)
        stop()
        stored = checkpoint_store(app.recorder).newest_first(10)[::-1]
        assert [c.created_at for c in stored] == [
            (start + timedelta(seconds=600 * n)).isoformat(timespec="microseconds")
            for n in (0, 1, 2, 3)
        ]
        assert stored[-1].position == head(app)[0]
        assert all(c.signature_valid(integrity.public_key(app)) for c in stored)

    def test_an_unmoved_head_stores_nothing_more(self, app: LianpingApp) -> None:
        given_a_log(app)
        clock = FakeClock()
        ticks: list[datetime] = []

        def wait(stop: threading.Event, seconds: float) -> bool:
            ticks.append(clock.now)
            clock.now += timedelta(seconds=seconds)
            return len(ticks) > 3

        integrity.start_periodic_checkpoints(app, 60, clock=clock, wait=wait)()
        assert len(checkpoint_store(app.recorder).newest_first(10)) == 1

    def test_several_processes_store_one_per_interval(
        self, app: LianpingApp, settings: Settings
    ) -> None:
        given_a_log(app)
        other = LianpingApp(settings)
        try:
            clock = FakeClock()
            first = integrity.checkpoint_if_due(app, 600, clock.now)
            more_events(app)
            clock.now += timedelta(seconds=30)  # the other process ticks a little later
            assert integrity.checkpoint_if_due(other, 600, clock.now) is None
            clock.now += timedelta(seconds=600)
            second = integrity.checkpoint_if_due(other, 600, clock.now)
            assert first is not None and second is not None
            assert second.position == head(app)[0] > first.position
            assert integrity.checkpoint_if_due(app, 600, clock.now) is None
        finally:
            other.close()

    def test_the_stopper_ends_the_thread_without_waiting_an_interval(
        self, app: LianpingApp
    ) -> None:
        given_a_log(app)
        stop = integrity.start_periodic_checkpoints(app, 3600)
        stop()  # returns at once: the thread waits on the stop event, not in a sleep
        assert not [t for t in threading.enumerate() if t.name == "lianping-checkpoints"]
        assert len(checkpoint_store(app.recorder).newest_first(10)) == 1  # taken at start

    def test_a_restart_within_half_an_interval_stores_nothing_new(self, app: LianpingApp) -> None:
        given_a_log(app)
        clock = FakeClock()
        assert integrity.checkpoint_if_due(app, 600, clock.now) is not None
        more_events(app)
        clock.now += timedelta(seconds=120)
        integrity.start_periodic_checkpoints(app, 600, clock=clock, wait=lambda s, t: True)()
        assert len(checkpoint_store(app.recorder).newest_first(10)) == 1

    def test_a_failing_tick_does_not_stop_the_checkpointer(
        self, app: LianpingApp, db: Backend
    ) -> None:
        given_a_log(app)
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 2", b"{}")
        clock = FakeClock()
        ticks: list[datetime] = []

        def wait(stop: threading.Event, seconds: float) -> bool:
            ticks.append(clock.now)
            clock.now += timedelta(seconds=seconds)
            return len(ticks) > 2

        integrity.start_periodic_checkpoints(app, 60, clock=clock, wait=wait)()
        assert len(ticks) == 3  # four ticks, each refused, none fatal
        assert checkpoint_store(app.recorder).newest_first(10) == []

    def test_a_zero_interval_disables_it(self, app: LianpingApp) -> None:
        World(app)  # something to sign, were it enabled
        waited: list[float] = []

        def wait(stop: threading.Event, seconds: float) -> bool:
            waited.append(seconds)
            return True

        integrity.start_periodic_checkpoints(app, 0, wait=wait)()

        assert waited == []  # no thread ever ticked
        assert checkpoint_store(app.recorder).newest_first(10) == []


# -- exports ---------------------------------------------------------------------------------------


def full_export(app: LianpingApp) -> list[str]:
    return list(exports.export_lines(app))


def alter_state(line: str) -> str:
    row = json.loads(line)
    state = bytearray(base64.b64decode(row["state"]))
    state[5] ^= 0x01
    row["state"] = base64.b64encode(bytes(state)).decode()
    return json.dumps(row, ensure_ascii=False)


class TestChainFields:
    def test_each_row_carries_what_recomputes_its_hash(self, app: LianpingApp) -> None:
        given_a_log(app)
        prev = chain.GENESIS
        for row in app.recorder.chain_rows(after=0, limit=5):
            fields = export_file.chain_fields(row, prev)
            assert set(fields) == {
                "position",
                "aggregate_id",
                "version",
                "topic",
                "state",
                "hash",
                "prev_hash",
            }
            recomputed = chain.link(
                bytes.fromhex(fields["prev_hash"]),
                fields["position"],
                fields["aggregate_id"],
                fields["version"],
                fields["topic"],
                base64.b64decode(fields["state"]),
            )
            assert recomputed.hex() == fields["hash"]
            prev = row.hash


class TestTheFullExport:
    def test_it_has_a_header_then_every_row_decoded(self, app: LianpingApp) -> None:
        given_a_log(app)
        lines = full_export(app)
        header = json.loads(lines[0])["lianping_export"]
        position, hash_ = head(app)
        assert header["through"] == {"position": position, "hash": hash_.hex()}
        rows = [json.loads(line) for line in lines[1:]]
        assert [r["position"] for r in rows] == list(range(1, position + 1))
        assert rows[0]["type"] == "lianping:Organization.Registered"
        assert (rows[0]["actor"], rows[0]["data"]["code"]) == ("admin", "prov")
        assert not [r for r in rows if "decode_error" in r]

    def test_an_undecodable_row_is_exported_and_still_verifies(self, app: LianpingApp) -> None:
        given_a_log(app)
        junk = StoredEvent(uuid4(), 1, "nowhere:Nothing.Happened", b"\xff\x00garbage")
        app.recorder.insert_events([junk])
        lines = full_export(app)
        last = json.loads(lines[-1])
        assert last["type"] is None and last["decode_error"]
        assert export_file.verify_export_lines(lines).ok

    def test_a_clean_export_verifies_against_a_checkpoint(self, app: LianpingApp) -> None:
        given_a_log(app)
        checkpoint = CheckpointClaim.from_json(integrity.take_checkpoint(app, Request(ADMIN)))
        more_events(app, 2)
        result = export_file.verify_export_lines(full_export(app), checkpoint.pair)
        assert result.ok and result.scope == "chain" and result.checkpoint_checked
        assert (result.verified_through, result.verified_hash) == head(app)

    def test_an_altered_line_is_named(self, app: LianpingApp) -> None:
        given_a_log(app)
        lines = full_export(app)
        lines[6] = alter_state(lines[6])  # the row at position 6
        result = export_file.verify_export_lines(lines, head(app))
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            6,
            chain.PAYLOAD_ALTERED,
        )

    def test_a_removed_line_is_named(self, app: LianpingApp) -> None:
        given_a_log(app)
        lines = full_export(app)
        del lines[9]
        result = export_file.verify_export_lines(lines)
        assert (result.ok, result.first_bad_position, result.code) == (False, 9, chain.ROW_DELETED)

    def test_removed_last_lines_fall_short_of_the_header_and_the_checkpoint(
        self, app: LianpingApp
    ) -> None:
        given_a_log(app)
        position, hash_ = head(app)
        lines = full_export(app)[:-2]
        for checkpoint in (None, (position, hash_)):
            result = export_file.verify_export_lines(lines, checkpoint)
            assert (result.ok, result.first_bad_position, result.code) == (
                False,
                position - 1,
                chain.TAIL_TRUNCATED,
            )

    def test_lines_beyond_the_header_are_named(self, app: LianpingApp) -> None:
        given_a_log(app)
        lines = full_export(app)
        position = head(app)[0]
        more_events(app, 2)
        lines += full_export(app)[-2:]  # rows that link, but the header ends before them
        result = export_file.verify_export_lines(lines)
        assert (result.ok, result.first_bad_position, result.code) == (
            False,
            position + 1,
            chain.ROW_INSERTED,
        )
        assert result.verified_through == position

    def test_a_broken_line_is_malformed(self, app: LianpingApp) -> None:
        given_a_log(app)
        lines = full_export(app)
        lines[4] = lines[4][: len(lines[4]) // 2]
        result = export_file.verify_export_lines(lines)
        assert (result.ok, result.code, result.verified_through) == (False, chain.MALFORMED_ROW, 3)


class TestAFilteredExport:
    def test_each_row_is_verified_on_its_own(self, app: LianpingApp) -> None:
        given_a_log(app)
        rows = full_export(app)[1:]
        some = rows[2:5] + rows[9:12]
        result = export_file.verify_export_lines(some)
        assert result.ok and result.scope == "rows" and result.rows == 6

    def test_an_altered_row_is_named(self, app: LianpingApp) -> None:
        given_a_log(app)
        rows = full_export(app)[1:]
        some = [rows[2], alter_state(rows[10]), rows[12]]
        result = export_file.verify_export_lines(some)
        assert (result.ok, result.first_bad_position, result.scope) == (False, 11, "rows")

    def test_the_checkpoint_row_is_checked_when_present(self, app: LianpingApp) -> None:
        given_a_log(app)
        rows = full_export(app)[1:]
        some = rows[2:4]
        good = json.loads(rows[3])
        ok = export_file.verify_export_lines(some, (4, bytes.fromhex(good["hash"])))
        assert ok.ok and ok.checkpoint_checked
        bad = export_file.verify_export_lines(some, (4, b"\x02" * 32))
        assert (bad.ok, bad.code) == (False, chain.CHECKPOINT_NOT_PREFIX)

    def test_a_header_less_export_from_genesis_is_a_chain(self, app: LianpingApp) -> None:
        given_a_log(app)
        result = export_file.verify_export_lines(full_export(app)[1:])
        assert result.ok and result.scope == "chain"
