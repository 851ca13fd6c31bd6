"""The tickets plugin: record type, lifecycle and hooks, actions, queues, dashboard,
settings, commands and demo data."""

import datetime as dt
import importlib.util
import random
import statistics
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

import crm_core.clock
from crm_core import Conflict, PermissionDenied, ValidationError, hookimpl
from crm_core.actors import SYSTEM
from crm_core.cli import main as crm_main
from crm_core.errors import ConfigError
from crm_plugins.tickets import actions, dashboard, queues

HAS_FAQ = importlib.util.find_spec("crm_plugins.faq") is not None
NOW = dt.datetime(2027, 3, 31, 12, 0)


@pytest.fixture
def clock(monkeypatch):
    """The plugin's time, set by the test (``clock.now``)."""

    class Clock:
        now = NOW

    monkeypatch.setattr(crm_core.clock, "utcnow", lambda: Clock.now)
    return Clock


@pytest.fixture
def helpdesk(make_crm):
    crm = make_crm(["contacts", "tickets"])
    crm.directory.add_user("olga", "Ольга Смирнова")
    crm.directory.add_user("petr", "Пётр Иванов")
    crm.directory.add_group("Support")
    crm.directory.set_members("Support", add=["olga"])
    return crm


def ticket(crm, **values):
    return crm.records.create("ticket", {"title": "Printer jams", **values})


class Recorder:
    """A plugin that listens to every ticket hook."""

    def __init__(self):
        self.events = []

    @hookimpl
    def crm_ticket_created(self, ticket):
        self.events.append(("created", ticket["number"]))

    @hookimpl
    def crm_ticket_status_changed(self, ticket, old_status, new_status):
        self.events.append(("status", old_status, new_status))

    @hookimpl
    def crm_ticket_assigned(self, ticket, old_owner, new_owner):
        self.events.append(("assigned", old_owner, new_owner))

    @hookimpl
    def crm_ticket_closed(self, ticket):
        self.events.append(("closed", ticket["solution"]))

    @hookimpl
    def crm_ticket_reopened(self, ticket):
        self.events.append(("reopened", ticket["status"]))

    @hookimpl
    def crm_ticket_commented(self, ticket, comment, internal, actor):
        self.events.append(("commented", comment["body"], internal, actor.login))


# -- record type -------------------------------------------------------------------------


def test_ticket_fields_and_defaults(helpdesk):
    record = ticket(helpdesk)
    assert record["number"] == "TT1"
    assert (record["status"], record["priority"], record["source"]) == ("open", "normal", "crm")
    rt = helpdesk.registry.type("ticket")
    assert not rt.has_field("product")  # the products plugin is off
    assert rt.field("solution").block == "solution"
    assert helpdesk.registry.picklist("ticket_status").codes() == [
        "open",
        "in_progress",
        "wait_for_response",
        "closed",
    ]
    assert helpdesk.registry.picklist("ticket_category").codes() == [
        "big_problem",
        "small_problem",
        "other_problem",
    ]
    related = {(t.name, f.name) for t, f in helpdesk.registry.referencing("account")}
    assert ("ticket", "account") in related


def test_product_field_only_with_the_products_plugin(make_crm):
    crm = make_crm(["contacts", "products", "tickets"])
    product = crm.records.create("product", {"name": "Laser printer"})
    record = ticket(crm, product=product["id"])
    assert record["product"] == product["id"]
    assert ("ticket", "product") in {
        (t.name, f.name) for t, f in crm.registry.referencing("product")
    }


def test_values_the_logic_depends_on_are_locked(helpdesk):
    with pytest.raises(Conflict, match="locked"):
        helpdesk.picklists.delete("ticket_status", "closed", replace_with="open")
    with pytest.raises(Conflict, match="locked"):
        helpdesk.picklists.deactivate("ticket_status", "wait_for_response")


def test_sla_fields_are_read_only_for_users(helpdesk):
    record = ticket(helpdesk)
    with pytest.raises(ValidationError) as caught:
        helpdesk.records.update("ticket", record["id"], {"resolution_due": "2030-01-01T00:00"})
    assert caught.value.errors["resolution_due"] == "is read-only; the CRM sets it"


# -- lifecycle -----------------------------------------------------------------------------


