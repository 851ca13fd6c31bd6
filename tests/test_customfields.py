"""Custom fields added while the CRM runs: every field type, defaults on populated tables,
clear refusals that change nothing, and custom fields behaving exactly like plugin fields."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from conftest import run_crm

from crm_core import Conflict, NotFound, PermissionDenied, ValidationError
from crm_core.query import Condition
from crm_core.runtime import CRM


@pytest.fixture
def cli(gadgets, tmp_path, sample_plugin_site):
    """``crm`` on the same plugins.toml (and database) as the ``gadgets`` CRM."""

    def run(*args):
        return run_crm(
            *args,
            cwd=tmp_path,
            env={"PYTHONPATH": str(sample_plugin_site), "CRM_CONFIG": str(gadgets.config.path)},
        )

    return run


def custom_names(crm) -> list[str]:
    return [f.name for f in crm.refresh().type("gadget").custom_fields]


# Field type, options for fields.add, input value, value as stored.
EVERY_TYPE = [
    ("text", {"max_length": 20}, " Серийный  ", "Серийный"),
    ("long_text", {}, "first line\r\nsecond line", "first line\nsecond line"),
    ("integer", {}, "42", 42),
    ("decimal", {"precision": 3}, "1,5", Decimal("1.500")),
    ("currency", {}, "10.5", Decimal("10.50")),
    ("percent", {}, 12, Decimal("12.00")),
    ("date", {}, "31.03.2026", dt.date(2026, 3, 31)),
    ("time", {}, "9:30", "09:30:00"),
    ("datetime", {}, "2026-03-31T14:00+03:00", dt.datetime(2026, 3, 31, 11, 0)),
    ("boolean", {}, "да", True),
    ("email", {}, "Anna@Example.COM", "Anna@example.com"),
    ("phone", {}, "+7 495 123-45-67 доб. 12", "+7 495 123-45-67 доб. 12"),
    ("url", {}, "example.com/path", "https://example.com/path"),
    ("picklist", {"values": [("low", "Low"), ("", "Very high")]}, "Very high", "very_high"),
    ("multipicklist", {"values": [("a", "Alpha"), ("b", "Beta")]}, "Beta, a", ["b", "a"]),
    ("reference", {"target": "gadget"}, "GAD1", 1),
    ("owner", {}, "anna", "user:1"),
]


def test_every_field_type_can_be_added_and_used(gadgets):
    gadgets.directory.add_user("anna", "Anna", password="anna-password")
    record = gadgets.records.create("gadget", {"name": "Phone"})
    for field_type, options, given, stored in EVERY_TYPE:
        field = gadgets.fields.add("gadget", f"my_{field_type}", field_type, **options)
        assert (field.name, field.type, field.custom) == (f"cf_my_{field_type}", field_type, True)
        updated = gadgets.records.update("gadget", record["id"], {field.name: given})
        assert updated[field.name] == stored, field_type
        assert gadgets.records.get("gadget", record["id"])[field.name] == stored, field_type
    fresh = gadgets.records.create("gadget", {"name": "Tablet"})
    assert all(fresh[f"cf_my_{t}"] is None for t, *_ in EVERY_TYPE)


@pytest.mark.parametrize(
    ("field_type", "options", "bad", "message"),
    [
        ("integer", {}, "many", "must be a whole number"),
        ("text", {"max_length": 5}, "too long text", "must be at most 5 characters"),
        ("email", {}, "not-an-address", "must be an email address"),
        ("url", {}, "ftp://example.com", "must be a web address"),
        ("phone", {}, "call me", "must be a phone number"),
        ("date", {}, "yesterday", "must be a date"),
        (
            "picklist",
            {"values": [("low", "Low")]},
            "high",
            "'high' is not an active value; allowed: low",
        ),
        ("reference", {"target": "gadget"}, "GAD99", "no gadget numbered 'GAD99'"),
        ("reference", {"target": "gadget"}, 99, "gadget 99 does not exist"),
        ("owner", {}, "nobody", "no active user or group called 'nobody'"),
    ],
)
def test_custom_fields_are_validated_like_plugin_fields(gadgets, field_type, options, bad, message):
    gadgets.fields.add("gadget", "extra", field_type, **options)
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Phone", "cf_extra": bad})
    assert message in caught.value.errors["cf_extra"]
    assert gadgets.records.list("gadget").records == []


def test_picklist_field_gets_its_own_picklist(gadgets):
    field = gadgets.fields.add(
        "gadget", "size", "picklist", values=[("s", "Small"), ("", "Extra large")], default="s"
    )
    assert field.picklist == "cf_gadget_size" and field.default == "s"
    described = gadgets.picklists.describe("cf_gadget_size")
    assert [(v["code"], v["label"]["en"], v["custom"]) for v in described["values"]] == [
        ("s", "Small", True),
        ("extra_large", "Extra large", True),
    ]
    assert described["used_by"] == ["gadget.cf_size"]
    record = gadgets.records.create("gadget", {"name": "Phone"})
    assert record["cf_size"] == "s"
    reused = gadgets.fields.add("gadget", "colour_two", "picklist", picklist="gadget_colour")
    assert reused.picklist == "gadget_colour"


def test_required_field_with_default_fills_existing_records(gadgets):
    old = gadgets.records.create("gadget", {"name": "Phone"})
    deleted = gadgets.records.create("gadget", {"name": "Old"})
    gadgets.records.delete("gadget", deleted["id"])
    gadgets.fields.add("gadget", "level", "integer", required=True, default="3")
    gadgets.fields.add("gadget", "checked", "boolean", required=True, default="no")
    gadgets.fields.add(
        "gadget", "tier", "picklist", values=[("a", "A"), ("b", "B")], required=True, default="b"
    )
    stored = gadgets.records.get("gadget", old["id"])
    assert (stored["cf_level"], stored["cf_checked"], stored["cf_tier"]) == (3, False, "b")
    in_bin = gadgets.records.get("gadget", deleted["id"], include_deleted=True)
    assert in_bin["cf_level"] == 3
    new = gadgets.records.create("gadget", {"name": "Tablet"})
    assert (new["cf_level"], new["cf_tier"]) == (3, "b")
    with pytest.raises(ValidationError) as caught:
        gadgets.records.update("gadget", old["id"], {"cf_level": None})
    assert caught.value.errors == {"cf_level": "is required"}


def test_required_field_without_default_refused_on_populated_table(gadgets):
    gadgets.records.create("gadget", {"name": "Phone"})
    version = gadgets.refresh().version
    with pytest.raises(ValidationError) as caught:
        gadgets.fields.add("gadget", "level", "integer", required=True)
    assert caught.value.errors == {
        "default": "a required field needs a default: 1 existing gadgets would have no value"
    }
    assert custom_names(gadgets) == [] and gadgets.refresh().version == version


def test_required_field_without_default_on_an_empty_table(gadgets):
    gadgets.fields.add("gadget", "level", "integer", required=True)
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Phone"})
    assert caught.value.errors == {"cf_level": "is required"}


@pytest.mark.parametrize(
    ("type_name", "name", "field_type", "options", "error", "message"),
    [
        (
            "gadget",
            "Big Size",
            "text",
            {},
            ValidationError,
            "name: must start with a lower-case letter",
        ),
        ("gadget", "1st", "text", {}, ValidationError, "name: must start with a lower-case letter"),
        (
            "gadget",
            "size",
            "colour",
            {},
            ValidationError,
            "type: unknown type 'colour'; allowed: boolean",
        ),
        (
            "gadget",
            "size",
            "integer",
            {"default": "big"},
            ValidationError,
            "default: 'big' must be a whole number",
        ),
        (
            "gadget",
            "size",
            "picklist",
            {},
            ValidationError,
            "values: a picklist field needs its values",
        ),
        (
            "gadget",
            "size",
            "picklist",
            {"values": [("s", "S")], "default": "m"},
            ValidationError,
            "default: 'm' is not one of the values: s",
        ),
        (
            "gadget",
            "size",
            "picklist",
            {"values": [("S!", "S")]},
            ValidationError,
            "values: code 'S!'",
        ),
        (
            "gadget",
            "size",
            "picklist",
            {"values": [("s", "S"), ("s", "T")]},
            ValidationError,
            "code 's' is given twice",
        ),
        (
            "gadget",
            "size",
            "picklist",
            {"picklist": "nothing"},
            NotFound,
            "unknown picklist 'nothing'",
        ),
        (
            "gadget",
            "size",
            "text",
            {"values": [("s", "S")]},
            ValidationError,
            "values: is only for multipicklist, picklist fields",
        ),
        (
            "gadget",
            "link",
            "reference",
            {},
            ValidationError,
            "target: a reference field needs --target TYPE",
        ),
        (
            "gadget",
            "link",
            "reference",
            {"target": "gizmo"},
            ValidationError,
            "target: unknown record type 'gizmo'",
        ),
        (
            "gadget",
            "size",
            "integer",
            {"max_length": 5},
            ValidationError,
            "max_length: is only for email, long_text, phone, text, url fields",
        ),
        (
            "gadget",
            "size",
            "text",
            {"precision": 2},
            ValidationError,
            "precision: is only for currency, decimal, percent fields",
        ),
        ("gizmo", "size", "text", {}, NotFound, "unknown record type 'gizmo'; known types: gadget"),
    ],
)
def test_bad_custom_field_is_refused_and_nothing_changes(
    gadgets, type_name, name, field_type, options, error, message
):
    gadgets.records.create("gadget", {"name": "Phone"})
    version = gadgets.refresh().version
    with pytest.raises(error) as caught:
        gadgets.fields.add(type_name, name, field_type, **options)
    assert message in str(caught.value)
    assert custom_names(gadgets) == []
    assert gadgets.refresh().version == version
    assert "cf_gadget_size" not in gadgets.picklists.names()


def test_duplicate_custom_field_is_refused(gadgets):
    gadgets.fields.add("gadget", "size", "text")
    version = gadgets.refresh().version
    with pytest.raises(Conflict) as caught:
        gadgets.fields.add("gadget", "cf_size", "integer")
    assert str(caught.value) == "gadget already has a field 'cf_size'"
    assert gadgets.refresh().version == version
    assert gadgets.registry.type("gadget").field("cf_size").type == "text"


def test_only_administrators_change_fields(staff, gadgets):
    with pytest.raises(PermissionDenied):
        gadgets.fields.add("gadget", "size", "text", actor=staff["anna"])
    assert custom_names(gadgets) == []


def test_custom_fields_in_filters_sorting_history_and_search(gadgets):
    gadgets.fields.add("gadget", "rating", "integer", indexed=True)
    gadgets.fields.add("gadget", "notes", "long_text", searchable=True)
    gadgets.fields.add("gadget", "secret", "text")
    for name, rating in [("Phone", 3), ("Tablet", 1), ("Laptop", 5), ("Watch", None)]:
        gadgets.records.create(
            "gadget",
            {
                "name": name,
                "cf_rating": rating,
                "cf_notes": f"Заявка на ремонт: {name}",
                "cf_secret": "hidden word",
            },
        )

    def names(**kwargs):
        return [r["name"] for r in gadgets.records.list("gadget", **kwargs).records]

    assert names(where=[Condition("cf_rating", "gte", 3)], sort="name") == ["Laptop", "Phone"]
    assert names(where=[Condition("cf_rating", "empty")]) == ["Watch"]
    assert names(sort="cf_rating", where=[Condition("cf_rating", "notempty")]) == [
        "Tablet",
        "Phone",
        "Laptop",
    ]
    assert names(where={"cf_notes": "Заявка на ремонт: Phone"}) == ["Phone"]

    phone = gadgets.records.get("gadget", "GAD1")
    gadgets.records.update("gadget", phone["id"], {"cf_rating": 4})
    assert gadgets.records.history("gadget", phone["id"])[0]["changes"] == {"cf_rating": [3, 4]}
    created = gadgets.records.history("gadget", phone["id"])[-1]["changes"]
    assert created["cf_notes"] == [None, "Заявка на ремонт: Phone"]

    found = {hit.number for hit in gadgets.search.query("заявки ремонт")}
    assert found == {"GAD1", "GAD2", "GAD3", "GAD4"}
    assert gadgets.search.query("hidden") == []  # not searchable


def test_custom_fields_in_export_and_import(gadgets):
    gadgets.fields.add("gadget", "rating", "integer")
    gadgets.fields.add("gadget", "size", "picklist", values=[("s", "Small"), ("m", "Medium")])
    gadgets.records.create("gadget", {"name": "Phone", "cf_rating": 7, "cf_size": "m"})
    out = io.StringIO()
    gadgets.transfer.export("gadget", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (rows[0]["cf_rating"], rows[0]["cf_size"]) == ("7", "m")
    source = io.StringIO("name,cf_rating,Size\nTablet,8,Small\n")
    report = gadgets.transfer.import_file("gadget", source)
    assert report.imported == 1
    tablet = gadgets.records.get("gadget", "GAD2")
    assert (tablet["cf_rating"], tablet["cf_size"], tablet["source"]) == (8, "s", "import")


def test_custom_fields_survive_a_restart_and_db_upgrade(gadgets, cli):
    gadgets.fields.add("gadget", "rating", "integer", label="Rating", label_ru="Оценка")
    record = gadgets.records.create("gadget", {"name": "Phone", "cf_rating": 9})
    gadgets.close()
    restarted = CRM.load(gadgets.config.path, jobs_mode="inline").open()
    assert restarted.records.get("gadget", record["id"])["cf_rating"] == 9
    assert restarted.registry.type("gadget").field("cf_rating").label == {
        "en": "Rating",
        "ru": "Оценка",
    }
    upgrade = cli("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    after = CRM.load(gadgets.config.path, jobs_mode="inline").open()
    assert after.records.get("gadget", record["id"])["cf_rating"] == 9
    after.records.update("gadget", record["id"], {"cf_rating": 10})
    assert restarted.records.get("gadget", record["id"])["cf_rating"] == 10


def test_custom_fields_survive_a_plugin_adding_fields(gadgets, make_crm):
    gadgets.fields.add("gadget", "rating", "integer")
    record = gadgets.records.create("gadget", {"name": "Phone", "cf_rating": 2})
    upgraded = make_crm(["gadgets", "gadget_extras"])  # gadget_extras adds warranty_months
    stored = upgraded.records.get("gadget", record["id"])
    assert (stored["cf_rating"], stored["warranty_months"]) == (2, None)
    names = [f.name for f in upgraded.registry.type("gadget").fields if not f.system]
    assert names.index("cf_rating") > names.index("serial")


def test_hide_show_and_edit_keep_the_data(gadgets):
    gadgets.fields.add("gadget", "rating", "integer")
    record = gadgets.records.create("gadget", {"name": "Phone", "cf_rating": 4})
    gadgets.fields.hide("gadget", "rating")
    assert gadgets.registry.type("gadget").field("cf_rating").hidden
    assert gadgets.records.get("gadget", record["id"])["cf_rating"] == 4
    gadgets.fields.show("gadget", "cf_rating")
    assert not gadgets.registry.type("gadget").field("cf_rating").hidden

    before = gadgets.records.get("gadget", record["id"])
    edited = gadgets.fields.update(
        "gadget",
        "rating",
        label="Score",
        label_ru="Оценка",
        help="From 1 to 5",
        required=True,
        default="1",
        order=5,
    )
    assert edited.label == {"en": "Score", "ru": "Оценка"} and edited.help == {"en": "From 1 to 5"}
    assert (edited.required, edited.default, edited.order) == (True, 1, 5)
    assert gadgets.records.get("gadget", record["id"]) == before  # data untouched
    names = [f.name for f in gadgets.registry.type("gadget").fields]
    assert names.index("cf_rating") < names.index("name")  # order 5 puts it first
    assert gadgets.records.create("gadget", {"name": "Tablet"})["cf_rating"] == 1


def test_making_a_field_required_needs_values_or_a_default(gadgets):
    gadgets.fields.add("gadget", "rating", "integer")
    gadgets.records.create("gadget", {"name": "Phone"})
    with pytest.raises(ValidationError) as caught:
        gadgets.fields.update("gadget", "rating", required=True)
    assert caught.value.errors == {"required": "1 records have no value; give a default first"}
    assert not gadgets.registry.type("gadget").field("cf_rating").required


def test_plugin_fields_cannot_be_edited_as_custom_fields(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.fields.hide("gadget", "name")
    assert caught.value.errors == {
        "name": "'name' is a field of plugin 'gadgets', not a custom field"
    }
    with pytest.raises(NotFound) as caught:
        gadgets.fields.update("gadget", "nothing", label="X")
    assert "gadget has no custom field 'cf_nothing'" in str(caught.value)


def test_purge_writes_a_csv_then_drops_the_field(gadgets):
    gadgets.fields.add("gadget", "rating", "integer", indexed=True)
    kept = gadgets.records.create("gadget", {"name": "Phone", "cf_rating": 4})
    binned = gadgets.records.create("gadget", {"name": "Old", "cf_rating": 2})
    gadgets.records.delete("gadget", binned["id"])
    path = gadgets.fields.purge("gadget", "rating")
    assert path.parent == gadgets.data_dir / "exports"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "number", "cf_rating"]
    assert sorted(rows[1:]) == [[str(kept["id"]), "GAD1", "4"], [str(binned["id"]), "GAD2", "2"]]
    assert custom_names(gadgets) == []
    assert "cf_rating" not in gadgets.records.get("gadget", kept["id"])
    with pytest.raises(ValidationError):
        gadgets.records.list("gadget", sort="cf_rating")
    again = gadgets.fields.add("gadget", "rating", "text")
    assert gadgets.records.get("gadget", kept["id"])[again.name] is None  # a new, empty column


def test_fields_through_the_cli(gadgets, cli):
    gadgets.records.create("gadget", {"name": "Phone"})
    added = cli(
        "fields", "add", "gadget", "size", "--type", "picklist",
        "--values", "s:Small,m:Medium", "--label", "Size", "--label-ru", "Размер",
        "--required", "--default", "m",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added gadget.cf_size (picklist)"
    # this process (a running server) sees the field on its next request, no restart
    assert gadgets.records.get("gadget", "GAD1")["cf_size"] == "m"
    assert (
        gadgets.records.create("gadget", {"name": "Tablet", "cf_size": "Small"})["cf_size"] == "s"
    )

    listed = json.loads(cli("fields", "list", "gadget", "--json").stdout)
    size = next(row for row in listed if row["name"] == "cf_size")
    assert size == {
        "name": "cf_size",
        "type": "picklist",
        "label": {"en": "Size", "ru": "Размер"},
        "custom": True,
        "hidden": False,
        "required": True,
        "order": 50,
        "system": False,
        "default": "m",
    }
    text = cli("fields", "list", "gadget").stdout.splitlines()
    assert any(
        line.split() == ["cf_size", "picklist", "custom", "Size", "required"] for line in text
    )
    assert any(line.split()[:3] == ["name", "text", "plugin"] for line in text)

    assert cli("fields", "edit", "gadget", "size", "--label", "Bigness").returncode == 0
    assert cli("fields", "hide", "gadget", "size").stdout.strip() == "hidden gadget.size"
    assert gadgets.refresh().type("gadget").field("cf_size").hidden
    assert cli("fields", "show", "gadget", "size").returncode == 0
    assert gadgets.refresh().type("gadget").field("cf_size").label["en"] == "Bigness"

    refused = cli("fields", "purge", "gadget", "size")
    assert refused.returncode == 2 and "add --yes to confirm" in refused.stderr
    assert "cf_size" in custom_names(gadgets)
    purged = cli("fields", "purge", "gadget", "size", "--yes")
    assert purged.returncode == 0, purged.stderr
    assert "values saved to " + str(gadgets.data_dir / "exports") in purged.stdout
    assert custom_names(gadgets) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["gadget", "Big Size", "--type", "text"],
            "error: name: must start with a lower-case letter",
        ),
        (["gadget", "size", "--type", "colour"], "error: type: unknown type 'colour'; allowed: "),
        (
            ["gadget", "size", "--type", "integer", "--default", "x"],
            "error: default: 'x' must be a whole number",
        ),
        (
            ["gizmo", "size", "--type", "text"],
            "error: unknown record type 'gizmo'; known types: gadget",
        ),
        (
            ["gadget", "size", "--type", "integer", "--required"],
            "error: default: a required field needs a default",
        ),
    ],
)
def test_cli_refusals_are_clear_and_change_nothing(gadgets, cli, args, message):
    gadgets.records.create("gadget", {"name": "Phone"})
    result = cli("fields", "add", *args)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr
    assert custom_names(gadgets) == []


def test_a_reference_to_a_record_deleted_since_may_be_kept(gadgets):
    gadgets.fields.add("gadget", "parent", "reference", target="gadget")
    parent = gadgets.records.create("gadget", {"name": "Parent"})
    other = gadgets.records.create("gadget", {"name": "Other"})
    child = gadgets.records.create("gadget", {"name": "Child", "cf_parent": "GAD1"})
    gadgets.records.delete("gadget", parent["id"])
    gadgets.records.delete("gadget", other["id"])
    saved = gadgets.records.update(
        "gadget", child["id"], {"name": "Child 2", "cf_parent": parent["id"]}
    )
    assert saved["cf_parent"] == parent["id"]  # saved again unchanged: kept
    with pytest.raises(ValidationError) as caught:
        gadgets.records.update("gadget", child["id"], {"cf_parent": other["id"]})
    assert caught.value.errors == {"cf_parent": f"gadget {other['id']} does not exist"}
