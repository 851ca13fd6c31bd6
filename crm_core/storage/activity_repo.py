"""What happened to records and what they are tied to: history, tags and links.

The rows of ``crm_history``, ``crm_tag`` and ``crm_link``, read and written for the
records service (:mod:`crm_core.records`). A new record's history and tag rows can also
be queued in a :class:`~crm_core.storage.bulk.BulkInserts` (imports).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from .bulk import BulkInserts
from .entities import HISTORY_COLUMNS
from .store import Transaction

TAG_COLUMNS = ("record_type", "record_id", "tag")

#: One history entry: record type, record id, kind, actor ref, when (a datetime), the
#: changes as JSON text (or ``None``) and the note.
HistoryEntry = tuple[str, int, str, str | None, dt.datetime, str | None, str | None]


# -- history -------------------------------------------------------------------------------


def add_history(tx: Transaction, entries: Iterable[HistoryEntry]) -> None:
    dialect = tx.snapshot.dialect
    rows = [_history_row(dialect, entry) for entry in entries]
    dialect.insert_many(tx.connection(), "crm_history", HISTORY_COLUMNS, rows)


def queue_history(bulk: BulkInserts, entry: HistoryEntry) -> None:
    bulk.add("crm_history", HISTORY_COLUMNS, _history_row(bulk.dialect, entry))


def _history_row(dialect, entry: HistoryEntry) -> tuple:
    record_type, record_id, kind, actor, at, changes, note = entry
    return (record_type, record_id, kind, actor, dialect.to_db(at), changes, note)


def history_of(tx: Transaction, record_type: str, record_id: int) -> list[dict[str, Any]]:
    """A record's history entries, newest first: id, kind, actor, at, changes (decoded
    JSON, ``{}`` when none) and note."""
    rows = tx.execute(
        "SELECT id, kind, actor, at, changes, note FROM crm_history "
        "WHERE record_type = ? AND record_id = ? ORDER BY id DESC",
        (record_type, record_id),
    ).fetchall()
    read_at = tx.snapshot.dialect.reader(dt.datetime)
    return [
        {
            "id": row[0],
            "kind": row[1],
            "actor": row[2],
            "at": read_at(row[3]),
            "changes": (json.loads(row[4]) if isinstance(row[4], str) else row[4]) or {},
            "note": row[5],
        }
        for row in rows
    ]


def move_history(
    tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int, note_suffix: str
) -> int:
    """Re-point a record's history entries to another record, ``note_suffix`` added to
    each note; returns how many moved."""
    return tx.execute(
        "UPDATE crm_history SET record_type = ?, record_id = ?, note = "
        "COALESCE(note, '') || ? WHERE record_type = ? AND record_id = ?",
        (to_type, to_id, note_suffix, from_type, from_id),
    ).rowcount


# -- tags ----------------------------------------------------------------------------------


def tags_of(tx: Transaction, record_type: str, ids: list[int]) -> dict[int, list[str]]:
    """The tags of each record among ``ids`` (in alphabetical order); untagged ones are
    left out."""
    if not ids:
        return {}
    result: dict[int, list[str]] = {}
    rows = tx.execute(
        f"SELECT record_id, tag FROM crm_tag WHERE record_type = ? AND record_id IN "
        f"({', '.join('?' for _ in ids)}) ORDER BY tag",
        (record_type, *ids),
    ).fetchall()
    for record_id, tag in rows:
        result.setdefault(record_id, []).append(tag)
    return result


def add_tags(tx: Transaction, record_type: str, record_id: int, tags: Iterable[str]) -> None:
    rows = [(record_type, record_id, tag) for tag in tags]
    tx.snapshot.dialect.insert_many(tx.connection(), "crm_tag", TAG_COLUMNS, rows)


def queue_tags(bulk: BulkInserts, record_type: str, record_id: int, tags: Iterable[str]) -> None:
    for tag in tags:
        bulk.add("crm_tag", TAG_COLUMNS, (record_type, record_id, tag))


def remove_tags(tx: Transaction, record_type: str, record_id: int, tags: Iterable[str]) -> None:
    for tag in tags:
        tx.execute(
            "DELETE FROM crm_tag WHERE record_type = ? AND record_id = ? AND tag = ?",
            (record_type, record_id, tag),
        )


def purge_tags(tx: Transaction, record_type: str, record_id: int) -> None:
    tx.execute(
        "DELETE FROM crm_tag WHERE record_type = ? AND record_id = ?", (record_type, record_id)
    )


def tag_counts(tx: Transaction, record_type: str | None = None) -> list[tuple[str, int]]:
    """Tags in use (of one record type, or of all) with how many records carry each."""
    sql = "SELECT tag, COUNT(*) FROM crm_tag"
    params: tuple = ()
    if record_type:
        sql += " WHERE record_type = ?"
        params = (record_type,)
    rows = tx.execute(sql + " GROUP BY tag ORDER BY tag", params).fetchall()
    return [(row[0], row[1]) for row in rows]


# -- links ---------------------------------------------------------------------------------
# A link row holds the relation's key, the id of the record on the relation's owner side
# (left_id) and that of its partner (right_id). A relation end seen from the owner side
# has ``owner_side`` true.


def link_columns(owner_side: bool) -> tuple[str, str]:
    """The crm_link columns holding (this side's id, the partner's id) for a relation end."""
    return ("left_id", "right_id") if owner_side else ("right_id", "left_id")


def linked_ids(tx: Transaction, relation_key: str, owner_side: bool, record_id: int) -> list[int]:
    """Ids of the partners of one record through a relation, oldest link first."""
    mine, theirs = link_columns(owner_side)
    rows = tx.execute(
        f"SELECT {theirs} FROM crm_link WHERE relation = ? AND {mine} = ? ORDER BY id",
        (relation_key, record_id),
    ).fetchall()
    return [row[0] for row in rows]


def links_from(
    tx: Transaction, relation_key: str, owner_side: bool, record_id: int
) -> list[tuple[int, int]]:
    """``(link id, partner id)`` of each link of one record through a relation."""
    mine, theirs = link_columns(owner_side)
    rows = tx.execute(
        f"SELECT id, {theirs} FROM crm_link WHERE relation = ? AND {mine} = ?",
        (relation_key, record_id),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def link_id(tx: Transaction, relation_key: str, left_id: int, right_id: int) -> int | None:
    """The id of the link between two records, ``None`` if they are not linked."""
    row = tx.execute(
        "SELECT id FROM crm_link WHERE relation = ? AND left_id = ? AND right_id = ?",
        (relation_key, left_id, right_id),
    ).fetchone()
    return None if row is None else row[0]


def add_link(
    tx: Transaction,
    relation_key: str,
    left_id: int,
    right_id: int,
    at: dt.datetime,
    by: str | None,
) -> None:
    tx.snapshot.system.Link(
        relation=relation_key, left_id=left_id, right_id=right_id, created_at=at, created_by=by
    )


def repoint_link(
    tx: Transaction, link: int, relation_key: str, left_id: int, right_id: int
) -> None:
    tx.execute(
        "UPDATE crm_link SET relation = ?, left_id = ?, right_id = ? WHERE id = ?",
        (relation_key, left_id, right_id, link),
    )


def remove_link(tx: Transaction, link: int) -> None:
    tx.execute("DELETE FROM crm_link WHERE id = ?", (link,))


def purge_links(tx: Transaction, relation_key: str, owner_side: bool, record_id: int) -> None:
    """Remove every link of one record through a relation."""
    mine, _theirs = link_columns(owner_side)
    tx.execute(f"DELETE FROM crm_link WHERE relation = ? AND {mine} = ?", (relation_key, record_id))
