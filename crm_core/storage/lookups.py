"""Small reads the services' checks ask of the database.

Does a record exist, which record holds a number or a unique value, is a user active,
how many records lack a value. Each answers with a plain value; the service that asked
decides what it means and says so in its own words.

The checks run inside saves and imports. Those may have rows queued for writing
(:meth:`~crm_core.storage.store.Transaction.bulk_inserts`); a read names the tables it
reads (``reads=``) so that rows queued for other tables stay queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .entities import table_name
from .store import Transaction

#: The tables an owner lookup reads (never any that an import queues rows for).
OWNER_TABLES = ("crm_user", "crm_group")
#: Ids per ``IN (…)`` list: well under every driver's limit on parameters.
CHUNK = 500


def live_record_exists(tx: Transaction, type_name: str, record_id: int) -> bool:
    """Whether the record exists and is not in the recycle bin."""
    q, table = tx.quote, table_name(type_name)
    return (
        tx.execute(
            f"SELECT 1 FROM {q(table)} WHERE {q('id')} = ? AND {q('deleted')} = ?",
            (record_id, False),
            reads=(table,),
        ).fetchone()
        is not None
    )


def record_id_by_number(tx: Transaction, type_name: str, number: str) -> int | None:
    """The id of the record with this number (deleted ones too), or ``None``."""
    q, table = tx.quote, table_name(type_name)
    row = tx.execute(
        f"SELECT {q('id')} FROM {q(table)} WHERE {q('number')} = ?", (number,), reads=(table,)
    ).fetchone()
    return row[0] if row else None


def live_record_owners(
    tx: Transaction, type_name: str, record_ids: Sequence[int]
) -> dict[int, str | None]:
    """The assignee of each of the records that exist and are not deleted, by id (the
    ones missing from the answer do not)."""
    q = tx.quote
    owners: dict[int, str | None] = {}
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        found = tx.execute(
            f"SELECT {q('id')}, {q('assigned_to')} FROM {q(table_name(type_name))} "
            f"WHERE {q('id')} IN ({', '.join('?' for _ in chunk)}) AND {q('deleted')} = ?",
            (*chunk, False),
        ).fetchall()
        owners.update(dict(found))
    return owners


def number_holding(
    tx: Transaction, type_name: str, column: str, stored_value: Any, except_id: int
) -> str | None:
    """The number of a record (other than ``except_id``) whose ``column`` holds
    ``stored_value``, or ``None``: a unique field's value already taken."""
    q, table = tx.quote, table_name(type_name)
    row = tx.execute(
        f"SELECT {q('number')} FROM {q(table)} WHERE {q(column)} = ? AND {q('id')} <> ?",
        (stored_value, except_id),
        reads=(table,),
    ).fetchone()
    return row[0] if row else None


def has_records(tx: Transaction, type_name: str) -> bool:
    """Whether the type has any record, deleted ones included (cheap at any size, unlike
    counting them)."""
    q = tx.quote
    return tx.execute(f"SELECT 1 FROM {q(table_name(type_name))} LIMIT 1").fetchone() is not None


def count_records(tx: Transaction, type_name: str) -> int:
    """How many records the type has, deleted ones included."""
    q = tx.quote
    return tx.execute(f"SELECT COUNT(*) FROM {q(table_name(type_name))}").fetchone()[0]


def count_live_without_value(tx: Transaction, type_name: str, column: str) -> int:
    """How many records not deleted have no value in ``column``."""
    q = tx.quote
    return tx.execute(
        f"SELECT COUNT(*) FROM {q(table_name(type_name))} WHERE {q(column)} IS NULL "
        f"AND {q('deleted')} = ?",
        (False,),
    ).fetchone()[0]


def active_user_exists(tx: Transaction, user_id: int) -> bool:
    return (
        tx.execute(
            "SELECT 1 FROM crm_user WHERE id = ? AND active = ?",
            (user_id, True),
            reads=OWNER_TABLES,
        ).fetchone()
        is not None
    )


def group_exists(tx: Transaction, group_id: int) -> bool:
    return (
        tx.execute(
            "SELECT 1 FROM crm_group WHERE id = ?", (group_id,), reads=OWNER_TABLES
        ).fetchone()
        is not None
    )


def active_user_id(tx: Transaction, login: str) -> int | None:
    """The id of the active user who signs in as ``login``, or ``None``."""
    row = tx.execute(
        "SELECT id FROM crm_user WHERE login = ? AND active = ?",
        (login, True),
        reads=OWNER_TABLES,
    ).fetchone()
    return row[0] if row else None


def group_id(tx: Transaction, name: str) -> int | None:
    row = tx.execute(
        "SELECT id FROM crm_group WHERE name = ?", (name,), reads=OWNER_TABLES
    ).fetchone()
    return row[0] if row else None
