"""Demo service contracts (``crm demo``), in Russian and English.

Contracts of the demo accounts (and one of a demo contact), tracked in hours, days and
incidents, some near their due date or used up, so the warnings and the "Expiring /
exhausted" view show something. Each is linked to some of its customer's demo tickets,
which fills the used units from the closed ones.
"""

from __future__ import annotations

import datetime as dt

from crm_core.query import Condition

from . import usage

# (subject, account name, type, status, priority, unit, total, start, due, tickets to link)
# start and due are days from today.
CONTRACTS = [
    ("Техническая поддержка 24/7 — 2026", "ООО «Ромашка»", "support", "in_progress", "high", "hours", "40", -60, 10, 8),
    ("Абонентское обслуживание серверов", "АО «Северный ветер»", "services", "in_progress", "normal", "incidents", "5", -120, 200, 8),
    ("Gold support plan", "Acme Corp", "support", "in_progress", "normal", "days", "10", -30, 335, 6),
    ("Onsite administration, first quarter", "Globex Ltd", "administrative", "complete", "low", "hours", "16", -150, -60, 4),
    ("Обслуживание принтеров, годовой договор", "ЗАО «Вектор-Сервис»", "services", "in_planning", "normal", "hours", "24", 5, 370, 0),
    ("Remote helpdesk, pay per incident", "Initech GmbH", "support", "on_hold", "normal", "incidents", "20", -200, -5, 3),
]  # fmt: skip
PERSONAL = ("Персональная поддержка руководителя", "support", "in_progress", "high", "hours", "12")


def load(crm, actor) -> None:
    today = usage.today(crm)
    for subject, account, kind, status, priority, unit, total, start, due, linked in CONTRACTS:
        found = crm.records.list("account", where=[Condition("name", "eq", account)], limit=1)
        if not found.records:
            continue
        account_id = found.records[0]["id"]
        contract = crm.records.create(
            usage.TYPE,
            {
                "subject": subject,
                "related_to": f"account:{account_id}",
                "contract_type": kind,
                "status": status,
                "priority": priority,
                "tracking_unit": unit,
                "total_units": total,
                "start_date": today + dt.timedelta(days=start),
                "due_date": today + dt.timedelta(days=due),
            },
            actor=actor,
        )
        tickets = crm.records.list(
            "ticket", where=[Condition("account", "eq", account_id)], sort="id", limit=linked or 1
        )
        for ticket in tickets.records[:linked]:
            crm.records.link(usage.TYPE, contract["id"], usage.RELATION, ticket["id"], actor=actor)
    _personal_contract(crm, actor, today)


def _personal_contract(crm, actor, today: dt.date) -> None:
    """A contract with a person rather than an organisation."""
    contacts = crm.records.list("contact", sort="id", limit=1).records
    if not contacts:
        return
    subject, kind, status, priority, unit, total = PERSONAL
    crm.records.create(
        usage.TYPE,
        {
            "subject": subject,
            "related_to": f"contact:{contacts[0]['id']}",
            "contract_type": kind,
            "status": status,
            "priority": priority,
            "tracking_unit": unit,
            "total_units": total,
            "start_date": today - dt.timedelta(days=10),
            "due_date": today + dt.timedelta(days=80),
        },
        actor=actor,
    )
