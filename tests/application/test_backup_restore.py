"""Backup and restore: `lianping audit export` then `lianping restore FILE` into an empty store of
either kind gives back the same log, byte for byte (positions, hashes, timestamps): it verifies,
an old signed checkpoint still verifies, rebuilt read models equal the original's, and the
restored store goes on recording. A non-empty store and a file that does not verify are refused,
naming the position, and nothing is written."""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from api.cli.audit import cmd_restore
from application.app import LianpingApp, Request
from application.settings import Settings
from application.store.chain import iter_chain_rows
from application.store.records import ChainRow
from application.usecases import directory
from application.usecases.exports import export_lines
from application.usecases.integrity import CheckpointClaim, make_checkpoint, verify_store
from application.usecases.restore import RestoreRefusedError, restore_file
from projections.rebuild import rebuild_read_models
from projections.service import read_models
from tests.application.world import ADMIN, World
from tests.conftest import POSTGRES_URL, fresh_app, fresh_postgres_schema
from tests.e2e.server import BIN
from tests.projections.scripts import new_cycle, rich_history, run_script

TARGETS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def empty_store(kind: str, folder: Path, signing_key_file: str) -> Iterator[Settings]:
    """Settings for a store that does not exist yet (the restore creates its tables), sharing the
    source's signing key: a restored service keeps its key file (it is not in the export)."""
    with ExitStack() as stack:
        if kind == "sqlite":
            folder.mkdir()
            yield Settings(database_url=f"sqlite:///{folder / 'restored.db'}",
                           signing_key_file=signing_key_file)
        else:
            schema = stack.enter_context(fresh_postgres_schema())
            yield Settings(database_url=POSTGRES_URL, postgres_schema=schema,
                           signing_key_file=signing_key_file, pool_size=2)


def all_rows(app: LianpingApp) -> list[ChainRow]:
    return list(iter_chain_rows(app.recorder))


def export_to(app: LianpingApp, path: Path) -> Path:
    path.write_text("".join(line + "\n" for line in export_lines(app)), encoding="utf-8")
    return path


