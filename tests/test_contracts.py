"""The contracts plugin: used units from linked closed tickets (close, re-open, link,
unlink, unit change, hours ↔ days with the working-day setting), the dates and figures that
follow, concurrent closes, warnings, "New ticket" from a contract, and start-up without it."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
import webtest
from conftest import sign_in

from crm_core import ValidationError, hookimpl
from crm_core.errors import ConfigError
from crm_plugins.contracts import alerts, usage
from crm_web.app import create_app

NO_SOLUTION_NEEDED = {"tickets": {"require_solution_to_close": False}}


@pytest.fixture
def desk(make_crm):
    crm = make_crm(["contacts", "tickets", "contracts"], plugins=NO_SOLUTION_NEEDED)
    crm.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    return crm


def contract(crm, unit="hours", total="10", **values):
    return crm.records.create(
        "service_contract",
        {"subject": "Support 2027", "tracking_unit": unit, "total_units": total, **values},
    )


def ticket(crm, **values):
    return crm.records.create("ticket", {"title": "Printer jams", **values})


def link(crm, contract_record, *tickets):
    for item in tickets:
        crm.records.link("service_contract", contract_record["id"], "tickets", item["id"])


def close(crm, item, **values):
    return crm.records.update("ticket", item["id"], {"status": "closed", **values})


def reopen(crm, item):
    return crm.records.update("ticket", item["id"], {"status": "open"})


def used(crm, contract_record):
    return crm.records.get("service_contract", contract_record["id"])["used_units"]


# -- used units --------------------------------------------------------------------------


def test_closing_adds_units_and_reopening_takes_them_away(desk):
    sc = contract(desk, "hours")
    first, second = ticket(desk, hours="3"), ticket(desk, days="1.5")
    link(desk, sc, first, second)
    assert used(desk, sc) == Decimal("0.00")
    close(desk, first)
    assert used(desk, sc) == Decimal("3.00")
    close(desk, second)  # no hours: days × the 8-hour working day
    assert used(desk, sc) == Decimal("15.00")
    reopen(desk, first)
    assert used(desk, sc) == Decimal("12.00")
    history = desk.records.history("service_contract", sc["id"])
    assert history[0]["changes"]["used_units"] == ["15.00", "12.00"]
    assert history[0]["actor"] is None  # the CRM's own bookkeeping


def test_days_count_hours_over_the_working_day_setting(make_crm):
    crm = make_crm(
        ["contacts", "tickets", "contracts"],
        plugins={**NO_SOLUTION_NEEDED, "contracts": {"hours_per_day": 6}},
    )
    sc = contract(crm, "days")
    by_hours, by_days, both = ticket(crm, hours="3"), ticket(crm, days="2"), ticket(crm)
    link(crm, sc, by_hours, by_days, both)
    close(crm, by_hours)
    assert used(crm, sc) == Decimal("0.50")  # 3 h of a 6-hour day
    close(crm, by_days)
    assert used(crm, sc) == Decimal("2.50")
    close(crm, both, hours="12", days="1")  # days win when both are given
    assert used(crm, sc) == Decimal("3.50")


def test_hours_count_days_times_the_working_day_setting(make_crm):
    crm = make_crm(
        ["contacts", "tickets", "contracts"],
        plugins={**NO_SOLUTION_NEEDED, "contracts": {"hours_per_day": 7.5}},
    )
    sc = contract(crm, "hours", total="100")
    item = ticket(crm, days="2")
    link(crm, sc, item)
    close(crm, item)
    assert used(crm, sc) == Decimal("15.00")


def test_incidents_count_closed_tickets_and_none_counts_nothing(desk):
    incidents, untracked = contract(desk, "incidents", total="3"), contract(desk, "none", None)
    tickets = [ticket(desk, hours="5") for _ in range(3)]
    link(desk, incidents, *tickets)
    link(desk, untracked, *tickets)
    close(desk, tickets[0])
    close(desk, tickets[1])
    assert used(desk, incidents) == Decimal("2.00")
    assert used(desk, untracked) == Decimal("0.00")


def test_linking_and_unlinking_recount_from_scratch(desk):
    """Through the core's crm_after_link and crm_after_unlink hooks, from either side."""
    sc = contract(desk, "hours")
    done, open_one = ticket(desk, hours="4"), ticket(desk, hours="2")
    close(desk, done)
    link(desk, sc, done, open_one)  # a ticket closed before linking counts at once
    assert used(desk, sc) == Decimal("4.00")
    desk.records.unlink("ticket", done["id"], "service_contracts", sc["id"])  # from either side
    assert used(desk, sc) == Decimal("0.00")
    close(desk, open_one)
    assert used(desk, sc) == Decimal("2.00")


