"""The leads plugin on the web: the "Convert" button and page, the conversion API and the
administrators' mapping screen."""

import datetime as dt
from decimal import Decimal

import pytest
import webtest
from conftest import csrf_of, sign_in

from crm_core import hookimpl
from crm_core.actors import SYSTEM
from crm_plugins.leads import conversion, mapping
from crm_web.app import create_app

SCRIPT = "<script>alert(1)</script>"
LEAD = {
    "salutation": "mr",
    "first_name": "Иван",
    "last_name": "Петров",
    "company": "ООО «Ромашка»",
    "title": "Директор",
    "email": "ivan@romashka.example.ru",
    "phone": "+7 495 123-45-67",
    "lead_source": "trade_show",
    "industry": "retail",
    "city": "Москва",
    "description": "Интересуются поддержкой 24/7",
}


class NoCreating:
    """A plugin forbidding one user to create records of some types."""

    def __init__(self, actor, types):
        self.ref = actor.ref
        self.types = set(types)

    @hookimpl
    def crm_permission_check(self, record_type, actor, action):
        if action == "create" and record_type.name in self.types and actor.ref == self.ref:
            return False
        return None


@pytest.fixture
def crm(make_crm):
    crm = make_crm(["contacts", "products", "leads"])
    crm.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    crm.directory.add_user("anna", "Анна Петрова", password="anna-password")
    return crm


@pytest.fixture
def app(crm):
    return webtest.TestApp(create_app(crm, debug=True))


def signed_in(app, login="admin", password="admin-password"):
    """A browser of its own, signed in as ``login``, on the same web app."""
    return sign_in(webtest.TestApp(app.app), login, password)


def count(crm, type_name):
    return len(list(crm.records.iterate(type_name)))


def convert_button(page):
    return page.html.find("a", string="Convert")


def api_auth(crm, login="admin"):
    token, _ = crm.sessions.create_api_token(crm.directory.get_user(login)["id"], "tests")
    return {"Authorization": f"Bearer {token}"}


# -- the button ---------------------------------------------------------------------------


def test_convert_button_only_on_unconverted_leads_for_users_who_may_convert(crm, app):
    lead = crm.records.create("lead", LEAD)
    done = crm.records.create("lead", {**LEAD, "last_name": "Сидоров"})
    conversion.convert(crm, done["id"])
    sign_in(app)
    button = convert_button(app.get(f"/r/lead/{lead['id']}"))
    assert button["href"] == f"/leads/{lead['id']}/convert"
    assert convert_button(app.get(f"/r/lead/{done['id']}")) is None
    assert convert_button(app.get("/r/account/1")) is None  # only leads have it

    anna = crm.directory.actor_for("anna")
    crm.pm.register(NoCreating(anna, ["account", "contact"]), name="no-creating")
    as_anna = signed_in(app, "anna", "anna-password")
    assert convert_button(as_anna.get(f"/r/lead/{lead['id']}")) is None
    refused = as_anna.get(f"/leads/{lead['id']}/convert", status=403)
    assert "you may create neither" in refused.text
    crm.pm.unregister(name="no-creating")

    crm.pm.register(NoCreating(anna, ["account"]), name="no-accounts")
    assert convert_button(as_anna.get(f"/r/lead/{lead['id']}")) is not None
    page = as_anna.get(f"/leads/{lead['id']}/convert")
    form = page.forms["convert-form"]
    assert "create_account" not in form.fields and "account.name" not in form.fields
    assert "You may not create records of this type" in page.html.find(id="target-account").text
    form.submit(status=302)
    assert (count(crm, "account"), count(crm, "contact")) == (1, 2)  # one from `done`
    assert crm.records.get("lead", lead["id"])["converted_by"] == anna.ref


# -- the page -----------------------------------------------------------------------------


