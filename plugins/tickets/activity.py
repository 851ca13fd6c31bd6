"""A ticket's activity stream: its comments and its changes in one list, in time order.

The generic detail page shows comments and history apart; someone working a ticket reads
it as it happened — the customer wrote, the status changed, a colleague left an internal
note. The stream leaves out bookkeeping, so it stays short: the SLA fields the plugin
keeps (the badges show them) and the "commented" history entries (the comment itself is
in the stream).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crm_core.actors import Actor

from . import sla

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"
#: Entries shown at most: the latest ones; the History panel keeps everything.
LIMIT = 50
HIDDEN_FIELDS = sla.FIELDS
#: A "commented" history entry stands for a comment the stream shows itself.
HIDDEN_KINDS = frozenset({"commented"})


@dataclass(frozen=True)
class Entry:
    """A comment (``comment`` set) or a history entry (``event`` = its kind: ``created``,
    ``updated``, ``merged``…; ``changes`` = ``{field: [old, new]}`` for updates)."""

    at: dt.datetime
    actor: str | None
    comment: dict[str, Any] | None = None
    event: str | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    note: str | None = None

    @property
    def internal(self) -> bool:
        return bool(self.comment and self.comment["internal"])


@dataclass(frozen=True)
class Stream:
    entries: list[Entry]  # oldest first
    total: int  # entries before the limit

    @property
    def hidden(self) -> int:
        return self.total - len(self.entries)


def stream(crm: CRM, ticket: dict[str, Any], actor: Actor, limit: int = LIMIT) -> Stream:
    """The latest ``limit`` entries of ``ticket``'s activity, oldest first. Entries of the
    same second keep the order changes came before the comments of that second."""
    changes = [
        _change(entry)
        for entry in reversed(crm.records.history(TYPE, ticket["id"], actor=actor))
        if entry["kind"] not in HIDDEN_KINDS
    ]
    changes = [entry for entry in changes if entry is not None]
    comments = [
        Entry(at=comment["created_at"], actor=comment["author"], comment=comment)
        for comment in sorted(
            crm.comments.list(TYPE, ticket["id"], actor=actor), key=lambda c: c["id"]
        )
    ]
    ordered = sorted(changes + comments, key=lambda entry: (entry.at, entry.comment is not None))
    return Stream(ordered[-limit:], len(ordered))


def _change(entry: dict[str, Any]) -> Entry | None:
    """A history entry without the SLA bookkeeping; ``None`` for an update that changed
    nothing else."""
    shown = {name: pair for name, pair in entry["changes"].items() if name not in HIDDEN_FIELDS}
    if entry["kind"] == "updated" and not shown:
        return None
    return Entry(
        at=entry["at"],
        actor=entry["actor"],
        event=entry["kind"],
        changes=shown if entry["kind"] == "updated" else {},
        note=entry["note"],
    )
