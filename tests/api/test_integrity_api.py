"""Tamper evidence over HTTP (SQLite and PostgreSQL) and through the `lianping audit` commands run
as real subprocesses (SQLite file)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.app import LianpingApp
from application.keys import public_key_hex
from application.settings import Settings
from application.store import chain
from application.store.checkpoints import Checkpoint
from tests.api.helpers import Api, error_code
from tests.application.test_integrity import inspector_checks_signature, tampering
from tests.application.world import World
from tests.store_support import Backend

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(app: LianpingApp, settings: Settings, store: str) -> Iterator[Backend]:
    with tampering(app, settings, store) as backend:
        yield backend


@pytest.fixture
def inspector(api: Api) -> Any:
    api.world  # noqa: B018 - the inspector of the city exists once the world does
    return api.as_("inspector")


def head(app: LianpingApp) -> tuple[int, bytes]:
    found = app.recorder.chain_head()
    assert found is not None
    return found  # type: ignore[no-any-return]


class TestTakingACheckpoint:
    def test_an_inspector_gets_the_signed_head(self, api: Api, inspector: Any) -> None:
        response = inspector.get("/audit/checkpoint")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"position", "hash", "created_at", "signature", "public_key"}
        position, hash_ = head(api.app)
        assert (body["position"], body["hash"]) == (position, hash_.hex())
        inspector_checks_signature(body, public_key_hex(api.app.signing_key))

    def test_an_unmoved_head_answers_the_same_checkpoint(self, api: Api, inspector: Any) -> None:
        first = inspector.get("/audit/checkpoint").json()
        again = api.admin.get("/audit/checkpoint")
        assert again.status_code == 200
        assert again.json() == first

    def test_a_secretary_is_refused(self, api: Api) -> None:
        api.world  # noqa: B018 - the secretary exists once the world does
        response = api.as_("sec-county-a").get("/audit/checkpoint")
        assert response.status_code == 403
        assert error_code(response) == "inspector_or_admin_required"

    def test_no_token_is_401(self, api: Api) -> None:
        response = api.anonymous.get("/audit/checkpoint")
        assert response.status_code == 401
        assert error_code(response) == "missing_token"

    def test_a_broken_chain_is_409(self, api: Api, inspector: Any, db: Backend) -> None:
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 4", b"{}")
        response = inspector.get("/audit/checkpoint")
        assert response.status_code == 409
        assert error_code(response) == "chain_broken"
        assert response.json()["error"]["details"]["first_bad_position"] == 4


class TestListingCheckpoints:
    def test_newest_first_page_by_page(self, api: Api, inspector: Any) -> None:
        taken = []
        for n in range(3):
            taken.append(inspector.get("/audit/checkpoint").json()["position"])
            api.world.person(f"extra-{n}", "新人", "city")
        response = inspector.get("/audit/checkpoints", params={"limit": 2})
        assert response.status_code == 200
        body = response.json()
        assert [c["position"] for c in body["checkpoints"]] == [taken[2], taken[1]]
        assert body["public_key"] == public_key_hex(api.app.signing_key)
        rest = inspector.get("/audit/checkpoints", params={"limit": 2,
                                                           "after": body["next_after"]}).json()
        assert [c["position"] for c in rest["checkpoints"]] == [taken[0]]
        assert rest["next_after"] is None

    def test_a_limit_out_of_range_is_422(self, inspector: Any) -> None:
        response = inspector.get("/audit/checkpoints", params={"limit": 1001})
        assert response.status_code == 422
        assert error_code(response) == "validation_error"


class TestVerifying:
    def test_a_clean_store_verifies(self, api: Api, inspector: Any) -> None:
        response = inspector.post("/audit/verify", content=b"")
        assert response.status_code == 200
        body = response.json()
        position, hash_ = head(api.app)
        assert (body["ok"], body["verified_through"], body["first_bad_position"],
                body["reason"]) == (True, position, None, None)
        assert body["verified_hash"] == hash_.hex()

    def test_an_altered_row_is_named(self, inspector: Any, db: Backend) -> None:
        db.sql("UPDATE stored_events SET state = %s WHERE notification_id = 6", b'{"x":1}')
        response = inspector.post("/audit/verify", json={})
        assert response.status_code == 200
        body = response.json()
        assert (body["ok"], body["first_bad_position"], body["code"]) == (
            False, 6, chain.PAYLOAD_ALTERED)
        assert body["verified_through"] == 5 and body["reason"].startswith("payload_altered")

    def test_a_truncated_tail_fails_the_checkpoint(
        self, api: Api, inspector: Any, db: Backend
    ) -> None:
        checkpoint = inspector.get("/audit/checkpoint").json()
        db.sql("DELETE FROM stored_events WHERE notification_id >= %s", checkpoint["position"] - 1)
        response = inspector.post("/audit/verify", json={"checkpoint": {
            "position": checkpoint["position"], "hash": checkpoint["hash"]}})
        body = response.json()
        assert (body["ok"], body["first_bad_position"], body["code"]) == (
            False, checkpoint["position"] - 1, chain.TAIL_TRUNCATED)

    def test_our_signed_checkpoint_is_accepted_whole(self, inspector: Any) -> None:
        checkpoint = inspector.get("/audit/checkpoint").json()
        body = inspector.post("/audit/verify", json={"checkpoint": checkpoint}).json()
        assert body["ok"] is True
        assert body["checkpoint"]["signature_checked"] is True

    def test_a_checkpoint_signed_with_another_key_is_rejected(
        self, api: Api, inspector: Any
    ) -> None:
        position, hash_ = head(api.app)
        forged = Checkpoint.sign(Ed25519PrivateKey.generate(), position, hash_,
                                 "2026-11-28T10:00:00+08:00").as_json()
        response = inspector.post("/audit/verify", json={"checkpoint": forged})
        assert response.status_code == 200
        body = response.json()
        assert (body["ok"], body["code"], body["first_bad_position"]) == (
            False, "bad_signature", None)

    @pytest.mark.parametrize("checkpoint", [
        {"position": 3, "hash": "zz"},
        {"position": 0, "hash": "00" * 32},
        {"position": 3, "hash": "00" * 32, "signature": "00" * 64},  # no created_at
        {"position": 3, "hash": "00" * 32, "extra": 1},
    ])
    def test_a_malformed_checkpoint_is_422(self, inspector: Any, checkpoint: Any) -> None:
        response = inspector.post("/audit/verify", json={"checkpoint": checkpoint})
        assert response.status_code == 422
        assert error_code(response) == "validation_error"

    def test_a_retry_with_the_same_idempotency_key_is_replayed(self, inspector: Any) -> None:
        headers = {"Idempotency-Key": "verify-1"}
        first = inspector.post("/audit/verify", json={}, headers=headers)
        again = inspector.post("/audit/verify", json={}, headers=headers)
        assert again.status_code == 200
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        other = inspector.post("/audit/verify", headers=headers,
                               json={"checkpoint": {"position": 1, "hash": "00" * 32}})
        assert other.status_code == 422
        assert error_code(other) == "idempotency_key_reused"

    def test_an_organizer_is_refused(self, api: Api) -> None:
        response = api.organizer.post("/audit/verify", json={})
        assert response.status_code == 403
        assert error_code(response) == "inspector_or_admin_required"


class TestThePublicKey:
    def test_it_is_the_signing_key(self, api: Api, inspector: Any) -> None:
        response = inspector.get("/audit/public-key")
        assert response.status_code == 200
        assert response.json()["public_key"] == public_key_hex(api.app.signing_key)
        assert response.json()["algorithm"] == "Ed25519"


# -- the `lianping audit` commands, as subprocesses ------------------------------------------------

class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "lianping.db"
        self.key = tmp_path / "signing-key.pem"
        self.settings = Settings(database_url=f"sqlite:///{self.db}",
                                 signing_key_file=str(self.key))
        self.env = {**os.environ, "LIANPING_DATABASE_URL": self.settings.database_url,
                    "LIANPING_SIGNING_KEY_FILE": str(self.key)}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", "audit", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120, check=False,
        )

    def sql(self, statement: str, *params: Any) -> None:
        with sqlite3.connect(self.db, isolation_level=None) as conn:
            conn.execute(statement, params)
        conn.close()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path)
    app = LianpingApp(runner.settings)
    try:
        World(app)
    finally:
        app.close()
    return runner


def out(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


class TestTheAuditCommands:
    def test_checkpoint_verify_export_on_a_clean_store(self, cli: Cli, tmp_path: Path) -> None:
        taken = cli("checkpoint")
        assert taken.returncode == 0, taken.stderr
        checkpoint = out(taken)
        key = cli("public-key")
        assert (key.returncode, key.stdout.strip()) == (0, checkpoint["public_key"])
        pos_hash = f"{checkpoint['position']}:{checkpoint['hash']}"
        verified = cli("verify", "--checkpoint", pos_hash)
        assert verified.returncode == 0, verified.stdout
        assert out(verified)["verified_through"] == checkpoint["position"]
        export = tmp_path / "export.jsonl"
        assert cli("export", "--out", str(export)).returncode == 0
        checked = cli("verify-export", str(export), "--checkpoint", pos_hash)
        assert checked.returncode == 0, checked.stdout
        assert (out(checked)["scope"], out(checked)["checkpoint_checked"]) == ("chain", True)

    def test_verify_on_a_tampered_file_exits_1_and_names_the_position(self, cli: Cli) -> None:
        cli.sql("UPDATE stored_events SET state = ? WHERE notification_id = 5", b"{}")
        done = cli("verify")
        assert done.returncode == 1
        result = out(done)
        assert (result["ok"], result["first_bad_position"], result["code"]) == (
            False, 5, chain.PAYLOAD_ALTERED)
        assert cli("checkpoint").returncode == 1  # a broken chain is not signed

    def test_a_truncated_tail_fails_its_signed_checkpoint(self, cli: Cli, tmp_path: Path) -> None:
        checkpoint = out(cli("checkpoint"))
        kept = tmp_path / "checkpoint.json"
        kept.write_text(json.dumps(checkpoint))
        cli.sql("DELETE FROM stored_events WHERE notification_id = ?", checkpoint["position"])
        done = cli("verify", "--checkpoint-file", str(kept))
        assert done.returncode == 1
        assert (out(done)["code"], out(done)["first_bad_position"]) == (
            chain.TAIL_TRUNCATED, checkpoint["position"])

    def test_verify_export_names_an_altered_line(self, cli: Cli, tmp_path: Path) -> None:
        export = tmp_path / "export.jsonl"
        assert cli("export", "--out", str(export)).returncode == 0
        lines = export.read_text(encoding="utf-8").splitlines()
        row = json.loads(lines[7])
        row["topic"] = "lianping:Forged.Event"
        lines[7] = json.dumps(row, ensure_ascii=False)
        export.write_text("\n".join(lines) + "\n", encoding="utf-8")
        done = cli("verify-export", str(export))
        assert done.returncode == 1
        assert out(done)["first_bad_position"] == 7

    def test_bad_arguments_and_missing_files_exit_2(self, cli: Cli, tmp_path: Path) -> None:
        assert cli("verify", "--checkpoint", "seven:abc").returncode == 2
        assert cli("verify-export", str(tmp_path / "missing.jsonl")).returncode == 2