def test_page_is_prefilled_from_the_mapping(crm, app):
    lead = crm.records.create("lead", LEAD)
    crm.comments.add("lead", lead["id"], "Звонил")
    crm.attachments.add("lead", lead["id"], "offer.txt", b"price list")
    sign_in(app)
    page = app.get(f"/leads/{lead['id']}/convert")
    form = page.forms["convert-form"]
    assert form["account.name"].value == "ООО «Ромашка»"
    assert form["account.billing_city"].value == "Москва"
    assert form["contact.last_name"].value == "Петров"
    assert form["contact.lead_source"].value == "trade_show"
    assert form["deal.name"].value == "ООО «Ромашка»"
    assert form["deal.stage"].value == "prospecting"  # the deal's own default
    assert (form["create_account"].checked, form["create_contact"].checked) == (True, True)
    assert form["create_deal"].checked is False
    assert form["move_to"].value == "contact"
    assert "contact.account" not in form.fields  # the conversion links the records itself
    activity = page.html.find(id="activity").get_text(" ", strip=True)
    assert "1 comment, 1 attachment and 0 linked records" in activity


def test_converting_through_the_page(crm, app):
    lead = crm.records.create("lead", LEAD)
    printer = crm.records.create("product", {"name": "Printer"})
    crm.records.link("lead", lead["id"], "products", printer["id"])
    crm.comments.add("lead", lead["id"], "Звонил, ждёт предложения")
    sign_in(app)
    form = app.get(f"/leads/{lead['id']}/convert").forms["convert-form"]
    form["contact.title"] = "Генеральный директор"
    form["create_deal"] = True
    form["deal.amount"] = "250000,50"
    form["deal.expected_close_date"] = "2026-12-31"
    response = form.submit(status=302)
    contact = crm.records.get("contact", "CON1")
    assert response.location.endswith(f"/r/contact/{contact['id']}")
    page = response.follow()
    flashes = [p.get_text(strip=True) for p in page.html.select("p.flash")]
    assert flashes == [
        "LEA1 was converted into account ACC1, contact CON1, deal DEAL1.",
        "Its comments, attachments and links moved to CON1.",
    ]
    account, deal = crm.records.get("account", "ACC1"), crm.records.get("deal", "DEAL1")
    assert (account["name"], account["industry"], account["billing_city"]) == (
        "ООО «Ромашка»",
        "retail",
        "Москва",
    )
    assert contact["title"] == "Генеральный директор"  # the edited value wins
    assert (contact["first_name"], contact["email"], contact["account"]) == (
        "Иван",
        "ivan@romashka.example.ru",
        account["id"],
    )
    assert (deal["amount"], deal["expected_close_date"]) == (
        Decimal("250000.50"),
        dt.date(2026, 12, 31),
    )
    assert (deal["account"], deal["contact"], deal["name"]) == (
        account["id"],
        contact["id"],
        "ООО «Ромашка»",
    )
    assert [c["body"] for c in crm.comments.list("contact", contact["id"])] == [
        "Звонил, ждёт предложения"
    ]
    assert crm.records.linked_ids("contact", contact["id"], "products") == [printer["id"]]
    assert crm.records.get("lead", lead["id"])["converted"] is True


def test_existing_account_is_shown_and_reused(crm, app):
    existing = crm.records.create("account", {"name": "ооо  «РОМАШКА»", "phone": "+7 000"})
    lead = crm.records.create("lead", LEAD)
    crm.comments.add("lead", lead["id"], "note")
    sign_in(app)
    page = app.get(f"/leads/{lead['id']}/convert")
    offer = page.html.find(id="target-account").find("label").get_text(" ", strip=True)
    assert offer.startswith("Use the existing account") and existing["number"] in offer
    form = page.forms["convert-form"]
    form["create_contact"] = False
    page = form.submit(status=302).follow()
    assert page.request.path == f"/r/account/{existing['id']}"
    assert "the existing account ACC1" in page.text
    assert count(crm, "account") == 1 and count(crm, "contact") == 0
    assert crm.records.get("account", existing["id"])["phone"] == "+7 000"  # unchanged
    assert len(crm.comments.list("account", existing["id"])) == 1


