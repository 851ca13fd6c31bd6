"""SLA timers of a ticket: due times, the stopped clock, and whether each target was met.

Every ticket has two targets, taken from its priority when it is created: the first
response and the resolution, in working time (see :mod:`.working_time`). The due times are
stored on the ticket (``first_response_due``, ``resolution_due``), so lists filter
"overdue" or "due within N hours" with ordinary conditions. Changing the targets in the
settings therefore concerns new tickets only; changing a ticket's priority recomputes its
open due times from its creation with the new priority's targets.

The clock stands still while the ticket waits for the customer or is closed: the moment it
stopped is kept in ``sla_paused_at``; when it runs again, the open due times move later by
the working time it stood still, which adds up in ``sla_paused_minutes``. The first public
comment by staff (or the closing, if nobody answered before) is the first response; the
closing decides the resolution. Each is recorded as ``met`` or ``breached`` with the working
minutes it took.

The functions here take and return plain values (a ticket dict, a :class:`Policy`, the
time) and write nothing; :mod:`.lifecycle` applies what they return when a ticket is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .working_time import WorkingCalendar

CLOSED = "closed"
WAITING = "wait_for_response"
#: Statuses in which the SLA clock stands still.
STOPPED = (WAITING, CLOSED)
#: Fields this module keeps; users read them but cannot set them.
FIELDS = frozenset(
    {
        "first_response_due",
        "first_response_at",
        "first_response_result",
        "first_response_minutes",
        "resolution_due",
        "next_due",
        "closed_at",
        "resolution_result",
        "resolution_minutes",
        "sla_paused_at",
        "sla_paused_minutes",
    }
)


@dataclass(frozen=True)
class Targets:
    """Working seconds allowed for the first response and for the resolution."""

    first_response: int | None = None
    resolution: int | None = None


@dataclass(frozen=True)
class Policy:
    calendar: WorkingCalendar
    targets: dict[str, Targets]

    def targets_for(self, priority: str | None) -> Targets:
        return self.targets.get(priority or "", Targets())


def on_create(ticket: dict[str, Any], policy: Policy, now: dt.datetime) -> dict[str, Any]:
    """Values a new ticket gets: its due times and, when it starts out waiting or closed
    (imported history, demo data), the stopped clock and the results. Values the ticket
    already carries are kept."""
    changes: dict[str, Any] = {}
    current = dict(ticket)

    def put(values: dict[str, Any]) -> None:
        changes.update(values)
        current.update(values)

    targets = policy.targets_for(ticket.get("priority"))
    for field, seconds in (
        ("first_response_due", targets.first_response),
        ("resolution_due", targets.resolution),
    ):
        if ticket.get(field) is None and seconds:
            put({field: policy.calendar.add(ticket["created_at"], seconds)})
    status = ticket.get("status")
    if status == CLOSED and current.get("closed_at") is None:
        put({"closed_at": now})
    if status in STOPPED and current.get("sla_paused_at") is None:
        put({"sla_paused_at": current.get("closed_at") or now})
    if status == CLOSED and current.get("first_response_at") is None:
        put({"first_response_at": current["closed_at"]})
    if current.get("first_response_at") and current.get("first_response_result") is None:
        put(_outcome(policy, current, "first_response", current["first_response_at"]))
    if status == CLOSED and current.get("resolution_result") is None:
        put(_outcome(policy, current, "resolution", current["sla_paused_at"]))
    return changes


def on_update(
    old: dict[str, Any], ticket: dict[str, Any], policy: Policy, now: dt.datetime
) -> dict[str, Any]:
    """Values that change with a ticket's update: the clock stops or runs again, the
    ticket closes or re-opens, or its priority (hence its targets) changes."""
    changes: dict[str, Any] = {}
    current = dict(ticket)

    def put(values: dict[str, Any]) -> None:
        changes.update(values)
        current.update(values)

    was_stopped, stopped = old.get("status") in STOPPED, ticket.get("status") in STOPPED
    if was_stopped and not stopped:
        put(_resume(policy, current, now))
    if old.get("status") == CLOSED and ticket.get("status") != CLOSED:
        put({"closed_at": None, "resolution_result": None, "resolution_minutes": None})
    if stopped and not was_stopped:
        put({"sla_paused_at": now})
    if ticket.get("status") == CLOSED and old.get("status") != CLOSED:
        moment = current.get("sla_paused_at") or now  # when the clock stopped
        put({"closed_at": now})
        if current.get("first_response_at") is None:
            put({"first_response_at": now, **_outcome(policy, current, "first_response", moment)})
        put(_outcome(policy, current, "resolution", moment))
    if ticket.get("priority") != old.get("priority") and ticket.get("status") != CLOSED:
        put(_due_times(policy, current))
    return changes


def on_first_response(ticket: dict[str, Any], policy: Policy, now: dt.datetime) -> dict[str, Any]:
    """Values recording the first response (a public staff comment), if there was none."""
    if ticket.get("first_response_at") is not None:
        return {}
    moment = ticket.get("sla_paused_at") or now
    return {"first_response_at": now, **_outcome(policy, ticket, "first_response", moment)}


def clock_state(ticket: dict[str, Any], policy: Policy, now: dt.datetime) -> dict[str, Any]:
    """What the SLA badges show, for each target: ``due``, ``done_at``, ``result`` and
    ``state`` — ``met`` or ``breached`` once decided, else ``running``, ``overdue``,
    ``paused`` or ``none`` (no target) — and ``remaining_minutes`` of working time
    (negative when overdue; ``None`` once decided or without a target)."""
    stopped_at = ticket.get("sla_paused_at")
    parts = {}
    for name, done_field, due_field in (
        ("first_response", "first_response_at", "first_response_due"),
        ("resolution", "closed_at", "resolution_due"),
    ):
        due, result = ticket.get(due_field), ticket.get(f"{name}_result")
        part = {
            "due": due,
            "done_at": ticket.get(done_field),
            "result": result,
            "minutes": ticket.get(f"{name}_minutes"),
            "remaining_minutes": None,
        }
        if result:
            part["state"] = result
        elif due is None:
            part["state"] = "none"
        else:
            moment = stopped_at or now
            remaining = policy.calendar.signed_seconds(moment, due)
            part["remaining_minutes"] = _minutes(remaining)
            part["state"] = "paused" if stopped_at else ("overdue" if moment > due else "running")
        parts[name] = part
    return {"stopped_since": stopped_at, **parts}


def _resume(policy: Policy, ticket: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The clock runs again: open due times move later by the working time it stood."""
    stopped_at = ticket.get("sla_paused_at")
    if stopped_at is None:
        return {}
    stood = policy.calendar.seconds_between(stopped_at, now)
    changes: dict[str, Any] = {
        "sla_paused_at": None,
        "sla_paused_minutes": (ticket.get("sla_paused_minutes") or 0) + _minutes(stood),
    }
    if ticket.get("first_response_at") is None and ticket.get("first_response_due"):
        changes["first_response_due"] = policy.calendar.add(ticket["first_response_due"], stood)
    if ticket.get("resolution_due"):
        changes["resolution_due"] = policy.calendar.add(ticket["resolution_due"], stood)
    return changes


