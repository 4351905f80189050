"""All configuration in one place, read from LIANPING_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE_RECORDER = "application.store.sqlite:ChainedSQLiteRecorder"
POSTGRES_RECORDER = "application.store.postgres:ChainedPostgresRecorder"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANPING_", extra="ignore")

    database_url: str = "sqlite:///var/lianping.db"
    postgres_schema: str = "public"
    pool_size: int = 5
    max_overflow: int = 5
    connect_timeout: int = 3
    lock_timeout: int = 5
    timezone: str = "Asia/Shanghai"
    signing_key_file: str = "var/signing-key.pem"
    # true: create the key file when it is absent (tests, the demo); else a missing key is an error
    create_signing_key: bool = False
    checkpoint_interval_seconds: int = 3600
    max_body_bytes: int = 1024 * 1024
    # Limits (API.md "Limits and refusals"); 0 disables each one.
    max_versions: int = 20  # report and plan versions per participant
    max_page_bytes: int = 8 * 1024 * 1024  # a GET list page, JSON bytes
    write_rate_per_account: float = 100  # writes/s, a token bucket per account and process ...
    write_burst_per_account: int = 300  # ... holding this many
    write_rate_per_address: float = 1000  # writes/s per client address and process ...
    write_burst_per_address: int = 3000
    # 民主测评: failed ballot-code lookups per client address and minute before 429 (0: off),
    # and the address printed slips link to when a proxy serves this app (else the request's).
    ballot_failures_per_minute: int = 20
    public_base_url: str | None = None
    verify_concurrency: int = 1  # POST /audit/verify running at once per process
    run_projections: bool = True  # false: leave read models to `lianping projections run`
    access_log: bool = False  # true: uvicorn logs a line per request (off: CPU for the requests)
    # Aggregates kept in memory per process. A repository read fetches their newer events first
    # (fast-forward, onto a copy: application/cache.py); a command's first attempt and
    # `LianpingApp.cached` take them as cached, possibly stale (the save asserts the versions a
    # command read; a stale read costs a retry); `LianpingApp.read_all` (standings, ballot
    # pages) folds only their newer events. Sized for a province's open cycles (a county's
    # cycle with a panel of 20 is ~550 aggregates). 0 disables the cache.
    aggregate_cache_size: int = 32768
    # PostgreSQL: saves made at once in one process share one transaction and one round trip
    # (application/store/group_commit.py). false: each save is its own transaction.
    group_commit: bool = True
    # The demo accounts' console password (`lianping serve --demo`); unset: derived from the key.
    demo_password: str | None = None
    # Reminders (红黄灯): each yellow or red task is sent once to its person by ``reminder_sender``
    # (log: a log line; smtp: e-mail to the account's address; webhook: JSON POSTed to
    # ``webhook_url``, e.g. an SMS gateway). Lights are checked every reminder_interval_seconds
    # by the process that runs the read models; failed sends are retried after
    # reminder_backoff_seconds, doubling up to reminder_backoff_max_seconds, until
    # reminder_max_attempts, then shown to the organizer as failed.
    run_reminders: bool = True
    reminder_sender: Literal["log", "smtp", "webhook"] = "log"
    reminder_interval_seconds: float = 60
    reminder_max_attempts: int = 8
    reminder_backoff_seconds: float = 30
    reminder_backoff_max_seconds: float = 3600
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "lianping@localhost"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    webhook_url: str | None = None
    send_timeout_seconds: float = 10

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    def eventsourcing_env(self) -> dict[str, str]:
        """Translate the database URL into the library's own settings."""
        url = urlparse(self.database_url)
        cache = (
            {"AGGREGATE_CACHE_MAXSIZE": str(self.aggregate_cache_size),
             "AGGREGATE_CACHE_FASTFORWARD": "y"}
            if self.aggregate_cache_size > 0
            else {}
        )
        if url.scheme == "sqlite":
            path = unquote(url.path)
            path = path[1:] if self.database_url.startswith("sqlite:///") else path
            if not path:
                raise ValueError("LIANPING_DATABASE_URL: sqlite:///path needs a path")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout),
                "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER,
                **cache,
            }
        if self.is_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
                "POSTGRES_HOST": url.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": unquote(url.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(url.password or ""),
                "POSTGRES_SCHEMA": self.postgres_schema,
                "POSTGRES_CONNECT_TIMEOUT": str(self.connect_timeout),
                "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout),
                "POSTGRES_POOL_SIZE": str(self.pool_size),
                "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
                "POSTGRES_MAX_WAITING": "64",
                # Ping only connections that sat idle (application.store.pool), not every one.
                "POSTGRES_PRE_PING": "n",
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
                "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
                **cache,
            }
        raise ValueError(
            f"LIANPING_DATABASE_URL must be sqlite:///path or postgresql://..., got {url.scheme!r}"
        )
