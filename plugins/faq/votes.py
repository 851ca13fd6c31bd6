"""Votes on "Was this helpful?": yes/no counts per published entry, and a bound per client.

The counts are read-only fields of the entry (``helpful_yes``, ``helpful_no``), so staff
lists sort by them and every vote is in the entry's history. A vote locks the entry's row
before reading the count, so votes arriving at the same moment are all counted.

:class:`VoteLimiter` keeps anonymous clients from stuffing the counts: in any hour a client
may vote once per entry and at most ``votes_per_hour`` times in all. It lives in the
web process's memory (with a bounded number of clients), so with several worker
processes each has its own bound.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING

from crm_core import NotFound, msg
from crm_core.actors import SYSTEM

from . import knowledge

if TYPE_CHECKING:
    from crm_core.runtime import CRM

FIELDS = frozenset({"helpful_yes", "helpful_no"})
WINDOW_SECONDS = 3600
MAX_CLIENTS = 10_000


def vote(crm: CRM, key: int | str, helpful: bool) -> dict[str, int]:
    """Count one vote on a published entry; returns the new counts."""
    field = "helpful_yes" if helpful else "helpful_no"
    with crm.transaction():
        record = crm.records.lock(knowledge.TYPE, key)
        if record["status"] != knowledge.PUBLISHED.value:
            raise NotFound(msg("{type} {key} not found", type=knowledge.TYPE, key=key))
        record = crm.records.update(
            knowledge.TYPE,
            record["id"],
            {field: (record[field] or 0) + 1},
            actor=SYSTEM,
            allow_read_only=FIELDS,
        )
    return {name: record[name] for name in sorted(FIELDS)}


class VoteLimiter:
    """Which client may vote now: in an hour, once per entry and ``per_hour`` times in all."""

    def __init__(self, per_hour: int, clock=time.monotonic):
        self.per_hour = per_hour
        self.clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, tuple[deque[float], dict[int, float]]] = OrderedDict()

    def allow(self, client: str, entry_id: int) -> bool:
        """Record the vote and return True, or return False when it is over the bound."""
        now = self.clock()
        with self._lock:
            times, entries = self._clients.pop(client, None) or (deque(), {})
            while times and now - times[0] >= WINDOW_SECONDS:
                times.popleft()
            for voted, at in list(entries.items()):
                if now - at >= WINDOW_SECONDS:
                    del entries[voted]
            allowed = len(times) < self.per_hour and entry_id not in entries
            if allowed:
                times.append(now)
                entries[entry_id] = now
            self._clients[client] = (times, entries)
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)
            return allowed
