"""SLA timers on real tickets: due times, the stopped clock, first response, breach.

The CRM reads the time through ``crm_core.clock.utcnow``; the tests set it, and
create tickets with a chosen ``created_at``, so every expected time is exact.
"""

import datetime as dt

import pytest

import crm_core.clock
from crm_core.actors import SYSTEM
from crm_plugins.tickets import queues, sla
from crm_plugins.tickets.settings import policy

MONDAY_9 = dt.datetime(2027, 3, 1, 9, 0)  # Mon-Fri 09:00-18:00 UTC by default


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def at(self, text: str) -> None:
        self.now = dt.datetime.fromisoformat(text)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(MONDAY_9)
    monkeypatch.setattr(crm_core.clock, "utcnow", lambda: clock.now)
    return clock


@pytest.fixture
def helpdesk(make_crm):
    crm = make_crm(["contacts", "tickets"])
    crm.directory.add_user("olga", "Ольга Смирнова")
    return crm


def new_ticket(crm, created: str, **values):
    values = {"title": "Printer jams", "created_at": created, **values}
    return crm.records.create("ticket", values, allow_read_only=frozenset({"created_at"}))


def update(crm, ticket, **values):
    return crm.records.update("ticket", ticket["id"], values)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_due_times_across_a_weekend_and_outside_working_hours(helpdesk, clock):
    friday = new_ticket(helpdesk, "2027-03-05T16:00", priority="normal")  # 8 h / 40 h
    assert friday["first_response_due"] == at("2027-03-08 15:00")  # Monday
    assert friday["resolution_due"] == at("2027-03-12 11:00")  # next Friday
    night = new_ticket(helpdesk, "2027-03-02T22:30", priority="urgent")  # 1 h / 8 h
    assert night["first_response_due"] == at("2027-03-03 10:00")
    assert night["resolution_due"] == at("2027-03-03 17:00")
    assert friday["first_response_result"] is None and friday["sla_paused_at"] is None


