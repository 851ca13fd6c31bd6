"""Picklists changed while the CRM runs: codes stay, labels change; deactivated values are
kept by records that have them; deleting needs a replacement and rewrites records with
history; locked values stay. Multi-select picklists follow the same rules."""

from __future__ import annotations

import json

import pytest
from conftest import run_crm

from crm_core import Conflict, NotFound, PermissionDenied, ValidationError
from crm_core.query import Condition
from crm_core.runtime import CRM


@pytest.fixture
def cli(gadgets, tmp_path, sample_plugin_site):
    def run(*args):
        return run_crm(
            *args,
            cwd=tmp_path,
            env={"PYTHONPATH": str(sample_plugin_site), "CRM_CONFIG": str(gadgets.config.path)},
        )

    return run


@pytest.fixture
def features(gadgets):
    """A multi-select custom field ``cf_features`` (picklist ``cf_gadget_features``)."""
    gadgets.fields.add(
        "gadget",
        "features",
        "multipicklist",
        values=[("wifi", "Wi-Fi"), ("nfc", "NFC"), ("gps", "GPS")],
    )
    return "cf_gadget_features"


def codes(crm, name: str, active_only: bool = False) -> list[str]:
    return crm.picklists.get(name).codes(active_only)


def test_list_and_describe(gadgets):
    assert gadgets.picklists.names() == ["gadget_colour", "record_source"]
    described = gadgets.picklists.describe("gadget_colour")
    assert described["used_by"] == ["gadget.colour"]
    assert [(v["code"], v["label"], v["locked"], v["active"]) for v in described["values"]] == [
        ("black", {"en": "Black", "ru": "Чёрный"}, True, True),
        ("white", {"en": "White", "ru": "Белый"}, False, True),
    ]
    with pytest.raises(NotFound) as caught:
        gadgets.picklists.describe("colours")
    assert "unknown picklist 'colours'; picklists: gadget_colour, record_source" in str(
        caught.value
    )


def test_add_values_with_and_without_code(gadgets):
    assert gadgets.picklists.add("gadget_colour", "Тёмно-синий") == {
        "code": "temno_siniy",
        "label": {"en": "Тёмно-синий"},
    }
    gadgets.picklists.add("gadget_colour", "Silver", label_ru="Серебристый", code="silver")
    assert codes(gadgets, "gadget_colour") == ["black", "white", "temno_siniy", "silver"]
    record = gadgets.records.create("gadget", {"name": "Phone", "colour": "Серебристый"})
    assert record["colour"] == "silver"  # a label (any language) is accepted, the code stored


@pytest.mark.parametrize(
    ("label", "code", "error", "message"),
    [
        ("White", None, Conflict, "picklist 'gadget_colour' already has a value with code 'white'"),
        ("Pink", "Pink!", ValidationError, "code: must be lower-case letters, digits, _ or -"),
        ("  ", None, ValidationError, "label: is required"),
    ],
)
def test_bad_additions_change_nothing(gadgets, label, code, error, message):
    version = gadgets.refresh().version
    with pytest.raises(error) as caught:
        gadgets.picklists.add("gadget_colour", label, code=code)
    assert message in str(caught.value)
    assert codes(gadgets, "gadget_colour") == ["black", "white"]
    assert gadgets.refresh().version == version


