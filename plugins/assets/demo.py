"""Demo assets (``crm demo``): printers, laptops and licences at the demo accounts.

Names and descriptions in Russian and English; products are found by their demo product
codes. When the tickets plugin's demo tickets exist already, a few tickets of an account
about the same product get the asset, so asset pages show their tickets.
"""

from __future__ import annotations

import datetime as dt

from crm_core.query import Condition

from . import serials

TICKETS_PER_ASSET = 2

# (name, product code, serial number, account name, sold days ago, in service days later,
#  status, tag number, invoice, shipping, tracking, description)
ASSETS = [
    ("Принтер в бухгалтерии", "LP-2000", "LP2K-24-000123", "ООО «Ромашка»", 400, 3, "in_service", "INV-0042", "СЧ-2024-118", "Курьер", "RB123456789RU", "Второй этаж, кабинет 214."),
    ("Принтер на складе", "LP-2000", "LP2K-24-000187", "ООО «Ромашка»", 400, 5, "in_service", "INV-0043", "СЧ-2024-118", "Курьер", "RB123456790RU", None),
    ("Ноутбук главного инженера", "NB-14", "NB14-7F3K2", "АО «Северный ветер»", 200, 1, "in_service", "СВ-ИТ-311", "СЧ-2025-007", "Самовывоз", None, "Выдан вместе с сумкой и док-станцией."),
    ("Старый матричный принтер", "MX-80", "MX80-000951", "АО «Северный ветер»", 2400, 2, "out_of_service", "СВ-ИТ-017", None, None, None, "Списан, хранится на складе запчастей."),
    ("Reception laptop", "NB-14", "NB14-9Q8W1", "Acme Corp", 90, 2, "in_service", "ACME-IT-77", "INV-US-5521", "UPS Ground", "1Z999AA10123456784", None),
    ("Helpdesk Cloud tenant", "HD-CLOUD", "HDC-ACME-001", "Acme Corp", 300, 0, "in_service", None, "INV-US-5010", "Electronic delivery", None, "Production tenant, 25 agents."),
    ("Office printer, 3rd floor", "LP-2000", "LP2K-23-004411", "Globex Ltd", 700, 7, "in_service", "GLX-PR-3", "GLX-2023-88", "DHL", "JD014600006281230704", None),
    ("Office Suite licence", "OS-LIC-1Y", "OSL-INITECH-2026", "Initech GmbH", 120, 0, "in_service", None, "RE-2026-0012", "Electronic delivery", None, "50 seats."),
]  # fmt: skip


def load(crm, actor) -> None:
    today = dt.date.today()
    products = _ids(crm, "product", "code", {a[1] for a in ASSETS})
    accounts = _ids(crm, "account", "name", {a[3] for a in ASSETS})
    for name, code, serial, account, sold_ago, settle, status, tag, invoice, shipping, tracking, note in ASSETS:  # fmt: skip
        if code not in products or account not in accounts:
            continue
        sold = today - dt.timedelta(days=sold_ago)
        asset = crm.records.create(
            serials.TYPE,
            {
                "name": name,
                "product": products[code],
                "serial_number": serial,
                "account": accounts[account],
                "date_sold": sold,
                "date_in_service": sold + dt.timedelta(days=settle),
                "status": status,
                "tag_number": tag,
                "invoice_reference": invoice,
                "shipping_method": shipping,
                "tracking_number": tracking,
                "description": note,
            },
            actor=actor,
        )
        _attach_tickets(crm, asset, actor)


def _ids(crm, type_name: str, field: str, values: set[str]) -> dict[str, int]:
    page = crm.records.list(
        type_name, where=[Condition(field, "in", sorted(values))], limit=len(values), sort="id"
    )
    return {record[field]: record["id"] for record in page.records}


def _attach_tickets(crm, asset, actor) -> None:
    """Point a few of the account's tickets about the same product at the asset."""
    if "ticket" not in crm.registry.types or not crm.registry.type("ticket").has_field("asset"):
        return
    tickets = crm.records.list(
        "ticket",
        where=[
            Condition("account", "eq", asset["account"]),
            Condition("product", "eq", asset["product"]),
            Condition("asset", "empty"),
        ],
        sort="id",
        limit=TICKETS_PER_ASSET,
    )
    for ticket in tickets.records:
        crm.records.update("ticket", ticket["id"], {"asset": asset["id"]}, actor=actor)