def test_pause_and_resume_extend_the_due_times(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00")  # normal: due Mon 17:00 / Fri 13:00
    assert ticket["resolution_due"] == at("2027-03-05 13:00")
    clock.at("2027-03-01 10:00")
    waiting = update(helpdesk, ticket, status="wait_for_response")
    assert waiting["sla_paused_at"] == at("2027-03-01 10:00")
    assert waiting["first_response_due"] == at("2027-03-01 17:00")  # unchanged while paused
    clock.at("2027-03-02 10:00")  # paused for 8 + 1 working hours
    resumed = update(helpdesk, ticket, status="in_progress")
    assert resumed["sla_paused_at"] is None
    assert resumed["sla_paused_minutes"] == 9 * 60
    assert resumed["first_response_due"] == at("2027-03-02 17:00")
    assert resumed["resolution_due"] == at("2027-03-08 13:00")  # Fri 13-18 + Mon 4 h
    history = helpdesk.records.history("ticket", ticket["id"])[0]
    assert history["changes"]["status"] == ["wait_for_response", "in_progress"]


def test_a_paused_ticket_is_not_overdue(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00", priority="urgent")  # due Mon 10:00
    clock.at("2027-03-01 09:30")
    update(helpdesk, ticket, status="wait_for_response")
    clock.at("2027-03-03 12:00")
    overdue = queues.overdue(helpdesk, clock.now)
    assert helpdesk.records.count("ticket", where=overdue) == 0
    update(helpdesk, ticket, status="open")  # 30 min were left when the clock stopped
    assert helpdesk.records.count("ticket", where=overdue) == 0
    clock.at("2027-03-03 12:31")
    assert helpdesk.records.count("ticket", where=queues.overdue(helpdesk, clock.now)) == 1


def test_next_due_follows_the_first_response_then_the_resolution(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00")  # normal: 8 h / 40 h
    assert ticket["next_due"] == at("2027-03-01 17:00") == ticket["first_response_due"]
    clock.at("2027-03-01 10:00")
    olga = helpdesk.directory.actor_for("olga")
    helpdesk.comments.add("ticket", ticket["id"], "We are on it", actor=olga)
    answered = helpdesk.records.get("ticket", ticket["id"])
    assert answered["next_due"] == at("2027-03-05 13:00") == answered["resolution_due"]
    urgent = update(helpdesk, answered, priority="urgent")  # resolution due 8 h after 09:00
    assert urgent["next_due"] == at("2027-03-01 17:00") == urgent["resolution_due"]
    clock.at("2027-03-01 17:01")
    overdue = queues.overdue(helpdesk, clock.now)
    assert [t["number"] for t in helpdesk.records.list("ticket", where=overdue).records] == [
        ticket["number"]
    ]


def test_tickets_saved_before_next_due_existed_are_still_found_overdue(helpdesk, clock):
    late = new_ticket(helpdesk, "2027-03-01T09:00", priority="urgent")  # first response 10:00
    new_ticket(helpdesk, "2027-03-01T09:00", priority="low")  # first response Tue 16:00
    with helpdesk.store.transaction() as tx:  # as an upgraded database has them
        tx.execute("UPDATE rec_ticket SET next_due = NULL")
    clock.at("2027-03-01 11:00")
    overdue = queues.overdue(helpdesk, clock.now)
    assert [t["number"] for t in helpdesk.records.list("ticket", where=overdue).records] == [
        late["number"]
    ]
    saved = update(helpdesk, late, title="Printer jams again")  # the next save fills it in
    assert saved["next_due"] == at("2027-03-01 10:00")
    assert helpdesk.records.count("ticket", where=overdue) == 1


def test_first_public_staff_comment_is_the_first_response(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00")  # first response due Mon 17:00
    olga = helpdesk.directory.actor_for("olga")
    clock.at("2027-03-01 11:00")
    helpdesk.comments.add("ticket", ticket["id"], "Checked the logs", actor=olga, internal=True)
    helpdesk.comments.add("ticket", ticket["id"], "Automatic note")  # the system, not staff
    assert helpdesk.records.get("ticket", ticket["id"])["first_response_at"] is None
    clock.at("2027-03-01 12:30")
    helpdesk.comments.add("ticket", ticket["id"], "We are on it", actor=olga)
    answered = helpdesk.records.get("ticket", ticket["id"])
    assert answered["first_response_at"] == at("2027-03-01 12:30")
    assert answered["first_response_result"] == "met"
    assert answered["first_response_minutes"] == 210
    clock.at("2027-03-02 09:00")
    helpdesk.comments.add("ticket", ticket["id"], "Any news?", actor=olga)
    assert helpdesk.records.get("ticket", ticket["id"])["first_response_at"] == at(
        "2027-03-01 12:30"
    )


def test_late_first_response_and_late_resolution_are_breaches(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00", priority="urgent")  # 1 h / 8 h
    clock.at("2027-03-02 10:00")  # 10 working hours later
    state = sla.clock_state(
        helpdesk.records.get("ticket", ticket["id"]), policy(helpdesk), clock.now
    )
    assert state["first_response"]["state"] == "overdue"
    assert state["first_response"]["remaining_minutes"] == -9 * 60
    closed = update(helpdesk, ticket, status="closed", solution="Replaced the drum")
    assert closed["closed_at"] == at("2027-03-02 10:00")
    assert closed["resolution_result"] == "breached"
    assert closed["resolution_minutes"] == 10 * 60
    assert closed["first_response_result"] == "breached"  # the closing answered first
    assert closed["sla_paused_at"] == at("2027-03-02 10:00")
    assert sla.clock_state(closed, policy(helpdesk), clock.now)["resolution"]["state"] == "breached"


def test_reopening_runs_the_clock_again(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00")  # resolution due Fri 13:00
    clock.at("2027-03-01 12:00")
    closed = update(helpdesk, ticket, status="closed", solution="Rebooted")
    assert closed["resolution_result"] == "met"
    clock.at("2027-03-02 12:00")  # closed for 9 working hours
    reopened = update(helpdesk, ticket, status="open")
    assert reopened["closed_at"] is None and reopened["resolution_result"] is None
    assert reopened["resolution_due"] == at("2027-03-08 13:00")
    assert reopened["first_response_result"] == "met"  # the first response stays answered


def test_priority_change_recomputes_open_due_times(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00", priority="low")  # 16 h / 80 h
    clock.at("2027-03-01 09:30")
    urgent = update(helpdesk, ticket, priority="urgent")
    assert urgent["first_response_due"] == at("2027-03-01 10:00")
    assert urgent["resolution_due"] == at("2027-03-01 17:00")


def test_changed_targets_apply_to_new_tickets_only(make_crm, clock):
    before = make_crm(["contacts", "tickets"])
    old = new_ticket(before, "2027-03-01T09:00", priority="urgent")
    assert old["first_response_due"] == at("2027-03-01 10:00")
    targets = {"urgent": {"first_response_hours": 2, "resolution_hours": 4}}
    after = make_crm(["contacts", "tickets"], plugins={"tickets": {"sla": targets}})
    fresh = new_ticket(after, "2027-03-01T09:00", priority="urgent")
    assert fresh["first_response_due"] == at("2027-03-01 11:00")
    touched = after.records.update("ticket", old["id"], {"title": "Printer jams badly"})
    assert touched["first_response_due"] == at("2027-03-01 10:00")
    assert touched["resolution_due"] == at("2027-03-01 17:00")
    normal = new_ticket(after, "2027-03-01T09:00", priority="normal")  # no target any more
    assert normal["first_response_due"] is None and normal["resolution_due"] is None


def test_working_week_and_time_zone_come_from_the_settings(make_crm, clock):
    crm = make_crm(
        ["contacts", "tickets"],
        plugins={
            "tickets": {
                "timezone": "Europe/Moscow",
                "working_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
                "working_hours": "10:00-19:00",
            }
        },
    )
    ticket = new_ticket(crm, "2027-03-06T15:30", priority="urgent")  # Saturday 18:30 Moscow
    # Half an hour on Saturday, no work on Sunday, half an hour on Monday from 10:00 Moscow.
    assert ticket["first_response_due"] == at("2027-03-08 07:30")


def test_due_within_hours(helpdesk, clock):
    soon = new_ticket(helpdesk, "2027-03-01T09:00", priority="urgent")  # due 10:00
    new_ticket(helpdesk, "2027-03-01T09:00", priority="low")  # due Tue 16:00 / later
    clock.at("2027-03-01 09:15")
    due = helpdesk.records.list("ticket", where=queues.due_within(helpdesk, 2, clock.now))
    assert [r["id"] for r in due.records] == [soon["id"]]
    update(helpdesk, soon, status="wait_for_response")
    assert helpdesk.records.count("ticket", where=queues.due_within(helpdesk, 2, clock.now)) == 0


def test_clock_state_for_badges(helpdesk, clock):
    ticket = new_ticket(helpdesk, "2027-03-01T09:00")
    clock.at("2027-03-01 16:00")
    state = sla.clock_state(ticket, policy(helpdesk), clock.now)
    assert state["first_response"]["state"] == "running"
    assert state["first_response"]["remaining_minutes"] == 60
    waiting = update(helpdesk, ticket, status="wait_for_response")
    clock.at("2027-03-04 16:00")
    state = sla.clock_state(waiting, policy(helpdesk), clock.now)
    assert state["first_response"]["state"] == "paused"
    assert state["first_response"]["remaining_minutes"] == 60
    assert state["stopped_since"] == at("2027-03-01 16:00")


def test_imported_closed_ticket_keeps_its_own_times(helpdesk, clock):
    values = {
        "title": "Old ticket",
        "created_at": "2027-02-01T09:00",
        "status": "closed",
        "solution": "Done",
        "first_response_at": "2027-02-01T09:30",
        "closed_at": "2027-02-01T12:00",
    }
    fields = frozenset({"created_at", "first_response_at", "closed_at"})
    ticket = helpdesk.records.create("ticket", values, actor=SYSTEM, allow_read_only=fields)
    assert ticket["first_response_result"] == "met" and ticket["first_response_minutes"] == 30
    assert ticket["resolution_result"] == "met" and ticket["resolution_minutes"] == 180
    assert ticket["sla_paused_at"] == at("2027-02-01 12:00")
