"""The benchmark suite in its smoke size, so its code cannot rot. It asserts only that every
scenario ran and produced numbers: timings are reported by `python -m bench`, never tested."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


def test_every_scenario_runs_and_reports_numbers(tmp_path):
    out = tmp_path / "results.json"
    command = [
        sys.executable,
        "-m",
        "bench",
        "--records",
        "2000",
        "--cache",
        str(tmp_path / "cache"),
        "--json",
        str(out),
    ]
    if os.environ.get("CRM_TEST_DATABASE_URL"):
        command += ["--database", os.environ["CRM_TEST_DATABASE_URL"]]
    env = {k: v for k, v in os.environ.items() if k != "CRM_DATABASE_URL"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    names = {scenario["name"] for scenario in report["scenarios"]}
    assert {
        "create",
        "list",
        "search",
        "dashboard",
        "import",
        "http_list",
        "http_get",
        "custom_field",
        "cold_start",
    } <= names
    assert set(SCENARIOS) - {"http"} <= names
    for scenario in report["scenarios"]:
        assert not scenario["skipped"], scenario
        assert scenario["figures"], scenario["name"]
        for figure in scenario["figures"]:
            assert isinstance(figure["median"], int | float), figure
    assert "scenario" in result.stdout and "raw SQL floor" in result.stdout


def test_import_alone_generates_no_data_set(tmp_path):
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "bench", "--records", "2000", "--cache", str(cache)]
    command += ["--only", "import"]
    if os.environ.get("CRM_TEST_DATABASE_URL"):
        command += ["--database", os.environ["CRM_TEST_DATABASE_URL"]]
    env = {k: v for k, v in os.environ.items() if k != "CRM_DATABASE_URL"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rows imported" in result.stdout
    assert "generating a data set" not in result.stderr
    assert not list(cache.glob("*/data-*"))


def test_a_generated_data_set_has_every_index_back(tmp_path):
    """The generator drops the ticket and comment indexes for the load; they must all be
    there again, as a fresh database has them."""
    from bench import dataset, floors

    database = os.environ.get("CRM_TEST_DATABASE_URL")
    if database:  # a schema left by an earlier run would be reused, not generated
        dataset.ensure_schema(database, f"bench_data_300_v{dataset.VERSION}", fresh=True)
    data = dataset.open_dataset(tmp_path / "cache", 300, database, lambda message: None)
    assert data.generated_seconds is not None
    try:
        assert data.crm.records.count("ticket") == 300
        loaded = floors.Raw(data.crm.config.database_url)
        fresh_url = dataset.fresh_database(tmp_path / "cache", database, "indexes")
        dataset.CRM.load(
            dataset.config_for(tmp_path / "fresh", fresh_url), jobs_mode="inline"
        ).open().close()
        fresh = floors.Raw(fresh_url)
        for table in ("rec_ticket", "crm_comment"):
            names = {name for name, _sql in fresh.secondary_indexes(table)}
            assert names
            assert {name for name, _sql in loaded.secondary_indexes(table)} == names
        loaded.close()
        fresh.close()
    finally:
        data.crm.close()


def test_fake_rows_are_the_same_whichever_batch_comes_first():
    from bench import fake_rows

    fake_rows.remember({"accounts": [1, 2, 3]})
    first = fake_rows.batch("contact", 100, 5)
    fake_rows.batch("contact", 0, 50)
    assert fake_rows.batch("contact", 100, 5) == first
    assert [index for index, _row in first] == [100, 101, 102, 103, 104]
    assert first != fake_rows.batch("contact", 105, 5)