def test_errors_are_shown_next_to_the_fields_and_input_is_kept(crm, app):
    lead = crm.records.create("lead", {**LEAD, "company": None})
    crm.comments.add("lead", lead["id"], "note")
    sign_in(app)
    form = app.get(f"/leads/{lead['id']}/convert").forms["convert-form"]
    form["contact.title"] = "Главный инженер"
    form["create_deal"] = True
    form["deal.name"] = "Внедрение"
    form["deal.amount"] = "lots"
    page = form.submit(status=422)
    assert "nothing was created" in page.text
    account_error = page.html.find(id="error-account.name").text
    assert "filled from the lead's company (company), which is empty in LEA1" in account_error
    assert page.html.find(id="error-deal.amount") is None  # records are checked one by one
    kept = page.forms["convert-form"]
    assert kept["contact.title"].value == "Главный инженер"
    assert kept["deal.amount"].value == "lots"
    assert kept["create_deal"].checked is True
    assert (count(crm, "account"), count(crm, "contact"), count(crm, "deal")) == (0, 0, 0)
    assert crm.records.get("lead", lead["id"])["converted"] is False
    assert len(crm.comments.list("lead", lead["id"])) == 1

    kept["account.name"] = "Петров ИП"
    page = kept.submit(status=422)  # now the deal's amount is the only problem
    assert page.html.find(id="error-account.name") is None
    assert "must be a number" in page.html.find(id="error-deal.amount").text
    kept = page.forms["convert-form"]
    assert kept["account.name"].value == "Петров ИП"
    kept["deal.amount"] = "1000"
    kept.submit(status=302)
    assert crm.records.get("account", "ACC1")["name"] == "Петров ИП"
    assert crm.records.get("deal", "DEAL1")["name"] == "Внедрение"


def test_an_account_or_a_contact_is_needed(crm, app):
    lead = crm.records.create("lead", LEAD)
    sign_in(app)
    form = app.get(f"/leads/{lead['id']}/convert").forms["convert-form"]
    form["create_account"] = False
    form["create_contact"] = False
    page = form.submit(status=422)
    assert "at least one is needed" in page.html.find(id="error-create_account").text
    assert page.forms["convert-form"]["create_account"].checked is False
    assert crm.records.get("lead", lead["id"])["converted"] is False


def test_second_conversion_is_refused(crm, app):
    lead = crm.records.create("lead", LEAD)
    sign_in(app)
    form = app.get(f"/leads/{lead['id']}/convert").forms["convert-form"]
    form.submit(status=302)
    stale = form.submit(status=409)  # the same form, posted again
    today = dt.datetime.now(dt.UTC).date().isoformat()
    message = f"LEA1 was converted on {today} into ACC1, CON1; a lead can be converted only once"
    assert message in stale.text
    assert message in app.get(f"/leads/{lead['id']}/convert", status=409).text
    assert (count(crm, "account"), count(crm, "contact")) == (1, 1)


def test_a_converted_lead_has_no_edit_button_and_refuses_edits(crm, app):
    lead = crm.records.create("lead", LEAD)
    sign_in(app)
    app.get(f"/leads/{lead['id']}/convert").forms["convert-form"].submit(status=302)
    page = app.get(f"/r/lead/{lead['id']}")
    assert page.html.find("a", href=f"/r/lead/{lead['id']}/edit") is None
    refused = app.get(f"/r/lead/{lead['id']}/edit", status=403)
    assert "a converted lead cannot be changed" in refused.text


def test_the_conversion_endpoint_is_in_the_openapi_document(crm, app):
    sign_in(app)
    doc = app.get("/api/v1/openapi.json").json
    assert "post" in doc["paths"]["/api/v1/lead/{key}/convert"]


