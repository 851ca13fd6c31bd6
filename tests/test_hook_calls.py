"""Every hook is called through pluggy, one family at a time (start-up, records, access,
web): an implementation may take any subset of the hook's arguments, and ``tryfirst``,
``trylast`` and wrappers take effect, also for the hooks whose results the core tags with
the plugin that gave them (record types, field types, settings, demo data)."""

import pytest
import webtest
from handbuilt import Notes, building
from hookcheck import calls_hooks, named_hooks_are_called  # noqa: F401

from crm_core import PermissionDenied, hookimpl
from crm_core.actors import SYSTEM, Actor
from crm_core.query import Condition
from crm_web.app import create_app
from crm_web.toolkit import Route

# -- start-up ----------------------------------------------------------------------------


@pytest.fixture
def build(write_config, monkeypatch):
    yield from building(write_config, monkeypatch)


class Tagger:
    """A wrapper around the tagged hooks: it sees each plugin's result and may change it."""

    def __init__(self):
        self.seen = []

    @hookimpl(wrapper=True)
    def crm_register_record_types(self):
        [definitions] = yield  # one plugin's result at a time
        self.seen.append([d["record_type"]["name"] for d in definitions])
        return [
            [
                {**d, "record_type": {**d["record_type"], "number_prefix": "TAG"}}
                for d in definitions
            ]
        ]

    @hookimpl(hookwrapper=True)
    def crm_demo_data(self, actor):
        self.seen.append(("demo for", actor.kind))
        yield


def shelf(calls, name, **marks):
    """Demo data from a plugin whose implementation takes ``actor`` only."""

    class Shelf:
        @hookimpl(**marks)
        def crm_demo_data(self, actor):
            calls.append((name, actor.kind))
            return name

    return Shelf()


@calls_hooks("crm_register_record_types")
def test_hook_register_record_types_goes_through_pluggy_with_its_wrappers(build):
    tagger = Tagger()
    crm = build(Notes(), tagger)
    assert tagger.seen == [["note"]]
    assert crm.records.create("note", {"title": "Milk"})["number"] == "TAG1"  # changed by it


@calls_hooks("crm_extend_record_types")
def test_hook_extend_record_types_may_leave_out_its_argument(build):
    calls = []

    class Counter:
        @hookimpl
        def crm_extend_record_types(self):
            calls.append("extend")

    build(Notes(), Counter())
    assert calls == ["extend"]


@calls_hooks("crm_demo_data")
def test_hook_demo_data_in_order_with_tryfirst_trylast_and_wrappers(build):
    calls = []
    tagger = Tagger()
    crm = build(
        shelf(calls, "last", trylast=True),
        shelf(calls, "plain"),
        shelf(calls, "first", tryfirst=True),
        tagger,
    )
    results = crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM)
    assert [plugin for plugin, _ in results] == ["hand2", "hand1", "hand0"]
    assert [result for _, result in results] == ["first", "plain", "last"]
    assert calls == [("first", "system"), ("plain", "system"), ("last", "system")]
    assert tagger.seen == [("demo for", "system")] * 3  # around each plugin's call


@calls_hooks("crm_config_schema")
def test_hook_config_schema_goes_through_pluggy(build, sample_plugin_site):
    class StricterGadgets:
        @hookimpl(wrapper=True)
        def crm_config_schema(self):
            schemas = yield  # one plugin's: a list of one schema
            return [
                {**schema, "colour": {"type": "string", "default": "grey"}} for schema in schemas
            ]

    crm = build(StricterGadgets(), enabled=["gadgets"])
    assert crm.settings("gadgets") == {"max_weight": 100, "colour": "grey"}


# -- records -----------------------------------------------------------------------------


@calls_hooks("crm_validate", "crm_before_save", "crm_after_save", "crm_default_filter")
def test_record_hooks_take_any_subset_of_their_arguments(build):
    seen = []

    class Terse:
        @hookimpl
        def crm_validate(self, record):
            return {"title": "must not shout"} if record["title"].isupper() else None

        @hookimpl
        def crm_before_save(self):
            seen.append("before save")

        @hookimpl
        def crm_after_save(self, created):
            seen.append(("after save", created))

        @hookimpl
        def crm_default_filter(self):
            return Condition("title", "ne", "hidden")

    crm = build(Notes(), Terse())
    crm.records.create("note", {"title": "hidden"})
    crm.records.create("note", {"title": "shown"})
    assert [
        n["title"]
        for n in crm.records.list("note", where=crm.records.default_filter("note")).records
    ] == ["shown"]
    assert seen == ["before save", ("after save", True)] * 2
    with pytest.raises(Exception, match="must not shout"):
        crm.records.create("note", {"title": "LOUD"})


@calls_hooks("crm_autonumber")
def test_record_hooks_honour_tryfirst_and_wrappers(build):
    class Fallback:
        @hookimpl
        def crm_autonumber(self):
            return "NO-FALLBACK"

    class Preferred:
        @hookimpl(tryfirst=True)
        def crm_autonumber(self):
            return "NO-PREFERRED"

    class Upper:
        @hookimpl(wrapper=True)
        def crm_autonumber(self):
            number = yield
            return number.lower()

    crm = build(Notes(), Preferred(), Fallback(), Upper())
    assert crm.records.create("note", {"title": "Milk"})["number"] == "no-preferred"


# -- access ------------------------------------------------------------------------------


