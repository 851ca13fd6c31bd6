"""The leads plugin: leads, deals, and converting a lead in one transaction."""

import datetime as dt
from decimal import Decimal

import pytest
from conftest import run_crm

from crm_core import Conflict, NotFound, PermissionDenied, ValidationError, hookimpl
from crm_core.actors import SYSTEM
from crm_core.errors import ConfigError
from crm_core.query import Condition
from crm_plugins.leads import conversion, mapping

FULL_LEAD = {
    "salutation": "mr",
    "first_name": "Иван",
    "last_name": "Петров",
    "company": "ООО «Ромашка»",
    "title": "Директор",
    "email": "ivan@romashka.example.ru",
    "secondary_email": "petrov@mail.example.ru",
    "phone": "+7 495 123-45-67",
    "mobile": "+7 916 000-11-22",
    "fax": "+7 495 123-45-68",
    "website": "https://romashka.example.ru",
    "lead_source": "trade_show",
    "industry": "retail",
    "status": "qualified",
    "rating": "active",
    "annual_revenue": "48000000",
    "employees": 120,
    "email_opt_out": True,
    "street": "ул. Ленина, д. 10",
    "po_box": "а/я 15",
    "city": "Москва",
    "state": "Московская обл.",
    "postal_code": "101000",
    "country": "Россия",
    "description": "Интересуются поддержкой 24/7",
}


@pytest.fixture
def crm(make_crm):
    return make_crm(["contacts", "products", "leads"])


@pytest.fixture
def anna(crm):
    crm.directory.add_user("anna", "Анна Петрова", password="anna-password")
    return crm.directory.actor_for("anna")


def count(crm, type_name):
    return len(list(crm.records.iterate(type_name)))


class FailWhenSaving:
    """A plugin whose crm_after_save fails when a record of one type is created."""

    def __init__(self, type_name):
        self.type_name = type_name

    @hookimpl
    def crm_after_save(self, record_type, created):
        if created and record_type.name == self.type_name:
            raise RuntimeError(f"storage of {self.type_name} failed")


class RecordConversions:
    """A plugin listening to the leads plugin's own hook."""

    def __init__(self, fail=False):
        self.seen = []
        self.fail = fail

    @hookimpl
    def crm_lead_converted(self, lead, account, contact, deal, account_reused, actor):
        self.seen.append((lead, account, contact, deal, account_reused, actor))
        if self.fail:
            raise RuntimeError("the marketing system is down")


# -- records ------------------------------------------------------------------------------


