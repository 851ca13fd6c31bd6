"""Demo products and services (``crm demo``), in Russian and English."""

from __future__ import annotations

PRODUCTS = [
    ("Лазерный принтер LP-2000", "LP-2000", "product", "hardware", "Печатник", "18990.00"),
    ("Картридж LP-2000, чёрный", "LP-2000-TB", "product", "consumables", "Печатник", "3490.00"),
    ("Ноутбук Business 14", "NB-14", "product", "hardware", "Acme Devices", "84500.00"),
    (
        "Office Suite, annual licence",
        "OS-LIC-1Y",
        "product",
        "software",
        "Globex Software",
        "12000.00",
    ),
    ("Helpdesk Cloud", "HD-CLOUD", "product", "software", "Acme Devices", "2500.00"),
    ("Монтаж и настройка оборудования", "SRV-SETUP", "service", "support", None, "5000.00"),
    ("Техническая поддержка 24/7 (месяц)", "SRV-247", "service", "support", None, "30000.00"),
    ("Onsite training day", "TRN-DAY", "service", "training", None, "45000.00"),
    (
        "Матричный принтер MX-80 (снят с продажи)",
        "MX-80",
        "product",
        "hardware",
        "Печатник",
        "9900.00",
    ),
]


def load(crm, actor) -> None:
    for name, code, kind, category, manufacturer, price in PRODUCTS:
        crm.records.create(
            "product",
            {
                "name": name,
                "code": code,
                "kind": kind,
                "category": category,
                "manufacturer": manufacturer,
                "unit_price": price,
                "active": code != "MX-80",
            },
            actor=actor,
        )
