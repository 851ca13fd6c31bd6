"""Record rows: reading, locking, inserting, changing and removing them, and the SELECTs
of lists, titles and aggregates.

The records service (:mod:`crm_core.records`) works with records as dicts of field
values; this module turns them into rows and back. Reads use plain SELECTs with the
snapshot's select lists and row converters (reads are the hot path of every page); a
record about to change is locked through its Pony entity (:class:`StoredRow`), so that
Pony's cache and the row agree for the rest of the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFound
from ..fieldtypes import fits_id
from ..i18n import msg
from ..query import Where
from ..schema import RecordType
from .activity_repo import link_columns
from .aggregate import Bucket, Measure, aggregate_query
from .bulk import BulkInserts
from .entities import attr_name, storage_type, table_name
from .listing import Cursor, SortKey, SQLBuilder, ValueReader
from .store import Snapshot, Transaction


def lookup(rt: RecordType, key: int | str) -> tuple[str, Any] | None:
    """The column and value that find a record by id (a number, or digits) or by record
    number; ``None`` for an id no record can have."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return ("id", int(key)) if fits_id(int(key)) else None
    if isinstance(key, str):
        return "number", key.strip()
    raise NotFound(msg("{type} {key!r} not found", type=rt.name, key=key))


# -- one record ----------------------------------------------------------------------------


def read(tx: Transaction, rt: RecordType, key: int | str) -> dict[str, Any] | None:
    """The stored record with this id or number (deleted or not), read with one plain
    SELECT (no ORM object)."""
    found = lookup(rt, key)
    if found is None:
        return None
    column, value = found
    row = tx.execute(
        f"SELECT {tx.snapshot.select_lists[rt.name]} FROM {tx.quote(table_name(rt.name))} "
        f"WHERE {tx.quote(column)} = ?",
        (value,),
    ).fetchone()
    return None if row is None else _record_of_row(tx.snapshot, rt, row)


class StoredRow:
    """A record's row locked by this transaction (see :func:`lock`), to change or remove."""

    def __init__(self, snapshot: Snapshot, rt: RecordType, entity: Any):
        self._snapshot = snapshot
        self._rt = rt
        self._entity = entity

    @property
    def deleted(self) -> bool:
        return bool(self._entity.f_deleted)

    def record(self) -> dict[str, Any]:
        """The record as stored now."""
        field_types = self._snapshot.registry.field_types
        record: dict[str, Any] = {"id": self._entity.id}
        for f in self._rt.fields:
            if f.name == "id":
                continue
            value = field_types[f.type].from_storage(getattr(self._entity, attr_name(f.name)))
            record[f.name] = _deleted_flag(f, value)
        return record

    def write(self, values: dict[str, Any]) -> None:
        """Change some fields (record values; the field types' ``to_storage`` applies)."""
        field_types = self._snapshot.registry.field_types
        for name, value in values.items():
            f = self._rt.field(name)
            setattr(self._entity, attr_name(name), field_types[f.type].to_storage(value))

    def purge(self) -> None:
        """Delete the row itself."""
        self._entity.delete()


def lock(tx: Transaction, rt: RecordType, key: int | str) -> StoredRow | None:
    """Lock the row of the record with this id or number until the transaction ends
    (``SELECT … FOR UPDATE`` on PostgreSQL); ``None`` when there is none."""
    if tx.bulk is not None:
        tx.bulk.drain()  # Pony reads on its own, not through tx.connection()
    found = lookup(rt, key)
    if found is None:
        return None
    column, value = found
    get = tx.snapshot.entities[rt.name].get_for_update
    entity = get(id=value) if column == "id" else get(f_number=value)
    return None if entity is None else StoredRow(tx.snapshot, rt, entity)


def insert(tx: Transaction, rt: RecordType, record: dict[str, Any]) -> int:
    """Insert a new record's row; returns its id."""
    plan = tx.snapshot.insert_plans[rt.name]
    return tx.snapshot.dialect.insert_row(
        tx.connection(), plan.table, plan.columns, plan.values(record)
    )


def queue_insert(tx: Transaction, bulk: BulkInserts, rt: RecordType, record: dict[str, Any]) -> int:
    """Queue a new record's row in ``bulk`` with an id drawn for it; returns the id."""
    plan = tx.snapshot.insert_plans[rt.name]
    ident = bulk.new_id(plan.table)
    bulk.add(plan.table, plan.columns_with_id, [ident, *plan.values(record)])
    return ident


def number_taken(tx: Transaction, rt: RecordType, number: str) -> bool:
    """Whether a record of ``rt`` (in the recycle bin or not) has this number."""
    q = tx.quote
    return (
        tx.execute(
            f"SELECT 1 FROM {q(table_name(rt.name))} WHERE {q('number')} = ?",
            (number,),
            reads=(table_name(rt.name),),
        ).fetchone()
        is not None
    )


# -- many records --------------------------------------------------------------------------


def titles(
    tx: Transaction,
    rt: RecordType,
    ids: list[int],
    restriction: Where | None,
    read_value: ValueReader,
) -> list[tuple[int, str, Any, bool]]:
    """``(id, number, title field's value, deleted)`` of the records among ``ids`` that
    match ``restriction``."""
    q = tx.quote
    builder = SQLBuilder(tx.snapshot.dialect, rt, read_value, tx.registry.field_types)
    condition = builder.where(restriction)
    title_field = rt.field(rt.title_field)
    rows = tx.execute(
        f"SELECT {q('id')}, {q('number')}, {q(title_field.column)}, {q('deleted')} "
        f"FROM {q(table_name(rt.name))} WHERE {q('id')} IN "
        f"({', '.join('?' for _ in ids)}) AND {condition}",
        (*ids, *builder.params),
    ).fetchall()
    from_storage = tx.registry.field_types[title_field.type].from_storage
    reader = tx.snapshot.readers[rt.name][title_field.name]
    return [
        (ident, number, from_storage(reader(title)), bool(deleted))
        for ident, number, title, deleted in rows
    ]


