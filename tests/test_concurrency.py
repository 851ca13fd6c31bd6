"""Several processes on one database: distinct record numbers, no "database is locked", and a
custom field added while another process keeps writing (SQLite and PostgreSQL). Also how
numbers behave inside one transaction and when an administrator changes the counter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crm_core import PermissionDenied, ValidationError
from crm_core.query import Condition

#: A separate process with its own CRM on the same plugins.toml. ``create`` makes COUNT
#: records; ``stream`` writes until the field ``cf_rating`` has been used COUNT times (then
#: writes values into it) or a deadline passes. Both start when the file GO appears and
#: print a JSON report: numbers made and every failure's message.
WORKER = r"""
import json, sys, time
from pathlib import Path
from crm_core.runtime import CRM

config, mode, count, go, label = sys.argv[1:6]
count = int(count)
crm = CRM.load(config, jobs_mode="external").open()
Path(go + "." + label + ".ready").touch()
deadline = time.monotonic() + 60
while not Path(go).exists() and time.monotonic() < deadline:
    time.sleep(0.005)
numbers, failures, with_field, index = [], [], 0, 0
started = time.time()
while time.monotonic() < deadline:
    index += 1
    values = {"name": f"{label} {index}"}
    has_field = crm.registry.type("gadget").has_field("cf_rating")
    if has_field:
        values["cf_rating"] = index % 5
    try:
        numbers.append(crm.records.create("gadget", values)["number"])
        with_field += has_field
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
    if mode == "create" and index >= count:
        break
    if mode == "stream" and with_field >= count:
        break
print(json.dumps({"numbers": numbers, "failures": failures, "with_field": with_field,
                  "started": started, "ended": time.time()}))
"""


def start_workers(tmp_path: Path, crm, site: Path, jobs: list[tuple[str, str, int]]):
    """Start one process per (label, mode, count); returns (processes, go file)."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    go = tmp_path / "go"
    environment = {**os.environ, "PYTHONPATH": str(site)}
    environment.pop("CRM_DATABASE_URL", None)
    processes = {
        label: subprocess.Popen(
            [sys.executable, str(script), str(crm.config.path), mode, str(count), str(go), label],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label, mode, count in jobs
    }
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{label}.ready").exists() for label in processes):
        assert time.monotonic() < deadline, "workers did not start"
        for label, process in processes.items():
            assert process.poll() is None, f"{label} died: {process.stderr.read()}"
        time.sleep(0.01)
    return processes, go


def report(process) -> dict:
    out, err = process.communicate(timeout=90)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_processes_creating_at_once_get_distinct_numbers(tmp_path, gadgets, sample_plugin_site):
    per_process = 40
    processes, go = start_workers(
        tmp_path,
        gadgets,
        sample_plugin_site,
        [("first", "create", per_process), ("second", "create", per_process)],
    )
    go.touch()
    reports = {label: report(process) for label, process in processes.items()}
    for label, result in reports.items():
        assert result["failures"] == [], label
        assert len(result["numbers"]) == per_process
    first, second = reports.values()
    assert first["started"] < second["ended"] and second["started"] < first["ended"]  # at once
    numbers = reports["first"]["numbers"] + reports["second"]["numbers"]
    assert len(set(numbers)) == 2 * per_process
    assert sorted(int(n[3:]) for n in numbers) == list(range(1, 2 * per_process + 1))
    stored = [r["number"] for r in gadgets.records.iterate("gadget")]
    assert sorted(stored) == sorted(numbers)
    assert (
        gadgets.records.create("gadget", {"name": "last"})["number"] == f"GAD{2 * per_process + 1}"
    )


def test_adding_a_field_while_another_process_writes(tmp_path, gadgets, sample_plugin_site):
    uses_of_new_field = 10
    processes, go = start_workers(
        tmp_path, gadgets, sample_plugin_site, [("writer", "stream", uses_of_new_field)]
    )
    go.touch()
    deadline = time.monotonic() + 30
    while len(gadgets.records.list("gadget", limit=10).records) < 10:
        assert time.monotonic() < deadline, "the writer does not write"
        time.sleep(0.01)
    gadgets.fields.add(
        "gadget", "rating", "integer", label="Rating", label_ru="Оценка", indexed=True
    )
    mine = gadgets.records.create("gadget", {"name": "mine", "cf_rating": 4})
    result = report(processes["writer"])

    assert result["failures"] == []
    assert result["with_field"] == uses_of_new_field  # the other process saw the field
    assert len(set(result["numbers"])) == len(result["numbers"])
    rated = gadgets.records.list(
        "gadget", where=[Condition("cf_rating", "notempty")], sort="cf_rating", limit=100
    ).records
    assert len(rated) == uses_of_new_field + 1
    assert mine["id"] in {r["id"] for r in rated}
    assert [r["cf_rating"] for r in rated] == sorted(r["cf_rating"] for r in rated)
    before = len(result["numbers"]) - uses_of_new_field
    unrated = gadgets.records.count("gadget", where=[Condition("cf_rating", "empty")])
    assert unrated == before  # rows written before the field exist, empty


def test_numbers_in_one_transaction_and_after_a_rollback(gadgets):
    with gadgets.transaction():
        made = [gadgets.records.create("gadget", {"name": f"G{i}"})["number"] for i in range(3)]
    assert made == ["GAD1", "GAD2", "GAD3"]
    assert gadgets.numbering.settings() == [{"type": "gadget", "prefix": "GAD", "next": 4}]
    with pytest.raises(RuntimeError), gadgets.transaction():
        gadgets.records.create("gadget", {"name": "rolled back"})
        raise RuntimeError("abort")
    assert gadgets.records.create("gadget", {"name": "G4"})["number"] == "GAD4"


def test_administrators_set_prefix_and_next_number_never_lower(gadgets, staff):
    gadgets.records.create("gadget", {"name": "First"})
    with pytest.raises(ValidationError) as caught:
        gadgets.numbering.configure("gadget", next_number=1)
    assert caught.value.errors == {
        "next": "must be at least 2: numbers up to 1 may already be in use and are never "
        "handed out twice"
    }
    with pytest.raises(ValidationError) as caught:
        gadgets.numbering.configure("gadget", prefix="g-1")
    assert "capital letters" in caught.value.errors["prefix"]
    with pytest.raises(PermissionDenied):
        gadgets.numbering.configure("gadget", prefix="DEV", actor=staff["anna"])
    with gadgets.transaction():
        gadgets.records.create("gadget", {"name": "Second"})  # the counter is held here...
        gadgets.numbering.configure("gadget", prefix="DEV", next_number=100)  # ...and changed
        third = gadgets.records.create("gadget", {"name": "Third"})
    assert third["number"] == "DEV100"
    assert gadgets.records.create("gadget", {"name": "Fourth"})["number"] == "DEV101"
    assert [r["number"] for r in gadgets.records.list("gadget", sort="id").records] == [
        "GAD1",
        "GAD2",
        "DEV100",
        "DEV101",
    ]