def read_model_rows(app: LianpingApp) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every read model rebuilt from the log, as {name: {table: rows}}."""
    models = read_models(app)
    rebuild_read_models(models)
    dumped = {}
    for name, projection in models.projections.items():
        view = models.store.ensure(projection)
        dumped[name] = {table.name: view.dump(table) for table in projection.tables}
    return dumped


def restore_cli(settings: Settings, path: Path, capsys: pytest.CaptureFixture[str]
                ) -> tuple[int, dict[str, Any]]:
    code = cmd_restore(argparse.Namespace(file=str(path)), settings)
    return code, json.loads(capsys.readouterr().out)


def history(app: LianpingApp) -> World:
    """A few cycles with every kind of event, and a cycle begun after a checkpoint."""
    world = World(app)
    rich_history(world)
    return world


class TestARestoredStore:
    @pytest.mark.parametrize("target", TARGETS)
    def test_is_the_original_byte_for_byte_and_goes_on_recording(
        self, app: LianpingApp, store: str, target: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        world = history(app)
        checkpoint, _ = make_checkpoint(app)
        cycle_id = new_cycle(world, "after-checkpoint", 2300, None)
        run_script(world, cycle_id, [("forward",), ("report", "county-a")])
        backup = export_to(app, tmp_path / "backup.jsonl")
        original_rows = all_rows(app)
        original_models = read_model_rows(app)
        assert len(original_rows) > 200
        assert all(any(tables.values()) for tables in original_models.values())

        with empty_store(target, tmp_path / "target", app.settings.signing_key_file) as settings:
            code, answer = restore_cli(settings, backup, capsys)

            assert code == 0, answer
            head = original_rows[-1]
            assert head.hash is not None
            assert answer == {"restored": len(original_rows),
                              "through": {"position": head.position, "hash": head.hash.hex()}}
            restored = LianpingApp(settings)
            try:
                assert all_rows(restored) == original_rows
                assert verify_store(restored).ok
                claim = CheckpointClaim.from_json(checkpoint.as_json())
                assert claim.signature is not None
                assert verify_store(restored, claim).ok
                assert read_model_rows(restored) == original_models

                added = restored.execute(
                    Request(ADMIN), directory.register_org, "county-d", "丁县", "county", "city")
                assert added.position == head.position + 1
                result = verify_store(restored, claim)
                assert result.ok and result.verified_through == added.position
                assert all_rows(restored)[:-1] == original_rows
            finally:
                restored.close()

    @pytest.mark.postgres
    @pytest.mark.parametrize("target", TARGETS)
    def test_keeps_the_gaps_a_failed_save_leaves_on_postgresql(
        self, target: str, tmp_path: Path
    ) -> None:
        with fresh_app("postgres") as app:
            World(app)
            recorder: Any = app.recorder
            with recorder.datastore.transaction(commit=True) as c:
                table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
                c.execute("SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                          (table,))
            app.execute(Request(ADMIN), directory.register_org, "county-d", "丁县", "county",
                        "city")
            rows = all_rows(app)
            assert rows[-1].position == rows[-2].position + 2
            backup = export_to(app, tmp_path / "backup.jsonl")
            key_file = app.settings.signing_key_file
            with empty_store(target, tmp_path / "target", key_file) as settings:
                restore_file(settings, str(backup))
                restored = LianpingApp(settings)
                try:
                    assert all_rows(restored) == rows
                    assert verify_store(restored).ok
                finally:
                    restored.close()


class TestARestoreIsRefused:
    def test_into_a_store_that_is_not_empty(
        self, app: LianpingApp, store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        World(app)
        backup = export_to(app, tmp_path / "backup.jsonl")
        before = all_rows(app)

        code, answer = restore_cli(app.settings, backup, capsys)

        assert code == 1
        assert answer["error"]["code"] == "store_not_empty"
        assert all_rows(app) == before

    def test_into_a_store_with_only_checkpoints(
        self, app: LianpingApp, store: str, tmp_path: Path
    ) -> None:
        World(app)
        backup = export_to(app, tmp_path / "backup.jsonl")
        with empty_store(store, tmp_path / "target", app.settings.signing_key_file) as settings:
            restore_file(settings, str(backup))
            restored = LianpingApp(settings)
            try:
                make_checkpoint(restored)
                recorder: Any = restored.recorder
                with recorder.datastore.transaction(commit=True) as c:
                    schema = getattr(recorder.datastore, "schema", None)
                    table = recorder.events_table_name
                    c.execute(f'DELETE FROM "{schema}"."{table}"' if schema else
                              f"DELETE FROM {table}")
                with pytest.raises(RestoreRefusedError) as refused:
                    restore_file(settings, str(backup))
                assert refused.value.code == "store_not_empty"
                assert refused.value.details == {"found": "checkpoints"}
                assert restored.recorder.max_notification_id() is None
            finally:
                restored.close()

    @pytest.mark.parametrize(
        "field", ["state", "topic", "version", "hash", "actor", "reason", "recorded_at"])
    def test_when_one_byte_of_one_event_was_changed_naming_its_position(
        self, app: LianpingApp, store: str, tmp_path: Path, field: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        World(app)
        lines = export_to(app, tmp_path / "backup.jsonl").read_text().splitlines()
        victim = json.loads(lines[7])
        position = victim["position"]
        if field == "state":
            state = bytearray(base64.b64decode(victim["state"]))
            state[state.index(b"{") + 1] ^= 0x01
            victim["state"] = base64.b64encode(bytes(state)).decode()
        elif field == "topic":
            victim["topic"] = victim["topic"][:-1] + chr(ord(victim["topic"][-1]) ^ 1)
        elif field == "version":
            victim["version"] += 1
        elif field in ("actor", "reason"):  # readable, not hashed: must match the stored bytes
            victim[field] = "someone-else"
        elif field == "recorded_at":
            victim[field] = victim[field].replace(":", ";", 1)
        else:
            victim["hash"] = victim["hash"][:-1] + ("0" if victim["hash"][-1] != "0" else "1")
        lines[7] = json.dumps(victim, ensure_ascii=False)
        tampered = tmp_path / "tampered.jsonl"
        tampered.write_text("\n".join(lines) + "\n", encoding="utf-8")

        with empty_store(store, tmp_path / "target", app.settings.signing_key_file) as settings:
            code, answer = restore_cli(settings, tampered, capsys)

            assert code == 1
            assert answer["error"]["code"] == "export_does_not_verify"
            assert answer["error"]["details"]["first_bad_position"] == position
            assert f"position {position}" in answer["error"]["message"]
            untouched = LianpingApp(settings)
            try:
                assert untouched.recorder.max_notification_id() is None
            finally:
                untouched.close()

    def test_when_the_file_is_cut_short(
        self, app: LianpingApp, store: str, tmp_path: Path
    ) -> None:
        World(app)
        lines = export_to(app, tmp_path / "backup.jsonl").read_text().splitlines()
        short = tmp_path / "short.jsonl"
        short.write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
        last = json.loads(lines[-4])["position"]

        with empty_store(store, tmp_path / "target", app.settings.signing_key_file) as settings:
            with pytest.raises(RestoreRefusedError) as refused:
                restore_file(settings, str(short))
            assert refused.value.code == "export_does_not_verify"
            assert refused.value.details["first_bad_position"] == last + 1


class TestTheCommandLine:
    @pytest.mark.postgres
    def test_exports_one_store_and_restores_it_into_another(self, tmp_path: Path) -> None:
        """`lianping audit export` from a SQLite file, `lianping restore` into PostgreSQL."""
        with fresh_app("sqlite") as source:
            World(source)
            rows = all_rows(source)
            source_url = source.settings.database_url
            key_file = source.settings.signing_key_file
            backup = tmp_path / "backup.jsonl"
            exported = subprocess.run(
                [str(BIN / "lianping"), "audit", "export", "--out", str(backup)],
                env={**os.environ, "LIANPING_DATABASE_URL": source_url,
                     "LIANPING_SIGNING_KEY_FILE": key_file},
                capture_output=True, text=True, timeout=60,
            )
            assert exported.returncode == 0, exported.stderr
        with empty_store("postgres", tmp_path / "target", key_file) as settings:
            env = {**os.environ, "LIANPING_DATABASE_URL": settings.database_url,
                   "LIANPING_POSTGRES_SCHEMA": settings.postgres_schema,
                   "LIANPING_SIGNING_KEY_FILE": key_file}
            command = [str(BIN / "lianping"), "restore", str(backup)]

            restored = subprocess.run(command, env=env, capture_output=True, text=True,
                                      timeout=60)
            again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

            assert restored.returncode == 0, restored.stderr
            assert json.loads(restored.stdout)["restored"] == len(rows)
            assert again.returncode == 1
            assert json.loads(again.stdout)["error"]["code"] == "store_not_empty"
            verified = subprocess.run([str(BIN / "lianping"), "audit", "verify"], env=env,
                                      capture_output=True, text=True, timeout=60)
            assert verified.returncode == 0, verified.stdout
            assert json.loads(verified.stdout)["verified_through"] == rows[-1].position
