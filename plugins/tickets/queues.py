"""Ticket queues: saved list views, and the "overdue" / "due soon" filters they are made of.

Every filter is ordinary data (:mod:`crm_core.query`), so a queue is just a list view: the
web list, the JSON API, exports and the command line all read it the same way, and the
indexes on status and due times serve it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crm_core import NotFound, msg
from crm_core.actors import Actor
from crm_core.query import And, Condition, Or, Where

from . import sla

if TYPE_CHECKING:
    from crm_core.runtime import CRM

RECENTLY_CLOSED_DAYS = 7


def running_statuses(crm: CRM) -> list[str]:
    """Status codes in which the SLA clock runs (every status but waiting and closed,
    including values an administrator added)."""
    codes = crm.registry.picklist("ticket_status").codes()
    return [code for code in codes if code not in sla.STOPPED]


def open_statuses(crm: CRM) -> list[str]:
    return [code for code in crm.registry.picklist("ticket_status").codes() if code != sla.CLOSED]


def overdue(crm: CRM, now: dt.datetime) -> Where:
    """Tickets whose clock runs and whose resolution, or still-missing first response, is
    past due: their ``next_due`` has passed. Tickets last saved before ``next_due`` existed
    have it empty and are judged on the due times themselves (a small second range of the
    same index)."""
    return And(
        Condition("status", "in", running_statuses(crm)),
        Or(
            Condition("next_due", "lt", now),
            And(
                Condition("next_due", "empty"),
                Or(
                    Condition("resolution_due", "lt", now),
                    And(
                        Condition("first_response_at", "empty"),
                        Condition("first_response_due", "lt", now),
                    ),
                ),
            ),
        ),
    )


def due_within(crm: CRM, hours: float, now: dt.datetime) -> Where:
    """Tickets not yet overdue whose resolution or missing first response falls due within
    ``hours`` (wall-clock hours from ``now``)."""
    until = now + dt.timedelta(hours=hours)
    return And(
        Condition("status", "in", running_statuses(crm)),
        Or(
            Condition("resolution_due", "between", [now, until]),
            And(
                Condition("first_response_at", "empty"),
                Condition("first_response_due", "between", [now, until]),
            ),
        ),
    )


def list_views(crm: CRM, actor: Actor, now: dt.datetime) -> list[dict[str, Any]]:
    """The queues on the tickets menu, for ``actor``."""
    mine = [actor.ref] if actor.kind == "user" else []
    groups = [ref for ref in actor.owner_refs() if ref.startswith("group:")]
    not_closed = Condition("status", "in", open_statuses(crm))
    return [
        {
            "name": "my_open",
            "label": {"en": "My open tickets", "ru": "Мои открытые заявки"},
            "where": [Condition("assigned_to", "in", mine), not_closed],
            "sort": "resolution_due",
        },
        {
            "name": "my_groups",
            "label": {"en": "My groups' tickets", "ru": "Заявки моих групп"},
            "where": [Condition("assigned_to", "in", groups), not_closed],
            "sort": "resolution_due",
        },
        {
            "name": "unassigned",
            "label": {"en": "Unassigned", "ru": "Без ответственного"},
            "where": [Condition("assigned_to", "empty"), not_closed],
            "sort": "created_at",
        },
        {
            "name": "overdue",
            "label": {"en": "Overdue", "ru": "Просроченные"},
            "where": [overdue(crm, now)],
            "sort": "resolution_due",
        },
        {
            "name": "waiting",
            "label": {"en": "Waiting for customer", "ru": "Ждут ответа клиента"},
            "where": [Condition("status", "eq", sla.WAITING)],
            "sort": "-modified_at",
        },
        {
            "name": "recently_closed",
            "label": {"en": "Recently closed", "ru": "Недавно закрытые"},
            "where": [
                Condition("status", "eq", sla.CLOSED),
                Condition("closed_at", "gte", now - dt.timedelta(days=RECENTLY_CLOSED_DAYS)),
            ],
            "sort": "-closed_at",
        },
    ]


def view(crm: CRM, name: str, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """One queue by name; a clear error naming the queues otherwise."""
    views = list_views(crm, actor, now)
    for candidate in views:
        if candidate["name"] == name:
            return candidate
    raise NotFound(
        msg(
            "no ticket queue {name!r}; queues: {queues}",
            name=name,
            queues=", ".join(v["name"] for v in views),
        )
    )
