"""Bulk import, measured: a province's directory (1,500 orgs: 14 cities, 140 counties, 1,346
townships, each with its secretary) and 1,500 accounts with their roles, each imported through
the HTTP API (in-process) as one XLSX and one CSV, on a fresh SQLite file or PostgreSQL schema.

    python -m bench.imports [sqlite|postgres]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.main import create_app
from application.app import LianpingApp
from application.settings import Settings
from application.usecases import directory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def org_rows() -> list[list[str]]:
    rows = [["code", "name", "level", "parent_code", "secretary_name"]]
    towns = 0
    for c in range(14):
        city = f"c{c:02d}"
        rows.append([city, f"第{c + 1}市", "city", "prov", f"{SURNAMES[c % 20]}市书记"])
        for k in range(10):
            county = f"{city}-{k:02d}"
            rows.append([county, f"{city}第{k + 1}县", "county", city, f"{SURNAMES[k]}县书记"])
            for t in range(10 if c < 13 or k < 6 else 4):
                if towns == 1346:
                    break
                towns += 1
                rows.append([f"{county}-{t:02d}", f"{county}第{t + 1}镇", "township", county,
                             f"{SURNAMES[(t + k) % 20]}镇书记"])
    rows = rows[:1501]
    return [rows[0], *reversed(rows[1:])]  # townships first: order must not matter


def account_rows(orgs: list[list[str]]) -> list[list[str]]:
    rows = [["account_id", "name", "org_code", "roles"]]
    for org in orgs[1:]:
        code = org[0]
        rows.append([f"sj-{code}", f"{org[1]}书记", code, f"secretary@{code}"])
    return rows


def xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv(rows: list[list[str]]) -> bytes:
    return ("\ufeff" + "".join(",".join(r) + "\r\n" for r in rows)).encode()


def settings(store: str, folder: Path) -> Settings:
    key = {"signing_key_file": str(folder / "key.pem"), "create_signing_key": True}
    if store == "sqlite":
        return Settings(database_url=f"sqlite:///{folder / 'bench.db'}", **key)
    from tests.conftest import POSTGRES_URL, postgres_connection

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_connection() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return Settings(database_url=POSTGRES_URL, postgres_schema=schema, **key)


def main(store: str) -> None:
    orgs = org_rows()
    accounts = account_rows(orgs)
    with tempfile.TemporaryDirectory() as folder:
        config = settings(store, Path(folder))
        app = LianpingApp(config)
        try:
            token = directory.bootstrap_admin(app, "admin", "管理员")
            headers = {"Authorization": f"Bearer {token}"}
            with TestClient(create_app(application=app)) as client:
                client.post("/api/v1/organizations", headers=headers,
                            json={"code": "prov", "name": "某省", "level": "province"})
                for label, rows, path, body, media in [
                    ("orgs xlsx", orgs, "organizations", xlsx(orgs), XLSX),
                    ("orgs csv (again)", orgs, "organizations", csv(orgs), "text/csv"),
                    ("accounts csv", accounts, "accounts", csv(accounts), "text/csv"),
                    ("accounts xlsx (again)", accounts, "accounts", xlsx(accounts), XLSX),
                ]:
                    for dry in ("true", "false"):
                        started = time.perf_counter()
                        response = client.post(
                            f"/api/v1/{path}/import", params={"dry_run": dry}, content=body,
                            headers={**headers, "Content-Type": media})
                        took = time.perf_counter() - started
                        answer = response.json()
                        print(f"{store:8} {label:22} dry_run={dry:5} {len(rows) - 1} rows "
                              f"{len(body) / 1024:7.1f} KiB -> {response.status_code} "
                              f"created={answer.get('created')} "
                              f"unchanged={answer.get('unchanged')} in {took:6.2f} s")
        finally:
            app.close()
            if config.postgres_schema and store == "postgres":
                from tests.conftest import postgres_connection

                with postgres_connection() as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{config.postgres_schema}" CASCADE')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
