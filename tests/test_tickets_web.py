"""The tickets plugin in the staff UI: SLA badges, the action buttons (split, merge,
convert to FAQ), the activity stream, the queues on the menu and the support dashboard —
added through the core's web hooks crm_record_panels, crm_record_actions, crm_menu_items
and crm_register_routes."""

import datetime as dt
import importlib.util
import re
import statistics
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import webtest
from conftest import csrf_of, sign_in

import crm_core.clock
from crm_core import hookimpl
from crm_core.query import Condition
from crm_web.app import create_app

HAS_FAQ = importlib.util.find_spec("crm_plugins.faq") is not None
NOW = dt.datetime(2027, 3, 31, 12, 0)  # a Wednesday
SVG = "{http://www.w3.org/2000/svg}"
XSS = "<script>alert(1)</script>"


@pytest.fixture
def clock(monkeypatch):
    """The time of the core and of the plugin, set by the test (``clock.now``)."""

    class Clock:
        now = NOW

        @classmethod
        def advance(cls, **delta):
            cls.now += dt.timedelta(**delta)

    monkeypatch.setattr(crm_core.clock, "utcnow", lambda: Clock.now)
    return Clock


def desk_crm(make_crm, enabled=("contacts", "tickets"), **options):
    crm = make_crm(list(enabled), **options)
    crm.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    crm.directory.add_user("olga", "Ольга Смирнова", password="olga-password")
    return crm


@pytest.fixture
def desk(make_crm, clock):
    return desk_crm(make_crm, crm_extra={"timezone": "Asia/Vladivostok"})


def web(crm, login="admin", password="admin-password"):
    return sign_in(webtest.TestApp(create_app(crm, debug=True)), login, password)


def ticket(crm, **values):
    return crm.records.create("ticket", {"title": "Printer jams", **values})


def badge(page, target):
    cell = page.html.find("dd", id=f"sla-{target}")
    return cell["data-state"], cell.find(class_="badge")


# -- SLA badges ----------------------------------------------------------------------------


def test_sla_badges_show_met_breached_overdue_and_paused(desk, clock):
    on_time = ticket(desk, priority="urgent")
    late = ticket(desk, priority="urgent")
    open_late = ticket(desk, priority="urgent")
    waiting = ticket(desk, priority="urgent")
    clock.advance(minutes=20)
    desk.records.update("ticket", on_time["id"], {"status": "closed", "solution": "Reset it"})
    desk.records.update("ticket", waiting["id"], {"status": "wait_for_response"})
    clock.advance(days=2)
    desk.records.update("ticket", late["id"], {"status": "closed", "solution": "Reset it"})
    app = web(desk)

    page = app.get(f"/r/ticket/{on_time['id']}")
    for target in ("first_response", "resolution"):
        state, shown = badge(page, target)
        assert state == "met" and "ok" in shown["class"] and shown.text == "met"
    page = app.get(f"/r/ticket/{late['id']}")
    for target in ("first_response", "resolution"):
        state, shown = badge(page, target)
        assert state == "breached" and "bad" in shown["class"] and shown.text == "breached"
    state, shown = badge(app.get(f"/r/ticket/{open_late['id']}"), "resolution")
    assert state == "overdue" and "bad" in shown["class"] and shown.text.startswith("overdue by")
    state, shown = badge(app.get(f"/r/ticket/{waiting['id']}"), "resolution")
    assert state == "paused" and "bad" not in shown["class"] and shown.text == "paused"


def test_sla_due_times_show_in_the_local_time_zone_and_time_left(desk, clock):
    record = ticket(desk, priority="high")  # 4 working hours to the first response
    due = desk.records.get("ticket", record["id"])["first_response_due"]
    local = due.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Vladivostok"))
    page = web(desk).get(f"/r/ticket/{record['id']}")
    cell = page.html.find("dd", id="sla-first_response")
    assert f"due {local:%Y-%m-%d %H:%M}" in cell.text
    state, shown = badge(page, "first_response")
    assert state == "running" and shown.text == "due in 4 h"


# -- split, merge, convert to FAQ ----------------------------------------------------------


def activity_counts(crm, record):
    return (
        len(crm.comments.list("ticket", record["id"])),
        len(crm.attachments.list("ticket", record["id"])),
    )


