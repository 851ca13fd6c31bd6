"""CSV import and export: a lossless round trip, mapping, dry runs, all-or-nothing with
line-numbered errors, skipping bad rows, clear refusals that change nothing, 100,000 rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import run_crm

from crm_core import ValidationError
from crm_core.query import Condition
from crm_core.transfer import ImportFailed

#: Fields compared after a round trip (the CRM sets id, times, authors and source itself).
SET_BY_CRM = {"id", "created_at", "created_by", "modified_at", "modified_by", "source"}


@pytest.fixture
def shop(gadgets, staff):
    """Gadgets with custom fields of the kinds a round trip must keep."""
    gadgets.fields.add("gadget", "parent", "reference", target="gadget")
    gadgets.fields.add("gadget", "bought", "date")
    gadgets.fields.add("gadget", "notes", "long_text")
    gadgets.fields.add(
        "gadget", "features", "multipicklist", values=[("wifi", "Wi-Fi"), ("nfc", "NFC")]
    )
    gadgets.fields.add("gadget", "in_stock", "boolean")
    return gadgets


@pytest.fixture
def cli(gadgets, tmp_path, sample_plugin_site):
    def run(*args):
        env = {"PYTHONPATH": str(sample_plugin_site), "CRM_CONFIG": str(gadgets.config.path)}
        return run_crm(*args, cwd=tmp_path, env=env)

    return run


def write(tmp_path: Path, text: str, name: str = "import.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def names(crm) -> list[str]:
    return sorted(r["name"] for r in crm.records.iterate("gadget"))


def without_crm_columns(row: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in row.items() if name not in SET_BY_CRM}


def exported(crm, **kwargs) -> str:
    out = io.StringIO()
    crm.transfer.export("gadget", out, **kwargs)
    return out.getvalue()


def test_round_trip_is_lossless(shop, staff):
    support = shop.directory.get_group("Support")
    phone = shop.records.create(
        "gadget",
        {
            "name": 'Телефон «Север», 2"',
            "weight": "1.5",
            "colour": "white",
            "serial": "S-1",
            "assigned_to": "anna",
            "tags": ["vip", "новый"],
            "cf_bought": "2026-01-02",
            "cf_notes": 'line one\nline two, with "quotes"\r\nand ; semicolons',
            "cf_features": ["nfc", "wifi"],
            "cf_in_stock": False,
        },
    )
    shop.records.create(
        "gadget",
        {"name": "Case", "cf_parent": phone["id"], "assigned_to": f"group:{support['id']}"},
    )
    shop.records.create("gadget", {"name": "Ёлка 🎄", "cf_in_stock": True})
    before = {r["number"]: r for r in shop.records.iterate("gadget")}
    text = exported(shop)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["assigned_to"] == "anna"  # owners by login
    assert rows[1]["assigned_to"] == "group:Support"
    assert rows[1]["cf_parent"] == "GAD1"  # references by number
    assert rows[0]["tags"] == "vip,новый"

    for record in before.values():  # start again from an empty table
        shop.records.delete("gadget", record["id"])
        shop.records.purge("gadget", record["id"])
    report = shop.transfer.import_file("gadget", io.StringIO(text))
    assert (report.imported, report.skipped, report.errors) == (3, 0, [])

    after = {r["number"]: r for r in shop.records.iterate("gadget")}
    assert sorted(after) == sorted(before)
    for number, old in before.items():
        new = after[number]
        assert new["source"] == "import"
        for name, value in old.items():
            if name == "cf_parent" and value is not None:
                assert new[name] == after["GAD1"]["id"]  # points at the re-imported phone
            elif name not in SET_BY_CRM:
                assert new[name] == value, (number, name)
    again = list(csv.DictReader(io.StringIO(exported(shop))))
    assert [without_crm_columns(row) for row in again] == [without_crm_columns(r) for r in rows]


def test_import_sets_source_history_and_next_numbers(gadgets):
    report = gadgets.transfer.import_file(
        "gadget", io.StringIO("number,name\nGAD7,Kept number\n,Next\n")
    )
    assert report.imported == 2
    kept = gadgets.records.get("gadget", "GAD7")
    assert kept["source"] == "import"
    created = gadgets.records.history("gadget", kept["id"])[-1]
    assert created["kind"] == "created" and created["changes"]["name"] == [None, "Kept number"]
    assert gadgets.records.get("gadget", "GAD8")["name"] == "Next"  # the counter moved past 7
    assert gadgets.records.create("gadget", {"name": "Later"})["number"] == "GAD9"


def test_picklists_accept_codes_and_labels(gadgets):
    text = "Name,Цвет\nA,white\nB,Белый\nC,BLACK\nD,\n"  # columns by label too
    assert gadgets.transfer.import_file("gadget", io.StringIO(text)).imported == 4
    colours = {r["name"]: r["colour"] for r in gadgets.records.iterate("gadget")}
    assert colours == {"A": "white", "B": "white", "C": "black", "D": "black"}  # D: the default


def test_references_by_number_or_id_and_owners_by_login(shop, staff):
    phone = shop.records.create("gadget", {"name": "Phone"})
    text = (
        "name,cf_parent,assigned_to\n"
        f"By number,GAD1,anna\nBy id,{phone['id']},group:Support\nBy group name,,Support\n"
    )
    assert shop.transfer.import_file("gadget", io.StringIO(text)).imported == 3
    rows = {r["name"]: r for r in shop.records.iterate("gadget")}
    support = shop.directory.get_group("Support")["id"]
    assert rows["By number"]["cf_parent"] == rows["By id"]["cf_parent"] == phone["id"]
    assert rows["By number"]["assigned_to"] == f"user:{staff['anna'].id}"
    assert (
        rows["By id"]["assigned_to"] == rows["By group name"]["assigned_to"] == f"group:{support}"
    )


def test_map_columns(gadgets):
    text = "Title,Internal code,Mass\nPhone,x-1,2\n"
    report = gadgets.transfer.import_file(
        "gadget",
        io.StringIO(text),
        mapping={"Title": "name", "Internal code": "-", "Mass": "weight"},
    )
    assert report.imported == 1
    assert gadgets.records.get("gadget", "GAD1")["weight"] == 2
    with pytest.raises(ValidationError) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO(text), mapping={"Title": "name"})
    assert caught.value.errors == {
        "file": "unknown column(s): Internal code, Mass; map them with --map COLUMN=FIELD "
        "(or COLUMN=- to ignore them)"
    }
    with pytest.raises(ValidationError) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO(text), mapping={"Title": "titel"})
    assert caught.value.errors == {"map": "Title=titel: 'titel' is not a field of gadget"}
    assert names(gadgets) == ["Phone"]


def test_dry_run_stores_nothing(gadgets):
    report = gadgets.transfer.import_file("gadget", io.StringIO("name\nA\nB\n"), dry_run=True)
    assert (report.imported, report.dry_run) == (2, True)
    assert names(gadgets) == []
    assert gadgets.jobs.counts() == {}
    assert gadgets.records.create("gadget", {"name": "C"})["number"] == "GAD1"  # no number used


def test_all_or_nothing_with_line_numbered_errors(gadgets):
    text = (
        "name,weight,colour\n"
        "Good,1,white\n"
        '"Two\nlines",heavy,black\n'  # a quoted newline: the next row starts on line 5
        "Pink one,2,Pink\n"
        ",3,white\n"
    )
    with pytest.raises(ImportFailed) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO(text))
    assert str(caught.value) == (
        "3 row(s) have errors; nothing was imported (fix them, or use --skip-bad-rows to "
        "import the others)"
    )
    assert caught.value.errors == [
        (4, {"weight": "must be a number, like 12.50 (got 'heavy')"}),
        (5, {"colour": "'Pink' is not an active value; allowed: black, white"}),
        (6, {"name": "is required"}),
    ]
    assert names(gadgets) == []
    assert gadgets.records.create("gadget", {"name": "After"})["number"] == "GAD1"


def test_skip_bad_rows(gadgets):
    text = "name,weight\nGood,1\nBad,heavy\nAlso good,2\n"
    report = gadgets.transfer.import_file("gadget", io.StringIO(text), skip_bad_rows=True)
    assert (report.imported, report.skipped) == (2, 1)
    assert report.errors == [(3, {"weight": "must be a number, like 12.50 (got 'heavy')"})]
    assert names(gadgets) == ["Also good", "Good"]


def test_plugin_rules_apply_to_imports(gadgets):
    with pytest.raises(ImportFailed) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO("name,weight,serial\nA,80,S\nB,1,S\n"))
    assert caught.value.errors == [(2, {"weight": "must be at most 50"})]
    assert names(gadgets) == []


def test_unique_values_repeated_in_the_file(gadgets):
    with pytest.raises(ImportFailed) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO("name,serial\nA,S-1\nB,S-1\n"))
    ((line, errors),) = caught.value.errors
    assert line == 3 and errors["serial"].startswith("must be unique; ")
    assert names(gadgets) == []


def test_wrong_encoding_is_refused_and_nothing_changes(gadgets, tmp_path):
    gadgets.records.create("gadget", {"name": "Existing"})
    path = write(tmp_path, "name\nPhone\nТелефон\n", encoding="cp1251")
    with pytest.raises(ValidationError) as caught:
        gadgets.transfer.import_file("gadget", path)
    assert caught.value.errors == {
        "file": "is not UTF-8 text (line 3 has byte 0xd2); save it as UTF-8 CSV and try "
        "again; nothing was imported"
    }
    assert names(gadgets) == ["Existing"]


def test_missing_required_column(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO("weight,colour\n1,white\n"))
    assert caught.value.errors == {"file": "missing required column(s): name (Name)"}
    with pytest.raises(ValidationError) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO(""))
    assert caught.value.errors == {"file": "is empty: the first line must name the columns"}
    assert names(gadgets) == []


def test_excel_style_files_semicolons_and_bom(gadgets, tmp_path):
    path = write(tmp_path, "\ufeffName;Вес;Цвет\r\nТелефон;1,5;Белый\r\n")
    assert gadgets.transfer.import_file("gadget", path).imported == 1
    record = gadgets.records.get("gadget", "GAD1")
    assert (record["name"], str(record["weight"]), record["colour"]) == (
        "Телефон",
        "1.500",
        "white",
    )


def test_formulas_are_exported_as_text_and_imported_back_unchanged(gadgets):
    """A title such as =HYPERLINK(…) must not run in the spreadsheet of whoever opens the
    export; a re-import restores the text exactly."""
    names_given = ['=HYPERLINK("http://evil.example","Click")', "+7 495 123-45-67", "@SUM(A1)"]
    for name in names_given:
        gadgets.records.create("gadget", {"name": name, "weight": "-2.5"})
    text = exported(gadgets)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["name"] for row in rows] == ["'" + name for name in names_given]
    assert {row["weight"] for row in rows} == {"-2.500"}  # a number is not a formula

    for record in list(gadgets.records.iterate("gadget")):
        gadgets.records.delete("gadget", record["id"])
        gadgets.records.purge("gadget", record["id"])
    assert gadgets.transfer.import_file("gadget", io.StringIO(text)).imported == 3
    assert names(gadgets) == sorted(names_given)


def test_export_with_filters_and_tags(gadgets):
    gadgets.records.create("gadget", {"name": "A", "colour": "white", "tags": ["vip"]})
    gadgets.records.create("gadget", {"name": "B", "colour": "black"})
    white = list(
        csv.DictReader(io.StringIO(exported(gadgets, where=[Condition("colour", "eq", "white")])))
    )
    assert [row["name"] for row in white] == ["A"]
    tagged = list(csv.DictReader(io.StringIO(exported(gadgets, tag="vip"))))
    assert [row["name"] for row in tagged] == ["A"]
    header = exported(gadgets).splitlines()[0].split(",")
    assert header[:3] == ["id", "number", "name"] and header[-1] == "tags"
    assert "deleted" not in header


def test_import_and_export_through_the_cli(gadgets, cli, tmp_path):
    bad = write(tmp_path, "name,weight\nGood,1\nBad,heavy\n", "bad.csv")
    refused = cli("import", "gadget", str(bad))
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "line 3: weight: must be a number, like 12.50 (got 'heavy')",
        "error: 1 row(s) have errors; nothing was imported (fix them, or use --skip-bad-rows "
        "to import the others)",
    ]
    dry = cli("import", "gadget", str(bad), "--dry-run", "--skip-bad-rows")
    assert dry.stdout.strip() == "would import 1 record(s), skipped 1 bad row(s)"
    assert names(gadgets) == []
    skipped = cli("import", "gadget", str(bad), "--skip-bad-rows")
    assert skipped.stdout.strip() == "imported 1 record(s), skipped 1 bad row(s)"

    mapped = write(tmp_path, "Title\nMapped\n", "mapped.csv")
    assert cli("import", "gadget", str(mapped), "--map", "Title=name").returncode == 0
    assert names(gadgets) == ["Good", "Mapped"]

    wrong = write(tmp_path, "name\nТелефон\n", "cp1251.csv", encoding="cp1251")
    encoding = cli("import", "gadget", str(wrong))
    assert encoding.returncode == 1
    assert encoding.stderr.strip().startswith("error: file: is not UTF-8 text (line 2")

    out = cli("export", "gadget", "--where", "name=Mapped")
    assert out.returncode == 0
    assert [row["name"] for row in csv.DictReader(io.StringIO(out.stdout))] == ["Mapped"]
    assert out.stderr.strip() == "exported 1 record(s)"
    target = tmp_path / "all.csv"
    assert cli("export", "gadget", "-o", str(target)).returncode == 0
    assert len(list(csv.DictReader(target.open(encoding="utf-8")))) == 2


@pytest.mark.slow
def test_import_of_100000_rows(gadgets, tmp_path):
    gadgets.jobs.mode = "external"  # the plugin's welcome jobs wait for a worker
    rows = 100_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("name,weight,colour\n")
        for index in range(rows):
            out.write(f"Устройство {index},{index % 50},{'Белый' if index % 3 else 'black'}\n")
    report = gadgets.transfer.import_file("gadget", path)
    assert (report.imported, report.skipped) == (rows, 0)
    assert gadgets.records.count("gadget") == rows
    last = gadgets.records.get("gadget", f"GAD{rows}")
    assert (last["name"], last["weight"], last["colour"]) == (f"Устройство {rows - 1}", 49, "black")
    assert gadgets.records.create("gadget", {"name": "Next"})["number"] == f"GAD{rows + 1}"
    assert [h.number for h in gadgets.search.query("устройства 99999")] == ["GAD100000"]