@calls_hooks("crm_permission_check", "crm_permission_filter")
def test_access_hooks_take_any_subset_of_their_arguments_and_honour_wrappers(build):
    class NoDeleting:
        @hookimpl
        def crm_permission_check(self, action):
            return "notes are kept" if action == "delete" else None

        @hookimpl
        def crm_permission_filter(self, actor):
            return Condition("title", "ne", "secret") if actor.kind == "user" else None

    class Softened:
        @hookimpl(wrapper=True)
        def crm_permission_check(self):
            answers = yield
            return [answer.replace("kept", "kept forever") for answer in answers]

    crm = build(Notes(), NoDeleting(), Softened())
    crm.directory.add_user("anna", "Anna")
    anna = crm.directory.actor_for("anna")
    crm.records.create("note", {"title": "secret"})
    visible = crm.records.create("note", {"title": "open"})
    assert [n["title"] for n in crm.records.list("note", actor=anna).records] == ["open"]
    with pytest.raises(PermissionDenied, match="notes are kept forever"):
        crm.records.delete("note", visible["id"], actor=anna)


@calls_hooks("crm_actor_from_request")
def test_actor_from_request_may_take_only_the_request(build):
    class HeaderSignIn:
        @hookimpl
        def crm_actor_from_request(self, request):
            name = request.get_header("X-Name")
            return Actor(kind="user", id=1, login=name, name=name) if name else None

    crm = build(Notes(), HeaderSignIn())
    crm.directory.add_user("reader", "Reader")
    app = webtest.TestApp(create_app(crm, debug=True))
    assert "Reader" in app.get("/r/note", headers={"X-Name": "reader"}).text


@calls_hooks("crm_register_jobs", "crm_search")
def test_jobs_and_search_hooks_take_any_subset_of_their_arguments(build):
    done = []

    class Worker:
        @hookimpl
        def crm_register_jobs(self):
            return {"notes.count": lambda crm, payload: done.append(payload["n"])}

        @hookimpl
        def crm_after_save(self, crm, record):
            crm.jobs.enqueue("notes.count", {"n": record["number"]})

        @hookimpl
        def crm_search(self, text):
            return [{"type": "note", "id": 1, "title": f"Shelf {text}", "snippet": ""}]

    crm = build(Notes(), Worker())
    note = crm.records.create("note", {"title": "Milk"})
    assert done == [note["number"]]
    assert "Shelf tea" in [hit.title for hit in crm.search.query("tea")]


# -- web ---------------------------------------------------------------------------------


@calls_hooks("crm_register_routes")
def test_hook_register_routes_may_take_no_arguments(build):
    def shelf():
        return "the shelf"

    class Shelf:
        @hookimpl
        def crm_register_routes(self):
            return [Route("GET", "/shelf", shelf, public=True)]

    app = webtest.TestApp(create_app(build(Notes(), Shelf()), debug=True))
    assert app.get("/shelf").text == "the shelf"


@calls_hooks(
    "crm_list_actions",
    "crm_record_panels",
    "crm_record_actions",
    "crm_menu_items",
    "crm_list_views",
)
def test_web_hooks_take_any_subset_of_their_arguments_and_honour_trylast(build):
    class Links:
        @hookimpl
        def crm_list_actions(self):
            return [{"label": {"en": "Second"}, "url": "/second"}]

        @hookimpl
        def crm_menu_items(self):
            return [{"label": {"en": "Shelf"}, "url": "/shelf", "section": "note"}]

        @hookimpl
        def crm_record_actions(self, record):
            return [{"label": {"en": "Read"}, "url": f"/read/{record['id']}"}]

        @hookimpl
        def crm_list_views(self):
            return [
                {
                    "name": "milk",
                    "label": {"en": "Milk only"},
                    "where": [Condition("title", "eq", "Milk")],
                }
            ]

        @hookimpl
        def crm_record_panels(self, record):
            return [{"title": {"en": f"About {record['title']}"}, "records": [], "columns": []}]

    class Early:
        @hookimpl(trylast=True)
        def crm_list_actions(self):
            return [{"label": {"en": "First"}, "url": "/first"}]

    crm = build(Notes(), Early(), Links())
    crm.directory.add_user("admin", "Admin", password="admin-password", role="admin")
    note = crm.records.create("note", {"title": "Milk"})
    app = webtest.TestApp(create_app(crm, debug=True))
    page = app.get("/login")
    form = page.forms["login-form"]
    form["login"], form["password"] = "admin", "admin-password"
    form.submit(status=302)
    links = [a["href"] for a in app.get("/r/note").html.select(".actions a")]
    assert links.index("/second") < links.index("/first")  # trylast: after the others
    detail = app.get(f"/r/note/{note['id']}")
    assert "About Milk" in detail.text
    assert detail.html.find("a", href=f"/read/{note['id']}") and detail.html.find(
        "a", href="/shelf"
    )
    assert "Milk only" in app.get("/r/note?view=milk").text


@calls_hooks("crm_menu_items")
def test_a_menu_entry_of_no_section_is_shown_on_its_own(build):
    class Help:
        @hookimpl
        def crm_menu_items(self):
            return [{"label": {"en": "Help desk rota"}, "url": "/rota"}]

    crm = build(Notes(), Help())
    crm.directory.add_user("admin", "Admin", password="admin-password", role="admin")
    app = webtest.TestApp(create_app(crm, debug=True))
    form = app.get("/login").forms["login-form"]
    form["login"], form["password"] = "admin", "admin-password"
    form.submit(status=302)
    rota = app.get("/").html.select_one(".sidebar a[href='/rota']")
    assert rota is not None and rota.text == "Help desk rota"