def test_split_through_the_button_links_back_and_keeps_the_original(desk):
    original = ticket(desk, priority="high", description="Two printers jam")
    desk.comments.add("ticket", original["id"], "Both printers?")
    desk.attachments.add("ticket", original["id"], "log.txt", b"paper jam at tray 2")
    app = web(desk)
    page = app.get(f"/r/ticket/{original['id']}")
    form_page = page.click(href=f"/tickets/{original['id']}/split")
    form = form_page.forms["split-form"]
    assert form["title"].value == "Printer jams"
    form["title"] = ""
    refused = form.submit(status=422)
    assert refused.html.find(id="error-title").text == "is required"
    assert desk.records.count("ticket") == 1
    form = refused.forms["split-form"]
    form["title"] = "Second printer jams"
    form["description"] = "The printer upstairs"
    copy_page = form.submit(status=302).follow()
    copy = desk.records.get("ticket", "TT2")
    assert (copy["title"], copy["description"], copy["priority"]) == (
        "Second printer jams",
        "The printer upstairs",
        "high",
    )
    assert copy["duplicate_of"] == original["id"]
    assert "TT2 was split off from TT1." in copy_page.text
    assert copy_page.html.find("a", href=f"/r/ticket/{original['id']}")  # "Copied from"
    assert activity_counts(desk, original) == (1, 1)


def test_merge_through_the_button_moves_comments_and_attachments(desk):
    olga = desk.directory.actor_for("olga")
    survivor = ticket(desk, title="Printer jams on floor 2")
    duplicate = ticket(desk, title="Printer jams again")
    desk.comments.add("ticket", survivor["id"], "On it", actor=olga)
    desk.comments.add("ticket", duplicate["id"], "Still jams", actor=olga)
    desk.comments.add("ticket", duplicate["id"], "Same as TT1", actor=olga, internal=True)
    desk.attachments.add("ticket", duplicate["id"], "photo.txt", b"a photo")
    app = web(desk)
    page = app.get(f"/r/ticket/{duplicate['id']}")
    form_page = page.click(href=f"/tickets/{duplicate['id']}/merge")

    form = form_page.forms["merge-form"]
    form["into"] = duplicate["number"]
    refused = form.submit(status=422)
    assert "cannot absorb itself" in refused.html.find(id="merge-error").text
    form = refused.forms["merge-form"]
    form["into"] = "TT99"
    refused = form.submit(status=422)
    assert refused.html.find(id="merge-error").text == (
        "There is no ticket TT99, or you may not see it."
    )
    assert activity_counts(desk, duplicate) == (2, 1)

    form = refused.forms["merge-form"]
    form["into"] = survivor["number"]
    result = form.submit(status=302).follow()
    assert result.request.path == f"/r/ticket/{survivor['id']}"
    assert "TT2 was merged into this ticket and closed." in result.text
    assert activity_counts(desk, survivor) == (3, 1)
    assert activity_counts(desk, duplicate) == (0, 0)
    closed = desk.records.get("ticket", duplicate["id"])
    assert (closed["status"], closed["merged_into"]) == ("closed", survivor["id"])
    again = app.get(f"/r/ticket/{duplicate['id']}")
    assert not again.html.find("a", href=f"/tickets/{duplicate['id']}/merge")
    app.get(f"/tickets/{duplicate['id']}/merge", status=409)


def test_merge_page_suggests_open_tickets_of_the_same_customer(desk):
    account = desk.records.create("account", {"name": "ООО Ромашка"})
    first = ticket(desk, account=account["id"], title="Jams")
    second = ticket(desk, account=account["id"], title="Jams again")
    ticket(desk, title="Someone else's")
    page = web(desk).get(f"/tickets/{second['id']}/merge")
    suggested = [a.text for a in page.html.select(".tickets-merge-suggestions li > a")]
    assert suggested == [f"{first['number']} · Jams"]
    button = next(
        form
        for key, form in page.forms.items()
        if isinstance(key, int)
        and form.fields.get("into")
        and form["into"].value == "TT1"
        and form.id != "merge-form"
    )  # "Merge into this one"
    merged = button.submit(status=302).follow()
    assert merged.request.path == f"/r/ticket/{first['id']}"


