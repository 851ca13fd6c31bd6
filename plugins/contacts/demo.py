"""Demo accounts and contacts (``crm demo``): Russian and English, spread over the
picklists, with a parent account, portal users and support periods around today."""

from __future__ import annotations

import datetime as dt

ACCOUNTS = [
    {
        "name": "ООО «Ромашка»",
        "industry": "retail",
        "account_type": "customer",
        "rating": "active",
        "employees": 120,
        "annual_revenue": "48000000",
        "phone": "+7 495 123-45-67",
        "email": "info@romashka.example.ru",
        "website": "https://romashka.example.ru",
        "billing_street": "ул. Ленина, д. 10",
        "billing_city": "Москва",
        "billing_postal_code": "101000",
        "billing_country": "Россия",
    },
    {
        "name": "АО «Северный ветер»",
        "industry": "energy",
        "account_type": "customer",
        "rating": "acquired",
        "employees": 2300,
        "annual_revenue": "910000000",
        "phone": "+7 812 555-01-02",
        "billing_street": "Невский пр., д. 28",
        "billing_city": "Санкт-Петербург",
        "billing_postal_code": "191186",
        "billing_country": "Россия",
    },
    {
        "name": "ЗАО «Вектор-Сервис»",
        "industry": "technology",
        "account_type": "partner",
        "employees": 45,
        "phone": "+7 383 210-00-11",
        "billing_city": "Новосибирск",
        "billing_country": "Россия",
    },
    {
        "name": "Acme Corp",
        "industry": "manufacturing",
        "account_type": "customer",
        "rating": "active",
        "employees": 5400,
        "annual_revenue": "125000000",
        "phone": "+1 415 555 0100",
        "email": "purchasing@acme.example.com",
        "website": "https://acme.example.com",
        "billing_street": "1 Market Street",
        "billing_city": "San Francisco",
        "billing_state": "CA",
        "billing_postal_code": "94105",
        "billing_country": "USA",
    },
    {
        "name": "Globex Ltd",
        "industry": "finance",
        "account_type": "prospect",
        "employees": 800,
        "phone": "+44 20 7946 0000",
        "billing_city": "London",
        "billing_country": "United Kingdom",
    },
    {
        "name": "Initech GmbH",
        "industry": "consulting",
        "account_type": "reseller",
        "rating": "project_cancelled",
        "billing_city": "Berlin",
        "billing_country": "Deutschland",
    },
]
#: Branches: (name, parent name, values)
BRANCHES = [
    (
        "Ромашка Казань",
        "ООО «Ромашка»",
        {"industry": "retail", "account_type": "customer", "billing_city": "Казань"},
    ),
]
CONTACTS = [
    (
        "mr",
        "Иван",
        "Петров",
        "Генеральный директор",
        "ООО «Ромашка»",
        "ivan.petrov@romashka.example.ru",
    ),
    (
        "ms",
        "Мария",
        "Смирнова",
        "Главный бухгалтер",
        "ООО «Ромашка»",
        "m.smirnova@romashka.example.ru",
    ),
    ("mr", "Алексей", "Кузнецов", "Инженер", "АО «Северный ветер»", "kuznetsov@sever.example.ru"),
    (
        "ms",
        "Ольга",
        "Иванова",
        "Руководитель ИТ",
        "АО «Северный ветер»",
        "o.ivanova@sever.example.ru",
    ),
    (
        "dr",
        "Сергей",
        "Волков",
        "Технический директор",
        "ЗАО «Вектор-Сервис»",
        "volkov@vector.example.ru",
    ),
    ("mr", "John", "Smith", "Purchasing Manager", "Acme Corp", "john.smith@acme.example.com"),
    ("ms", "Emily", "Johnson", "IT Director", "Acme Corp", "emily.johnson@acme.example.com"),
    ("mrs", "Sarah", "Brown", "Office Manager", "Globex Ltd", "sarah.brown@globex.example.co.uk"),
    ("prof", "Klaus", "Weber", "Advisor", "Initech GmbH", None),
    ("mr", "Дмитрий", "Соколов", "Частный клиент", None, "d.sokolov@mail.example.ru"),
]
SOURCES = ["existing_customer", "web_site", "trade_show", "partner", "cold_call"]


def load(crm, actor) -> None:
    accounts = {}
    for values in ACCOUNTS:
        account = crm.records.create("account", values, actor=actor)
        accounts[account["name"]] = account["id"]
    for name, parent, values in BRANCHES:
        crm.records.create(
            "account", {"name": name, "parent_account": accounts[parent], **values}, actor=actor
        )
    today = dt.date.today()
    for index, (salutation, first, last, title, account, email) in enumerate(CONTACTS):
        portal = index % 3 == 0 and email is not None
        crm.records.create(
            "contact",
            {
                "salutation": salutation,
                "first_name": first,
                "last_name": last,
                "title": title,
                "account": accounts.get(account),
                "email": email,
                "phone": f"+7 900 100-{index:02d}-{index * 7 % 100:02d}",
                "birthday": dt.date(1970 + index * 3, 1 + index, 5 + index * 2),
                "lead_source": SOURCES[index % len(SOURCES)],
                "email_opt_out": index == 4,
                "portal_user": portal,
                "support_start_date": today - dt.timedelta(days=30 * (index + 1))
                if portal
                else None,
                "support_end_date": today + dt.timedelta(days=90 * (index + 1)) if portal else None,
            },
            actor=actor,
        )