def test_closing_needs_a_solution(helpdesk):
    record = ticket(helpdesk)
    with pytest.raises(ValidationError) as caught:
        helpdesk.records.update("ticket", record["id"], {"status": "closed"})
    assert caught.value.errors["solution"].startswith("is required to close a ticket")
    stored = helpdesk.records.get("ticket", record["id"])
    assert stored["status"] == "open" and stored["closed_at"] is None
    closed = helpdesk.records.update(
        "ticket", record["id"], {"status": "closed", "solution": "Cleaned the rollers"}
    )
    assert closed["status"] == "closed"
    with pytest.raises(ValidationError) as caught:
        helpdesk.records.update("ticket", record["id"], {"solution": ""})
    assert "re-open it first" in caught.value.errors["solution"]
    with pytest.raises(ValidationError):
        ticket(helpdesk, status="closed")


def test_closing_without_a_solution_when_the_setting_is_off(make_crm):
    crm = make_crm(
        ["contacts", "tickets"], plugins={"tickets": {"require_solution_to_close": False}}
    )
    record = ticket(crm)
    assert crm.records.update("ticket", record["id"], {"status": "closed"})["status"] == "closed"


def test_hooks_receive_old_and_new_values(helpdesk):
    recorder = Recorder()
    helpdesk.pm.register(recorder)
    olga = helpdesk.directory.actor_for("olga")
    record = ticket(helpdesk)
    helpdesk.records.update(
        "ticket", record["id"], {"status": "in_progress", "assigned_to": "olga"}
    )
    helpdesk.records.update("ticket", record["id"], {"status": "closed", "solution": "Fixed"})
    helpdesk.records.update("ticket", record["id"], {"status": "open"})
    helpdesk.comments.add("ticket", record["id"], "On it", actor=olga)
    helpdesk.comments.add("ticket", record["id"], "Check the fuser", actor=olga, internal=True)
    assert recorder.events == [
        ("created", "TT1"),
        ("status", "open", "in_progress"),
        ("assigned", None, olga.ref),
        ("status", "in_progress", "closed"),
        ("closed", "Fixed"),
        ("status", "closed", "open"),
        ("reopened", "open"),
        ("commented", "On it", False, "olga"),
        ("commented", "Check the fuser", True, "olga"),
    ]
    history = helpdesk.records.history("ticket", record["id"])
    statuses = [h["changes"]["status"] for h in reversed(history) if "status" in h["changes"]]
    assert statuses == [
        [None, "open"],
        ["open", "in_progress"],
        ["in_progress", "closed"],
        ["closed", "open"],
    ]


def test_a_hook_that_fails_undoes_the_change(helpdesk):
    class Refuse:
        @hookimpl
        def crm_ticket_closed(self, ticket):
            raise ValidationError({"status": "the contract has no units left"})

    helpdesk.pm.register(Refuse())
    record = ticket(helpdesk)
    with pytest.raises(ValidationError, match="no units left"):
        helpdesk.records.update("ticket", record["id"], {"status": "closed", "solution": "x"})
    assert helpdesk.records.get("ticket", record["id"])["status"] == "open"


# -- actions -------------------------------------------------------------------------------


def test_duplicate_copies_fields_and_links_back(helpdesk):
    helpdesk.fields.add("ticket", "printer_model", "text", label="Printer model")
    account = helpdesk.records.create("account", {"name": "ООО «Ромашка»"})
    original = ticket(
        helpdesk,
        cf_printer_model="LaserJet 4000",
        account=account["id"],
        priority="high",
        category="small_problem",
        description="Paper jam in tray 2",
        assigned_to="olga",
        tags=["printer"],
    )
    helpdesk.records.update(
        "ticket", original["id"], {"status": "in_progress", "hours": "2.5", "solution": "Half done"}
    )
    copy = actions.duplicate(helpdesk, "TT1", values={"title": "Tray 3 too"})
    assert copy["number"] == "TT2" and copy["duplicate_of"] == original["id"]
    assert (copy["account"], copy["priority"], copy["category"]) == (
        account["id"],
        "high",
        "small_problem",
    )
    assert copy["description"] == "Paper jam in tray 2" and copy["tags"] == ["printer"]
    assert copy["cf_printer_model"] == "LaserJet 4000"  # custom fields are copied too
    assert copy["title"] == "Tray 3 too" and copy["assigned_to"] == original["assigned_to"]
    assert (copy["status"], copy["solution"], copy["hours"]) == ("open", None, None)
    note = helpdesk.records.history("ticket", original["id"])[0]
    assert (note["kind"], note["note"]) == ("duplicated", "copied to TT2")