def test_rename_changes_the_label_only(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone", "colour": "white"})
    history_before = gadgets.records.history("gadget", record["id"])
    gadgets.picklists.rename("gadget_colour", "white", label="Snow", label_ru="Снежный")
    gadgets.picklists.rename("gadget_colour", "black", label="Jet")  # locked values can be renamed
    picklist = gadgets.picklists.get("gadget_colour")
    assert picklist.value("white").label == {"en": "Snow", "ru": "Снежный"}
    assert picklist.value("black").label == {"en": "Jet", "ru": "Чёрный"}
    stored = gadgets.records.get("gadget", record["id"])
    assert stored == record | {"tags": []}  # nothing rewritten, not even modified_at
    assert gadgets.records.history("gadget", record["id"]) == history_before
    assert (
        gadgets.records.create("gadget", {"name": "Tablet", "colour": "Snow"})["colour"] == "white"
    )
    with pytest.raises(ValidationError) as caught:
        gadgets.picklists.rename("gadget_colour", "white")
    assert caught.value.errors == {"label": "give a new English and/or Russian label"}


def test_reorder(gadgets):
    gadgets.picklists.add("gadget_colour", "Red")
    gadgets.picklists.reorder("gadget_colour", ["red", "white"])
    assert codes(gadgets, "gadget_colour") == ["red", "white", "black"]
    with pytest.raises(ValidationError) as caught:
        gadgets.picklists.reorder("gadget_colour", ["pink"])
    assert caught.value.errors == {
        "codes": "not in picklist 'gadget_colour': pink; codes: red, white, black"
    }


def test_deactivated_value_is_refused_for_new_records_but_kept_by_existing_ones(gadgets):
    kept = gadgets.records.create("gadget", {"name": "Phone", "colour": "white"})
    other = gadgets.records.create("gadget", {"name": "Tablet", "colour": "black"})
    gadgets.picklists.deactivate("gadget_colour", "white")
    assert codes(gadgets, "gadget_colour", active_only=True) == ["black"]

    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Laptop", "colour": "white"})
    assert caught.value.errors == {"colour": "'white' is not an active value; allowed: black"}
    with pytest.raises(ValidationError):
        gadgets.records.update("gadget", other["id"], {"colour": "white"})

    assert gadgets.records.get("gadget", kept["id"])["colour"] == "white"
    # saving the record again (as a form does, with every value) keeps the value
    updated = gadgets.records.update("gadget", kept["id"], {"name": "Phone 2", "colour": "white"})
    assert updated["colour"] == "white"
    assert [
        r["name"] for r in gadgets.records.list("gadget", where={"colour": "white"}).records
    ] == ["Phone 2"]
    gadgets.picklists.activate("gadget_colour", "white")
    assert (
        gadgets.records.create("gadget", {"name": "Laptop", "colour": "white"})["colour"] == "white"
    )


def test_locked_values_cannot_be_deleted_or_deactivated(gadgets):
    with pytest.raises(Conflict) as caught:
        gadgets.picklists.deactivate("gadget_colour", "black")
    assert (
        str(caught.value)
        == "'black' is a locked value of 'gadget_colour': it cannot be deactivated"
    )
    with pytest.raises(Conflict) as caught:
        gadgets.picklists.delete("gadget_colour", "black", replace_with="white")
    assert str(caught.value) == "'black' is a locked value of 'gadget_colour': it cannot be deleted"
    assert codes(gadgets, "gadget_colour", active_only=True) == ["black", "white"]


def test_delete_needs_a_valid_replacement_and_changes_nothing_without(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone", "colour": "white"})
    gadgets.picklists.add("gadget_colour", "Red")
    gadgets.picklists.add("gadget_colour", "Blue")
    gadgets.picklists.deactivate("gadget_colour", "blue")
    for replacement, expected in [
        (None, "is required: records using the value need another; choose one of: black, red"),
        ("pink", "must be another active value of 'gadget_colour': black, red"),
        ("white", "must be another active value"),
        ("blue", "must be another active value"),  # inactive
    ]:
        with pytest.raises(ValidationError) as caught:
            gadgets.picklists.delete("gadget_colour", "white", replace_with=replacement)
        assert expected in caught.value.errors["replace_with"]
    assert gadgets.records.get("gadget", record["id"])["colour"] == "white"
    assert "white" in codes(gadgets, "gadget_colour")


def test_delete_rewrites_every_record_with_history(gadgets):
    gadgets.picklists.add("gadget_colour", "Red")
    using = [
        gadgets.records.create("gadget", {"name": f"G{i}", "colour": "white"}) for i in range(3)
    ]
    untouched = gadgets.records.create("gadget", {"name": "Black one"})
    gadgets.records.delete("gadget", using[2]["id"])  # the recycle bin is rewritten too
    assert gadgets.picklists.delete("gadget_colour", "white", replace_with="red") == 3
    assert codes(gadgets, "gadget_colour") == ["black", "red"]
    for record in using:
        stored = gadgets.records.get("gadget", record["id"], include_deleted=True)
        assert stored["colour"] == "red"
        entry = gadgets.records.history("gadget", record["id"])[0]
        assert entry["kind"] == "updated"
        assert entry["changes"] == {"colour": ["white", "red"]}
        assert entry["note"] == "picklist value 'white' deleted, replaced by 'red'"
    assert "updated" not in [h["kind"] for h in gadgets.records.history("gadget", untouched["id"])]
    with pytest.raises(ValidationError):
        gadgets.records.create("gadget", {"name": "New", "colour": "white"})


def test_deleting_the_default_of_a_custom_field_moves_the_default(gadgets):
    gadgets.fields.add("gadget", "size", "picklist", values=[("s", "S"), ("m", "M")], default="m")
    gadgets.records.create("gadget", {"name": "Phone"})
    assert gadgets.picklists.delete("cf_gadget_size", "m", replace_with="s") == 1
    assert gadgets.records.create("gadget", {"name": "Tablet"})["cf_size"] == "s"
    restarted = CRM.load(gadgets.config.path, jobs_mode="inline").open()
    assert restarted.registry.type("gadget").field("cf_size").default == "s"


def test_multi_select_follows_the_same_rules(gadgets, features):
    both = gadgets.records.create("gadget", {"name": "Phone", "cf_features": "wifi, NFC"})
    only = gadgets.records.create("gadget", {"name": "Tag", "cf_features": ["nfc"]})
    assert both["cf_features"] == ["wifi", "nfc"]

    gadgets.picklists.rename(features, "nfc", label="Near field")
    assert gadgets.records.get("gadget", both["id"])["cf_features"] == ["wifi", "nfc"]

    gadgets.picklists.deactivate(features, "nfc")
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Watch", "cf_features": ["gps", "nfc"]})
    assert caught.value.errors == {
        "cf_features": "'nfc' is not an active value; allowed: wifi, gps"
    }
    kept = gadgets.records.update("gadget", both["id"], {"cf_features": ["nfc", "wifi", "gps"]})
    assert kept["cf_features"] == ["nfc", "wifi", "gps"]  # nfc was already there

    with pytest.raises(ValidationError):
        gadgets.picklists.delete(features, "nfc", replace_with=None)
    assert gadgets.picklists.delete(features, "nfc", replace_with="gps") == 2
    assert gadgets.records.get("gadget", both["id"])["cf_features"] == ["gps", "wifi"]
    assert gadgets.records.get("gadget", only["id"])["cf_features"] == ["gps"]
    assert gadgets.records.history("gadget", only["id"])[0]["changes"] == {
        "cf_features": [["nfc"], ["gps"]]
    }
    found = gadgets.records.list("gadget", where=[Condition("cf_features", "contains", "gps")])
    assert {r["name"] for r in found.records} == {"Phone", "Tag"}


def test_multi_select_delete_matches_whole_codes_only(gadgets):
    gadgets.fields.add(
        "gadget", "ports", "multipicklist", values=[("usb_c", "USB-C"), ("usbxc", "USB XC")]
    )
    record = gadgets.records.create("gadget", {"name": "Phone", "cf_ports": ["usbxc"]})
    gadgets.picklists.add("cf_gadget_ports", "Lightning")
    assert gadgets.picklists.delete("cf_gadget_ports", "usb_c", replace_with="lightning") == 0
    assert "updated" not in [h["kind"] for h in gadgets.records.history("gadget", record["id"])]
    assert gadgets.records.get("gadget", record["id"])["cf_ports"] == ["usbxc"]


def test_only_administrators_change_picklists(staff, gadgets):
    with pytest.raises(PermissionDenied):
        gadgets.picklists.add("gadget_colour", "Red", actor=staff["anna"])
    with pytest.raises(PermissionDenied):
        gadgets.picklists.deactivate("gadget_colour", "white", actor=staff["boris"])


def test_picklists_through_the_cli_and_seen_by_another_process(gadgets, cli):
    gadgets.records.create("gadget", {"name": "Phone", "colour": "white"})
    assert cli("picklist", "list").stdout.split() == ["gadget_colour", "record_source"]
    added = cli("picklist", "add", "gadget_colour", "Red", "--label-ru", "Красный")
    assert added.stdout.strip() == "added 'red' to gadget_colour"
    # this process (already running) uses the new value on its next request
    assert (
        gadgets.records.create("gadget", {"name": "Tablet", "colour": "Красный"})["colour"] == "red"
    )

    assert cli("picklist", "rename", "gadget_colour", "red", "--label", "Crimson").returncode == 0
    assert cli("picklist", "reorder", "gadget_colour", "red", "white").returncode == 0
    assert cli("picklist", "deactivate", "gadget_colour", "white").returncode == 0
    with pytest.raises(ValidationError):
        gadgets.records.create("gadget", {"name": "Laptop", "colour": "white"})

    lines = cli("picklist", "list", "gadget_colour").stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["red", "white", "black"]
    assert lines[0].split() == ["red", "Crimson", "Красный", "custom"]
    assert lines[1].split()[-1] == "inactive" and lines[2].split()[-1] == "locked"
    described = json.loads(cli("picklist", "list", "gadget_colour", "--json").stdout)
    assert described["values"][0]["label"] == {"en": "Crimson", "ru": "Красный"}

    refused = cli("picklist", "delete", "gadget_colour", "white")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: replace_with: is required")
    locked = cli("picklist", "delete", "gadget_colour", "black", "--replace-with", "red")
    assert locked.returncode == 1 and "locked value" in locked.stderr
    deleted = cli("picklist", "delete", "gadget_colour", "white", "--replace-with", "red")
    assert deleted.stdout.strip() == "deleted gadget_colour.white; 1 record(s) now have 'red'"
    assert gadgets.records.get("gadget", "GAD1")["colour"] == "red"
    assert cli("picklist", "activate", "gadget_colour", "white").returncode == 1
