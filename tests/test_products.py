"""The products plugin: goods and services, alone or beside accounts, contacts and leads."""

from decimal import Decimal

import pytest

from crm_core import ValidationError
from crm_core.actors import SYSTEM


def test_products_alone_start_and_store_goods_and_services(make_crm):
    crm = make_crm(["products"])
    assert sorted(crm.registry.types) == ["product"]
    assert crm.registry.relation_ends("product") == []
    printer = crm.records.create(
        "product", {"name": "Лазерный принтер", "code": "LP-2000", "unit_price": "18990.5"}
    )
    assert (printer["number"], printer["kind"], printer["active"]) == ("PRO1", "product", True)
    assert printer["unit_price"] == Decimal("18990.50")
    service = crm.records.create(
        "product", {"name": "Монтаж", "code": "SRV-1", "kind": "Услуга", "category": "support"}
    )
    assert service["kind"] == "service"  # the Russian label is accepted, the code stored
    services = crm.records.list("product", where={"kind": "service"}).records
    assert [r["number"] for r in services] == ["PRO2"]


def test_product_code_is_unique_and_price_not_negative(make_crm):
    crm = make_crm(["products"])
    crm.records.create("product", {"name": "Printer", "code": "LP-2000"})
    with pytest.raises(ValidationError) as caught:
        crm.records.create("product", {"name": "Other printer", "code": "LP-2000"})
    assert "must be unique; PRO1 already has 'LP-2000'" in caught.value.errors["code"]
    with pytest.raises(ValidationError) as caught:
        crm.records.create("product", {"name": "Refund", "unit_price": "-5"})
    assert caught.value.errors == {"unit_price": "cannot be negative"}
    with pytest.raises(ValidationError) as caught:
        crm.records.create("product", {"name": "Thing", "kind": "gadget"})
    assert "allowed: product, service" in caught.value.errors["kind"]


def test_kind_values_cannot_be_deleted(make_crm):
    crm = make_crm(["products"])
    assert all(value.locked for value in crm.registry.picklist("product_kind").values)


def test_accounts_contacts_and_leads_get_a_products_related_list(make_crm):
    crm = make_crm(["contacts", "products", "leads"])
    for type_name, reverse in (("account", "accounts"), ("contact", "contacts"), ("lead", "leads")):
        end = crm.registry.relation_end(type_name, "products")
        assert end.other_type == "product" and end.label["ru"] == "Товары и услуги"
        assert crm.registry.relation_end("product", reverse).other_type == type_name
    printer = crm.records.create("product", {"name": "Printer"})
    acme = crm.records.create("account", {"name": "Acme Corp"})
    crm.records.link("account", acme["id"], "products", printer["id"])
    _, page = crm.records.related("product", printer["id"], "accounts")
    assert [r["name"] for r in page.records] == ["Acme Corp"]


def test_products_with_contacts_but_without_leads(make_crm):
    crm = make_crm(["contacts", "products"])
    assert sorted(crm.registry.types) == ["account", "contact", "product"]
    assert {end.name for end in crm.registry.relation_ends("product")} == {"accounts", "contacts"}


def test_demo_data(make_crm):
    crm = make_crm(["products"])
    crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM)
    products = list(crm.records.iterate("product"))
    assert {p["kind"] for p in products} == {"product", "service"}
    assert any(not p["active"] for p in products)
    assert "Лазерный принтер LP-2000" in {p["name"] for p in products}