def test_merge_moves_every_comment_attachment_and_history(helpdesk):
    olga = helpdesk.directory.actor_for("olga")
    survivor = ticket(helpdesk, title="Printer jams")
    dup = ticket(helpdesk, title="Printer on floor 2 jams")
    helpdesk.comments.add("ticket", survivor["id"], "First!", actor=olga)
    public = helpdesk.comments.add("ticket", dup["id"], "Same here", actor=olga)
    helpdesk.comments.add("ticket", dup["id"], "Internal note", actor=olga, internal=True)
    helpdesk.attachments.add("ticket", dup["id"], "photo.jpg", b"\xff\xd8\xffjpeg", actor=olga)
    helpdesk.attachments.add(
        "ticket", dup["id"], "log.txt", b"error 42", actor=olga, comment_id=public["id"]
    )
    helpdesk.records.update("ticket", dup["id"], {"priority": "high"})
    dup_history = len(helpdesk.records.history("ticket", dup["id"]))

    result = actions.merge(helpdesk, dup["number"], survivor["number"], actor=olga)

    assert result["id"] == survivor["id"]
    bodies = [c["body"] for c in helpdesk.comments.list("ticket", survivor["id"])]
    assert sorted(bodies) == ["First!", "Internal note", "Same here"]
    files = sorted(a["filename"] for a in helpdesk.attachments.list("ticket", survivor["id"]))
    assert files == ["log.txt", "photo.jpg"]
    assert helpdesk.comments.list("ticket", dup["id"]) == []
    assert helpdesk.attachments.list("ticket", dup["id"]) == []
    history = helpdesk.records.history("ticket", survivor["id"])
    assert sum("[from TT2]" in (h["note"] or "") for h in history) == dup_history
    merged_note = next(h for h in history if h["kind"] == "merged")
    assert merged_note["note"].startswith("TT2 merged into this ticket")
    closed = helpdesk.records.get("ticket", dup["id"])
    assert (closed["status"], closed["merged_into"]) == ("closed", survivor["id"])
    assert closed["solution"].startswith("Merged into TT1 (Printer jams)")
    with pytest.raises(Conflict, match="TT2 was already merged into TT1"):
        actions.merge(helpdesk, "TT2", "TT1")
    with pytest.raises(Conflict, match="merge into TT1 instead"):
        actions.merge(helpdesk, ticket(helpdesk)["number"], "TT2")


def test_merge_into_itself_or_without_rights_changes_nothing(helpdesk):
    first, second = ticket(helpdesk), ticket(helpdesk)
    with pytest.raises(ValidationError, match="cannot absorb itself"):
        actions.merge(helpdesk, "TT1", "TT1")
    helpdesk.set_setting("type:ticket", "permission_mode", "private")
    helpdesk.records.update("ticket", first["id"], {"assigned_to": "petr"})
    helpdesk.records.update("ticket", second["id"], {"assigned_to": "olga"})
    olga = helpdesk.directory.actor_for("olga")
    with pytest.raises(Exception, match="not found"):
        actions.merge(helpdesk, "TT1", "TT2", actor=olga)
    assert helpdesk.records.get("ticket", first["id"])["status"] == "open"


def test_faq_conversion_is_refused_when_the_faq_plugin_is_off(helpdesk):
    record = ticket(helpdesk, solution="Restart the spooler")
    with pytest.raises(Conflict, match="the FAQ module is not enabled"):
        actions.to_faq(helpdesk, record["id"])
    olga = helpdesk.directory.actor_for("olga")
    assert actions.available(helpdesk, record, olga) == ["duplicate", "merge"]
    assert not actions.may_convert_to_faq(helpdesk, SYSTEM)


def faq_crm(make_crm):
    if not HAS_FAQ:
        pytest.skip("the faq plugin (crm_plugins.faq) is not written yet")
    return make_crm(["contacts", "products", "faq", "tickets"])


