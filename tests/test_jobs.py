"""Durable jobs: written in the transaction of the change, run after its commit, kept across
a crash, retried when they fail and finally marked failed with the error."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from conftest import run_crm

from crm_core.runtime import CRM


@pytest.fixture
def extras(make_crm, sample_plugin_site):
    """Gadgets plus gadget_extras, whose job ``extras.note`` writes a history note."""
    return make_crm(["gadgets", "gadget_extras"])


def jobs_table(crm) -> list[tuple]:
    with crm.store.reading() as tx:
        return tx.execute(
            "SELECT name, state, attempts, last_error FROM crm_job ORDER BY id"
        ).fetchall()


def notes(crm, record_id: int) -> list[str]:
    return [h["note"] for h in crm.records.history("gadget", record_id) if h["kind"] == "noted"]


def make_due(crm) -> None:
    """Pretend the retry delay has passed."""
    with crm.store.transaction() as tx:
        tx.execute(
            "UPDATE crm_job SET run_after = ? WHERE state = 'pending'",
            (dt.datetime(2000, 1, 1),),
        )


def test_a_job_runs_after_the_commit(extras):
    record = extras.records.create("gadget", {"name": "Phone"})
    with extras.transaction():
        extras.jobs.enqueue("extras.note", {"id": record["id"], "text": "Привет, «мир»"})
        assert notes(extras, record["id"]) == []
    assert notes(extras, record["id"]) == ["Привет, «мир»"]
    assert ("extras.note", "done", 1, None) in jobs_table(extras)


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(extras):
    record = extras.records.create("gadget", {"name": "Phone"})
    before = jobs_table(extras)
    with pytest.raises(RuntimeError, match="changed my mind"), extras.transaction():
        extras.records.create("gadget", {"name": "Tablet"})  # queues the plugin's welcome job
        extras.jobs.enqueue("extras.note", {"id": record["id"], "text": "never"})
        raise RuntimeError("changed my mind")
    assert jobs_table(extras) == before
    assert extras.jobs.run_pending() == 0
    assert notes(extras, record["id"]) == []


def test_a_committed_job_survives_a_crash_and_runs_later(extras):
    extras.jobs.mode = "external"  # nothing runs in this process: as if it died after commit
    record = extras.records.create("gadget", {"name": "Phone"})
    with extras.transaction():
        extras.jobs.enqueue("extras.note", {"id": record["id"], "text": "later"})
    assert extras.jobs.counts() == {"pending": 2}
    extras.close()

    restarted = CRM.load(extras.config.path, jobs_mode="external").open()
    assert restarted.jobs.run_pending() == 2
    assert notes(restarted, record["id"]) == ["later"]
    kinds = [h["kind"] for h in restarted.records.history("gadget", record["id"])]
    assert "welcomed" in kinds
    assert restarted.jobs.counts() == {"done": 2}
    assert restarted.jobs.run_pending() == 0  # each job runs once


def test_crm_jobs_run_runs_what_is_waiting(extras, tmp_path, sample_plugin_site):
    extras.jobs.mode = "external"
    record = extras.records.create("gadget", {"name": "Phone"})
    env = {"PYTHONPATH": str(sample_plugin_site), "CRM_CONFIG": str(extras.config.path)}
    status = run_crm("jobs", "status", cwd=tmp_path, env=env)
    assert status.stdout.split()[:2] == ["pending", "1"]
    ran = run_crm("jobs", "run", cwd=tmp_path, env=env)
    assert ran.stdout.strip() == "ran 1 job(s)"
    assert "welcomed" in [h["kind"] for h in extras.records.history("gadget", record["id"])]


def test_a_failing_job_is_retried_then_marked_failed(extras):
    record = extras.records.create("gadget", {"name": "Phone"})
    with extras.transaction():
        extras.jobs.enqueue("extras.note", {"id": record["id"], "fail": "the mail server"})
    attempts = []
    for _ in range(10):
        name, state, tries, error = jobs_table(extras)[-1]
        attempts.append((state, tries))
        if state == "failed":
            break
        assert state == "pending" and "RuntimeError: cannot reach the mail server" in error
        assert extras.jobs.run_pending() == 0  # waits for its retry time
        make_due(extras)
        assert extras.jobs.run_pending() == 1
    assert attempts == [
        ("pending", 1),
        ("pending", 2),
        ("pending", 3),
        ("pending", 4),
        ("failed", 5),
    ]
    name, state, tries, error = jobs_table(extras)[-1]
    assert (name, state, tries) == ("extras.note", "failed", 5)
    assert "RuntimeError: cannot reach the mail server" in error
    assert extras.jobs.counts()["failed"] == 1
    make_due(extras)
    assert extras.jobs.run_pending() == 0  # a failed job stays failed


def test_a_job_that_fails_once_succeeds_on_retry(extras):
    record = extras.records.create("gadget", {"name": "Phone"})
    with extras.transaction():
        extras.jobs.enqueue("extras.note", {"id": record["id"], "fail": "the network"})
    with extras.store.transaction() as tx:  # the cause goes away
        tx.execute(
            "UPDATE crm_job SET payload = ?, run_after = ? WHERE name = 'extras.note'",
            (json.dumps({"id": record["id"], "text": "second try"}), dt.datetime(2000, 1, 1)),
        )
    assert extras.jobs.run_pending() == 1
    assert notes(extras, record["id"]) == ["second try"]
    assert jobs_table(extras)[-1][:3] == ("extras.note", "done", 2)


def test_jobs_of_a_disabled_plugin_fail_with_a_clear_error(extras, make_crm):
    extras.jobs.mode = "external"
    record = extras.records.create("gadget", {"name": "Phone"})
    with extras.transaction():
        extras.jobs.enqueue("extras.note", {"id": record["id"], "text": "x"})
    without = make_crm(["gadgets"])
    without.jobs.run_pending()
    assert jobs_table(without)[-1] == (
        "extras.note",
        "failed",
        1,
        "no plugin handles job 'extras.note' (is its plugin disabled?)",
    )


def test_enqueue_needs_a_known_job_and_a_transaction(extras):
    with pytest.raises(ValueError) as caught, extras.transaction():
        extras.jobs.enqueue("extras.nope")
    assert (
        str(caught.value) == "unknown job 'extras.nope'; registered: extras.note, gadgets.welcome"
    )
    with pytest.raises(RuntimeError, match="inside a write transaction"):
        extras.jobs.enqueue("extras.note", {"id": 1, "text": "x"})


def test_the_thread_runner_runs_jobs_soon_after_commit(extras):
    threaded = CRM.load(extras.config.path, jobs_mode="thread").open()
    try:
        record = threaded.records.create("gadget", {"name": "Phone"})
        with threaded.transaction():
            threaded.jobs.enqueue("extras.note", {"id": record["id"], "text": "from the thread"})
        deadline = time.monotonic() + 10
        while notes(threaded, record["id"]) != ["from the thread"]:
            assert time.monotonic() < deadline, "the job thread did not run the job"
            time.sleep(0.02)
    finally:
        threaded.close()
