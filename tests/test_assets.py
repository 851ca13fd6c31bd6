"""The assets plugin: the date-in-service rule, serial numbers unique per product (also
under concurrent saves), look-up by serial number, the ticket's asset field and the related
lists, and start-up without it."""

from __future__ import annotations

import contextlib
import threading

import pytest
import webtest
from conftest import sign_in

from crm_core import ValidationError, hookimpl
from crm_core.errors import ConfigError
from crm_web.app import create_app


@pytest.fixture
def base(make_crm):
    crm = make_crm(["contacts", "products", "tickets", "assets"])
    crm.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    crm.records.create("account", {"name": "Romashka"})  # id 1
    crm.records.create("product", {"name": "Laser printer LP-2000"})  # id 1
    crm.records.create("product", {"name": "Laptop Business 14"})  # id 2
    return crm


def asset(crm, serial="LP2K-0001", product=1, **values):
    return crm.records.create(
        "asset",
        {
            "name": "Accounting printer",
            "product": product,
            "serial_number": serial,
            "account": 1,
            "date_sold": "2026-03-01",
            "date_in_service": "2026-03-05",
            **values,
        },
    )


def test_date_in_service_may_not_come_before_the_date_sold(base):
    with pytest.raises(ValidationError) as caught:
        asset(base, date_sold="2026-03-10", date_in_service="2026-03-09")
    assert caught.value.errors == {
        "date_in_service": "must be on or after the date sold (2026-03-10); "
        "an asset cannot be in service before it was sold"
    }
    same_day = asset(base, date_sold="2026-03-10", date_in_service="10.03.2026")
    with pytest.raises(ValidationError) as caught:
        base.records.update("asset", same_day["id"], {"date_sold": "2026-04-01"})
    assert (
        "must be on or after the date sold (2026-04-01)" in caught.value.errors["date_in_service"]
    )


def test_required_fields(base):
    with pytest.raises(ValidationError) as caught:
        base.records.create("asset", {"name": "Nothing else"})
    assert set(caught.value.errors) == {
        "product",
        "serial_number",
        "account",
        "date_sold",
        "date_in_service",
    }


def test_serial_numbers_are_unique_per_product_whatever_the_case(base):
    first = asset(base, "LP2K-0001")
    with pytest.raises(ValidationError) as caught:
        asset(base, "  lp2k-0001 ", name="Second printer")
    assert caught.value.errors["serial_number"] == (
        f"is already used for this product by {first['number']} (Accounting printer); "
        "a serial number is unique per product"
    )
    laptop = asset(base, "LP2K-0001", product=2, name="Laptop")  # another product: fine
    with pytest.raises(ValidationError) as caught:
        base.records.update("asset", laptop["id"], {"product": 1})
    assert first["number"] in caught.value.errors["serial_number"]
    renamed = base.records.update("asset", first["id"], {"serial_number": "LP2K-0001-A"})
    assert renamed["serial_number"] == "LP2K-0001-A"
    assert base.records.update("asset", laptop["id"], {"product": 1})["product"] == 1


def test_a_serial_number_in_the_recycle_bin_is_named(base):
    old = asset(base, "LP2K-0009")
    base.records.delete("asset", old["id"])
    with pytest.raises(ValidationError) as caught:
        asset(base, "LP2K-0009")
    assert "(in the recycle bin: restore or purge it first)" in caught.value.errors["serial_number"]


class SaveTogether:
    """Holds each asset save after its checks until the other save got there too (on
    SQLite writers queue, so the first goes on after a short wait)."""

    def __init__(self):
        self.barrier = threading.Barrier(2, timeout=2)

    @hookimpl(tryfirst=True)
    def crm_before_save(self, record_type):
        if record_type.name == "asset":
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait()


def test_two_saves_at_once_cannot_both_take_a_serial_number(base):
    first, second = asset(base, "SN-A", name="One"), asset(base, "SN-B", name="Two")
    base.pm.register(SaveTogether())
    outcomes = []

    def rename(record):
        try:
            base.records.update("asset", record["id"], {"serial_number": "SAME-1"})
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.errors["serial_number"])

    threads = [threading.Thread(target=rename, args=(record,)) for record in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[0].startswith("is already used for this product by ASSET")
    assert sorted(outcomes)[1] == "saved"
    serials = [record["serial_number"] for record in base.records.list("asset").records]
    assert sorted(serials) in (["SAME-1", "SN-A"], ["SAME-1", "SN-B"])


def test_global_search_finds_an_exact_serial_number_in_any_case(base):
    printer = asset(base, "LP2K-0001")
    asset(base, "LP2K-00010", name="Other printer")
    hits = base.search.query("lp2k-0001")
    assert (hits[0].number, hits[0].snippet) == (printer["number"], [("S/N LP2K-0001", False)])
    assert [h.number for h in base.search.query("LP2K-0001", types=["ticket"])] == []


def test_tickets_get_an_asset_field_that_fills_customer_and_product(base):
    contact = base.records.create("contact", {"last_name": "Ivanova", "account": 1})
    printer = asset(base, contact=contact["id"])
    ticket = base.records.create("ticket", {"title": "Paper jam", "asset": printer["id"]})
    assert (ticket["account"], ticket["contact"], ticket["product"]) == (1, contact["id"], 1)
    other = base.records.create("account", {"name": "Vector"})
    kept = base.records.create(
        "ticket", {"title": "Toner", "asset": printer["id"], "account": other["id"]}
    )
    assert kept["account"] == other["id"]  # given values are kept


def test_asset_account_and_product_pages_list_each_other(base):
    printer = asset(base, "LP2K-<b>7</b>")
    base.records.create("ticket", {"title": "Paper jam", "asset": printer["id"]})
    app = sign_in(webtest.TestApp(create_app(base, debug=True)))
    tickets = app.get(f"/r/asset/{printer['id']}").html.select_one("#related-ticket-asset")
    assert "Paper jam" in tickets.text
    for url in ("/r/account/1", "/r/product/1"):
        related = app.get(url).html.select('[id^="related-asset-"]')
        assert related and "Accounting printer" in related[0].text, url
    assert "LP2K-<b>7</b>" in app.get(f"/r/asset/{printer['id']}").html.get_text()


def test_needs_contacts_and_products(make_crm):
    with pytest.raises(ConfigError) as caught:
        make_crm(["contacts", "assets"])
    assert "plugin 'assets' requires 'products', which is not enabled" in str(caught.value)


def test_runs_without_tickets_and_the_others_run_without_it(make_crm):
    alone = make_crm(["contacts", "products", "assets"])
    assert "ticket" not in alone.registry.types and "asset" in alone.registry.types
    others = make_crm(
        ["contacts", "products", "tickets", "faq", "contracts"],
        plugins={"tickets": {"require_solution_to_close": False}},
    )
    assert not others.registry.type("ticket").has_field("asset")
    assert others.records.create("ticket", {"title": "Works"})["number"] == "TT1"
    assert others.search.query("TT1")[0].number == "TT1"