def test_convert_to_faq_maps_the_fields(make_crm):
    crm = faq_crm(make_crm)
    crm.directory.add_user("olga", "Ольга Смирнова")
    olga = crm.directory.actor_for("olga")
    product = crm.records.create("product", {"name": "Laser printer"})
    record = ticket(crm, title="How do I clear a paper jam?", product=product["id"])
    crm.records.update("ticket", record["id"], {"status": "closed", "solution": "Open tray 2."})
    crm.comments.add("ticket", record["id"], "Then pull the sheet gently.", actor=olga)
    crm.comments.add("ticket", record["id"], "Customer is grumpy", actor=olga, internal=True)
    crm.comments.add("ticket", record["id"], "Close the tray.", actor=olga)
    assert "to_faq" in actions.available(crm, record, olga)
    faq = actions.to_faq(crm, record["number"], actor=olga)
    assert faq["question"] == "How do I clear a paper jam?"
    assert (
        faq["answer"] == "Solution: Open tray 2.\n\nThen pull the sheet gently.\n\nClose the tray."
    )
    assert (faq["product"], faq["category"], faq["status"]) == (product["id"], "general", "draft")
    assert crm.records.history("ticket", record["id"])[0]["kind"] == "converted"


def test_only_who_may_create_faqs_may_convert(make_crm):
    crm = faq_crm(make_crm)
    crm.directory.add_user("petr", "Пётр Иванов")
    petr = crm.directory.actor_for("petr")

    class NoFaqForPetr:
        @hookimpl
        def crm_permission_check(self, record_type, actor, action):
            if record_type.name == "faq" and action == "create" and actor.login == "petr":
                return False
            return None

    crm.pm.register(NoFaqForPetr())
    record = ticket(crm, solution="Restart the spooler")
    assert "to_faq" not in actions.available(crm, record, petr)
    with pytest.raises(PermissionDenied):
        actions.to_faq(crm, record["id"], actor=petr)
    assert crm.records.count("faq") == 0


# -- queues --------------------------------------------------------------------------------


def test_queues_for_a_user(helpdesk, clock):
    olga = helpdesk.directory.actor_for("olga")
    group = f"group:{olga.groups[0]}"

    def fresh(title, age=dt.timedelta(hours=1), **values):
        values = {"title": title, "created_at": NOW - age, **values}
        return helpdesk.records.create("ticket", values, allow_read_only=frozenset({"created_at"}))

    fresh("mine", assigned_to=olga.ref)
    fresh("ours", assigned_to=group)
    fresh("petr's", assigned_to="petr")
    fresh("nobody")
    fresh("late", age=dt.timedelta(days=20), assigned_to="petr")
    waiting = fresh("waiting", age=dt.timedelta(days=20), assigned_to=olga.ref)
    helpdesk.records.update("ticket", waiting["id"], {"status": "wait_for_response"})
    done = fresh("done", assigned_to=olga.ref)
    clock.now = NOW - dt.timedelta(days=3)
    helpdesk.records.update("ticket", done["id"], {"status": "closed", "solution": "ok"})
    old = fresh("long closed", age=dt.timedelta(days=40))
    clock.now = NOW - dt.timedelta(days=30)
    helpdesk.records.update("ticket", old["id"], {"status": "closed", "solution": "ok"})
    clock.now = NOW

    views = {v["name"]: v for v in queues.list_views(helpdesk, olga, NOW)}
    assert list(views) == [
        "my_open",
        "my_groups",
        "unassigned",
        "overdue",
        "waiting",
        "recently_closed",
    ]
    assert all(set(v["label"]) == {"en", "ru"} for v in views.values())

    def titles(name):
        view = views[name]
        page = helpdesk.records.list("ticket", where=view["where"], sort=view["sort"], actor=olga)
        return sorted(r["title"] for r in page.records)

    assert titles("my_open") == ["mine", "waiting"]
    assert titles("my_groups") == ["ours"]
    assert titles("unassigned") == ["nobody"]
    assert titles("overdue") == ["late"]
    assert titles("waiting") == ["waiting"]
    assert titles("recently_closed") == ["done"]


def test_list_views_hook_serves_the_queues(helpdesk):
    olga = helpdesk.directory.actor_for("olga")
    rt = helpdesk.registry.type("ticket")
    results = helpdesk.hook.crm_list_views(crm=helpdesk, record_type=rt, actor=olga)
    names = [view["name"] for result in results if result for view in result]
    assert "overdue" in names and "my_open" in names
    account = helpdesk.registry.type("account")
    assert not any(helpdesk.hook.crm_list_views(crm=helpdesk, record_type=account, actor=olga))


