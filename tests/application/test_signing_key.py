"""The one secret file: never silently replaced, never readable by others, created only when asked
(`lianping audit keygen`, `serve --demo`), and the secrets derived from it are its own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest

from api.cli import main
from application.app import LianpingApp, Request
from application.keys import (
    SigningKeyError,
    create_signing_key,
    derive_secret,
    derived_key,
    load_signing_key,
    public_key_hex,
)
from application.settings import Settings
from application.usecases import directory
from domain import ids
from tests.application.world import ADMIN


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def key_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's settings come from the environment: a store and a key path of this test's."""
    key = tmp_path / "keys" / "signing-key.pem"
    monkeypatch.setenv("LIANPING_SIGNING_KEY_FILE", str(key))
    monkeypatch.setenv("LIANPING_DATABASE_URL", f"sqlite:///{tmp_path / 'lianping.db'}")
    monkeypatch.setenv("LIANPING_CREATE_SIGNING_KEY", "false")
    return key


class TestLoading:
    def test_a_missing_key_file_is_an_error_that_says_what_to_do(self, tmp_path: Path) -> None:
        path = tmp_path / "signing-key.pem"

        with pytest.raises(SigningKeyError, match="lianping audit keygen"):
            load_signing_key(str(path))

        assert not path.exists()

    def test_the_application_does_not_start_without_it(self, tmp_path: Path) -> None:
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'lianping.db'}",
                            signing_key_file=str(tmp_path / "absent.pem"),
                            create_signing_key=False)

        with pytest.raises(SigningKeyError, match="absent.pem"):
            LianpingApp(settings)

    def test_asked_to_create_it_writes_it_0600_once(self, tmp_path: Path) -> None:
        path = tmp_path / "signing-key.pem"
        old = os.umask(0)  # even with no umask at all, the file is 0600
        try:
            first = load_signing_key(str(path), create=True)
        finally:
            os.umask(old)
        again = load_signing_key(str(path), create=True)

        assert mode(path) == 0o600
        assert public_key_hex(first) == public_key_hex(again)

    @pytest.mark.parametrize("too_open", [0o640, 0o604, 0o660, 0o644])
    def test_a_key_file_others_may_read_is_refused(self, tmp_path: Path, too_open: int) -> None:
        path = tmp_path / "signing-key.pem"
        create_signing_key(str(path))
        path.chmod(too_open)

        with pytest.raises(SigningKeyError, match="chmod 600"):
            load_signing_key(str(path))

    def test_a_file_that_is_no_key_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "signing-key.pem"
        path.write_text("not a key")
        path.chmod(0o600)

        with pytest.raises(SigningKeyError, match="cannot read"):
            load_signing_key(str(path))


class TestKeygen:
    def test_creates_the_key_0600_and_refuses_to_overwrite_it(
        self, key_env: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        created = main(["audit", "keygen"])
        public = capsys.readouterr().out.strip().splitlines()[-1]
        written = key_env.read_bytes()
        again = main(["audit", "keygen"])
        refusal = capsys.readouterr().err
        kept = main(["audit", "keygen", "--if-absent"])

        assert (created, again, kept) == (0, 2, 0)
        assert mode(key_env) == 0o600
        assert public == public_key_hex(load_signing_key(str(key_env)))
        assert "refusing to overwrite" in refusal
        assert key_env.read_bytes() == written

    def test_serve_without_the_key_stops_with_the_message(
        self, key_env: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["serve", "--port", "1"])

        assert code == 2
        assert "lianping audit keygen" in capsys.readouterr().err
        assert not key_env.exists()

    def test_serve_refuses_a_key_others_may_read(
        self, key_env: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        create_signing_key(str(key_env))
        key_env.chmod(0o644)

        assert main(["serve", "--port", "1"]) == 2
        assert "chmod 600" in capsys.readouterr().err

    def test_other_commands_name_the_missing_key(
        self, key_env: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["audit", "public-key"]) == 2
        with pytest.raises(SystemExit) as stopped:
            main(["audit", "checkpoint"])

        assert stopped.value.code == 2
        assert capsys.readouterr().err.count("lianping audit keygen") == 2


class TestDerivedSecrets:
    def test_each_purpose_has_its_own_secret_and_none_is_the_key(self, tmp_path: Path) -> None:
        key = load_signing_key(str(tmp_path / "k.pem"), create=True)
        other = load_signing_key(str(tmp_path / "other.pem"), create=True)
        raw = key.private_bytes_raw()

        tokens = derived_key(key, b"api-token")

        assert tokens != raw and len(tokens) == 32
        assert tokens != derived_key(key, b"something-else")
        assert tokens == derived_key(key, b"api-token")  # stable: a replay shows the same token
        assert tokens != derived_key(other, b"api-token")
        assert derive_secret(key, b"api-token", b"m") != derive_secret(key, b"api-token", b"n")

    def test_a_token_issued_under_an_idempotency_key_comes_from_the_token_secret(
        self, app: LianpingApp
    ) -> None:
        directory.bootstrap_admin(app, "admin", "管理员")
        asking = Request(ADMIN, idempotency_key="k", fingerprint="f")

        token = app.execute(asking, directory.issue_token, "admin", 3).body["token"]
        replayed = app.execute(asking, directory.issue_token, "admin", 3).body["token"]

        secret = hmac.new(derived_key(app.signing_key, b"api-token"),
                          ids.idempotency_id("admin", "k").bytes, hashlib.sha256).digest()
        assert token == replayed == base64.urlsafe_b64encode(secret).rstrip(b"=").decode()
