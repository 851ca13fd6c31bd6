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


@hookimpl
def crm_validate(record_type, record):
    if record_type.name != TYPE:
        return None
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


@hookimpl
def crm_before_save(crm, record_type, record, old):
    if record_type.name == TYPE:
        usage.before_save(crm, record, old)


# -- what makes the used units change ------------------------------------------------------


@hookimpl
def crm_ticket_closed(crm, ticket):
    usage.recount_for_ticket(crm, ticket["id"])


@hookimpl
def crm_ticket_reopened(crm, ticket):
    usage.recount_for_ticket(crm, ticket["id"])


@hookimpl
def crm_after_save(crm, record_type, record, changes, created):
    """A closed ticket whose hours or days are corrected counts anew; a ticket merged into
    another hands its contract links over (the core moves them without link hooks), so the
    contracts of the ticket it was merged into are counted again."""
    if record_type.name != TICKET or created:
        return
    if record.get("status") == usage.CLOSED and "status" not in changes and EFFORT & changes.keys():
        usage.recount_for_ticket(crm, record["id"])
    if "merged_into" in changes and record.get("merged_into"):
        usage.recount_for_ticket(crm, record["merged_into"])


@hookimpl
def crm_after_delete(crm, record_type, record, purged):
    if record_type.name == TICKET and not purged:
        usage.recount_for_ticket(crm, record["id"])


@hookimpl
def crm_after_restore(crm, record_type, record):
    if record_type.name == TICKET:
        usage.recount_for_ticket(crm, record["id"])
    elif record_type.name == TYPE:
        usage.recount(crm, record["id"])


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
def crm_record_actions(crm, record_type, record, actor):
    if record_type.name != TYPE or record.get("deleted"):
        return None
    if not crm.records.can(TICKET, None, actor, "create"):
        return None
    return [
        {
            "label": {"en": "New ticket", "ru": "Новая заявка"},
            "url": f"/contracts/{record['id']}/new-ticket",
        }
    ]


@hookimpl
def crm_record_panels(crm, record_type, record, actor):
    if record.get("deleted"):
        return None
    if record_type.name == TYPE:
        return web.alert_panels(crm, [record], show_contract=False)
    if record_type.name == TICKET:
        _, page = crm.records.related(TICKET, record["id"], usage.TICKET_RELATION, actor=actor)
        return web.alert_panels(crm, page.records, show_contract=True)
    return None


@hookimpl
def crm_list_views(crm, record_type):
    if record_type.name == TYPE:
        return [alerts.list_view(crm)]
    return None


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