# -- dashboard -----------------------------------------------------------------------------


def spread_tickets(crm, clock, count=40):
    """Tickets created over 40 days, some answered, waiting or closed at various times."""
    rng = random.Random(7)
    olga = crm.directory.actor_for("olga")
    for index in range(count):
        created = NOW - dt.timedelta(hours=rng.randint(1, 40 * 24))
        record = crm.records.create(
            "ticket",
            {
                "title": f"Ticket {index}",
                "priority": rng.choice(["low", "normal", "high", "urgent"]),
                "assigned_to": rng.choice([olga.ref, "petr", None]),
                "created_at": created,
            },
            allow_read_only=frozenset({"created_at"}),
        )
        if rng.random() < 0.7:
            clock.now = min(NOW, created + dt.timedelta(hours=rng.randint(1, 30)))
            crm.comments.add("ticket", record["id"], "Looking", actor=olga)
        fate = rng.random()
        clock.now = min(NOW, created + dt.timedelta(hours=rng.randint(2, 200)))
        if fate < 0.5:
            crm.records.update("ticket", record["id"], {"status": "closed", "solution": "ok"})
        elif fate < 0.65:
            crm.records.update("ticket", record["id"], {"status": "wait_for_response"})
        elif fate < 0.8:
            crm.records.update("ticket", record["id"], {"status": "in_progress"})
    clock.now = NOW


def direct_figures(crm, actor, zone, days=30):
    tickets = list(crm.records.iterate("ticket", actor=actor))
    open_tickets = [t for t in tickets if t["status"] != "closed"]
    running = [t for t in open_tickets if t["status"] != "wait_for_response"]
    today = NOW.replace(tzinfo=dt.UTC).astimezone(zone).date()

    def local_day(moment):
        return moment.replace(tzinfo=dt.UTC).astimezone(zone).date()

    first_day = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    since = since.replace(tzinfo=None)
    answered = [
        t["first_response_minutes"]
        for t in tickets
        if t["first_response_at"] and t["first_response_at"] >= since
    ]
    resolved = [
        t["resolution_minutes"]
        for t in tickets
        if t["status"] == "closed" and t["closed_at"] >= since
    ]
    return {
        "by_status": Counter(t["status"] for t in open_tickets),
        "by_priority": Counter(t["priority"] for t in open_tickets),
        "overdue": sum(
            1
            for t in running
            if (t["resolution_due"] and t["resolution_due"] < NOW)
            or (
                t["first_response_at"] is None
                and t["first_response_due"]
                and t["first_response_due"] < NOW
            )
        ),
        "created": Counter(local_day(t["created_at"]) for t in tickets),
        "closed": Counter(local_day(t["closed_at"]) for t in tickets if t["status"] == "closed"),
        "median_first_response": statistics.median(answered) if answered else None,
        "median_resolution": statistics.median(resolved) if resolved else None,
        "days": [first_day + dt.timedelta(days=n) for n in range(days)],
    }


def check_dashboard(figures, expected):
    assert {r["code"]: r["count"] for r in figures["open_by_status"] if r["count"]} == dict(
        expected["by_status"]
    )
    assert {r["code"]: r["count"] for r in figures["open_by_priority"] if r["count"]} == dict(
        expected["by_priority"]
    )
    assert figures["open_total"] == sum(expected["by_status"].values())
    assert figures["overdue"] == expected["overdue"]
    assert [row["date"] for row in figures["daily"]] == expected["days"]
    for row in figures["daily"]:
        assert row["created"] == expected["created"][row["date"]], row
        assert row["closed"] == expected["closed"][row["date"]], row
    assert figures["median_first_response_minutes"] == expected["median_first_response"]
    assert figures["median_resolution_minutes"] == expected["median_resolution"]


