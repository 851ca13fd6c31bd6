"""Demo leads (``crm demo``): Russian and English, spread over statuses, sources, ratings
and industries; one of them converted into an account, a contact and a deal."""

from __future__ import annotations

import datetime as dt

from . import conversion

LEADS = [
    # (salutation, first, last, company, title, email, city, country)
    (
        "mr",
        "Андрей",
        "Морозов",
        "ООО «Берёзка»",
        "Директор по закупкам",
        "morozov@berezka.example.ru",
        "Москва",
        "Россия",
    ),
    (
        "ms",
        "Елена",
        "Павлова",
        "ИП Павлова Е. А.",
        "Индивидуальный предприниматель",
        "pavlova@mail.example.ru",
        "Тверь",
        "Россия",
    ),
    (
        "mr",
        "Николай",
        "Федоров",
        "ПАО «Уралмаш-Техно»",
        "Главный инженер",
        "fedorov@uraltech.example.ru",
        "Екатеринбург",
        "Россия",
    ),
    (
        "ms",
        "Татьяна",
        "Лебедева",
        "ООО «Ромашка»",
        "Менеджер",
        "t.lebedeva@romashka.example.ru",
        "Москва",
        "Россия",
    ),
    (
        "mr",
        "Павел",
        "Козлов",
        "АНО «Открытое образование»",
        "Руководитель проектов",
        "kozlov@openedu.example.org",
        "Казань",
        "Россия",
    ),
    (
        "mr",
        "Michael",
        "Davis",
        "Umbrella Inc",
        "CTO",
        "m.davis@umbrella.example.com",
        "Boston",
        "USA",
    ),
    (
        "ms",
        "Laura",
        "Wilson",
        "Stark Logistics",
        "Operations Manager",
        "laura.wilson@stark.example.com",
        "Chicago",
        "USA",
    ),
    (
        "dr",
        "James",
        "Taylor",
        "Wayne Health",
        "Head of IT",
        "j.taylor@waynehealth.example.com",
        "Manchester",
        "United Kingdom",
    ),
    (
        "mr",
        "Hans",
        "Müller",
        "Müller Maschinenbau GmbH",
        "Geschäftsführer",
        None,
        "München",
        "Deutschland",
    ),
    (
        "ms",
        "Anna",
        "Kowalska",
        "Acme Corp",
        "Procurement",
        "a.kowalska@acme.example.com",
        "San Francisco",
        "USA",
    ),
    ("mr", "Игорь", "Николаев", None, None, "igor.nikolaev@mail.example.ru", "Самара", "Россия"),
]
STATUSES = [
    "not_contacted",
    "attempted_to_contact",
    "contacted",
    "hot",
    "warm",
    "cold",
    "qualified",
    "pre_qualified",
    "contact_in_future",
    "junk_lead",
    "lost_lead",
]
SOURCES = [
    "web_site",
    "cold_call",
    "trade_show",
    "partner",
    "word_of_mouth",
    "conference",
    "existing_customer",
    "direct_mail",
]
RATINGS = ["active", "acquired", "market_failed", None, "project_cancelled"]
INDUSTRIES = [
    "retail",
    "technology",
    "machinery",
    "retail",
    "education",
    "technology",
    "transportation",
    "healthcare",
    "manufacturing",
    "manufacturing",
    None,
]


def load(crm, actor) -> None:
    leads = []
    for index, (salutation, first, last, company, title, email, city, country) in enumerate(LEADS):
        lead = crm.records.create(
            "lead",
            {
                "salutation": salutation,
                "first_name": first,
                "last_name": last,
                "company": company,
                "title": title,
                "email": email,
                "phone": f"+7 916 200-{index:02d}-{index * 13 % 100:02d}",
                "city": city,
                "country": country,
                "status": STATUSES[index % len(STATUSES)],
                "lead_source": SOURCES[index % len(SOURCES)],
                "rating": RATINGS[index % len(RATINGS)],
                "industry": INDUSTRIES[index],
                "employees": 10 + index * 37,
                "annual_revenue": str(1_000_000 * (index + 1)),
                "email_opt_out": index == 8,
            },
            actor=actor,
        )
        leads.append(lead)
    qualified = leads[STATUSES.index("qualified")]
    crm.comments.add(
        "lead",
        qualified["id"],
        "Готовы подписать договор после демонстрации; нужен расчёт на 50 рабочих мест.",
        actor=actor,
    )
    conversion.convert(
        crm,
        qualified["id"],
        create_deal=True,
        values={
            "deal": {
                "amount": "1250000",
                "stage": "proposal",
                "expected_close_date": dt.date.today() + dt.timedelta(days=45),
            }
        },
        actor=actor,
    )
