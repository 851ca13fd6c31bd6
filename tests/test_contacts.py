"""The contacts plugin: accounts and contacts, their rules, duplicate warnings, demo data."""

import datetime as dt
import io

import pytest

from crm_core import ValidationError
from crm_core.actors import SYSTEM
from crm_core.query import Condition
from crm_plugins.contacts import duplicates as duplicate_helpers


@pytest.fixture
def crm(make_crm):
    return make_crm(["contacts"])


def duplicates(crm, type_name, record):
    """What the web form gets from the plugins (``crm.duplicates``)."""
    return crm.duplicates.of(type_name, record, actor=SYSTEM)


def test_contact_name_is_built_from_first_and_last_name(crm):
    contact = crm.records.create("contact", {"first_name": " Иван ", "last_name": "Петров"})
    assert contact["full_name"] == "Иван Петров"
    renamed = crm.records.update("contact", contact["id"], {"first_name": "Пётр"})
    assert renamed["full_name"] == "Пётр Петров"
    ref = f"contact:{contact['id']}"
    assert crm.records.titles([ref])[ref]["title"] == "Пётр Петров"
    with pytest.raises(ValidationError) as caught:
        crm.records.create("contact", {"first_name": "Иван"})
    assert caught.value.errors == {"last_name": "is required"}


def test_account_name_is_unique_exactly(crm):
    crm.records.create("account", {"name": "Acme Corp"})
    with pytest.raises(ValidationError) as caught:
        crm.records.create("account", {"name": "Acme Corp"})
    assert "must be unique; ACC1 already has 'Acme Corp'" in caught.value.errors["name"]


def test_similar_account_name_is_reported_with_a_link_and_may_be_saved(crm):
    acme = crm.records.create("account", {"name": "Acme Corp"})
    romashka = crm.records.create("account", {"name": "ООО «Ромашка»"})
    hits = duplicates(crm, "account", {"name": "  ACME   corp"})
    assert [(h["type"], h["id"], h["number"], h["title"]) for h in hits] == [
        ("account", acme["id"], "ACC1", "Acme Corp")
    ]
    assert "same name" in hits[0]["reason"]
    assert duplicates(crm, "account", {"name": "ооо «ромашка»"})[0]["id"] == romashka["id"]
    assert duplicates(crm, "account", {"name": "Acme Corporation"}) == []
    saved = crm.records.create("account", {"name": "ACME corp"})  # a warning, not a refusal
    assert saved["number"] == "ACC3"
    # editing a record does not report the record itself
    assert [h["id"] for h in duplicates(crm, "account", dict(saved))] == [acme["id"]]


def test_renamed_account_is_found_by_its_new_name(crm):
    account = crm.records.create("account", {"name": "Vector"})
    crm.records.update("account", account["id"], {"name": "Вектор Плюс"})
    assert duplicates(crm, "account", {"name": "Vector"}) == []
    assert duplicates(crm, "account", {"name": "вектор плюс"})[0]["id"] == account["id"]


def test_contact_with_the_same_email_is_reported(crm):
    first = crm.records.create(
        "contact", {"first_name": "John", "last_name": "Smith", "email": "John.Smith@Acme.com"}
    )
    hits = duplicates(crm, "contact", {"last_name": "Smyth", "email": " john.smith@acme.COM "})
    assert [(h["number"], h["title"]) for h in hits] == [("CON1", "John Smith")]
    assert "same email" in hits[0]["reason"]
    assert duplicates(crm, "contact", {"last_name": "Doe", "email": "jane@acme.com"}) == []
    assert duplicates(crm, "contact", {"last_name": "Doe"}) == []
    assert duplicates(crm, "contact", dict(first)) == []
    second = crm.records.create("contact", {"last_name": "Smyth", "email": "JOHN.SMITH@acme.com"})
    assert [h["id"] for h in duplicates(crm, "contact", dict(second))] == [first["id"]]


def test_deleted_records_are_not_reported_as_duplicates(crm):
    account = crm.records.create("account", {"name": "Globex"})
    crm.records.delete("account", account["id"])
    assert duplicates(crm, "account", {"name": "globex"}) == []


def test_support_period_must_not_end_before_it_starts(crm):
    with pytest.raises(ValidationError) as caught:
        crm.records.create(
            "contact",
            {
                "last_name": "Петров",
                "portal_user": True,
                "support_start_date": "2026-03-01",
                "support_end_date": "2026-02-28",
            },
        )
    assert caught.value.errors == {
        "support_end_date": "must be on or after the support start date (2026-03-01); "
        "leave it empty for support without an end"
    }
    assert crm.records.list("contact").records == []
    contact = crm.records.create(
        "contact",
        {
            "last_name": "Петров",
            "support_start_date": "2026-03-01",
            "support_end_date": "2026-03-01",
        },
    )
    with pytest.raises(ValidationError) as caught:
        crm.records.update("contact", contact["id"], {"support_start_date": "2026-04-01"})
    assert "support_end_date" in caught.value.errors
    open_ended = crm.records.update("contact", contact["id"], {"support_end_date": None})
    assert open_ended["support_end_date"] is None


