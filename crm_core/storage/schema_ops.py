"""Changing the schema while the CRM runs: custom-field columns, their definitions, and
the administrator's picklist values.

The services (:mod:`crm_core.fields`, :mod:`crm_core.picklists`) check what is
asked and say what is wrong; the functions here plan and run the DDL and read and write
the ``crm_custom_field`` and ``crm_picklist_value`` rows. After a change the service
moves the registry version (:meth:`~crm_core.storage.store.Store.bump_version`) in the
same transaction, and every process rebuilds its mapping.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from pony import orm

from ..schema import Field, RecordType
from .entities import define_record_entity, define_system_entities, table_name
from .migrate import add_column_sql
from .migrate import lock_schema as lock_database_schema
from .store import Store, Transaction

#: Attempts at a schema change whose table lock stayed busy (PostgreSQL).
LOCK_RETRIES = 20
#: The columns of ``crm_custom_field`` that :func:`custom_field` reads.
CUSTOM_FIELD_COLUMNS = (
    "record_type",
    "name",
    "type",
    "label",
    "help",
    "required",
    "default",
    "max_length",
    "precision",
    "picklist",
    "target",
    "indexed",
    "searchable",
    "hidden",
    "purged",
    "sort_order",
)

T = TypeVar("T")

# -- schema changes ---------------------------------------------------------------------


def lock_schema(tx: Transaction) -> None:
    """Take the database-wide schema lock until ``tx`` ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    lock_database_schema(tx.snapshot.db, tx.snapshot.dialect)


def run_schema_change(store: Store, change: Callable[[Transaction], T]) -> T:
    """Run ``change`` in a write transaction holding the schema lock, and return what it
    returns. On PostgreSQL the table lock an ``ALTER TABLE`` needs is waited for at most
    200 ms, so writers queued behind it never stall; then the whole change is tried
    again, a little later each time."""
    attempt = 0
    while True:
        try:
            with store.transaction() as tx:
                lock_schema(tx)
                if tx.snapshot.dialect.name == "postgres":
                    tx.execute("SET LOCAL lock_timeout = '200ms'")
                return change(tx)
        except Exception as exc:
            attempt += 1
            if not _lock_timeout(exc) or attempt == LOCK_RETRIES:
                raise
            time.sleep(0.05 * attempt)


def plan_column(store: Store, record_type: RecordType, field: Field) -> tuple[str, ...]:
    """The DDL that adds ``field`` to the table of ``record_type``: ``ALTER TABLE … ADD
    COLUMN`` and, if the field is indexed, its index. Taken from Pony's mapping of the type
    with the field, so column type, default and index are what a fresh database would get.
    Worked out before the schema change's transaction: it reads nothing from the database."""
    dialect, field_types = store.dialect, store.snapshot.registry.field_types
    db = orm.Database()
    define_system_entities(db)
    define_record_entity(
        db, replace(record_type, fields=(*record_type.fields, field)), field_types, dialect.name
    )
    db.bind(**dialect.bind_arguments())
    try:
        db.generate_mapping(create_tables=False, check_tables=False)
        table = db.schema.tables[table_name(record_type.name)]
        column = table.column_dict[field.column]
        statements = [add_column_sql(dialect, table.name, column)]
        for index in table.indexes.values():
            if [c.name for c in index.columns][:1] == [field.column] and not index.is_pk:
                statements.append(index.get_create_command())
    finally:
        db.disconnect()
    return tuple(statements)


def add_column(tx: Transaction, statements: Iterable[str]) -> None:
    """Run the DDL of :func:`plan_column` (inside :func:`run_schema_change`)."""
    for sql in statements:
        tx.execute(sql)


def drop_column(tx: Transaction, type_name: str, column: str) -> None:
    """Drop a column of a record type's table for good, and the indexes on it (SQLite
    refuses to drop an indexed column), under the schema lock."""
    lock_schema(tx)
    q = tx.quote
    table = table_name(type_name)
    if tx.snapshot.dialect.name == "sqlite":
        for index in _sqlite_indexes_on(tx, table, column):
            tx.execute(f"DROP INDEX IF EXISTS {q(index)}")
    tx.execute(f"ALTER TABLE {q(table)} DROP COLUMN {q(column)}")


def _sqlite_indexes_on(tx: Transaction, table: str, column: str) -> list[str]:
    q = tx.quote
    names = []
    for row in tx.execute(f"PRAGMA index_list({q(table)})").fetchall():
        columns = [info[2] for info in tx.execute(f"PRAGMA index_info({q(row[1])})").fetchall()]
        if column in columns:
            names.append(row[1])
    return names