def test_lead_fields_picklists_and_name(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    assert (lead["number"], lead["full_name"], lead["converted"]) == ("LEA1", "Иван Петров", False)
    assert crm.records.create("lead", {"last_name": "Smith"})["status"] == "not_contacted"
    lead_type = crm.registry.type("lead")
    picklists = {f.name: f.picklist for f in lead_type.fields if f.type == "picklist"}
    for name, size in (("status", 11), ("lead_source", 12), ("industry", 31), ("rating", 5)):
        assert len(crm.registry.picklist(picklists[name]).values) == size
    assert crm.registry.picklist("lead_status").label_for("junk_lead", "ru") == "Нецелевой"
    for field in lead_type.data_fields:
        assert field.label.get("ru"), f"lead.{field.name} has no Russian label"
    for name in ("converted", "converted_at", "converted_account", "converted_contact"):
        assert lead_type.field(name).read_only
    with pytest.raises(ValidationError) as caught:
        crm.records.create("lead", {"last_name": "Smith", "converted": True})
    assert caught.value.errors == {"converted": "is read-only; the CRM sets it"}


def test_deal_is_minimal_and_refers_to_account_and_contact(crm):
    acme = crm.records.create("account", {"name": "Acme Corp"})
    deal = crm.records.create(
        "deal",
        {
            "name": "Acme renewal",
            "account": acme["id"],
            "amount": "1500",
            "stage": "Negotiation/Review",
        },
    )
    assert (deal["number"], deal["stage"], deal["amount"]) == (
        "DEAL1",
        "negotiation",
        Decimal("1500.00"),
    )
    assert crm.records.create("deal", {"name": "New"})["stage"] == "prospecting"
    with pytest.raises(ValidationError) as caught:
        crm.records.create("deal", {"name": "Bad", "account": 999})
    assert "account" in caught.value.errors


# -- conversion ---------------------------------------------------------------------------


def test_conversion_copies_every_field_of_the_default_mapping(crm, anna):
    crm.directory.add_user("boris", "Boris Smith", password="boris-password")
    lead = crm.records.create("lead", {**FULL_LEAD, "assigned_to": "boris"}, actor=anna)
    result = conversion.convert(
        crm,
        lead["number"],
        create_deal=True,
        values={"deal": {"amount": "250000", "expected_close_date": "2026-12-31"}},
        actor=anna,
    )
    created = {"account": result.account, "contact": result.contact, "deal": result.deal}
    for target, fields in mapping.DEFAULT_MAPPING.items():
        for target_field, lead_field in fields.items():
            assert created[target][target_field] == lead[lead_field], (target, target_field)
    assert result.account["name"] == "ООО «Ромашка»" and not result.account_reused
    assert result.account["billing_city"] == result.account["shipping_city"] == "Москва"
    assert result.contact["account"] == result.account["id"]
    assert (result.deal["account"], result.deal["contact"]) == (
        result.account["id"],
        result.contact["id"],
    )
    assert result.deal["amount"] == Decimal("250000.00")
    assert result.deal["expected_close_date"] == dt.date(2026, 12, 31)
    boris = crm.directory.actor_for("boris").ref
    assert {r["assigned_to"] for r in created.values()} == {boris}  # the lead's owner
    stored = crm.records.get("lead", lead["id"])
    assert stored["converted"] is True
    assert stored["converted_by"] == anna.ref
    assert stored["converted_at"] is not None
    assert (stored["converted_account"], stored["converted_contact"], stored["converted_deal"]) == (
        result.account["id"],
        result.contact["id"],
        result.deal["id"],
    )
    assert result.as_dict()["deal"] == {"id": result.deal["id"], "number": "DEAL1"}


def test_comments_attachments_and_links_move_to_the_contact(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    printer = crm.records.create("product", {"name": "Printer"})
    crm.records.link("lead", lead["id"], "products", printer["id"])
    crm.comments.add("lead", lead["id"], "Звонил, ждёт предложения")
    crm.attachments.add("lead", lead["id"], "offer.txt", b"price list")
    result = conversion.convert(crm, lead["id"])
    contact_id = result.contact["id"]
    assert result.moved_to == result.contact["number"]
    assert result.moved == {"comments": 1, "attachments": 1, "links": 1}
    assert [c["body"] for c in crm.comments.list("contact", contact_id)] == [
        "Звонил, ждёт предложения"
    ]
    assert [a["filename"] for a in crm.attachments.list("contact", contact_id)] == ["offer.txt"]
    assert crm.records.linked_ids("contact", contact_id, "products") == [printer["id"]]
    assert crm.records.linked_ids("lead", lead["id"], "products") == []
    assert crm.comments.list("lead", lead["id"]) == []
    assert crm.attachments.list("account", result.account["id"]) == []


def test_activity_moves_to_the_account_when_asked(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    crm.comments.add("lead", lead["id"], "note")
    result = conversion.convert(crm, lead["id"], move_to="account")
    assert len(crm.comments.list("account", result.account["id"])) == 1
    assert crm.comments.list("contact", result.contact["id"]) == []


def test_setting_chooses_where_activity_goes_by_default(make_crm):
    crm = make_crm(["contacts", "leads"], plugins={"leads": {"move_activity_to": "account"}})
    lead = crm.records.create("lead", FULL_LEAD)
    crm.comments.add("lead", lead["id"], "note")
    result = conversion.convert(crm, lead["id"])
    assert result.moved_to == result.account["number"]
    with pytest.raises(ConfigError) as caught:
        make_crm(["contacts", "leads"], plugins={"leads": {"move_activity_to": "deal"}})
    assert "move_activity_to" in str(caught.value)


def test_contact_only_and_account_only_conversions(crm):
    first = crm.records.create("lead", FULL_LEAD)
    result = conversion.convert(crm, first["id"], create_account=False)
    assert result.account is None and result.contact["account"] is None
    assert count(crm, "account") == 0
    second = crm.records.create("lead", {**FULL_LEAD, "company": "Globex Ltd"})
    crm.comments.add("lead", second["id"], "note")
    result = conversion.convert(crm, second["id"], create_contact=False)
    assert result.contact is None and result.moved_to == result.account["number"]
    assert count(crm, "contact") == 1


def test_at_least_an_account_or_a_contact(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    with pytest.raises(ValidationError) as caught:
        conversion.convert(crm, lead["id"], create_account=False, create_contact=False)
    assert "at least one is needed" in caught.value.errors["create_account"]
    with pytest.raises(ValidationError) as caught:
        conversion.convert(crm, lead["id"], create_contact=False, move_to="contact")
    assert "account" in caught.value.errors["move_to"]
    with pytest.raises(ValidationError) as caught:
        conversion.convert(crm, lead["id"], values={"deal": {"amount": 5}})
    assert "not created" in caught.value.errors["values.deal"]
    assert crm.records.get("lead", lead["id"])["converted"] is False


def test_existing_account_with_the_same_name_is_reused(crm):
    existing = crm.records.create(
        "account", {"name": "ооо  «РОМАШКА»", "phone": "+7 495 000-00-00"}
    )
    lead = crm.records.create("lead", FULL_LEAD)
    result = conversion.convert(crm, lead["id"])
    assert result.account_reused and result.account["id"] == existing["id"]
    assert count(crm, "account") == 1
    assert crm.records.get("account", existing["id"])["phone"] == "+7 495 000-00-00"  # kept
    assert result.contact["account"] == existing["id"]
    plan = conversion.plan(crm, crm.records.create("lead", FULL_LEAD)["id"])
    assert plan["existing_account"]["id"] == existing["id"]
    assert plan["values"]["account"]["name"] == "ООО «Ромашка»"
    assert plan["values"]["contact"]["last_name"] == "Петров"


def test_second_conversion_is_refused(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    conversion.convert(crm, lead["id"], create_deal=True)
    with pytest.raises(Conflict) as caught:
        conversion.convert(crm, "LEA1", create_deal=True)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert str(caught.value) == (
        f"LEA1 was converted on {today} into ACC1, CON1, DEAL1; a lead can be converted only once"
    )
    assert (count(crm, "account"), count(crm, "contact"), count(crm, "deal")) == (1, 1, 1)


def test_failure_in_the_middle_leaves_nothing_behind(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    printer = crm.records.create("product", {"name": "Printer"})
    crm.records.link("lead", lead["id"], "products", printer["id"])
    crm.comments.add("lead", lead["id"], "note")
    crm.pm.register(FailWhenSaving("deal"), name="failing")
    with pytest.raises(RuntimeError, match="storage of deal failed"):
        conversion.convert(crm, lead["id"], create_deal=True)
    assert (count(crm, "account"), count(crm, "contact"), count(crm, "deal")) == (0, 0, 0)
    after = crm.records.get("lead", lead["id"])
    assert after["converted"] is False and after["converted_account"] is None
    assert len(crm.comments.list("lead", lead["id"])) == 1
    assert crm.records.linked_ids("lead", lead["id"], "products") == [printer["id"]]
    crm.pm.unregister(name="failing")
    assert conversion.convert(crm, lead["id"], create_deal=True).deal is not None


def test_failing_lead_converted_hook_undoes_the_conversion(crm, anna):
    listener = RecordConversions(fail=True)
    crm.pm.register(listener, name="listener")
    lead = crm.records.create("lead", FULL_LEAD)
    crm.comments.add("lead", lead["id"], "note")
    with pytest.raises(RuntimeError, match="marketing system is down"):
        conversion.convert(crm, lead["id"], actor=anna)
    assert len(listener.seen) == 1  # it ran after everything else was done...
    assert (count(crm, "account"), count(crm, "contact")) == (0, 0)  # ...and all was undone
    assert crm.records.get("lead", lead["id"])["converted"] is False
    assert len(crm.comments.list("lead", lead["id"])) == 1


def test_lead_converted_hook_gets_the_created_records(crm, anna):
    listener = RecordConversions()
    crm.pm.register(listener, name="listener")
    crm.records.create("account", {"name": "ООО «Ромашка»"})
    lead = crm.records.create("lead", FULL_LEAD)
    result = conversion.convert(crm, lead["id"], create_deal=True, actor=anna)
    [(seen_lead, account, contact, deal, reused, actor)] = listener.seen
    assert seen_lead["converted"] is True and seen_lead["id"] == lead["id"]
    assert (account["id"], contact["id"], deal["id"]) == (
        result.account["id"],
        result.contact["id"],
        result.deal["id"],
    )
    assert reused is True and actor == anna


def test_missing_company_names_the_lead_field(crm):
    lead = crm.records.create("lead", {**FULL_LEAD, "company": None})
    with pytest.raises(ValidationError) as caught:
        conversion.convert(crm, lead["id"])
    assert caught.value.errors == {
        "account.name": "is required; it is filled from the lead's company (company), "
        "which is empty in LEA1"
    }
    result = conversion.convert(crm, lead["id"], values={"account": {"name": "Петров ИП"}})
    assert result.account["name"] == "Петров ИП"


def test_converting_needs_the_right_to_edit_the_lead(crm, anna):
    crm.directory.add_user("boris", "Boris Smith", password="boris-password")
    crm.set_setting("type:lead", "permission_mode", "private")
    lead = crm.records.create("lead", {**FULL_LEAD, "assigned_to": "boris"})
    with pytest.raises(NotFound):
        conversion.convert(crm, lead["id"], actor=anna)
    assert count(crm, "account") == 0


# -- the mapping --------------------------------------------------------------------------


def test_custom_fields_take_part_in_the_mapping(crm):
    crm.fields.add("lead", "budget", "currency", label="Budget", label_ru="Бюджет")
    crm.fields.add("deal", "budget", "currency", label="Budget", label_ru="Бюджет")
    crm.fields.add("lead", "inn", "text", label="INN", label_ru="ИНН")
    crm.fields.add("account", "inn", "text", label="INN", label_ru="ИНН")
    mapping.set_entry(crm, "cf_budget", "deal.cf_budget", actor=SYSTEM)
    mapping.set_entry(crm, "cf_inn", "account.cf_inn", actor=SYSTEM)
    lead = crm.records.create("lead", {**FULL_LEAD, "cf_budget": "90000", "cf_inn": "7701234567"})
    result = conversion.convert(crm, lead["id"], create_deal=True)
    assert result.deal["cf_budget"] == Decimal("90000.00")
    assert result.account["cf_inn"] == "7701234567"
    assert result.account["name"] == "ООО «Ромашка»"  # the defaults still apply


def test_mapping_refuses_what_cannot_work(crm, anna):
    def refused(lead_field, target):
        with pytest.raises(ValidationError) as caught:
            mapping.set_entry(crm, lead_field, target, actor=SYSTEM)
        return next(iter(caught.value.errors.values()))

    assert "fields: salutation, first_name" in refused("nonsense", "deal.name")
    assert (
        refused("phone", "deal.amount") == "deal.amount: a phone field cannot fill a currency field"
    )
    assert "the CRM sets this field itself" in refused("first_name", "contact.full_name")
    assert "links the account" in refused("company", "contact.account")
    assert "picklist 'deal_stage'" in refused("status", "deal.stage")
    assert "write TYPE.FIELD" in refused("company", "ticket.title")
    assert "deal has no field 'size'" in refused("employees", "deal.size")
    with pytest.raises(PermissionDenied):
        mapping.set_entry(crm, "email", "deal.description", actor=anna)
    assert mapping.is_default(crm)


def test_mapping_can_be_changed_unset_and_reset(crm):
    mapping.set_entry(crm, "full_name", "deal.name", actor=SYSTEM)
    mapping.unset_entry(crm, "account.description", actor=SYSTEM)
    assert not mapping.is_default(crm)
    lead = crm.records.create("lead", FULL_LEAD)
    result = conversion.convert(crm, lead["id"], create_deal=True)
    assert result.deal["name"] == "Иван Петров"
    assert result.account["description"] is None
    assert result.contact["description"] == FULL_LEAD["description"]
    with pytest.raises(ValidationError) as caught:
        mapping.unset_entry(crm, "account.description", actor=SYSTEM)
    assert "is not mapped" in caught.value.errors["target"]
    mapping.reset(crm, actor=SYSTEM)
    assert mapping.is_default(crm) and mapping.stored(crm) == mapping.DEFAULT_MAPPING


def test_a_removed_custom_field_is_skipped_not_fatal(crm):
    crm.fields.add("lead", "budget", "currency", label="Budget")
    crm.fields.add("deal", "budget", "currency", label="Budget")
    mapping.set_entry(crm, "cf_budget", "deal.cf_budget", actor=SYSTEM)
    crm.fields.hide("deal", "cf_budget")
    [entry] = [e for e in mapping.entries(crm) if e.target == "deal.cf_budget"]
    assert entry.problem == "the field is hidden"
    lead = crm.records.create("lead", {**FULL_LEAD, "cf_budget": "5"})
    assert conversion.convert(crm, lead["id"], create_deal=True).deal["cf_budget"] is None


# -- converted leads ----------------------------------------------------------------------


def test_converted_lead_is_read_only(crm):
    lead = crm.records.create("lead", FULL_LEAD)
    conversion.convert(crm, lead["id"])
    with pytest.raises(ValidationError) as caught:
        crm.records.update("lead", lead["id"], {"status": "hot"})
    assert "a converted lead cannot be changed" in caught.value.errors["_record"]
    assert "into ACC1, CON1" in caught.value.errors["_record"]
    assert crm.records.get("lead", lead["id"])["status"] == "qualified"


def test_converted_leads_are_hidden_by_default_and_shown_by_a_filter(crm):
    kept = crm.records.create("lead", {**FULL_LEAD, "last_name": "Сидоров"})
    converted = crm.records.create("lead", FULL_LEAD)
    conversion.convert(crm, converted["id"])
    rt = crm.registry.type("lead")
    [default] = [w for w in crm.hook.crm_default_filter(crm=crm, record_type=rt) if w]
    assert default == Condition("converted", "ne", True)
    assert crm.hook.crm_default_filter(crm=crm, record_type=crm.registry.type("deal")) == []
    shown = crm.records.list("lead", where=default).records
    assert [r["id"] for r in shown] == [kept["id"]]
    [views] = [v for v in crm.hook.crm_list_views(crm=crm, record_type=rt, actor=SYSTEM) if v]
    [view] = views
    assert view["label"]["ru"] == "Преобразованные лиды"
    assert [r["id"] for r in crm.records.list("lead", where=view["where"]).records] == [
        converted["id"]
    ]
    assert [hit.id for hit in crm.search.query("Петров", types=["lead"])] == []
    asked = crm.search.query(
        "Петров", types=["lead"], where={"lead": Condition("converted", "eq", True)}
    )
    assert [hit.id for hit in asked] == [converted["id"]]


# -- plugins, command line, demo ----------------------------------------------------------


@pytest.mark.parametrize(
    "enabled, types",
    [
        (["contacts"], ["account", "contact"]),
        (["products"], ["product"]),
        (["contacts", "leads"], ["account", "contact", "deal", "lead"]),
        (["leads", "contacts"], ["account", "contact", "deal", "lead"]),
        (["contacts", "products", "leads"], ["account", "contact", "deal", "lead", "product"]),
    ],
)
def test_each_plugin_combination_starts(make_crm, enabled, types):
    crm = make_crm(enabled)
    assert sorted(crm.registry.types) == types
    crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM)
    assert all(count(crm, type_name) for type_name in types)


def test_leads_without_contacts_is_a_clear_start_up_error(make_crm):
    with pytest.raises(ConfigError) as caught:
        make_crm(["leads", "products"])
    assert "plugin 'leads' requires 'contacts', which is not enabled" in str(caught.value)


def test_demo_converts_one_lead(crm):
    crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM)
    converted = crm.records.list("lead", where={"converted": True}).records
    assert len(converted) == 1 and converted[0]["converted_deal"]
    leads = list(crm.records.iterate("lead"))
    assert len({lead["status"] for lead in leads}) >= 8
    assert {"Андрей Морозов", "Laura Wilson"} <= {lead["full_name"] for lead in leads}


def test_command_line_converts_and_edits_the_mapping(crm, tmp_path):
    crm.records.create("lead", FULL_LEAD)
    result = run_crm("leads", "mapping", "set", "full_name", "deal.name", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_crm(
        "leads",
        "convert",
        "LEA1",
        "--set",
        "deal.amount=5000",
        "--move-to",
        "account",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "converted LEA1 into account ACC1, contact CON1, deal DEAL1" in result.stdout
    deal = crm.records.get("deal", "DEAL1")
    assert (deal["name"], deal["amount"]) == ("Иван Петров", Decimal("5000.00"))
    again = run_crm("leads", "convert", "LEA1", cwd=tmp_path)
    assert again.returncode == 1
    assert "a lead can be converted only once" in again.stderr
    listing = run_crm("leads", "mapping", cwd=tmp_path)
    assert "deal.name" in listing.stdout and "full_name" in listing.stdout
    assert "changed by an administrator" in listing.stdout


def test_conversion_never_reuses_or_reveals_an_account_the_user_may_not_see(crm):
    crm.directory.add_user("vera", "Вера", password="vera-password")
    crm.directory.add_user("boris", "Boris", password="boris-password")
    vera, boris = crm.directory.actor_for("vera"), crm.directory.actor_for("boris")
    crm.set_setting("type:account", "permission_mode", "private")
    private = crm.records.create("account", {"name": "Zanzibar Trading"}, actor=vera)
    lead = crm.records.create(
        "lead", {"last_name": "Smith", "company": "ZANZIBAR trading"}, actor=boris
    )
    assert conversion.plan(crm, lead["id"], actor=boris)["existing_account"] is None
    assert crm.duplicates.of("account", {"name": "zanzibar trading"}, actor=boris) == []
    result = conversion.convert(crm, lead["id"], create_account=False, actor=boris)
    assert result.account is None and result.contact is not None
    assert crm.records.get("account", private["id"])["name"] == "Zanzibar Trading"
