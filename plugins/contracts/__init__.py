"""Service contracts: support a customer bought, counted in hours, days or incidents.

Registers the record type ``service_contract`` (schemas/service_contract.toml) with its
many-to-many relation to tickets. The used units, end date, durations and progress are kept
from the linked closed tickets (:mod:`.usage`) through the tickets plugin's hooks
(``crm_ticket_closed``, ``crm_ticket_reopened``) and the core's link, save, delete and
restore hooks, so they are right however a ticket changes: web page, API, import or another
plugin. Linking a ticket gives it the contract's account or contact when it has none.
Running contracts that are used up or near their due date carry warnings on their page and
on their tickets, and form the list view "Expiring / exhausted" (:mod:`.alerts`). A contract
page offers "New ticket" (:mod:`.web`). Settings (``[plugins.contracts]``):
``hours_per_day`` (the working day, default 8) and ``warn_days_before_due`` (default 14).
Documentation: docs/modules/contracts.md.
"""

from crm_core import hookimpl, msg
from crm_schemas import schema_file

from . import alerts, demo, usage, web

REQUIRES = ["contacts", "tickets"]
TYPE = usage.TYPE
TICKET = "ticket"
LINK_KEY = f"{TYPE}.{usage.RELATION}"
EFFORT = frozenset({"hours", "days"})


@hookimpl
def crm_config_schema():
    return {
        "hours_per_day": {"type": "number", "min": 1, "max": 24, "default": 8},
        "warn_days_before_due": {"type": "integer", "min": 0, "max": 366, "default": 14},
    }


@hookimpl
def crm_register_record_types():
    return [schema_file(TYPE)]


class ContractRules:
    """A contract's dates and units, kept by :mod:`.usage`; its page (:mod:`.web`)."""

    def validate(self, record):
        errors = {}
        start, due = record.get("start_date"), record.get("due_date")
        if start and due and due < start:
            errors["due_date"] = msg(
                "must be on or after the start date ({date})", date=start.isoformat()
            )
        total = record.get("total_units")
        if total is not None and total < 0:
            errors["total_units"] = msg("cannot be negative")
        return errors

    def before_save(self, crm, record, old):
        usage.before_save(crm, record, old)

    def after_restore(self, crm, record):
        usage.recount(crm, record["id"])

    def record_actions(self, crm, record, actor):
        if record.get("deleted") or not crm.records.can(TICKET, None, actor, "create"):
            return None
        return [
            {
                "label": {"en": "New ticket", "ru": "Новая заявка"},
                "url": f"/contracts/{record['id']}/new-ticket",
            }
        ]

    def record_panels(self, crm, record):
        if record.get("deleted"):
            return None
        return web.alert_panels(crm, [record], show_contract=False)

    def list_views(self, crm):
        return [alerts.list_view(crm)]


class TicketUsage:
    """What a ticket's changes do to the contracts it is linked to, and their warnings on
    its page."""

    def after_save(self, crm, record, changes, created):
        """A closed ticket whose hours or days are corrected counts anew; a ticket merged
        into another hands its contract links over (the core moves them without link
        hooks), so the contracts of the ticket it was merged into are counted again."""
        if created:
            return
        closed = record.get("status") == usage.CLOSED
        if closed and "status" not in changes and EFFORT & changes.keys():
            usage.recount_for_ticket(crm, record["id"])
        if "merged_into" in changes and record.get("merged_into"):
            usage.recount_for_ticket(crm, record["merged_into"])

    def after_delete(self, crm, record, purged):
        if not purged:
            usage.recount_for_ticket(crm, record["id"])

    def after_restore(self, crm, record):
        usage.recount_for_ticket(crm, record["id"])

    def record_panels(self, crm, record, actor):
        if record.get("deleted"):
            return None
        _, page = crm.records.related(TICKET, record["id"], usage.TICKET_RELATION, actor=actor)
        return web.alert_panels(crm, page.records, show_contract=True)


@hookimpl
def crm_record_rules():
    return {TYPE: ContractRules(), TICKET: TicketUsage()}


# -- what makes the used units change ------------------------------------------------------


@hookimpl
def crm_ticket_closed(crm, ticket):
    usage.recount_for_ticket(crm, ticket["id"])


@hookimpl
def crm_ticket_reopened(crm, ticket):
    usage.recount_for_ticket(crm, ticket["id"])


@hookimpl
def crm_after_link(crm, relation, record, other):
    if relation.key == LINK_KEY:
        usage.fill_customer(crm, record, other)
        usage.recount(crm, record["id"])


@hookimpl
def crm_after_unlink(crm, relation, record):
    if relation.key == LINK_KEY:
        usage.recount(crm, record["id"])


# -- web ---------------------------------------------------------------------------------


@hookimpl
def crm_register_routes():
    return web.routes()


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