def _lock_timeout(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock timeout" in text or "canceling statement due to lock timeout" in text


# -- custom-field definitions -----------------------------------------------------------


def custom_field(
    tx: Transaction, record_type: str, name: str, *, lock: bool = False
) -> dict[str, Any] | None:
    """The stored definition of custom field ``name`` (without its ``cf_`` prefix) as a
    dict of :data:`CUSTOM_FIELD_COLUMNS`, or ``None``; ``lock`` holds the row until the
    commit."""
    entity = tx.snapshot.system.CustomField
    find = entity.get_for_update if lock else entity.get
    row = find(record_type=record_type, name=name)
    if row is None:
        return None
    return {column: _plain(getattr(row, column)) for column in CUSTOM_FIELD_COLUMNS}


def insert_custom_field(tx: Transaction, values: dict[str, Any], created_at: dt.datetime) -> None:
    """Store a new custom field's definition (``values`` by :data:`CUSTOM_FIELD_COLUMNS`)."""
    tx.snapshot.system.CustomField(**values, created_at=created_at)


def update_custom_field(tx: Transaction, record_type: str, name: str, **changes: Any) -> None:
    """Change columns of a stored definition, locking its row."""
    entity = tx.snapshot.system.CustomField
    entity.get_for_update(record_type=record_type, name=name).set(**changes)


def delete_custom_field(tx: Transaction, record_type: str, name: str) -> None:
    tx.execute(
        "DELETE FROM crm_custom_field WHERE record_type = ? AND name = ?", (record_type, name)
    )


# -- picklist values --------------------------------------------------------------------


def insert_picklist_value(
    tx: Transaction,
    picklist: str,
    code: str,
    *,
    custom: bool,
    label: dict[str, str] | None = None,
    sort_order: int | None = None,
    active: bool | None = None,
    deleted: bool = False,
) -> None:
    """Store the administrator's row for a value: one of their own (``custom``), or their
    change to a value a plugin ships (``None`` keeps what the plugin declares)."""
    tx.snapshot.system.PicklistValue(
        picklist=picklist,
        code=code,
        custom=custom,
        label=label,
        sort_order=sort_order,
        active=active,
        deleted=deleted,
    )


def update_picklist_value(tx: Transaction, picklist: str, code: str, **changes: Any) -> bool:
    """Change the stored row of a value (``label``, ``sort_order``, ``active``,
    ``deleted``), locking it; ``False`` when the value has no row yet."""
    row = tx.snapshot.system.PicklistValue.get_for_update(picklist=picklist, code=code)
    if row is None:
        return False
    row.set(**changes)
    return True


def delete_picklist_values(tx: Transaction, picklist: str) -> None:
    """Remove every stored value of a picklist (one a purged custom field had of its own)."""
    tx.execute("DELETE FROM crm_picklist_value WHERE picklist = ?", (picklist,))


def records_with_code(
    tx: Transaction, type_name: str, column: str, code: str, *, multiple: bool
) -> list[tuple[int, str]]:
    """``(id, stored value)`` of the records (deleted ones too) whose picklist ``column``
    holds ``code``. For a multi-select column (``multiple``, stored ``|a|b|``) the match is
    a ``LIKE``, where ``_`` in a code matches any character: the caller checks the codes."""
    q = tx.quote
    table, quoted = q(table_name(type_name)), q(column)
    if multiple:
        return tx.execute(
            f"SELECT {q('id')}, {quoted} FROM {table} WHERE {quoted} LIKE ?", (f"%|{code}|%",)
        ).fetchall()
    return tx.execute(
        f"SELECT {q('id')}, {quoted} FROM {table} WHERE {quoted} = ?", (code,)
    ).fetchall()


def set_record_code(
    tx: Transaction,
    type_name: str,
    record_id: int,
    column: str,
    stored: str,
    *,
    modified_at: dt.datetime,
    modified_by: str | None,
) -> None:
    """Write a picklist column's stored value (``|a|b|`` for several codes) into one
    record, as a change by ``modified_by``."""
    q = tx.quote
    tx.execute(
        f"UPDATE {q(table_name(type_name))} SET {q(column)} = ?, {q('modified_at')} = ?, "
        f"{q('modified_by')} = ? WHERE {q('id')} = ?",
        (stored, modified_at, modified_by, record_id),
    )


def _plain(value: Any) -> Any:
    """A JSON column's value as plain dicts and lists (Pony hands out tracking copies)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
