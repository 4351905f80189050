"""The aggregate cache (library's, with fast-forward): commands get copies, reads may share the
cached object, and what another Application (another process) saved is seen at once."""

from __future__ import annotations

from application.app import LianpingApp, Request
from application.usecases import directory
from domain import ids
from domain.organization import Organization
from tests.application.world import ADMIN


def register(app: LianpingApp, code: str = "prov") -> None:
    app.execute(Request(ADMIN), directory.register_org, code, "某省", "province", None)


class TestTheAggregateCache:
    def test_a_command_gets_a_copy_a_read_may_share_the_cached_object(self, app):
        register(app)
        org_id = ids.org_id("prov")

        assert app.find(Organization, org_id) is not app.find(Organization, org_id)
        assert app.find(Organization, org_id, read_only=True) is app.find(
            Organization, org_id, read_only=True
        )

    def test_changes_a_command_did_not_save_never_reach_the_cache(self, app):
        register(app)
        org = app.find(Organization, ids.org_id("prov"))
        assert org is not None
        org.appoint_secretary("未保存", None, app.today(), "admin")  # decided, never saved

        again = app.find(Organization, ids.org_id("prov"), read_only=True)
        assert again is not None and again.secretary_on() is None and again.version == 1

    def test_what_another_application_saved_is_seen_at_once(self, app, settings):
        register(app)
        assert app.find(Organization, ids.org_id("prov"), read_only=True) is not None  # cached
        other = LianpingApp(settings)  # another process, on the same store
        try:
            other.execute(Request(ADMIN), directory.appoint_secretary, "prov", "新书记", None,
                          app.today())
        finally:
            other.close()

        org = app.find(Organization, ids.org_id("prov"), read_only=True)
        assert org is not None and org.version == 2
        assert org.secretary_on() is not None and org.secretary_on()["name"] == "新书记"
