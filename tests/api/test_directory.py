"""Directory through HTTP: organizations, secretaries, accounts, grants, tokens, /me."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.app import LianpingApp, Request
from application.settings import Settings
from application.usecases import directory
from tests.api.helpers import Api, error_code
from tests.application.world import ADMIN


def register(api: Api, code: str, name: str, level: str, parent: str | None) -> None:
    response = api.admin.post(
        "/organizations", {"code": code, "name": name, "level": level, "parent_code": parent}
    )
    assert response.status_code == 201, response.text


class TestRegisterOrganization:
    def test_an_admin_registers_a_province_and_a_city_below_it(self, api: Api) -> None:
        first = api.admin.post("/organizations", {
            "code": "prov", "name": "某省", "level": "province", "parent_code": None
        })
        second = api.admin.post("/organizations", {
            "code": "city", "name": "某市", "level": "city", "parent_code": "prov"
        })

        assert first.status_code == 201
        assert second.status_code == 201
        assert second.json() == {
            "code": "city", "name": "某市", "level": "city", "parent_code": "prov", "version": 1
        }
        assert second.headers["ETag"] == '"1"'
        assert int(second.headers["X-Event-Position"]) > int(first.headers["X-Event-Position"])

    def test_a_non_admin_is_forbidden_and_nothing_is_recorded(self, api: Api) -> None:
        api.world  # noqa: B018
        before = api.position()

        response = api.organizer.post("/organizations", {
            "code": "x", "name": "某县", "level": "county", "parent_code": "city"
        })

        assert response.status_code == 403
        assert error_code(response) == "admin_required"
        assert api.position() == before

    def test_a_duplicate_code_is_a_conflict(self, api: Api) -> None:
        register(api, "prov", "某省", "province", None)

        response = api.admin.post(
            "/organizations", {"code": "prov", "name": "某省", "level": "province"}
        )

        assert response.status_code == 409
        assert error_code(response) == "org_exists"

    def test_an_unknown_parent_in_the_body_is_unprocessable(self, api: Api) -> None:
        response = api.admin.post("/organizations", {
            "code": "c", "name": "某市", "level": "city", "parent_code": "nowhere"
        })

        assert response.status_code == 422
        assert error_code(response) == "unknown_org"

    def test_a_city_without_parent_is_unprocessable(self, api: Api) -> None:
        response = api.admin.post("/organizations", {"code": "c", "name": "某市", "level": "city"})

        assert response.status_code == 422
        assert error_code(response) == "parent_required"

    @pytest.mark.parametrize("body, field", [
        ({"code": "c", "name": "某市", "level": "metropolis"}, "level"),
        ({"code": "c d", "name": "某市", "level": "province"}, "code"),
        ({"code": "c", "name": "", "level": "province"}, "name"),
        ({"code": "c", "name": 7, "level": "province"}, "name"),
        ({"code": "c", "name": "某\x00市", "level": "province"}, "name"),
        ({"code": "c", "name": "某\n市", "level": "province"}, "name"),
        ({"code": "c", "name": "某市", "level": "province", "colour": "red"}, "colour"),
        ({"name": "某市", "level": "province"}, "code"),
    ])
    def test_invalid_fields_are_listed(self, api: Api, body: dict, field: str) -> None:
        response = api.admin.post("/organizations", body)

        assert response.status_code == 422
        assert error_code(response) == "validation_error"
        assert field in [d["field"] for d in response.json()["error"]["details"]]


class TestReadOrganization:
    def test_an_org_shows_its_current_secretary(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.organizer.get("/organizations/county-a")

        assert response.status_code == 200
        assert response.json() == {
            "code": "county-a", "name": "甲县", "level": "county", "parent_code": "city",
            "secretary": {"name": "甲县书记", "account_id": "sec-county-a", "since": "2020-01-01"},
        }

    def test_an_unknown_org_is_not_found(self, api: Api) -> None:
        response = api.admin.get("/organizations/atlantis")

        assert response.status_code == 404
        assert error_code(response) == "unknown_org"


class TestAppointSecretary:
    def test_a_successor_is_appointed(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.admin.post(
            "/organizations/county-a/secretary", {"name": "李书记", "since": "2026-03-01"}
        )

        assert response.status_code == 200
        assert response.json()["secretary"] == {
            "name": "李书记", "account_id": None, "since": "2026-03-01"
        }
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'

    def test_a_successor_cannot_start_before_the_incumbent(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.admin.post(
            "/organizations/county-a/secretary", {"name": "李书记", "since": "2019-03-01"}
        )

        assert response.status_code == 409
        assert error_code(response) == "secretary_since_out_of_order"

    def test_a_bad_date_is_unprocessable(self, api: Api) -> None:
        api.world  # noqa: B018

        for since in ["2026-02-30", "01/03/2026", "2026-3-1", 20260301, None]:
            response = api.admin.post(
                "/organizations/county-a/secretary", {"name": "李书记", "since": since}
            )

            assert response.status_code == 422, since
            assert error_code(response) == "validation_error"

    def test_for_an_unknown_org_is_not_found(self, api: Api) -> None:
        response = api.admin.post(
            "/organizations/atlantis/secretary", {"name": "李书记", "since": "2026-03-01"}
        )

        assert response.status_code == 404

    def test_naming_an_unknown_account_is_unprocessable(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.admin.post(
            "/organizations/county-a/secretary",
            {"name": "李书记", "account_id": "ghost", "since": "2026-03-01"},
        )

        assert response.status_code == 422
        assert error_code(response) == "unknown_account"


class TestAccountsAndGrants:
    def test_an_account_is_opened_granted_and_revoked(self, api: Api) -> None:
        api.world  # noqa: B018

        opened = api.admin.post(
            "/accounts", {"account_id": "zhang", "name": "张三", "org_code": "county-b"}
        )
        granted = api.admin.post(
            "/accounts/zhang/grants", {"role": "inspector", "org_code": "county-b"}
        )
        revoked = api.admin.post(
            "/accounts/zhang/revocations", {"role": "inspector", "org_code": "county-b"}
        )

        assert opened.status_code == 201
        assert opened.json() == {
            "account_id": "zhang", "name": "张三", "org_code": "county-b", "grants": []
        }
        assert granted.status_code == 200
        assert granted.json()["grants"] == [{"role": "inspector", "org_code": "county-b"}]
        assert revoked.status_code == 200
        assert revoked.json()["grants"] == []

    def test_a_duplicate_account_is_a_conflict(self, api: Api) -> None:
        response = api.admin.post("/accounts", {"account_id": "admin", "name": "又一个"})

        assert response.status_code == 409
        assert error_code(response) == "account_exists"

    def test_granting_to_an_unknown_account_is_not_found(self, api: Api) -> None:
        response = api.admin.post("/accounts/ghost/grants", {"role": "admin", "org_code": "*"})

        assert response.status_code == 404
        assert error_code(response) == "unknown_account"

    def test_an_unknown_role_is_unprocessable(self, api: Api) -> None:
        response = api.admin.post("/accounts/admin/grants", {"role": "king", "org_code": "*"})

        assert response.status_code == 422
        assert error_code(response) == "validation_error"

    def test_a_grant_on_an_unknown_org_is_unprocessable(self, api: Api) -> None:
        response = api.admin.post(
            "/accounts/admin/grants", {"role": "inspector", "org_code": "atlantis"}
        )

        assert response.status_code == 422
        assert error_code(response) == "unknown_org"

    def test_a_grant_held_twice_and_a_revocation_of_nothing_are_conflicts(self, api: Api) -> None:
        twice = api.admin.post("/accounts/admin/grants", {"role": "admin", "org_code": "*"})
        nothing = api.admin.post(
            "/accounts/admin/revocations", {"role": "inspector", "org_code": "*"}
        )

        assert twice.status_code == 409
        assert error_code(twice) == "grant_exists"
        assert nothing.status_code == 409
        assert error_code(nothing) == "grant_not_found"

    def test_a_secretary_may_not_open_accounts(self, api: Api) -> None:
        api.world  # noqa: B018

        response = api.as_("sec-county-a").post("/accounts", {"account_id": "x", "name": "某"})

        assert response.status_code == 403


class TestTokens:
    def test_an_issued_token_authenticates_its_account(self, api: Api) -> None:
        api.world  # noqa: B018

        issued = api.admin.post("/accounts/inspector/tokens", {"expires_in_days": 7})
        token = issued.json()["token"]
        me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

        assert issued.status_code == 201
        assert set(issued.json()) == {"token", "token_id", "expires_at"}
        assert me.status_code == 200
        assert me.json()["account_id"] == "inspector"
        assert me.json()["grants"] == [{"role": "inspector", "org_code": "city"}]

    def test_no_body_at_all_takes_the_default_lifetime(self, api: Api) -> None:
        response = api.client.post("/api/v1/accounts/admin/tokens",
                                   headers=api.admin.headers(None))

        assert response.status_code == 201
        expires = datetime.fromisoformat(response.json()["expires_at"])
        assert expires - datetime.now(UTC) > timedelta(days=89)

    @pytest.mark.parametrize("days", [0, -1, 3651, "7", 1.5, True])
    def test_a_bad_lifetime_is_unprocessable(self, api: Api, days: object) -> None:
        response = api.admin.post("/accounts/admin/tokens", {"expires_in_days": days})

        assert response.status_code == 422

    def test_a_revoked_token_is_refused_from_then_on(self, api: Api) -> None:
        api.world  # noqa: B018
        issued = api.admin.post("/accounts/organizer/tokens", {}).json()
        headers = {"Authorization": f"Bearer {issued['token']}"}

        before = api.client.get("/api/v1/me", headers=headers)
        revoked = api.admin.post(
            f"/accounts/organizer/tokens/{issued['token_id']}/revocation", {"reason": "调岗"}
        )
        after = api.client.get("/api/v1/me", headers=headers)

        assert before.status_code == 200
        assert revoked.status_code == 200
        assert revoked.json() == {"token_id": issued["token_id"], "revoked": True}
        assert after.status_code == 401
        assert after.headers["WWW-Authenticate"].startswith("Bearer")
        assert error_code(after) == "invalid_token"

    def test_a_write_with_a_token_another_process_revoked_is_refused_and_records_nothing(
        self, api: Api, settings: Settings
    ) -> None:
        issued = api.admin.post("/accounts/admin/tokens", {}).json()
        headers = {"Authorization": f"Bearer {issued['token']}"}
        first = api.client.post("/api/v1/accounts/admin/tokens", json={}, headers=headers)
        other = LianpingApp(settings)  # another API process on the same store
        try:
            other.execute(Request(ADMIN), directory.revoke_token, "admin", issued["token_id"],
                          "调岗")
        finally:
            other.close()
        head = api.app.recorder.max_notification_id()

        refused = api.client.post("/api/v1/accounts/admin/tokens", json={}, headers=headers)

        assert first.status_code == 201  # and the token is in this process's cache
        assert refused.status_code == 401
        assert error_code(refused) == "invalid_token"
        assert api.app.recorder.max_notification_id() == head

    def test_revoking_twice_is_a_conflict(self, api: Api) -> None:
        issued = api.admin.post("/accounts/admin/tokens", {}).json()
        path = f"/accounts/admin/tokens/{issued['token_id']}/revocation"

        api.admin.post(path, {})
        again = api.admin.post(path, {})

        assert again.status_code == 409
        assert error_code(again) == "token_already_revoked"

    @pytest.mark.parametrize("token_id", ["not-a-uuid", "6f1d3c2a-4b1e-5a7c-9d2e-8f0a1b2c3d4e"])
    def test_an_unknown_token_is_not_found(self, api: Api, token_id: str) -> None:
        response = api.admin.post(f"/accounts/admin/tokens/{token_id}/revocation", {})

        assert response.status_code == 404
        assert error_code(response) == "unknown_token"

    def test_a_token_of_another_account_is_not_found(self, api: Api) -> None:
        api.world  # noqa: B018
        issued = api.admin.post("/accounts/organizer/tokens", {}).json()

        response = api.admin.post(f"/accounts/inspector/tokens/{issued['token_id']}/revocation")

        assert response.status_code == 404

    def test_tokens_for_an_unknown_account_are_not_found(self, api: Api) -> None:
        response = api.admin.post("/accounts/ghost/tokens", {})

        assert response.status_code == 404
        assert error_code(response) == "unknown_account"

    def test_an_expired_token_is_refused(self, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
        token = api.admin.post("/accounts/admin/tokens", {"expires_in_days": 1}).json()["token"]
        later = datetime.now(UTC) + timedelta(days=2)
        monkeypatch.setattr(api.app, "now", lambda: later)

        response = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


class TestMe:
    def test_me_lists_the_callers_grants(self, api: Api) -> None:
        response = api.admin.get("/me")

        assert response.status_code == 200
        assert response.json() == {
            "account_id": "admin", "name": "管理员", "org_code": None,
            "grants": [{"role": "admin", "org_code": "*"}],
        }

    def test_me_answers_chinese_unescaped_in_utf8(self, api: Api) -> None:
        response = api.admin.get("/me")

        assert response.status_code == 200
        assert "管理员".encode() in response.content
        assert b"\\u" not in response.content