#: Fields every record has a value in (a keyset over them needs no NULL case).
NOT_NULL = frozenset({"id", "number", "created_at", "modified_at", "deleted", "source"})


@dataclass
class PageQuery:
    """One page of a list, as :func:`page` reads it.

    ``restrictions`` are ANDed (the user's filter, the permission rule); ``tag`` keeps
    records carrying that tag; ``linked_to`` is ``(relation key, owner side, record id)``
    of the relation end of the record whose partners are listed. With ``after`` (the
    cursor and its sort value in storage form) only rows beyond the cursor are read.
    """

    rt: RecordType
    read_value: ValueReader
    sort: SortKey
    limit: int
    deleted: bool = False
    restrictions: list[Where] = field(default_factory=list)
    tag: str | None = None
    linked_to: tuple[str, bool, int] | None = None
    after: tuple[Cursor, Any] | None = None

    @property
    def forward(self) -> bool:
        return self.after is None or self.after[0].forward


def page(tx: Transaction, query: PageQuery) -> list[dict[str, Any]]:
    """Up to ``query.limit + 1`` records in the order read (reversed order when reading
    backwards from a cursor): one more than asked tells whether there are more."""
    rt = query.rt
    builder = SQLBuilder(tx.snapshot.dialect, rt, query.read_value, tx.registry.field_types)
    q = tx.quote
    clauses = [f"{q('deleted')} = ?"]
    builder.params.append(bool(query.deleted))
    clauses.extend(builder.where(where) for where in query.restrictions)
    if query.tag:
        clauses.append(
            f"{q('id')} IN (SELECT record_id FROM crm_tag WHERE record_type = ? AND tag = ?)"
        )
        builder.params.extend((rt.name, query.tag))
    if query.linked_to:
        relation_key, owner_side, other_id = query.linked_to
        theirs, mine = link_columns(owner_side)
        clauses.append(
            f"{q('id')} IN (SELECT {mine} FROM crm_link WHERE relation = ? AND {theirs} = ?)"
        )
        builder.params.extend((relation_key, other_id))
    if query.after is not None:
        position, value = query.after
        nullable = query.sort.field not in NOT_NULL
        clauses.append(builder.keyset(query.sort, position, value, nullable=nullable))
    sql = (
        f"SELECT {tx.snapshot.select_lists[rt.name]} FROM {builder.table()} "
        f"WHERE {' AND '.join(clauses)} ORDER BY {builder.order_by(query.sort, query.forward)} "
        f"LIMIT {int(query.limit) + 1}"
    )
    rows = tx.execute(sql, builder.params).fetchall()
    return [_record_of_row(tx.snapshot, rt, row) for row in rows]


def aggregate(
    tx: Transaction,
    rt: RecordType,
    read_value: ValueReader,
    group_by: list,
    measures: dict[str, Measure],
    bucket: Bucket | None,
    restrictions: list[Where],
) -> list[dict[str, Any]]:
    """The rows of an aggregate query (see :func:`~crm_core.storage.aggregate.aggregate_query`)
    with values as records hold them: the group keys, ``bucket`` (with a bucket), then
    each measure (counts as ints, ``avg``/``median`` as floats)."""
    field_types = tx.registry.field_types
    builder = SQLBuilder(tx.snapshot.dialect, rt, read_value, field_types)
    sql = aggregate_query(builder, group_by, measures, bucket, restrictions)
    rows = tx.execute(sql, builder.params).fetchall()
    readers = tx.snapshot.readers[rt.name]
    result = []
    for row in rows:
        values = iter(row)
        item: dict[str, Any] = {}
        for f in group_by:
            item[f.name] = field_types[f.type].from_storage(readers[f.name](next(values)))
        if bucket is not None:
            item["bucket"] = next(values)
        for name, measure in measures.items():
            item[name] = _measure_value(tx, rt, measure, next(values))
        result.append(item)
    return result


def _measure_value(tx: Transaction, rt: RecordType, measure: Measure, raw: Any) -> Any:
    if measure.kind == "count":
        return int(raw or 0)
    if raw is None:
        return None
    if measure.kind in ("avg", "median"):
        return float(raw)
    f = measure.field
    field_type = tx.registry.field_types[f.type]
    if measure.kind == "sum" and storage_type(f, field_type) is int:
        return int(raw)
    return field_type.from_storage(tx.snapshot.readers[rt.name][f.name](raw))


def _record_of_row(snapshot: Snapshot, rt: RecordType, row) -> dict[str, Any]:
    converters: list[Callable[[Any], Any] | None] = snapshot.row_converters[rt.name]
    return {
        f.name: raw if convert is None else convert(raw)
        for f, convert, raw in zip(rt.fields, converters, row, strict=True)
    }


def _deleted_flag(f, value: Any) -> Any:
    """A Pony row's ``deleted`` reads ``None`` before it is first written: not deleted."""
    if value is None and f.name == "deleted":
        return False
    return value