def test_birthday_cannot_be_in_the_future(crm):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        crm.records.create("contact", {"last_name": "Smith", "birthday": tomorrow})
    assert caught.value.errors == {"birthday": "cannot be in the future"}


def test_portal_and_opt_out_flags_default_to_off(crm):
    contact = crm.records.create("contact", {"last_name": "Smith"})
    assert (contact["portal_user"], contact["email_opt_out"]) == (False, False)


def test_parent_account_cannot_loop(crm):
    group = crm.records.create("account", {"name": "Холдинг"})
    branch = crm.records.create("account", {"name": "Филиал", "parent_account": group["id"]})
    shop = crm.records.create("account", {"name": "Магазин", "parent_account": branch["id"]})
    with pytest.raises(ValidationError) as caught:
        crm.records.update("account", group["id"], {"parent_account": group["id"]})
    assert caught.value.errors == {"parent_account": "cannot be the account itself"}
    with pytest.raises(ValidationError) as caught:
        crm.records.update("account", group["id"], {"parent_account": shop["id"]})
    assert caught.value.errors == {
        "parent_account": "would make a loop of member accounts: ACC1 → ACC3 → ACC2 → ACC1"
    }
    assert crm.records.get("account", group["id"])["parent_account"] is None


def test_an_accounts_contacts_come_from_the_reference_field(crm):
    acme = crm.records.create("account", {"name": "Acme Corp"})
    crm.records.create("contact", {"last_name": "Smith", "account": "ACC1"})
    crm.records.create("contact", {"last_name": "Brown", "account": acme["id"]})
    crm.records.create("contact", {"last_name": "Loner"})
    assert (crm.registry.type("contact"), crm.registry.type("contact").field("account")) in (
        crm.registry.referencing("account")
    )
    related = crm.records.list("contact", where=[Condition("account", "eq", acme["id"])])
    assert sorted(r["last_name"] for r in related.records) == ["Brown", "Smith"]


def test_labels_and_picklists_are_in_english_and_russian(crm):
    account = crm.registry.type("account")
    assert account.label == {"en": "Account", "ru": "Организация"}
    for rt in (account, crm.registry.type("contact")):
        for field in rt.data_fields:
            assert field.label.get("ru"), f"{rt.name}.{field.name} has no Russian label"
    industry = crm.registry.picklist("industry")
    assert industry.label_for("food_beverage", "ru") == "Продукты питания и напитки"
    assert len(industry.values) == 31
    record = crm.records.create(
        "account", {"name": "Банк", "industry": "Банки", "account_type": "Customer"}
    )
    assert (record["industry"], record["account_type"]) == ("banking", "customer")


def test_search_finds_contacts_by_name_and_email(crm):
    crm.records.create(
        "contact",
        {"first_name": "Мария", "last_name": "Смирнова", "email": "m.smirnova@example.ru"},
    )
    hits = crm.search.query("Смирновой")
    assert [hit.number for hit in hits] == ["CON1"]
    assert [hit.number for hit in crm.search.query("m.smirnova@example.ru")] == ["CON1"]


def test_demo_data(crm):
    crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM)
    accounts = {a["name"]: a for a in crm.records.iterate("account")}
    assert {"ООО «Ромашка»", "Acme Corp"} <= set(accounts)
    contacts = list(crm.records.iterate("contact"))
    assert "Иван Петров" in {c["full_name"] for c in contacts}
    assert any(c["portal_user"] and c["support_end_date"] for c in contacts)
    assert accounts["Ромашка Казань"]["parent_account"] == accounts["ООО «Ромашка»"]["id"]
    assert len({a["industry"] for a in accounts.values()}) >= 5


def test_import_reports_possible_duplicates_and_imports_them(crm):
    crm.records.create("account", {"name": "Acme Corp"})
    csv_text = "name,billing_city\nACME corp,Boston\nГлобус,Москва\nглобус ,Тверь\n"
    report = crm.transfer.import_file("account", io.StringIO(csv_text))
    assert report.imported == 3
    assert [(line, [hit["number"] for hit in hits]) for line, hits in report.duplicates] == [
        (2, ["ACC1"]),
        (4, ["ACC3"]),  # a duplicate of an earlier row of the same file
    ]


def test_comparison_helpers_for_other_plugins(crm):
    first = crm.records.create("contact", {"last_name": "Smith", "email": "desk@acme.com"})
    second = crm.records.create("contact", {"last_name": "Jones", "email": "DESK@acme.com "})
    found = duplicate_helpers.contacts_with_email(crm, "Desk@Acme.com")
    assert [c["id"] for c in found] == [first["id"], second["id"]]
    others = duplicate_helpers.contacts_with_email(crm, "desk@acme.com", other_than=first["id"])
    assert [c["id"] for c in others] == [second["id"]]
    acme = crm.records.create("account", {"name": "Acme Corp"})
    assert duplicate_helpers.accounts_named(crm, "ACME  corp", limit=1)[0]["id"] == acme["id"]
    assert duplicate_helpers.accounts_named(crm, "acme corp", other_than=acme["id"]) == []
