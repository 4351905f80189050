"""The scope rules this feature adds: who may rate whom (DOMAIN.md "Round 2", conflict of
interest) and an admin's scope (its org's subtree; ``*`` everything)."""

from __future__ import annotations

from application.principal import Principal
from application.usecases.scope import administers_org, may_rate
from tests.application.world import World


def test_a_panel_member_never_rates_its_own_orgs_grants_appointment_or_declared_conflicts():
    def rates(org: str, *, orgs=("county-a", "city", "prov"), grants=(), secretary=None,
              declared=False) -> bool:
        return may_rate("pw", list(orgs), grants, org, secretary, declared)

    assert rates("county-b")
    assert not rates("county-a")  # its own org
    assert not rates("city")  # an org that contains its own
    assert not rates("county-b", grants=["county-b"])  # any grant there
    assert not rates("county-b", secretary="pw")  # its appointed secretary
    assert not rates("county-b", declared=True)
    assert rates("county-b", secretary="someone-else", grants=["county-c"])


def test_an_admin_administers_its_subtree_and_the_global_admin_everything(app):
    World(app)
    county = Principal("a1", "县管理员", "county-a", (("admin", "county-a"),))
    city = Principal("a2", "市管理员", "city", (("admin", "city"),))
    everything = Principal("a3", "总管理员", None, (("admin", "*"),))
    organizer = Principal("o", "组织部", "city", (("organizer", "city"),))

    assert administers_org(app, county, "county-a")
    assert not administers_org(app, county, "county-b")
    assert not administers_org(app, county, "city")
    assert administers_org(app, city, "county-b") and administers_org(app, city, "city")
    assert not administers_org(app, city, None)
    assert administers_org(app, everything, None) and administers_org(app, everything, "prov")
    assert not administers_org(app, organizer, "county-a")
