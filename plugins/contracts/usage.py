"""Used units of a service contract, counted from its closed tickets.

vtiger's rules: a ticket counts once it is Closed — one unit with the Incidents tracking
unit; its days with Days (else its hours over the length of a working day); its hours with
Hours (else its days times that length); nothing with None. vtiger adds a ticket's units
when it is closed and subtracts them when it is re-opened, and recounts everything when a
ticket is linked or unlinked or the tracking unit changes. Here every one of those events
recounts the sum over the linked closed tickets: the same numbers, and they stay right when
a closed ticket's effort is corrected, a ticket is deleted or merged into another, which
vtiger's running total missed. The working day is ``hours_per_day`` of ``[plugins.contracts]`` (default 8;
vtiger hard-codes 24).

After the count (and on every save of a contract) the dates and figures that follow from it
are worked out by :func:`derived`. The contract's status is never changed automatically.

Concurrent changes: :func:`recount` locks the contract's row before reading anything, inside
the transaction of the ticket change that caused it, so two tickets of one contract closed
at the same moment are both counted.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from crm_core.actors import SYSTEM
from crm_core.errors import NotFound
from crm_core.query import Condition

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "service_contract"
RELATION = "tickets"  # the contract's relation to tickets
TICKET_RELATION = "service_contracts"  # the same relation seen from a ticket
CLOSED = "closed"
COMPLETE = "complete"
#: Fields this module keeps; users only read them.
COMPUTED = frozenset({"used_units", "end_date", "progress", "planned_duration", "actual_duration"})
CENT = Decimal("0.01")
BATCH = 500


def hours_per_day(crm: CRM) -> Decimal:
    return Decimal(str(crm.settings("contracts")["hours_per_day"]))


def today(crm: CRM) -> dt.date:
    """Today in the CRM's time zone (``[crm] timezone``)."""
    try:
        zone = ZoneInfo(crm.config.timezone)
    except (KeyError, ValueError):
        zone = dt.UTC
    return dt.datetime.now(zone).date()


def ticket_units(ticket: dict[str, Any], unit: str, day_hours: Decimal) -> Decimal:
    """What one closed ticket counts for in a contract tracked in ``unit``."""
    hours = ticket.get("hours") or Decimal(0)
    days = ticket.get("days") or Decimal(0)
    if unit == "incidents":
        return Decimal(1)
    if unit == "hours":
        return hours if hours else days * day_hours
    if unit == "days":
        return days if days else hours / day_hours
    return Decimal(0)


def used_units(crm: CRM, contract_id: int, unit: str) -> Decimal:
    """The sum over the contract's linked closed tickets (deleted tickets do not count)."""
    if unit not in ("incidents", "hours", "days"):
        return Decimal(0)
    day_hours = hours_per_day(crm)
    total = Decimal(0)
    cursor = None
    while True:
        page = crm.records.list(
            "ticket",
            where=[Condition("status", "eq", CLOSED)],
            related_to=(TYPE, contract_id, RELATION),
            sort="id",
            limit=BATCH,
            cursor=cursor,
        )
        total += sum((ticket_units(t, unit, day_hours) for t in page.records), Decimal(0))
        if not page.next_cursor:
            return total.quantize(CENT)
        cursor = page.next_cursor


def derived(contract: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """End date, durations and progress that follow from the contract's values.

    The end date is set (to ``on``, if it is empty) while the contract is Complete or its
    units are used up, and cleared otherwise; planned duration = due − start + 1 days,
    actual = end − start + 1; progress = used × 100 / total (rounded down, so 100 % means
    really used up). vtiger also calls a contract without a total "used up"; here the total
    has to be set.
    """
    used = contract.get("used_units") or Decimal(0)
    total = contract.get("total_units")
    used_up = bool(total) and total > 0 and used >= total
    end = contract.get("end_date")
    if contract.get("status") == COMPLETE or used_up:
        end = end or on
    else:
        end = None
    start, due = contract.get("start_date"), contract.get("due_date")
    return {
        "end_date": end,
        "planned_duration": (due - start).days + 1 if start and due else None,
        "actual_duration": (end - start).days + 1 if start and end else None,
        "progress": (used * 100 / total).quantize(CENT, ROUND_DOWN) if total else None,
    }


def before_save(crm: CRM, contract: dict[str, Any], old: dict[str, Any] | None) -> None:
    """A changed tracking unit recounts the used units; then the derived fields follow."""
    if old is None:
        contract["used_units"] = Decimal(0)
    elif contract.get("tracking_unit") != old.get("tracking_unit"):
        contract["used_units"] = used_units(crm, contract["id"], contract["tracking_unit"])
    contract.update(derived(contract, today(crm)))


def recount(crm: CRM, contract_id: int) -> None:
    """Count the used units of one contract again (its row locked first); a contract in
    the recycle bin is left alone (it is recounted when restored)."""
    with crm.transaction():
        try:
            contract = crm.records.lock(TYPE, contract_id)
        except NotFound:
            return
        used = used_units(crm, contract["id"], contract["tracking_unit"])
        if used != contract["used_units"]:
            crm.records.update(
                TYPE, contract["id"], {"used_units": used}, actor=SYSTEM, allow_read_only=COMPUTED
            )


def recount_for_ticket(crm: CRM, ticket_id: int) -> None:
    """Recount every contract the ticket is linked to."""
    for contract_id in crm.records.linked_ids("ticket", ticket_id, TICKET_RELATION):
        recount(crm, contract_id)


def fill_customer(crm: CRM, contract: dict[str, Any], ticket: dict[str, Any]) -> None:
    """Linking gives the ticket the contract's account or contact, where it has none."""
    related = contract.get("related_to")
    if not related:
        return
    kind, _, ident = related.partition(":")
    if kind in ("account", "contact") and ticket.get(kind) is None:
        crm.records.update("ticket", ticket["id"], {kind: int(ident)}, actor=SYSTEM)