def _due_times(policy: Policy, ticket: dict[str, Any]) -> dict[str, Any]:
    """Open due times computed afresh from the creation, the priority's targets and the
    time the clock has stood still so far."""
    targets = policy.targets_for(ticket.get("priority"))
    stood = (ticket.get("sla_paused_minutes") or 0) * 60
    changes = {}
    if ticket.get("first_response_at") is None:
        changes["first_response_due"] = _due(policy, ticket, targets.first_response, stood)
    changes["resolution_due"] = _due(policy, ticket, targets.resolution, stood)
    return changes


def _due(policy: Policy, ticket: dict[str, Any], seconds: int | None, stood: int):
    if not seconds:
        return None
    return policy.calendar.add(ticket["created_at"], seconds + stood)


def next_due(ticket: dict[str, Any]) -> dt.datetime | None:
    """The due time that comes first of those still to be met: the resolution's, or the
    first response's while there is none and it is earlier. Stored on the ticket so that
    "overdue" is one range of one index (status, next_due) instead of an ``OR`` over two
    due times, which made the database read every open ticket."""
    due = ticket.get("resolution_due")
    first = ticket.get("first_response_due")
    unanswered = first is not None and ticket.get("first_response_at") is None
    return first if unanswered and (due is None or first < due) else due


def _outcome(
    policy: Policy, ticket: dict[str, Any], name: str, moment: dt.datetime
) -> dict[str, Any]:
    """``met``/``breached`` for one target reached at ``moment`` (the clock's time, which
    stands still while stopped), and the working minutes it took."""
    due = ticket.get(f"{name}_due")
    worked = policy.calendar.seconds_between(ticket["created_at"], moment)
    worked -= (ticket.get("sla_paused_minutes") or 0) * 60
    return {
        f"{name}_result": None if due is None else ("met" if moment <= due else "breached"),
        f"{name}_minutes": max(0, _minutes(worked)),
    }


def _minutes(seconds: int) -> int:
    return round(seconds / 60)