def test_converting_needs_the_csrf_token(crm, app):
    lead = crm.records.create("lead", LEAD)
    sign_in(app)
    app.post(f"/leads/{lead['id']}/convert", {"create_contact": "on"}, status=403)
    assert crm.records.get("lead", lead["id"])["converted"] is False


# -- the API ------------------------------------------------------------------------------


def test_api_converts_and_answers_with_the_records(crm, app):
    lead = crm.records.create("lead", LEAD)
    crm.comments.add("lead", lead["id"], "note")
    auth = api_auth(crm)
    body = {
        "account": True,
        "contact": True,
        "deal": True,
        "values": {"deal": {"amount": "5000", "stage": "proposal"}, "contact": {"title": "CEO"}},
        "move_to": "account",
    }
    answer = app.post_json(f"/api/v1/lead/{lead['id']}/convert", body, headers=auth, status=201)
    result = answer.json
    assert result["lead"]["converted"] is True and result["lead"]["number"] == "LEA1"
    assert result["account"]["name"] == "ООО «Ромашка»" and result["account_reused"] is False
    assert result["contact"]["title"] == "CEO" and result["contact"]["account"] == 1
    assert (result["deal"]["amount"], result["deal"]["stage"]) == ("5000.00", "proposal")
    assert result["moved_to"] == "ACC1" and result["moved"]["comments"] == 1
    assert result["contact"] == app.get("/api/v1/contact/CON1", headers=auth).json

    again = app.post_json("/api/v1/lead/LEA1/convert", {}, headers=auth, status=409).json
    assert again["error"]["code"] == "conflict"
    assert "a lead can be converted only once" in again["error"]["message"]


def test_api_refuses_bad_requests_with_field_errors(crm, app):
    lead = crm.records.create("lead", {**LEAD, "company": None})
    auth = api_auth(crm)
    url = f"/api/v1/lead/{lead['id']}/convert"
    missing = app.post_json(url, {}, headers=auth, status=422).json["error"]
    assert missing["code"] == "validation_error"
    assert "which is empty in LEA1" in missing["fields"]["account.name"]
    wrong = app.post_json(
        url, {"deal": "yes", "values": [], "colour": "red"}, headers=auth, status=422
    ).json["error"]["fields"]
    assert wrong["deal"] == "must be true or false"
    assert "per record" in wrong["values"]
    assert wrong["colour"].startswith("unknown option; allowed: account, contact, deal")
    neither = app.post_json(
        url, {"account": False, "contact": False}, headers=auth, status=422
    ).json["error"]["fields"]
    assert "at least one is needed" in neither["create_account"]
    not_json = app.post(
        url, "{nope", headers={**auth, "Content-Type": "application/json"}, status=422
    ).json["error"]["fields"]
    assert not_json == {"body": "is not valid JSON"}
    assert app.post_json(url, {}, status=401).json["error"]["code"] == "unauthorized"
    assert count(crm, "contact") == 0
    # a deal value alone asks for a deal, like `crm leads convert --set deal.amount=…`
    done = app.post_json(
        url,
        {"account": False, "values": {"deal": {"name": "Петров", "amount": "10"}}},
        headers=auth,
        status=201,
    ).json
    assert done["account"] is None and done["deal"]["contact"] == done["contact"]["id"]


def test_api_route_is_not_shadowed_and_core_routes_still_work(crm, app):
    lead = crm.records.create("lead", LEAD)
    auth = api_auth(crm)
    assert app.get(f"/api/v1/lead/{lead['id']}", headers=auth).json["converted"] is False
    app.post_json(f"/api/v1/lead/{lead['id']}/convert", {}, headers=auth, status=201)
    assert app.get("/api/v1/lead/LEA1", headers=auth).json["converted"] is True


