"""The contracts plugin on the web: warning panels and "New ticket" from a contract.

``/contracts/<key>/new-ticket`` asks for a title, priority and description, then creates
the ticket for the contract's customer and links it to the contract, in one transaction.
"""

from __future__ import annotations

from typing import Any

from crm_core import ValidationError
from crm_web import toolkit

from . import alerts, usage

TICKET_FIELDS = ("title", "priority", "description")


def routes() -> list[toolkit.Route]:
    """The plugin's pages, for ``crm_register_routes``."""
    return [
        toolkit.Route("GET", "/contracts/<key>/new-ticket", new_ticket_form),
        toolkit.Route("POST", "/contracts/<key>/new-ticket", create_ticket),
    ]


def new_ticket_form(key: str):
    crm = toolkit.crm()
    contract = crm.records.get(usage.TYPE, key, actor=toolkit.actor())
    priority = crm.registry.type("ticket").field("priority").default
    return _ticket_form(contract, {"priority": priority})


def create_ticket(key: str):
    crm = toolkit.crm()
    actor = toolkit.actor()
    contract = crm.records.get(usage.TYPE, key, actor=actor)
    form = toolkit.form()
    values = {name: form.get(name, "").replace("\r\n", "\n") for name in TICKET_FIELDS}
    try:
        ticket = create_for_contract(crm, contract, values, actor)
    except ValidationError as exc:
        return _ticket_form(contract, values, exc.errors)
    toolkit.flash(
        toolkit.gettext(
            "{ticket} was created and linked to {contract}.",
            ticket=ticket["number"],
            contract=contract["number"],
        )
    )
    return toolkit.redirect(f"/r/ticket/{ticket['id']}")


def _ticket_form(contract, values: dict[str, Any], errors: dict[str, str] | None = None):
    crm = toolkit.crm()
    ticket_type = crm.registry.type("ticket")
    contract_type = crm.registry.type(usage.TYPE)
    present = toolkit.presenter().prepare(contract_type, [contract])
    widgets = toolkit.form_fields(  # each field drawn by its own type's widget
        crm,
        ticket_type,
        toolkit.presenter(),
        record=values,
        submitted=None,
        errors=errors,
        creating=True,
    )
    return toolkit.render_form(
        "contract_new_ticket.html",
        errors=errors,
        contract=contract,
        customer=present.value(contract_type.field("related_to"), contract),
        fields=[ff for ff in widgets if ff.name in TICKET_FIELDS],
        field_names=TICKET_FIELDS,
    )


def create_for_contract(crm, contract: dict[str, Any], values: dict[str, Any], actor):
    """A ticket for the contract's customer, linked to the contract (all or nothing)."""
    kind, _, ident = (contract.get("related_to") or "").partition(":")
    customer = {kind: int(ident)} if kind in ("account", "contact") else {}
    with crm.transaction():
        ticket = crm.records.create("ticket", {**values, **customer}, actor=actor)
        crm.records.link(usage.TYPE, contract["id"], usage.RELATION, ticket["id"], actor=actor)
    return ticket


def alert_panels(crm, contracts: list[dict[str, Any]], *, show_contract: bool) -> list[dict]:
    """One "Warnings" panel listing the alerts of these contracts (none: no panel)."""
    on = usage.today(crm)
    days_ahead = alerts.warn_days(crm)
    items = [
        {"contract": contract, "alerts": found}
        for contract in contracts
        if (found := alerts.alerts(contract, on, days_ahead))
    ]
    if not items:
        return []
    title = (
        {"en": "Service contract warnings", "ru": "Предупреждения по договорам"}
        if show_contract
        else {"en": "Warnings", "ru": "Предупреждения"}
    )
    return [
        {
            "title": title,
            "position": "top",
            "template": "contract_alerts.html",
            "items": items,
            "show_contract": show_contract,
        }
    ]
