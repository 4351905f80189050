"""The aggregate cache (library's, with fast-forward): commands get copies, reads may share the
cached object, and what another Application (another process) saved is seen at once."""

from __future__ import annotations

import threading

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


class TestNoSharedMutation:
    """A cached aggregate is never changed in place (application/cache.py): a reader keeps the
    consistent object it was given while others fast-forward and save the same aggregate."""

    def test_an_object_a_reader_holds_never_changes_under_it(self, app, settings):
        register(app)
        org_id = ids.org_id("prov")
        held = app.find(Organization, org_id, read_only=True)
        assert held is not None and held.version == 1
        other = LianpingApp(settings)  # a write the reader's process must fast-forward to
        try:
            other.execute(Request(ADMIN), directory.appoint_secretary, "prov", "新书记", None,
                          app.today())
        finally:
            other.close()

        newer = app.find(Organization, org_id, read_only=True)
        assert newer is not None and newer.version == 2 and newer is not held
        assert held.version == 1 and held.secretaries == []
        assert app.find(Organization, org_id, read_only=True) is newer  # the copy was cached

    def test_concurrent_readers_and_writers_on_one_hot_aggregate(self, app, settings):
        register(app)
        org_id = ids.org_id("prov")
        other = LianpingApp(settings)
        writes, readers = 15, 4
        start = threading.Barrier(2 + readers)
        done = threading.Event()
        errors: list[BaseException] = []
        seen: list[list[int]] = [[] for _ in range(readers)]

        def write(on: LianpingApp, who: str) -> None:
            try:
                start.wait()
                for k in range(writes):
                    on.execute(Request(ADMIN), directory.appoint_secretary, "prov",
                               f"{who}-{k}", None, app.today())
            except BaseException as error:  # noqa: BLE001 (reported by the test)
                errors.append(error)

        def read(mine: list[int]) -> None:
            try:
                start.wait()
                while True:
                    finished = done.is_set()
                    org = app.find(Organization, org_id, read_only=True)
                    assert org is not None
                    version, names = org.version, [s["name"] for s in org.secretaries]
                    assert len(names) == version - 1, (version, names)
                    for who in ("here", "there"):
                        ks = [int(n.split("-")[1]) for n in names if n.startswith(who)]
                        assert ks == list(range(len(ks))), names
                    assert (org.version, len(org.secretaries)) == (version, len(names))
                    mine.append(version)
                    if finished:
                        return
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=write, args=(app, "here")),
                   threading.Thread(target=write, args=(other, "there"))]
        threads += [threading.Thread(target=read, args=(seen[i],)) for i in range(readers)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads[:2]:
                thread.join(timeout=120)
            done.set()
            for thread in threads[2:]:
                thread.join(timeout=120)
        finally:
            other.close()

        assert errors == []
        assert not any(thread.is_alive() for thread in threads)
        for versions in seen:
            assert versions == sorted(versions)  # never an older state after a newer one
            assert versions[-1] == 1 + 2 * writes
