"""The numbers of the support dashboard, computed by the database.

Each figure is one aggregate query (``crm.records.aggregate``) served by the indexes on
status, priority, due times, ``created_at`` and ``closed_at``, so the dashboard costs the
same handful of queries at a thousand tickets and at a million. Every figure counts only
the tickets the viewer may see.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crm_core import ValidationError, clock, msg
from crm_core.actors import SYSTEM, Actor
from crm_core.query import Condition

from . import queues, sla
from .settings import policy

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"
DEFAULT_DAYS = 30


def support_dashboard(
    crm: CRM, *, actor: Actor = SYSTEM, now: dt.datetime | None = None, days: int = DEFAULT_DAYS
) -> dict[str, Any]:
    """Open tickets by status and by priority, the overdue count, tickets created and
    closed per day over the last ``days`` days (days of the support team's time zone, the
    last one being today), and the median working minutes to the first response and to
    the resolution of the tickets answered / closed in that period."""
    if not 1 <= days <= 366:
        raise ValidationError({"days": msg("must be between 1 and 366")})
    now = now or clock.utcnow()
    open_codes = queues.open_statuses(crm)
    still_open = Condition("status", "in", open_codes)
    by_status = _grouped(crm, "status", still_open, actor)
    by_priority = _grouped(crm, "priority", still_open, actor)
    dates, edges = _day_edges(crm, now, days)
    since = edges[0]
    created = _per_bucket(crm, "created_at", edges, None, actor)
    closed = _per_bucket(crm, "closed_at", edges, Condition("status", "eq", sla.CLOSED), actor)
    medians = {
        "first_response": _median(
            crm, "first_response_minutes", Condition("first_response_at", "gte", since), actor
        ),
        "resolution": _median(
            crm,
            "resolution_minutes",
            [Condition("status", "eq", sla.CLOSED), Condition("closed_at", "gte", since)],
            actor,
        ),
    }
    return {
        "now": now,
        "since": since,
        "open_total": sum(by_status.values()),
        "open_by_status": _labelled(crm, "ticket_status", by_status, open_codes),
        "open_by_priority": _labelled(crm, "ticket_priority", by_priority),
        "overdue": crm.records.count(TYPE, where=queues.overdue(crm, now), actor=actor),
        "daily": [
            {"date": day, "created": created.get(index, 0), "closed": closed.get(index, 0)}
            for index, day in enumerate(dates)
        ],
        "median_first_response_minutes": medians["first_response"],
        "median_resolution_minutes": medians["resolution"],
    }


def _grouped(crm: CRM, field: str, where, actor: Actor) -> dict[str, int]:
    rows = crm.records.aggregate(TYPE, where=where, group_by=[field], actor=actor)
    return {row[field]: row["count"] for row in rows}


def _per_bucket(crm: CRM, field: str, edges, where, actor: Actor) -> dict[int, int]:
    rows = crm.records.aggregate(TYPE, where=where, bucket=(field, edges), actor=actor)
    return {row["bucket"]: row["count"] for row in rows}


def _median(crm: CRM, field: str, where, actor: Actor) -> float | None:
    rows = crm.records.aggregate(
        TYPE, where=where, measures={"median": ("median", field)}, actor=actor
    )
    return rows[0]["median"]


def _day_edges(crm: CRM, now: dt.datetime, days: int) -> tuple[list[dt.date], list[dt.datetime]]:
    """The last ``days`` local dates and the UTC moments at which each begins (plus the
    end of the last), in the support team's time zone."""
    zone = policy(crm).calendar.zone
    today = now.replace(tzinfo=dt.UTC).astimezone(zone).date()
    dates = [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]
    edges = [
        dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)
        for day in [*dates, today + dt.timedelta(days=1)]
    ]
    return dates, edges


def _labelled(
    crm: CRM, picklist: str, counts: dict[str, int], codes: list[str] | None = None
) -> list[dict[str, Any]]:
    """Counts in the picklist's order with its labels; values without tickets show 0,
    inactive ones only when tickets still have them."""
    values = crm.registry.picklist(picklist).values
    return [
        {"code": value.code, "label": value.label, "count": counts.get(value.code, 0)}
        for value in values
        if (codes is None or value.code in codes) and (value.active or counts.get(value.code))
    ]
