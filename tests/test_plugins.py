"""A third-party plugin installed as a real package (tests/fixtures/sample_plugin, entry point
``gadgets``): discovered, imported only when enabled, and working end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import run_crm

from crm_core import hookimpl
from crm_core.errors import ConfigError
from crm_core.runtime import CRM

PASSWORD = {"CRM_ADMIN_PASSWORD": "admin-password"}


@pytest.fixture
def cli(tmp_path, write_config, sample_plugin_site):
    """Run ``crm`` in a project whose plugins.toml enables the given plugins."""

    def configure(enabled=("gadgets",), plugins=None):
        write_config(enabled=list(enabled), plugins=plugins)

        def run(*args, env=None):
            environment = {"PYTHONPATH": str(sample_plugin_site), **PASSWORD, **(env or {})}
            return run_crm(*args, cwd=tmp_path, env=environment)

        return run

    return configure


def ok_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_crm_plugins_describes_the_installed_plugin(cli, sample_plugin_site):
    rows = {row["name"]: row for row in ok_json(cli()("plugins", "--json"))}
    gadgets = rows["gadgets"]
    assert gadgets["version"] == "1.2.3"
    assert gadgets["enabled"] is True
    assert gadgets["origin"] == "package crm-sample-plugin"
    assert gadgets["location"] == str(sample_plugin_site / "crm_sample_plugin")
    assert gadgets["record_types"] == ["gadget"]
    assert gadgets["hooks"] == sorted(gadgets["hooks"])
    assert {
        "crm_config_schema",
        "crm_record_rules",
        "crm_register_jobs",
        "crm_register_record_types",
    } <= set(gadgets["hooks"])
    assert all(hook.startswith("crm_") for hook in gadgets["hooks"])
    extras = rows["gadget_extras"]
    assert (extras["enabled"], extras["version"], extras["origin"]) == (
        False,
        "0.4.0",
        "package crm-test-plugins",
    )


def test_crm_plugins_text_output(cli):
    result = cli()("plugins")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.split() == ["gadgets", "1.2.3", "enabled", "package", "crm-sample-plugin"]
        for line in lines
    )
    assert "    record types: gadget" in lines
    assert any(line.startswith("    hooks: crm_config_schema, crm_menu_items") for line in lines)
    assert any(line.split()[:3] == ["misspelled", "0.4.0", "disabled"] for line in lines)


def test_listing_plugins_does_not_import_disabled_ones(tmp_path, write_config, sample_plugin_site):
    """Listing reads entry-point metadata only: the exploding plugin, which raises when it is
    imported, is listed; and the sample plugin's module is never loaded."""
    write_config(enabled=[])
    program = (
        "import sys\n"
        "from crm_core.cli import main\n"
        "main(['plugins', '--json'])\n"
        "print('IMPORTED:', sorted(m for m in sys.modules if m.startswith('crm_sample_plugin') "
        "or m.startswith('crm_test_plugins')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(sample_plugin_site)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    listing, imported = result.stdout.rsplit("IMPORTED:", 1)
    names = {row["name"]: row["enabled"] for row in json.loads(listing)}
    assert names["gadgets"] is False and names["exploding"] is False
    assert imported.strip() == "[]"


def test_a_plugin_that_fails_to_import_is_a_clear_start_up_error(cli):
    result = cli(enabled=["exploding"])("check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: plugin 'exploding' (package crm-test-plugins) could not be loaded: "
        "RuntimeError: the exploding plugin was imported"
    )


def test_a_misspelled_hook_name_fails_start_up(cli):
    result = cli(enabled=["misspelled"])("check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith(
        "error: plugin 'misspelled' implements unknown hook 'crm_afer_save' "
        "(did you mean 'crm_after_save'?); known hooks: "
    )
    assert "crm_validate" in message


def test_a_misspelled_hook_name_fails_loading_in_python(write_config, sample_plugin_site):
    path = write_config(enabled=["misspelled"])
    with pytest.raises(ConfigError) as caught:
        CRM.load(path)
    assert "unknown hook 'crm_afer_save'" in str(caught.value)


def test_the_plugin_works_end_to_end_through_the_cli(cli):
    crm = cli(plugins={"gadgets": {"max_weight": 10}})
    init = crm("init")
    assert init.returncode == 0, init.stderr
    assert "administrator 'admin' created" in init.stdout

    created = ok_json(crm("records", "create", "gadget", "name=Phone", "weight=2.5", "--json"))
    assert (created["number"], created["colour"], created["weight"]) == ("GAD1", "black", "2.500")
    ok_json(crm("records", "create", "gadget", "name=Tablet", "colour=white", "tags=new", "--json"))

    too_heavy = crm("records", "create", "gadget", "name=Anvil", "weight=80")
    assert too_heavy.returncode == 1
    assert too_heavy.stderr.strip() == "error: weight: must be at most 10"  # plugin rule + setting

    fetched = ok_json(crm("records", "get", "gadget", "GAD1", "--json"))
    assert fetched["name"] == "Phone" and fetched["type"] == "gadget"

    listed = ok_json(crm("records", "list", "gadget", "--where", "colour=white", "--json"))
    assert [r["number"] for r in listed["records"]] == ["GAD2"]
    assert listed["records"][0]["tags"] == ["new"]

    updated = ok_json(crm("records", "update", "gadget", "GAD1", "serial=S-1", "--json"))
    assert updated["serial"] == "S-1" and updated["weight"] == "2.500"

    deleted = crm("records", "delete", "gadget", "GAD1")
    assert deleted.returncode == 0 and "deleted GAD1" in deleted.stdout
    missing = crm("records", "get", "gadget", "GAD1")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: gadget GAD1 not found"
    remaining = ok_json(crm("records", "list", "gadget", "--json"))
    assert [r["number"] for r in remaining["records"]] == ["GAD2"]

    described = ok_json(crm("types", "gadget", "--json"))
    fields = {f["name"]: f for f in described["fields"]}
    assert described["prefix"] == "GAD" and described["title_field"] == "name"
    assert (
        fields["colour"]["picklist"] == "gadget_colour" and fields["colour"]["default"] == "black"
    )
    assert fields["serial"]["unique"] and fields["name"]["required"]
    text = crm("types", "gadget")
    assert text.stdout.startswith("gadget (Gadget / Устройство), numbers GAD")

    # the durable job queued by crm_after_save ran after the commit
    history = ok_json(crm("records", "history", "gadget", "GAD2", "--json"))
    assert [entry["kind"] for entry in history] == ["welcomed", "created"]
    status = crm("jobs", "status")
    assert status.stdout.split() == ["pending", "0", "running", "0", "done", "2", "failed", "0"]


def test_plugin_settings_get_their_defaults(make_crm, sample_plugin_site):
    crm = make_crm(["gadgets"])
    assert crm.settings("gadgets") == {"max_weight": 100}
    assert crm.is_enabled("gadgets") and not crm.is_enabled("gadget_extras")


def test_the_job_runs_only_after_the_commit(gadgets):
    with gadgets.transaction():
        record = gadgets.records.create("gadget", {"name": "Phone"})
        assert gadgets.jobs.counts() == {"pending": 1}
        kinds = [h["kind"] for h in gadgets.records.history("gadget", record["id"])]
        assert kinds == ["created"]
    kinds = [h["kind"] for h in gadgets.records.history("gadget", record["id"])]
    assert kinds == ["welcomed", "created"]
    assert gadgets.jobs.counts() == {"done": 1}


def test_an_after_save_handler_that_raises_stores_nothing(gadgets):
    class Failing:
        @hookimpl
        def crm_after_save(self, record):
            if record["name"] == "Bomb":
                raise RuntimeError("handler failed")

    gadgets.pm.register(Failing(), name="failing")
    with pytest.raises(RuntimeError, match="handler failed"):
        gadgets.records.create("gadget", {"name": "Bomb", "tags": ["x"]})
    assert gadgets.records.list("gadget", deleted=False).records == []
    assert gadgets.jobs.counts() == {}  # the welcome job of the rolled-back save is gone too
    assert gadgets.records.all_tags() == []
    assert gadgets.records.create("gadget", {"name": "Phone"})["number"] == "GAD1"


def test_crm_db_ready_runs_once_when_the_database_is_ready(make_crm, sample_plugin_site):
    crm = make_crm(["gadgets"], open_db=False)
    seeded = []

    class Seeder:
        @hookimpl
        def crm_db_ready(self, crm):
            seeded.append(crm.records.create("gadget", {"name": "Seeded"})["number"])

    crm.pm.register(Seeder(), name="seeder")
    crm.open()
    crm.open()  # already open: nothing runs again
    assert seeded == ["GAD1"]
    assert crm.records.get("gadget", "GAD1")["name"] == "Seeded"