def test_who_may_not_change_a_ticket_gets_no_merge_button(desk):
    class ReadOnlyOlga:
        @hookimpl
        def crm_permission_check(self, record_type, actor, action):
            if record_type.name == "ticket" and action == "edit" and actor.login == "olga":
                return False
            return None

    desk.pm.register(ReadOnlyOlga())
    survivor, duplicate = ticket(desk), ticket(desk)
    app = web(desk, "olga", "olga-password")
    page = app.get(f"/r/ticket/{duplicate['id']}")
    assert page.html.find("a", href=f"/tickets/{duplicate['id']}/split")
    assert not page.html.find("a", href=f"/tickets/{duplicate['id']}/merge")
    refused = app.post(
        f"/tickets/{duplicate['id']}/merge",
        {"csrf_token": csrf_of(app), "into": survivor["number"]},
        status=403,
    )
    assert "You may not change TT2, so you cannot merge it." in refused.text
    assert desk.records.get("ticket", duplicate["id"])["merged_into"] is None


def test_faq_button_is_absent_when_the_faq_plugin_is_disabled(desk):
    record = ticket(desk, solution="Open tray 2")
    app = web(desk)
    page = app.get(f"/r/ticket/{record['id']}")
    assert page.html.find("a", href=f"/tickets/{record['id']}/merge")  # buttons are there
    assert not page.html.find("form", action=f"/tickets/{record['id']}/to-faq")
    refused = app.post(
        f"/tickets/{record['id']}/to-faq", {"csrf_token": csrf_of(app)}, status=302
    ).follow()
    assert "the FAQ module is not enabled" in refused.html.find(class_="flash-error").text


@pytest.mark.skipif(not HAS_FAQ, reason="the faq plugin (crm_plugins.faq) is not written yet")
def test_faq_button_for_users_who_may_create_faqs(make_crm, clock):
    crm = desk_crm(make_crm, ("contacts", "products", "faq", "tickets"))

    class NoFaqForOlga:
        @hookimpl
        def crm_permission_check(self, record_type, actor, action):
            if record_type.name == "faq" and action == "create" and actor.login == "olga":
                return False
            return None

    crm.pm.register(NoFaqForOlga())
    unsolved = ticket(crm)
    record = ticket(crm, title="How do I clear a jam?", solution="Open tray 2")
    crm.comments.add("ticket", record["id"], "Then close it")
    admin = web(crm)
    page = admin.get(f"/r/ticket/{record['id']}")
    button_form = page.html.find("form", action=f"/tickets/{record['id']}/to-faq")
    assert button_form is not None
    token = csrf_of(admin)
    refused = admin.post(f"/tickets/{unsolved['id']}/to-faq", {"csrf_token": token}).follow()
    assert "Write the solution first" in refused.text
    assert crm.records.count("faq") == 0
    result = admin.post(f"/tickets/{record['id']}/to-faq", {"csrf_token": token}).follow()
    faq = crm.records.list("faq").records[0]
    assert result.request.path == f"/r/faq/{faq['id']}"
    assert faq["question"] == "How do I clear a jam?"
    assert faq["answer"] == "Solution: Open tray 2\n\nThen close it"
    olga_page = web(crm, "olga", "olga-password").get(f"/r/ticket/{record['id']}")
    assert not olga_page.html.find("form", action=f"/tickets/{record['id']}/to-faq")


# -- the activity stream -------------------------------------------------------------------


def test_activity_stream_orders_comments_and_changes_and_marks_internal_ones(desk, clock):
    olga = desk.directory.actor_for("olga")
    record = ticket(desk, assigned_to=olga.ref)
    clock.advance(minutes=5)
    desk.comments.add("ticket", record["id"], "Which printer?", actor=olga)
    clock.advance(minutes=5)
    desk.records.update("ticket", record["id"], {"status": "in_progress"}, actor=olga)
    clock.advance(minutes=5)
    desk.comments.add("ticket", record["id"], "Toner is low too", actor=olga, internal=True)
    clock.advance(minutes=5)
    desk.records.update("ticket", record["id"], {"priority": "high"}, actor=olga)
    page = web(desk).get(f"/r/ticket/{record['id']}")
    entries = page.html.select("ol.activity > li")
    texts = [" ".join(entry.get_text(" ", strip=True).split()) for entry in entries]
    assert len(entries) == 5  # the SLA bookkeeping of the first response is left out
    assert "created" in texts[0]
    assert "Which printer?" in texts[1] and "public" in texts[1]
    assert "Status : Open → In Progress" in texts[2]
    assert "Toner is low too" in texts[3] and "internal" in entries[3]["class"]
    assert entries[3].find(class_="badge internal").text == "internal"
    assert "internal" not in entries[1]["class"]
    assert "Priority : Normal → High" in texts[4]
    times = [entry.find("time").text for entry in entries]
    assert times == sorted(times)