def test_api_with_the_session_cookie_needs_the_csrf_header(crm, app):
    lead = crm.records.create("lead", LEAD)
    sign_in(app)
    url = f"/api/v1/lead/{lead['id']}/convert"
    assert app.post_json(url, {}, status=403).json["error"]["code"] == "csrf"
    app.post_json(url, {}, headers={"X-CSRF-Token": csrf_of(app)}, status=201)


# -- the mapping screen -------------------------------------------------------------------


def test_administrators_only_is_one_message_on_core_and_plugin_screens(crm, app):
    sign_in(app, "anna", "anna-password")
    english = "only administrators may do this"
    assert english in app.get("/admin", status=403).text
    assert english in app.get("/admin/leads/mapping", status=403).text
    crm.directory.update_user("anna", language="ru")
    russian = "это могут делать только администраторы"
    as_russian = signed_in(app, "anna", "anna-password")
    assert russian in as_russian.get("/admin/users", status=403).text
    assert russian in as_russian.get("/admin/leads/mapping", status=403).text


def test_mapping_screen_is_for_administrators_only(crm, app):
    sign_in(app, "anna", "anna-password")
    assert app.get("/admin/leads/mapping", status=403)
    token = csrf_of(app)
    app.post("/admin/leads/mapping", {"csrf_token": token, "action": "reset"}, status=403)
    app.post(
        "/admin/leads/mapping",
        {"csrf_token": token, "action": "unset", "target": "account.name"},
        status=403,
    )
    assert mapping.is_default(crm)
    assert app.get("/r/lead").html.find("a", href="/admin/leads/mapping") is None
    as_admin = signed_in(app)
    on_list = (
        as_admin.get("/r/lead").html.select_one(".actions").find("a", href="/admin/leads/mapping")
    )
    assert on_list.text == "Lead conversion mapping"
    on_admin_page = as_admin.get("/admin").html.find("a", href="/admin/leads/mapping")
    assert on_admin_page.text == "Lead conversion mapping"


def test_mapping_screen_lists_every_lead_field_and_what_it_fills(crm, app):
    crm.fields.add("lead", "budget", "currency", label="Budget", label_ru="Бюджет")
    sign_in(app)
    page = app.get("/admin/leads/mapping")
    rows = {row["id"]: row.get_text(" ", strip=True) for row in page.html.select("#mapping tr[id]")}
    assert "Account › Account name account.name" in rows["lead-company"]
    assert "Deal › Deal name deal.name" in rows["lead-company"]
    assert "Contact › Last name contact.last_name" in rows["lead-last_name"]
    assert "Budget cf_budget custom" in rows["lead-cf_budget"]
    assert "converted" not in " ".join(rows)  # the conversion's own fields are not copied
    assert "This is the default mapping." in page.text


def test_changing_the_mapping_applies_to_the_next_conversion(crm, app):
    crm.fields.add("lead", "budget", "currency", label="Budget")
    crm.fields.add("deal", "budget", "currency", label="Budget")
    sign_in(app)
    form = app.get("/admin/leads/mapping?lead_field=cf_budget").forms["mapping-form"]
    assert form["lead_field"].value == "cf_budget"
    form["target"] = "deal.cf_budget"
    page = form.submit(status=302).follow()
    flash = page.html.select_one("p.flash").text
    assert flash == "Deal › Budget is now filled from the lead's Budget."
    assert "An administrator changed the default mapping." in page.text
    form = page.forms["mapping-form"]
    form["lead_field"], form["target"] = "full_name", "deal.name"  # change a mapped target
    form.submit(status=302)
    page = app.get("/admin/leads/mapping")
    [unset] = [
        f
        for f in page.forms.values()
        if "action" in f.fields
        and f["action"].value == "unset"
        and f["target"].value == "account.description"
    ]
    unset.submit(status=302)

    lead = crm.records.create("lead", {**LEAD, "cf_budget": "90000"})
    form = app.get(f"/leads/{lead['id']}/convert").forms["convert-form"]
    assert form["deal.cf_budget"].value == "90000.00"
    assert form["deal.name"].value == "Иван Петров"
    assert form["account.description"].value == ""
    form["create_deal"] = True
    form.submit(status=302)
    deal, account = crm.records.get("deal", "DEAL1"), crm.records.get("account", "ACC1")
    assert (deal["cf_budget"], deal["name"]) == (Decimal("90000.00"), "Иван Петров")
    assert account["description"] is None


