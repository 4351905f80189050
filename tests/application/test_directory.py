"""Directory commands: organizations, secretaries, accounts, grants, tokens, authentication."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from application.app import Request
from application.principal import Principal
from application.usecases import directory
from domain.errors import UnauthorizedError
from tests.application.scenario import event_types_since, position, then_refused
from tests.application.world import ADMIN


class TestRegisterOrganization:
    def test_a_county_is_registered_under_its_city(self, app, world):
        before = position(app)
        outcome = world.run(ADMIN, directory.register_org, "county-d", "丁县", "county", "city")
        assert outcome.created and outcome.body["parent_code"] == "city"
        assert event_types_since(app, before) == ["Organization.Registered"]

    def test_a_parent_that_is_not_one_level_up_is_refused(self, app, world):
        then_refused(
            app,
            "invalid_parent",
            lambda: world.run(ADMIN, directory.register_org, "t1", "某镇", "township", "city"),
        )

    def test_an_unknown_parent_is_refused_as_invalid(self, app, world):
        then_refused(
            app,
            "unknown_org",
            lambda: world.run(ADMIN, directory.register_org, "x", "某县", "county", "nowhere"),
            kind="invalid",
        )

    def test_a_province_has_no_parent(self, app, world):
        then_refused(
            app,
            "invalid_parent",
            lambda: world.run(ADMIN, directory.register_org, "p2", "另一省", "province", "prov"),
        )

    def test_a_non_province_needs_a_parent(self, app, world):
        then_refused(
            app,
            "parent_required",
            lambda: world.run(ADMIN, directory.register_org, "c2", "某市", "city", None),
        )

    def test_a_code_is_registered_once(self, app, world):
        then_refused(
            app,
            "org_exists",
            lambda: world.run(ADMIN, directory.register_org, "city", "某市", "city", "prov"),
        )

    def test_an_unknown_level_is_refused(self, app, world):
        then_refused(
            app,
            "unknown_level",
            lambda: world.run(ADMIN, directory.register_org, "v1", "某村", "village", "county-a"),
        )

    def test_only_an_admin_registers(self, app, world):
        then_refused(
            app,
            "admin_required",
            lambda: world.run(
                "organizer", directory.register_org, "county-d", "丁县", "county", "city"
            ),
        )


class TestAppointSecretary:
    def test_a_successor_takes_office_and_history_is_kept(self, app, world):
        world.run(ADMIN, directory.appoint_secretary, "county-a", "新书记", None, date(2026, 3, 1))
        org = directory.get_org(app, ADMIN, "county-a")
        assert org["secretary"]["name"] == "新书记"

    def test_a_successor_cannot_start_before_the_incumbent(self, app, world):
        then_refused(
            app,
            "secretary_since_out_of_order",
            lambda: world.run(
                ADMIN, directory.appoint_secretary, "county-a", "早书记", None, date(2019, 1, 1)
            ),
        )

    def test_an_unknown_org_is_not_found(self, app, world):
        then_refused(
            app,
            "unknown_org",
            lambda: world.run(
                ADMIN, directory.appoint_secretary, "nope", "某人", None, date(2026, 1, 1)
            ),
            kind="not_found",
        )

    def test_an_unknown_account_is_refused_as_invalid(self, app, world):
        then_refused(
            app,
            "unknown_account",
            lambda: world.run(
                ADMIN, directory.appoint_secretary, "county-a", "某人", "ghost", date(2026, 1, 1)
            ),
            kind="invalid",
        )


class TestAccountsAndGrants:
    def test_an_account_is_opened_granted_and_revoked(self, app, world):
        world.run(ADMIN, directory.open_account, "new", "新人", "city")
        granted = world.run(ADMIN, directory.grant_role, "new", "inspector", "city")
        assert granted.body["grants"] == [{"role": "inspector", "org_code": "city"}]
        revoked = world.run(ADMIN, directory.revoke_role, "new", "inspector", "city")
        assert revoked.body["grants"] == []

    def test_an_account_id_is_used_once(self, app, world):
        then_refused(
            app,
            "account_exists",
            lambda: world.run(ADMIN, directory.open_account, "organizer", "重复", "city"),
        )

    def test_a_grant_held_already_is_refused(self, app, world):
        then_refused(
            app,
            "grant_exists",
            lambda: world.run(ADMIN, directory.grant_role, "organizer", "organizer", "city"),
        )

    def test_revoking_a_grant_not_held_is_refused(self, app, world):
        then_refused(
            app,
            "grant_not_found",
            lambda: world.run(ADMIN, directory.revoke_role, "organizer", "inspector", "city"),
        )

    def test_an_unknown_role_is_refused(self, app, world):
        then_refused(
            app,
            "unknown_role",
            lambda: world.run(ADMIN, directory.grant_role, "organizer", "king", "city"),
        )

    def test_granting_on_an_unknown_org_is_refused(self, app, world):
        then_refused(
            app,
            "unknown_org",
            lambda: world.run(ADMIN, directory.grant_role, "organizer", "organizer", "atlantis"),
        )


class TestTokens:
    def test_an_issued_token_authenticates_its_account(self, app, world):
        token = world.run(ADMIN, directory.issue_token, "organizer", 30).body["token"]
        principal = directory.authenticate(app, token)
        assert principal.account_id == "organizer"
        assert ("organizer", "city") in principal.grants

    def test_a_revoked_token_is_refused_from_then_on(self, app, world):
        issued = world.run(ADMIN, directory.issue_token, "organizer", 30).body
        world.run(ADMIN, directory.revoke_token, "organizer", issued["token_id"], "离任")
        with pytest.raises(UnauthorizedError):
            directory.authenticate(app, issued["token"])

    def test_an_expired_token_is_refused(self, app, world):
        token = world.run(ADMIN, directory.issue_token, "organizer", 0).body["token"]
        with pytest.raises(UnauthorizedError):
            directory.authenticate(app, token)

    def test_an_unknown_token_is_refused(self, app, world):
        with pytest.raises(UnauthorizedError):
            directory.authenticate(app, "not-a-token")

    def test_only_a_hash_of_the_token_is_stored(self, app, world):
        token = world.run(ADMIN, directory.issue_token, "organizer", 30).body["token"]
        stored = b"".join(n.state for n in app.recorder.select_notifications(start=1, limit=10000))
        assert token.encode() not in stored

    def test_a_token_of_another_account_is_not_found(self, app, world):
        issued = world.run(ADMIN, directory.issue_token, "organizer", 30).body
        then_refused(
            app,
            "unknown_token",
            lambda: world.run(ADMIN, directory.revoke_token, "inspector", issued["token_id"], None),
        )

    def test_revoking_twice_is_refused(self, app, world):
        issued = world.run(ADMIN, directory.issue_token, "organizer", 30).body
        world.run(ADMIN, directory.revoke_token, "organizer", issued["token_id"], None)
        then_refused(
            app,
            "token_already_revoked",
            lambda: world.run(ADMIN, directory.revoke_token, "organizer", issued["token_id"], None),
        )

    def test_a_replayed_issue_returns_the_same_token_without_storing_it(self, app, world):
        request = Request(ADMIN, idempotency_key="k1", fingerprint="f")
        first = app.execute(request, directory.issue_token, "organizer", 30)
        before = position(app)
        again = app.execute(request, directory.issue_token, "organizer", 30)
        assert again.replayed and again.body == first.body and position(app) == before
        assert directory.authenticate(app, again.body["token"]).account_id == "organizer"

    def test_the_bootstrap_admin_gets_a_working_token(self, app):
        token = directory.bootstrap_admin(app, "root", "超级管理员")
        assert directory.authenticate(app, token).is_admin
        token2 = directory.bootstrap_admin(app, "root", "超级管理员")
        assert token2 != token and directory.authenticate(app, token2).is_admin


def test_the_actor_comes_from_the_principal(app, world):
    someone = Principal("admin-2", "另一管理员", None, (("admin", "*"),))
    before = position(app)
    world.run(someone, directory.register_org, "county-z", "某县", "county", "city")
    [notification] = app.recorder.select_notifications(start=before + 1, limit=10)
    event = app.mapper.to_domain_event(notification)
    assert event.actor == "admin-2"
    assert timedelta(0) <= app.now() - event.timestamp < timedelta(minutes=1)