# -- queues and the dashboard --------------------------------------------------------------


def test_queues_and_the_dashboard_are_on_the_tickets_menu(desk):
    page = web(desk).get("/")
    links = {a["href"]: a.text for a in page.html.select(".sidebar a")}
    assert links["/tickets/dashboard"] == "Support dashboard"
    for name in ("my_open", "my_groups", "unassigned", "overdue", "waiting", "recently_closed"):
        assert f"/r/ticket?view={name}" in links
    assert links["/r/ticket?view=waiting"] == "Waiting for customer"


def spread(crm, clock):
    """Tickets of the last weeks in every status and priority, some answered or closed late."""
    olga = crm.directory.actor_for("olga")
    plan = [
        # days ago, priority, hours to the first answer (None: none), hours to the end, status
        (0, "urgent", None, None, "open"),
        (1, "high", 2, None, "in_progress"),
        (2, "normal", 30, None, "wait_for_response"),
        (3, "low", 1, 5, "closed"),
        (5, "urgent", None, None, "open"),
        (8, "normal", 3, 70, "closed"),
        (12, "high", 1, None, "in_progress"),
        (20, "normal", 4, 26, "closed"),
        (40, "low", 2, 30, "closed"),
        (45, "normal", None, None, "open"),
    ]
    for index, (days_ago, priority, answer, end, status) in enumerate(plan):
        created = NOW - dt.timedelta(days=days_ago, hours=index)
        record = crm.records.create(
            "ticket",
            {"title": f"Ticket {index}", "priority": priority, "created_at": created},
            allow_read_only=frozenset({"created_at"}),
        )
        if answer is not None:
            clock.now = created + dt.timedelta(hours=answer)
            crm.comments.add("ticket", record["id"], "Looking", actor=olga)
        if status != "open":
            clock.now = created + dt.timedelta(hours=end or 3)
            values = {"status": status}
            if status == "closed":
                values["solution"] = "Fixed"
            crm.records.update("ticket", record["id"], values)
    clock.now = NOW


def table(page, table_id):
    rows = page.html.find("table", id=table_id).select("tbody tr")
    return {
        row.get("data-code") or row["data-date"]: [cell.text for cell in row.find_all("td")]
        for row in rows
    }