def test_dashboard_numbers_equal_a_direct_count(make_crm, clock):
    crm = make_crm(["contacts", "tickets"], plugins={"tickets": {"timezone": "Asia/Vladivostok"}})
    crm.directory.add_user("olga", "Ольга Смирнова")
    crm.directory.add_user("petr", "Пётр Иванов")
    spread_tickets(crm, clock)
    expected = direct_figures(crm, SYSTEM, ZoneInfo("Asia/Vladivostok"))
    assert expected["overdue"] and expected["median_resolution"]  # the data is not trivial
    figures = dashboard.support_dashboard(crm, now=NOW)
    check_dashboard(figures, expected)
    assert [r["code"] for r in figures["open_by_status"]] == [
        "open",
        "in_progress",
        "wait_for_response",
    ]


def test_dashboard_counts_only_what_the_viewer_may_see(make_crm, clock):
    crm = make_crm(["contacts", "tickets"])
    crm.directory.add_user("olga", "Ольга Смирнова")
    crm.directory.add_user("petr", "Пётр Иванов")
    spread_tickets(crm, clock)
    crm.set_setting("type:ticket", "permission_mode", "private")
    petr = crm.directory.actor_for("petr")
    expected = direct_figures(crm, petr, ZoneInfo("UTC"), days=14)
    assert sum(expected["by_status"].values()) < crm.records.count("ticket")
    check_dashboard(dashboard.support_dashboard(crm, actor=petr, now=NOW, days=14), expected)


# -- settings, commands, demo --------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"timezone": "Mars/Olympus"},
            "[plugins.tickets] timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            {"working_hours": "9 to 6"},
            "[plugins.tickets] working_hours: write the working hours as HH:MM-HH:MM",
        ),
        ({"working_days": ["monday"]}, "[plugins.tickets] working_days: unknown day 'monday'"),
        (
            {"sla": {"urgent": {"first_response_hours": 8, "resolution_hours": 4}}},
            "first_response_hours must not be more than resolution_hours",
        ),
        (
            {"sla": {"urgent": {"first_response_hours": 1}}},
            "sla.urgent.resolution_hours: required field",
        ),
        ({"require_solution": True}, "[plugins.tickets] require_solution: unknown setting"),
    ],
)
def test_bad_settings_are_refused_at_start_up(make_crm, settings, message):
    with pytest.raises(ConfigError) as caught:
        make_crm(["contacts", "tickets"], plugins={"tickets": settings}, open_db=False)
    assert message in str(caught.value)


def test_commands(helpdesk, tmp_path, capsys):
    ticket(helpdesk, title="Printer jams", solution="Cleaned")
    ticket(helpdesk, title="Printer jams again")
    config = str(tmp_path / "plugins.toml")

    def crm(*args):
        crm_main(["--config", config, *args])
        return capsys.readouterr().out

    assert (
        crm("tickets", "duplicate", "TT1", "title=Second printer") == "created TT3 (copy of TT1)\n"
    )
    assert "merged TT2 into TT1; TT2 is closed" in crm("tickets", "merge", "TT2", "--into", "TT1")
    assert "resolution: running" in crm("tickets", "sla", "TT1")
    assert "open tickets: 2, overdue: 0" in crm("tickets", "dashboard", "--days", "3")
    assert "TT3" in crm("tickets", "queue", "unassigned")
    assert helpdesk.records.get("ticket", "TT2")["merged_into"] == 1


def test_demo_data(make_crm):
    crm = make_crm(["contacts", "products", "tickets"])
    crm.directory.add_user("olga", "Ольга Смирнова")
    crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM)
    tickets = list(crm.records.iterate("ticket"))
    assert 250 <= len(tickets) <= 400
    statuses = Counter(t["status"] for t in tickets)
    assert set(statuses) == {"open", "in_progress", "wait_for_response", "closed"}
    assert all(t["solution"] for t in tickets if t["status"] == "closed")
    oldest = min(t["created_at"] for t in tickets)
    assert (dt.datetime.now() - oldest).days >= 60
    assert crm.records.count("ticket", where=queues.overdue(crm, crm_core.clock.utcnow())) > 0
    assert sum(1 for t in tickets if t["contact"] and t["account"]) > len(tickets) // 2
    assert any(t["product"] for t in tickets)
    comments = [c for t in tickets[:60] for c in crm.comments.list("ticket", t["id"])]
    assert {c["internal"] for c in comments} == {True, False}
    figures = dashboard.support_dashboard(crm)
    assert sum(row["created"] for row in figures["daily"]) > 0
