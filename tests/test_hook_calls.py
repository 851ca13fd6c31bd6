"""Every hook is called through pluggy, one family at a time (start-up, records, access,
web): an implementation may take any subset of the hook's arguments, and ``tryfirst``,
``trylast`` and wrappers take effect, also for the hooks whose results the core tags with
the plugin that gave them (record types, field types, settings, demo data)."""

import pytest
import webtest

from crm_core import PermissionDenied, hookimpl
from crm_core.actors import SYSTEM, Actor
from crm_core.config import load
from crm_core.plugins import check_settings, discover, enable, plugin_manager
from crm_core.query import Condition
from crm_core.runtime import CRM, collect_schema
from crm_web.app import create_app

NOTE = {
    "record_type": {
        "name": "note",
        "label": {"en": "Note"},
        "plural": {"en": "Notes"},
        "number_prefix": "NO",
        "title_field": "title",
    },
    "fields": [{"name": "title", "type": "text", "label": {"en": "Title"}, "required": True}],
}


class Notes:
    """Registers the ``note`` type with a hook that takes none of its arguments."""

    @hookimpl
    def crm_register_record_types(self):
        return [NOTE]


@pytest.fixture
def build(write_config, monkeypatch):
    """Build and open a CRM of the enabled plugins plus plugin objects registered by hand
    (before the schema is collected, as enabled plugins are)."""
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    opened = []

    def make(*objects, enabled=(), settings=None):
        config = load(write_config(enabled, settings))
        available = discover()
        plugins = enable(config, available)
        pm = plugin_manager(plugins)
        for index, plugin in enumerate(objects):
            pm.register(plugin, name=f"hand{index}")
        check_settings(config, plugins, pm)
        base = collect_schema(pm, [info.name for info in plugins])
        crm = CRM(config, available, plugins, pm, base, "inline").open()
        opened.append(crm)
        return crm

    yield make
    for crm in opened:
        crm.close()


# -- start-up ----------------------------------------------------------------------------


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


def test_hook_register_record_types_goes_through_pluggy_with_its_wrappers(build):
    tagger = Tagger()
    crm = build(Notes(), tagger)
    assert tagger.seen == [["note"]]
    assert crm.records.create("note", {"title": "Milk"})["number"] == "TAG1"  # changed by it


def test_hook_extend_record_types_may_leave_out_its_argument(build):
    calls = []

    class Counter:
        @hookimpl
        def crm_extend_record_types(self):
            calls.append("extend")

    build(Notes(), Counter())
    assert calls == ["extend"]


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


# -- web ---------------------------------------------------------------------------------


def test_web_hooks_take_any_subset_of_their_arguments_and_honour_trylast(build):
    class Links:
        @hookimpl
        def crm_list_actions(self):
            return [{"label": {"en": "Second"}, "url": "/second"}]

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
    assert "About Milk" in app.get(f"/r/note/{note['id']}").text