def test_dashboard_numbers_equal_a_direct_count(desk, clock):
    spread(desk, clock)
    page = web(desk).get("/tickets/dashboard")
    tickets = list(desk.records.iterate("ticket"))
    open_codes = ["open", "in_progress", "wait_for_response"]
    by_status = table(page, "by-status")
    for code in open_codes:
        assert by_status[code] == [
            str(desk.records.count("ticket", where=[Condition("status", "eq", code)]))
        ]
    by_priority = table(page, "by-priority")
    for code in ("low", "normal", "high", "urgent"):
        where = [Condition("status", "in", open_codes), Condition("priority", "eq", code)]
        assert by_priority[code] == [str(desk.records.count("ticket", where=where))]
    assert page.html.find(id="open-total").text == str(
        sum(1 for t in tickets if t["status"] != "closed")
    )
    overdue = [
        t
        for t in tickets
        if t["status"] in ("open", "in_progress")
        and (
            t["resolution_due"] < NOW
            or (t["first_response_at"] is None and t["first_response_due"] < NOW)
        )
    ]
    assert len(overdue) >= 2
    assert page.html.find(id="overdue").text == str(len(overdue))

    zone = ZoneInfo("Asia/Vladivostok")  # [crm] timezone: the support team's days

    def local_day(moment):
        return moment.replace(tzinfo=dt.UTC).astimezone(zone).date()

    first_day = local_day(NOW) - dt.timedelta(days=29)
    since = dt.datetime.combine(first_day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    since = since.replace(tzinfo=None)
    daily = table(page, "daily")
    assert len(daily) == 30
    for day in (first_day + dt.timedelta(days=n) for n in range(30)):
        created = sum(1 for t in tickets if local_day(t["created_at"]) == day)
        closed = sum(1 for t in tickets if t["closed_at"] and local_day(t["closed_at"]) == day)
        assert daily[day.isoformat()] == [str(created), str(closed)], day
    assert sum(int(c) for c, _ in daily.values()) == 8  # the two oldest are out of the window
    answered = [
        t["first_response_minutes"]
        for t in tickets
        if t["first_response_at"] and t["first_response_at"] >= since
    ]
    resolved = [
        t["resolution_minutes"] for t in tickets if t["closed_at"] and t["closed_at"] >= since
    ]
    shown = page.html.find(id="median-first-response")
    assert float(shown["data-minutes"]) == statistics.median(answered)
    assert float(page.html.find(id="median-resolution")["data-minutes"]) == statistics.median(
        resolved
    )


def test_dashboard_charts_are_well_formed_svg_without_style_attributes(desk, clock):
    spread(desk, clock)
    desk.picklists.rename("ticket_status", "open", label="Open & <new>")
    page = web(desk).get("/tickets/dashboard?days=7")
    assert "style=" not in page.text
    charts = {}
    for source in re.findall(r"<svg\b.*?</svg>", page.text, flags=re.DOTALL):
        root = ET.fromstring(source)
        assert root.tag == f"{SVG}svg"
        if root.get("id"):
            charts[root.get("id")] = root
    assert set(charts) == {"by-status-chart", "by-priority-chart", "daily-chart"}
    status_bars = charts["by-status-chart"].findall(f".//{SVG}rect")
    assert len(status_bars) == 3
    labels = [t.text for t in charts["by-status-chart"].iter(f"{SVG}text")]
    assert "Open & <new>" in labels  # escaped in the page, read back by the parser
    widths = {
        text.text: float(rect.get("width"))
        for group in charts["by-status-chart"].iter(f"{SVG}g")
        for text, rect in [(group.findall(f"{SVG}text")[0], group.find(f"{SVG}rect"))]
    }
    counts = {row: int(cells[0]) for row, cells in table(page, "by-status").items()}
    assert (widths["In Progress"] > widths["Wait For Response"]) == (
        counts["in_progress"] > counts["wait_for_response"]
    )
    assert len(charts["daily-chart"].findall(f"{SVG}g")) == 7
    assert len(charts["daily-chart"].findall(f".//{SVG}rect")) == 14  # created and closed


def test_dashboard_in_russian(desk, clock):
    spread(desk, clock)
    desk.directory.update_user("admin", language="ru")
    page = web(desk).get("/tickets/dashboard")
    assert page.html.find("h1").text == "Панель поддержки"
    assert (
        page.html.select_one('#by-status tr[data-code="wait_for_response"] a').text
        == (desk.registry.picklist("ticket_status").value("wait_for_response").label["ru"])
    )
    assert "ч" in page.html.find(id="median-resolution").text


def test_dashboard_refuses_a_wrong_period(desk):
    app = web(desk)
    assert "must be between 1 and 366" in app.get("/tickets/dashboard?days=400", status=422).text
    assert "whole number of days" in app.get("/tickets/dashboard?days=week", status=422).text


# -- escaping ------------------------------------------------------------------------------


def test_every_page_escapes_user_text(desk):
    account = desk.records.create("account", {"name": XSS})
    first = ticket(desk, title=XSS, account=account["id"], description=XSS)
    second = ticket(desk, title=XSS, account=account["id"])
    desk.comments.add("ticket", second["id"], XSS, internal=True)
    desk.records.update("ticket", second["id"], {"title": XSS + " (2)"})
    desk.picklists.rename("ticket_priority", "normal", label=XSS)
    app = web(desk)
    for url in (
        f"/r/ticket/{second['id']}",
        f"/tickets/{second['id']}/split",
        f"/tickets/{second['id']}/merge",
        "/tickets/dashboard",
    ):
        page = app.get(url)
        assert XSS not in page.text, url
        assert "&lt;script&gt;" in page.text, url
    form = app.get(f"/tickets/{second['id']}/merge").forms["merge-form"]
    form["into"] = XSS
    refused = form.submit(status=422)
    assert XSS not in refused.text and "&lt;script&gt;" in refused.text
    assert first["id"] != second["id"]