def test_invalid_mapping_lines_show_the_mapping_message(crm, app):
    sign_in(app)
    form = app.get("/admin/leads/mapping").forms["mapping-form"]
    form["lead_field"], form["target"] = "phone", "deal.amount"
    page = form.submit(status=422)
    error = page.html.find(id="error-target").text
    assert error == "deal.amount: a phone field cannot fill a currency field"
    kept = page.forms["mapping-form"]
    assert (kept["lead_field"].value, kept["target"].value) == ("phone", "deal.amount")
    token = csrf_of(app)
    made_up = app.post(
        "/admin/leads/mapping",
        {"csrf_token": token, "action": "set", "lead_field": "nonsense", "target": "deal.name"},
        status=422,
    )
    assert made_up.html.find(id="error-lead_field").text.startswith(
        "'nonsense' is not a lead field that can be copied; fields: salutation, first_name"
    )
    twice = app.post(
        "/admin/leads/mapping",
        {"csrf_token": token, "action": "unset", "target": "deal.amount"},
        status=422,
    )
    assert "deal.amount is not mapped" in twice.html.select_one(".flash-error").text
    assert mapping.is_default(crm)


def test_reset_goes_back_to_the_defaults(crm, app):
    mapping.set_entry(crm, "full_name", "deal.name", actor=SYSTEM)
    mapping.unset_entry(crm, "account.description", actor=SYSTEM)
    sign_in(app)
    page = app.get("/admin/leads/mapping").forms["reset-form"].submit(status=302).follow()
    assert "The default mapping applies again." in page.text
    assert mapping.is_default(crm) and mapping.stored(crm) == mapping.DEFAULT_MAPPING
    assert page.html.find("button", string="Go back to the defaults").has_attr("disabled")


# -- escaping and language ----------------------------------------------------------------


def test_user_text_is_escaped_everywhere(crm, app):
    crm.records.create("account", {"name": SCRIPT})
    lead = crm.records.create("lead", {**LEAD, "last_name": SCRIPT, "company": SCRIPT})
    crm.fields.add("lead", "note", "text", label=SCRIPT)
    sign_in(app)
    for url in (f"/r/lead/{lead['id']}", f"/leads/{lead['id']}/convert", "/admin/leads/mapping"):
        page = app.get(url)
        assert SCRIPT not in page.text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, url
    form = app.get(f"/leads/{lead['id']}/convert").forms["convert-form"]
    assert form["contact.last_name"].value == SCRIPT  # kept as typed, shown escaped
    form["contact.email"] = ""
    page = form.submit(status=302).follow()
    assert SCRIPT not in page.text
    assert crm.records.get("contact", "CON1")["last_name"] == SCRIPT


def test_pages_speak_russian(crm, app):
    crm.directory.update_user("admin", language="ru")
    lead = crm.records.create("lead", LEAD)
    crm.comments.add("lead", lead["id"], "note")
    sign_in(app)
    assert convert_button(app.get(f"/r/lead/{lead['id']}")) is None
    assert app.get(f"/r/lead/{lead['id']}").html.find("a", string="Преобразовать")
    page = app.get(f"/leads/{lead['id']}/convert")
    assert "Преобразование LEA1" in page.text
    assert "Создать организацию" in page.text
    assert "1 комментарий" in page.text
    page = page.forms["convert-form"].submit(status=302).follow()
    assert "Лид LEA1 преобразован: организация ACC1, контакт CON1." in page.text
    assert "Сопоставление полей при преобразовании лидов" in app.get("/admin/leads/mapping").text