def test_changing_the_tracking_unit_recounts(desk):
    sc = contract(desk, "hours", total="20")
    items = [ticket(desk, hours="4"), ticket(desk, days="1")]
    link(desk, sc, *items)
    for item in items:
        close(desk, item)
    assert used(desk, sc) == Decimal("12.00")
    changed = desk.records.update("service_contract", sc["id"], {"tracking_unit": "days"})
    assert changed["used_units"] == Decimal("1.50")  # 4 h = 0.5 day, plus 1 day
    changed = desk.records.update("service_contract", sc["id"], {"tracking_unit": "incidents"})
    assert changed["used_units"] == Decimal("2.00")


def test_corrected_effort_deleted_and_restored_tickets_keep_the_count_right(desk):
    sc = contract(desk, "hours")
    item = ticket(desk, hours="2")
    link(desk, sc, item)
    close(desk, item)
    desk.records.update("ticket", item["id"], {"hours": "5"})  # corrected while closed
    assert used(desk, sc) == Decimal("5.00")
    desk.records.delete("ticket", item["id"])
    assert used(desk, sc) == Decimal("0.00")
    desk.records.restore("ticket", item["id"])
    assert used(desk, sc) == Decimal("5.00")


def test_merging_tickets_moves_their_units_to_the_surviving_ticket(desk):
    from crm_plugins.tickets import actions

    sc = contract(desk, "hours", total="50")
    duplicate, survivor = ticket(desk, hours="2"), ticket(desk, hours="5")
    close(desk, survivor)
    link(desk, sc, duplicate)
    actions.merge(desk, duplicate["id"], survivor["id"])  # the links move to the survivor
    assert desk.records.linked_ids("service_contract", sc["id"], "tickets") == [survivor["id"]]
    assert used(desk, sc) == Decimal("5.00")


