"""The durable job queue as stored in ``crm_job``.

A job is ``pending`` until a runner claims it (``running``), then ``done``, ``pending``
again for a retry, or ``failed``. Payloads are JSON. Claiming is one ``UPDATE … RETURNING``
so two runners never take the same job: SQLite's write lock serialises them, and on
PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets each take a different one without waiting.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..serialize import json_default
from .store import Transaction


def add_job(
    tx: Transaction, name: str, payload: Any, *, run_after: dt.datetime, at: dt.datetime
) -> None:
    """Queue a job. A plain INSERT, not an entity: an import that queues a job per row
    must not keep a million objects in the session."""
    tx.execute(
        "INSERT INTO crm_job (name, payload, state, attempts, run_after, created_at) "
        "VALUES (?, ?, 'pending', 0, ?, ?)",
        (
            name,
            None if payload is None else json.dumps(payload, default=json_default),
            run_after,
            at,
        ),
    )


def claim_next(
    tx: Transaction, now: dt.datetime, stale_before: dt.datetime
) -> tuple[int, str, Any, int] | None:
    """Take the oldest due job: ``(id, name, payload, attempts)`` with this attempt
    counted, or ``None`` when none is due. A job still ``running`` since before
    ``stale_before`` lost its runner and is put back first."""
    skip = " FOR UPDATE SKIP LOCKED" if tx.snapshot.dialect.name == "postgres" else ""
    tx.execute(
        "UPDATE crm_job SET state = 'pending' WHERE state = 'running' AND run_after < ?",
        (stale_before,),
    )
    row = tx.execute(
        "UPDATE crm_job SET state = 'running', attempts = attempts + 1, run_after = ? "
        "WHERE state = 'pending' AND id = (SELECT id FROM crm_job WHERE state = 'pending' "
        f"AND run_after <= ? ORDER BY id LIMIT 1{skip}) RETURNING id, name, payload, attempts",
        (now, now),
    ).fetchone()
    if row is None:
        return None
    payload = row[2]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return row[0], row[1], payload, row[3]


def mark_done(tx: Transaction, job_id: int, at: dt.datetime) -> None:
    tx.execute(
        "UPDATE crm_job SET state = 'done', finished_at = ?, last_error = NULL WHERE id = ?",
        (at, job_id),
    )


def mark_failed(tx: Transaction, job_id: int, at: dt.datetime, error: str) -> None:
    """Give up on a job: it stays ``failed`` with its last error."""
    tx.execute(
        "UPDATE crm_job SET state = 'failed', finished_at = ?, last_error = ? WHERE id = ?",
        (at, error, job_id),
    )


def retry_later(tx: Transaction, job_id: int, run_after: dt.datetime, error: str) -> None:
    tx.execute(
        "UPDATE crm_job SET state = 'pending', run_after = ?, last_error = ? WHERE id = ?",
        (run_after, error, job_id),
    )


def count_by_state(tx: Transaction) -> dict[str, int]:
    """``{state: number of jobs}`` for the states some job is in."""
    return dict(tx.execute("SELECT state, COUNT(*) FROM crm_job GROUP BY state").fetchall())
