"""Durable jobs: work that must happen after a commit, and must not be lost.

A plugin calls ``crm.jobs.enqueue(name, payload)`` inside a save; the job row is written in
that same transaction, so a rolled-back change queues nothing and a crash after the
commit loses nothing (the row waits in ``crm_job`` until a runner takes it). Runners:

``inline``
    the process that committed runs its jobs right after the commit (the CLI);
``thread``
    a background thread in the process runs them (``crm serve``);
``external``
    nothing in-process; ``crm jobs work`` (any number of them, on any host) runs them.

A failing job is retried with growing delays and marked ``failed`` after five attempts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .storage import job_queue
from .storage.store import Store

if TYPE_CHECKING:
    from .runtime import CRM

log = logging.getLogger("crm.jobs")
MAX_ATTEMPTS = 5
STALE_RUNNING = dt.timedelta(minutes=15)
_running_here = threading.local()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Jobs:
    def __init__(self, crm: CRM, mode: str):
        self.crm = crm
        self.store: Store = crm.store
        self.mode = mode
        self.handlers: dict[str, Callable[[Any, Any], Any]] = {}
        for result in crm.hook.crm_register_jobs():
            for name, handler in (result or {}).items():
                if name in self.handlers:
                    raise ConfigError(f"job {name!r} is registered by two plugins")
                self.handlers[name] = handler
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def enqueue(self, name: str, payload: Any = None, *, delay_seconds: float = 0) -> None:
        """Queue a job in the current transaction (it runs only if the transaction commits)."""
        if name not in self.handlers:
            raise ValueError(
                f"unknown job {name!r}; registered: {', '.join(sorted(self.handlers))}"
            )
        tx = self.store.current_transaction()
        if tx is None or not tx.write:
            raise RuntimeError(
                "jobs are queued inside a write transaction (e.g. in crm_after_save)"
            )
        now = utcnow()
        job_queue.add_job(
            tx, name, payload, run_after=now + dt.timedelta(seconds=delay_seconds), at=now
        )
        tx.jobs_queued = True

    def committed(self) -> None:
        """Called after a commit that queued jobs."""
        if self.mode == "inline":
            if not getattr(_running_here, "active", False):
                self.run_pending()
        elif self.mode == "thread":
            self._wake.set()

    def run_pending(self, limit: int | None = None) -> int:
        """Run due jobs until none is left (or ``limit`` ran); returns how many ran."""
        _running_here.active = True
        ran = 0
        try:
            while limit is None or ran < limit:
                job = self._claim()
                if job is None:
                    break
                self._run(job)
                ran += 1
        finally:
            _running_here.active = False
        return ran

    def _claim(self) -> tuple[int, str, Any, int] | None:
        with self.store.transaction() as tx:
            now = utcnow()
            return job_queue.claim_next(tx, now, now - STALE_RUNNING)

    def _run(self, job: tuple[int, str, Any, int]) -> None:
        job_id, name, payload, attempts = job
        handler = self.handlers.get(name)
        error = None
        if handler is None:
            error = f"no plugin handles job {name!r} (is its plugin disabled?)"
        else:
            try:
                handler(self.crm, payload)
            except Exception:
                error = traceback.format_exc()
                log.warning("job %s (%s) failed: %s", job_id, name, error)
        with self.store.transaction() as tx:
            now = utcnow()
            if error is None:
                job_queue.mark_done(tx, job_id, now)
            elif attempts >= MAX_ATTEMPTS or handler is None:
                job_queue.mark_failed(tx, job_id, now, error)
            else:
                retry_at = now + dt.timedelta(seconds=30 * 2**attempts)
                job_queue.retry_later(tx, job_id, retry_at, error)

    def counts(self) -> dict[str, int]:
        with self.store.reading() as tx:
            return job_queue.count_by_state(tx)

    # -- the background thread ----------------------------------------------------------

    def start(self, poll_seconds: float = 5.0) -> None:
        if self.mode != "thread" or self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.run_pending()
                except Exception:
                    log.exception("job runner failed; retrying")
                self._wake.wait(poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="crm-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._thread = None