def test_tickets_closed_through_the_api_and_imported_closed_count(desk):
    sc = contract(desk, "hours", total="50")
    item = ticket(desk, hours="3")
    link(desk, sc, item)
    token, _ = desk.sessions.create_api_token(desk.directory.get_user("admin")["id"], "test")
    api = webtest.TestApp(create_app(desk, debug=True))
    api.patch_json(
        f"/api/v1/ticket/{item['id']}",
        {"status": "closed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert used(desk, sc) == Decimal("3.00")
    report = desk.transfer.import_file(
        "ticket", io.StringIO("title,status,hours\nImported one,closed,4\nImported two,open,9\n")
    )
    assert report.imported == 2
    for imported in desk.records.list("ticket", where={"title": "Imported one"}).records:
        link(desk, sc, imported)
    assert used(desk, sc) == Decimal("7.00")


# -- what follows from the count ----------------------------------------------------------


def test_end_date_durations_and_progress_follow_the_count(desk):
    today = usage.today(desk)
    start, due = today - dt.timedelta(days=9), today + dt.timedelta(days=20)
    sc = contract(desk, "hours", total="8", start_date=start, due_date=due, status="in_progress")
    assert (sc["planned_duration"], sc["actual_duration"], sc["end_date"]) == (30, None, None)
    assert sc["progress"] == Decimal("0.00")
    first, second = ticket(desk, hours="3"), ticket(desk, hours="5")
    link(desk, sc, first, second)
    close(desk, first)
    record = desk.records.get("service_contract", sc["id"])
    assert (record["progress"], record["end_date"]) == (Decimal("37.50"), None)
    close(desk, second)  # used up: the contract ends today, its status stays
    record = desk.records.get("service_contract", sc["id"])
    assert record["end_date"] == today and record["actual_duration"] == 10
    assert (record["progress"], record["status"]) == (Decimal("100.00"), "in_progress")
    reopen(desk, second)
    record = desk.records.get("service_contract", sc["id"])
    assert (record["end_date"], record["actual_duration"]) == (None, None)


def test_a_complete_contract_has_an_end_date(desk):
    sc = contract(desk, "none", None, start_date=usage.today(desk))
    done = desk.records.update("service_contract", sc["id"], {"status": "complete"})
    assert done["end_date"] == usage.today(desk) and done["actual_duration"] == 1
    assert done["progress"] is None  # no total, no progress
    again = desk.records.update("service_contract", sc["id"], {"status": "in_progress"})
    assert again["end_date"] is None


def test_computed_fields_are_read_only_and_dates_are_checked(desk):
    with pytest.raises(ValidationError) as caught:
        desk.records.create(
            "service_contract", {"subject": "Cheat", "tracking_unit": "hours", "used_units": 5}
        )
    assert caught.value.errors["used_units"] == "is read-only; the CRM sets it"
    with pytest.raises(ValidationError) as caught:
        contract(desk, start_date="2027-05-10", due_date="2027-05-01", total="-1")
    assert caught.value.errors == {
        "due_date": "must be on or after the start date (2027-05-10)",
        "total_units": "cannot be negative",
    }


def test_linking_fills_the_tickets_empty_account_or_contact(desk):
    account = desk.records.create("account", {"name": "Romashka"})
    other = desk.records.create("account", {"name": "Vector"})
    person = desk.records.create("contact", {"last_name": "Ivanova"})
    for_account = contract(desk, related_to=f"account:{account['id']}")
    for_person = contract(desk, related_to=f"contact:{person['id']}")
    empty, taken = ticket(desk), ticket(desk, account=other["id"])
    link(desk, for_account, empty, taken)
    link(desk, for_person, empty)
    stored = desk.records.get("ticket", empty["id"])
    assert (stored["account"], stored["contact"]) == (account["id"], person["id"])
    assert desk.records.get("ticket", taken["id"])["account"] == other["id"]  # not overwritten


# -- concurrency ---------------------------------------------------------------------------


class BothClosedFirst:
    """Holds each closing transaction, after its ticket is closed and before the contract
    is counted, until the other one got there too (on SQLite writers queue, so the first
    one goes on after a short wait)."""

    def __init__(self):
        self.barrier = threading.Barrier(2, timeout=2)

    @hookimpl(tryfirst=True)
    def crm_ticket_closed(self, ticket):
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait()


def test_concurrent_closes_of_one_contracts_tickets_lose_no_update(desk):
    sc = contract(desk, "hours", total="100")
    first, second = ticket(desk, hours="3"), ticket(desk, hours="4")
    link(desk, sc, first, second)
    desk.pm.register(BothClosedFirst())
    errors = []

    def close_in_thread(item):
        try:
            close(desk, item)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=close_in_thread, args=(t,)) for t in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert used(desk, sc) == Decimal("7.00")


# -- warnings and pages --------------------------------------------------------------------


@pytest.fixture
def app(desk):
    return sign_in(webtest.TestApp(create_app(desk, debug=True)))


def test_used_up_contract_warns_on_its_page_and_on_its_tickets(desk, app):
    sc = contract(desk, "hours", total="2", status="in_progress")
    item = ticket(desk, hours="2")
    link(desk, sc, item)
    assert not app.get(f"/r/service_contract/{sc['id']}").html.select(".contract-alerts li")
    close(desk, item)
    page = app.get(f"/r/service_contract/{sc['id']}")
    (alert,) = page.html.select(".contract-alerts li")
    assert "All units are used: 2.00 of 2.00 (Hours)." in alert.get_text(" ", strip=True)
    ticket_page = app.get(f"/r/ticket/{item['id']}")
    (alert,) = ticket_page.html.select(".contract-alerts li")
    assert alert.select_one("a")["href"] == f"/r/service_contract/{sc['id']}"
    assert "All units are used" in alert.text
    desk.records.update("service_contract", sc["id"], {"status": "complete"})
    assert not app.get(f"/r/ticket/{item['id']}").html.select(".contract-alerts li")


def test_due_date_warnings_and_the_expiring_view(desk, app):
    today = usage.today(desk)
    soon = contract(desk, subject="Soon", due_date=today + dt.timedelta(days=3))
    late = contract(desk, subject="Late", due_date=today - dt.timedelta(days=2))
    contract(desk, subject="Far", due_date=today + dt.timedelta(days=60))
    contract(desk, subject="Done", due_date=today, status="complete")
    used_up = contract(
        desk, "incidents", total="1", subject="Used up", due_date=today + dt.timedelta(days=100)
    )
    item = ticket(desk)
    link(desk, used_up, item)
    close(desk, item)
    text = app.get(f"/r/service_contract/{soon['id']}").html.select_one(".contract-alerts").text
    assert "Due in 3 days." in text
    text = app.get(f"/r/service_contract/{late['id']}").html.select_one(".contract-alerts").text
    assert "The due date passed 2 days ago." in text
    view = app.get("/r/service_contract?view=attention")
    subjects = [c.get_text(strip=True) for c in view.html.select('td[data-label="Subject"]')]
    assert subjects == ["Late", "Soon", "Used up"]


def test_warning_days_are_a_setting(make_crm):
    crm = make_crm(
        ["contacts", "tickets", "contracts"], plugins={"contracts": {"warn_days_before_due": 90}}
    )
    contract(crm, subject="Far", due_date=usage.today(crm) + dt.timedelta(days=60))
    contract(crm, subject="Farther", due_date=usage.today(crm) + dt.timedelta(days=91))
    where = alerts.list_view(crm)["where"]
    listed = crm.records.list("service_contract", where=where).records
    assert [record["subject"] for record in listed] == ["Far"]


def test_new_ticket_from_a_contract(desk, app):
    account = desk.records.create("account", {"name": "Romashka"})
    sc = contract(desk, related_to=f"account:{account['id']}", subject="<b>Gold</b>")
    page = app.get(f"/r/service_contract/{sc['id']}")
    action = page.html.find("a", string="New ticket")
    form = app.get(action["href"]).forms["contract-ticket-form"]
    assert "<b>Gold</b>" in app.get(action["href"]).html.get_text()  # shown as text
    form["title"] = ""
    failed = form.submit(status=422)
    assert "is required" in failed.text
    assert desk.records.list("ticket").records == []
    form = failed.forms["contract-ticket-form"]
    form["title"] = "Printer on fire"
    form["priority"] = "urgent"
    done = form.submit(status=302).follow()
    created = desk.records.list("ticket").records[0]
    assert f"{created['number']} was created and linked to {sc['number']}." in done.text
    assert (created["account"], created["priority"]) == (account["id"], "urgent")
    assert desk.records.linked_ids("service_contract", sc["id"], "tickets") == [created["id"]]


# -- enabling ------------------------------------------------------------------------------


def test_needs_the_tickets_plugin(make_crm):
    with pytest.raises(ConfigError) as caught:
        make_crm(["contacts", "contracts"])
    assert "plugin 'contracts' requires 'tickets', which is not enabled" in str(caught.value)


def test_the_others_run_without_it(make_crm):
    crm = make_crm(["contacts", "products", "tickets", "faq", "assets"], plugins=NO_SOLUTION_NEEDED)
    assert "service_contract" not in crm.registry.types
    assert crm.registry.relation_ends("ticket") == []
    item = ticket(crm, hours="2")
    assert close(crm, item)["status"] == "closed"
