"""Moving a record's activity to another record, as merges and lead conversions do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..actors import Actor
from ..storage import activity_repo
from . import history
from .links import move_links

if TYPE_CHECKING:
    from ..runtime import CRM


def move_activity(
    crm: CRM,
    from_type: str,
    from_id: int,
    to_type: str,
    to_id: int,
    *,
    history_too: bool,
    links: bool,
    actor: Actor,
) -> dict[str, int]:
    """Move comments and attachments (and optionally history entries and many-to-many
    links); returns how many of each moved. Both records get a history entry."""
    with crm.store.transaction() as tx:
        source = crm.records.get(from_type, from_id, actor=actor, include_deleted=True)
        target = crm.records.get(to_type, to_id, actor=actor)
        moved = {
            "comments": crm.comments.move(tx, from_type, source["id"], to_type, target["id"]),
            "attachments": crm.attachments.move(tx, from_type, source["id"], to_type, target["id"]),
        }
        if history_too:
            moved["history"] = activity_repo.move_history(
                tx, from_type, source["id"], to_type, target["id"], f" [from {source['number']}]"
            )
        if links:
            moved["links"] = move_links(tx, from_type, source["id"], to_type, target["id"])
        note = ", ".join(f"{count} {name}" for name, count in moved.items() if count)
        for record_type, record, partner, kind in (
            (from_type, source, target, "moved_out"),
            (to_type, target, source, "moved_in"),
        ):
            direction = "to" if kind == "moved_out" else "from"
            history.record(
                tx,
                tx.registry.type(record_type),
                record["id"],
                kind,
                actor,
                {},
                note=f"{note or 'nothing'} {direction} {partner['number']}",
            )
        return moved
