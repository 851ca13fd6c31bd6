"""The records service: the one Python API for reading and changing records.

The CLI, the web UI, the JSON API and plugins all come through here, so validation,
numbering, history, the search index, tags, permissions and hooks happen the same way
whoever asks. Records are plain dicts of field values (``id``, ``number``, the system
fields, every plugin and custom field, and ``tags``). Errors come back as
:class:`~crm_core.errors.ValidationError` (field → message), :class:`NotFound` or
:class:`Conflict`, never as a database exception.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from . import clock, textsearch
from .actors import SYSTEM, Actor
from .comments import INTERNAL_NOTE
from .errors import Conflict, NotFound, PermissionDenied, ValidationError
from .events import Event
from .fieldtypes import FieldError, fits_id
from .i18n import msg
from .query import And, Condition, Nothing, Or, Where, every
from .registry import RelationEnd
from .schema import SOURCES, RecordType
from .storage import search_index
from .storage.aggregate import aggregate_query, check_bucket, check_group_by, parse_measures
from .storage.bulk import BulkInserts
from .storage.entities import HISTORY_COLUMNS, attr_name, storage_type, table_name
from .storage.listing import Cursor, SortKey, SQLBuilder, decode_cursor, encode_cursor
from .storage.store import Snapshot, Transaction
from .validation import (
    DatabaseChecks,
    check_values,
    missing_required,
    unique_clashes,
    unknown_fields,
)

if TYPE_CHECKING:
    from .runtime import CRM

MAX_LIMIT = 500


def _to_json(changes: dict[str, Any]) -> str:
    """History entries' JSON: orjson writes one in a sixth of the time ``json`` takes,
    which an import pays per row. What orjson refuses and ``json`` takes (a plugin's
    ``add_history`` with non-text keys or integers past 64 bits) goes to ``json``."""
    try:
        return orjson.dumps(changes).decode()
    except orjson.JSONEncodeError:
        return _json_fallback(changes)


_json_fallback = json.JSONEncoder(ensure_ascii=False).encode


TAG_MAX = 64


@dataclass
class Page:
    """One page of a list; the cursors are opaque strings for the next/previous page."""

    records: list[dict[str, Any]]
    next_cursor: str | None = None
    prev_cursor: str | None = None


def normalize_tags(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list | tuple | set):
        raise ValidationError({"tags": msg("must be a list of words, or text separated by commas")})
    tags = []
    for item in raw:
        if not isinstance(item, str):
            raise ValidationError({"tags": msg("must be a list of words")})
        tag = " ".join(item.split()).casefold()
        if len(tag) > TAG_MAX:
            raise ValidationError(
                {"tags": msg("a tag must be at most {limit} characters", limit=TAG_MAX)}
            )
        if tag and tag not in tags:
            tags.append(tag)
    return sorted(tags)


class RecordsService:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store
        self.hook = crm.hook

    # -- reading ------------------------------------------------------------------------

    def get(
        self,
        type_name: str,
        key: int | str,
        *,
        actor: Actor = SYSTEM,
        include_deleted: bool = False,
    ) -> dict[str, Any]:
        """One record by id or number. Missing, deleted or not visible: :class:`NotFound`."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            record = self._read(tx, rt, key)
            if record is None or (record["deleted"] and not include_deleted):
                raise NotFound(msg("{type} {key} not found", type=rt.name, key=key))
            self._require_visible(tx, rt, record, actor)
            record["tags"] = self._tags_of(tx, rt.name, [record["id"]]).get(record["id"], [])
            return record

    def list(
        self,
        type_name: str,
        *,
        where: Where | Iterable[Condition] | dict[str, Any] | None = None,
        sort: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        actor: Actor = SYSTEM,
        tag: str | None = None,
        deleted: bool = False,
        related_to: tuple[str, int, str] | None = None,
    ) -> Page:
        """A page of records, filtered and sorted, read with keyset pagination.

        ``sort`` is a field name, ``-name`` for descending (default ``-modified_at``).
        ``related_to`` is ``(other_type, other_id, relation)``: only records linked to that
        record through its many-to-many relation of that name.
        """
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            return self._list(tx, rt, where, sort, limit, cursor, actor, tag, deleted, related_to)

    def iterate(
        self,
        type_name: str,
        *,
        where: Where | Iterable[Condition] | dict[str, Any] | None = None,
        sort: str = "id",
        actor: Actor = SYSTEM,
        tag: str | None = None,
        deleted: bool = False,
        batch: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Every matching record (of the recycle bin with ``deleted``), a page at a time
        (exports and bulk work)."""
        cursor = None
        while True:
            page = self.list(
                type_name,
                where=where,
                sort=sort,
                limit=batch,
                cursor=cursor,
                actor=actor,
                tag=tag,
                deleted=deleted,
            )
            yield from page.records
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def related(
        self,
        type_name: str,
        record_id: int,
        relation: str,
        *,
        actor: Actor = SYSTEM,
        limit: int = 50,
        cursor: str | None = None,
        sort: str | None = None,
    ) -> tuple[RecordType, Page]:
        """Records linked to one record through one of its many-to-many relations."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            end = tx.registry.relation_end(rt.name, relation)
            self.get(rt.name, record_id, actor=actor)
            other = tx.registry.type(end.other_type)
            page = self._list(
                tx,
                other,
                None,
                sort,
                limit,
                cursor,
                actor,
                None,
                False,
                (rt.name, record_id, relation),
            )
            return other, page

    def history(
        self, type_name: str, record_id: int, *, actor: Actor = SYSTEM
    ) -> list[dict[str, Any]]:
        """Change history, newest first: kind, actor, at, changes {field: [old, new]}, note.
        A customer (an actor who is not staff) gets no entry about internal comments."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            self.get(rt.name, record_id, actor=actor, include_deleted=True)
            rows = tx.execute(
                "SELECT id, kind, actor, at, changes, note FROM crm_history "
                "WHERE record_type = ? AND record_id = ? ORDER BY id DESC",
                (rt.name, record_id),
            ).fetchall()
            read_at = tx.snapshot.dialect.reader(dt.datetime)
            return [
                {
                    "id": row[0],
                    "kind": row[1],
                    "actor": row[2],
                    "at": read_at(row[3]),
                    "changes": _json_value(row[4]) or {},
                    "note": row[5],
                }
                for row in rows
                if actor.is_staff or not (row[5] or "").startswith(INTERNAL_NOTE)
            ]

    def titles(self, refs: Iterable[str], *, actor: Actor = SYSTEM) -> dict[str, dict[str, Any]]:
        """Display data for ``type:id`` references: ``{"type:id": {"number", "title"}}``.
        One query per record type, for showing reference fields in lists."""
        wanted: dict[str, set[int]] = {}
        for ref in refs:
            kind, _, ident = ref.partition(":")
            if ident.isdigit():
                wanted.setdefault(kind, set()).add(int(ident))
        found: dict[str, dict[str, Any]] = {}
        with self.store.reading() as tx:
            q = tx.quote
            for type_name, ids in wanted.items():
                rt = tx.registry.types.get(type_name)
                if rt is None or not ids:
                    continue
                builder = SQLBuilder(
                    tx.snapshot.dialect, rt, self._condition_value(tx), tx.registry.field_types
                )
                restriction = builder.where(self._permission_where(tx, rt, actor, "view"))
                id_list = sorted(ids)
                title_field = rt.field(rt.title_field)
                rows = tx.execute(
                    f"SELECT {q('id')}, {q('number')}, {q(title_field.column)}, {q('deleted')} "
                    f"FROM {q(table_name(rt.name))} WHERE {q('id')} IN "
                    f"({', '.join('?' for _ in id_list)}) AND {restriction}",
                    (*id_list, *builder.params),
                ).fetchall()
                ftype = tx.registry.field_types[title_field.type]
                reader = tx.snapshot.readers[rt.name][title_field.name]
                for ident, number, title, deleted in rows:
                    value = ftype.from_storage(reader(title))
                    found[f"{type_name}:{ident}"] = {
                        "type": type_name,
                        "id": ident,
                        "number": number,
                        "title": ftype.to_text(value, title_field) or number,
                        "deleted": bool(deleted),
                    }
        return found

    def count(
        self,
        type_name: str,
        *,
        where: Where | Iterable[Condition] | dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
    ) -> int:
        """How many records match ``where`` (one ``COUNT`` query, with the permission rules
        a list applies). For totals and dashboards; list pages never need it."""
        return self.aggregate(type_name, where=where, actor=actor)[0]["count"]

    def aggregate(
        self,
        type_name: str,
        *,
        where: Where | Iterable[Condition] | dict[str, Any] | None = None,
        group_by: Iterable[str] = (),
        measures: dict[str, str | tuple[str, str]] | None = None,
        bucket: tuple[str, Iterable[Any]] | None = None,
        actor: Actor = SYSTEM,
    ) -> list[dict[str, Any]]:
        """Numbers over the records ``actor`` may see, computed by the database.

        ``measures`` maps result names to ``"count"`` or ``(kind, field)`` with kind one of
        ``sum``, ``avg``, ``median`` (number fields), ``min``, ``max`` (default:
        ``{"count": "count"}``). ``group_by`` names fields: one result row per combination
        of their values that occurs. ``bucket`` is ``(field, edges)``: rows are counted
        into the half-open ranges ``[edges[i], edges[i + 1])`` (days in a time zone, price
        bands...) and each result row carries ``"bucket": i``; rows outside the edges are
        left out. Without ``group_by`` and ``bucket`` the answer is one row. Values come
        back as a record holds them (codes, owner refs, datetimes); ``avg`` and ``median``
        as floats, ``None`` when no row has a value.

            crm.records.aggregate("ticket", group_by=["status"])
            → [{"status": "open", "count": 12}, {"status": "closed", "count": 40}]
        """
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            field_types = tx.registry.field_types
            keys = check_group_by(rt, list(group_by))
            wanted = parse_measures(rt, field_types, measures)
            histogram = check_bucket(rt, *bucket) if bucket is not None else None
            builder = SQLBuilder(
                tx.snapshot.dialect, rt, self._condition_value(tx), tx.registry.field_types
            )
            restrictions = [
                Condition("deleted", "eq", False),
                *filter(None, (_as_where(where), self._permission_where(tx, rt, actor, "view"))),
            ]
            sql = aggregate_query(builder, keys, wanted, histogram, restrictions)
            rows = tx.execute(sql, builder.params).fetchall()
            readers = tx.snapshot.readers[rt.name]
            result = []
            for row in rows:
                values = iter(row)
                item: dict[str, Any] = {}
                for field in keys:
                    raw = readers[field.name](next(values))
                    item[field.name] = field_types[field.type].from_storage(raw)
                if histogram is not None:
                    item["bucket"] = next(values)
                for name, measure in wanted.items():
                    item[name] = self._measure_value(tx, rt, measure, next(values))
                result.append(item)
            return result

    def _measure_value(self, tx: Transaction, rt: RecordType, measure, raw: Any) -> Any:
        if measure.kind == "count":
            return int(raw or 0)
        if raw is None:
            return None
        if measure.kind in ("avg", "median"):
            return float(raw)
        field = measure.field
        field_type = tx.registry.field_types[field.type]
        if measure.kind == "sum" and storage_type(field, field_type) is int:
            return int(raw)
        return field_type.from_storage(tx.snapshot.readers[rt.name][field.name](raw))

    # -- writing ------------------------------------------------------------------------

    def create(
        self,
        type_name: str,
        values: dict[str, Any],
        *,
        actor: Actor = SYSTEM,
        source: str = "crm",
        keep_number: bool = False,
        allow_read_only: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Validate and store a new record; returns it as stored.

        ``values`` may include ``tags`` (a list). With ``keep_number`` (imports), a given
        ``number`` is kept when it is free and the counter moves past it.
        ``allow_read_only`` lets a plugin's own code set fields users may not (a link the
        plugin maintains, or ``created_at`` of records carried over from elsewhere).
        """
        if source not in SOURCES:
            raise ValidationError(
                {"source": msg("must be one of {choices}", choices=", ".join(SOURCES))}
            )
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            self._require_allowed(tx, rt, None, actor, "create")
            prepared = self._prepare_new(
                tx, rt, values, actor, source, keep_number, allow_read_only, DatabaseChecks(tx)
            )
            record = self._insert_new(tx, rt, prepared, actor, None)
            tx.events.append(Event("created", rt.name, record["id"], actor, prepared.changes))
            return dict(record)

    def create_many(
        self,
        type_name: str,
        rows: Iterable[tuple[int, dict[str, Any]]],
        *,
        actor: Actor = SYSTEM,
        source: str = "import",
        keep_number: bool = True,
        allow_read_only: frozenset[str] = frozenset(),
        on_error: Callable[[int, ValidationError], None] | None = None,
        on_stored: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> list[int]:
        """Create many records in the current transaction, each validated exactly like
        :meth:`create`, written in batches without keeping them in memory (imports of a
        million rows). ``rows`` yields ``(line, values)``; a row's :class:`ValidationError`
        goes to ``on_error`` (which may raise to stop) and the row is skipped;
        ``on_stored(line, record)`` is told of each row once its batch is written. Returns
        the ids of the records stored, in order.

        Each row is checked in turn and ``crm_after_save`` runs for it at once; the rows,
        with their history, tag and search entries, are queued and written a batch at a
        time (:meth:`Transaction.bulk_inserts`), and anything that reads meanwhile has the
        queue written first, so a row may refer to an earlier one by its number.
        ``crm_after_commit`` gets one ``imported`` event."""
        tx = self.store.current_transaction()
        if tx is None or not tx.write:
            raise RuntimeError("create_many runs inside crm.transaction()")
        if source not in SOURCES:
            raise ValidationError(
                {"source": msg("must be one of {choices}", choices=", ".join(SOURCES))}
            )
        rt = tx.registry.type(type_name)
        self._require_allowed(tx, rt, None, actor, "create")
        checks = DatabaseChecks(tx)
        ids: list[int] = []
        batch: list[tuple[int, dict[str, Any]]] = []  # rows queued, for on_stored
        with tx.bulk_inserts() as bulk:
            for line, values in rows:
                try:
                    prepared = self._prepare_new(
                        tx, rt, values, actor, source, keep_number, allow_read_only, checks
                    )
                except ValidationError as exc:
                    if on_error is None:
                        raise
                    on_error(line, exc)
                    continue
                record = self._insert_new(tx, rt, prepared, actor, bulk)
                ids.append(record["id"])
                batch.append((line, record))
                if len(batch) == BULK_BATCH:
                    bulk.flush()
                    _tell(on_stored, batch)
                    batch = []
            bulk.flush()  # the queue may be an outer call's, which writes it later
        _tell(on_stored, batch)
        tx.events.append(Event("imported", rt.name, 0, actor, detail={"count": len(ids)}))
        return ids

    def _prepare_new(
        self,
        tx: Transaction,
        rt: RecordType,
        values: dict[str, Any],
        actor: Actor,
        source: str,
        keep_number: bool,
        allow_read_only: frozenset[str],
        checks: DatabaseChecks,
    ) -> _NewRecord:
        """Validation, defaults, number and plugin rules of a new record (nothing written)."""
        values = dict(values)
        tags = normalize_tags(values.pop("tags", None))
        given_number = values.pop("number", None) if keep_number else None
        errors = unknown_fields(rt, values, allow_read_only=allow_read_only)
        if errors:
            values = {k: v for k, v in values.items() if k not in errors}
        clean = check_values(tx, rt, values, errors, checks)
        now = clock.utcnow()
        record = rt.defaults()
        record.update(
            id=None,
            number=None,
            assigned_to=actor.ref if actor.kind == "user" else None,
            created_at=now,
            created_by=actor.ref,
            modified_at=now,
            modified_by=actor.ref,
            source=source,
            deleted=False,
        )
        record.update(clean)
        errors.update(missing_required(rt, record, rt.required_fields))
        if errors:
            raise ValidationError(errors)
        record["number"] = self._number_for(tx, rt, record, given_number)
        self._run_rules(tx, rt, record, None, actor, checks, set(record))
        data_names = rt.data_names
        changes = {
            name: (None, value)
            for name, value in record.items()
            # Most values of a new record are None: that cheap test goes first (the last
            # one also leaves out False and 0, as history has always done).
            if value is not None and name in data_names and value not in (None, False)
        }
        if tags:
            changes["tags"] = ([], tags)
        return _NewRecord(record, tags, changes)

    def _insert_new(
        self,
        tx: Transaction,
        rt: RecordType,
        new: _NewRecord,
        actor: Actor,
        bulk: BulkInserts | None,
    ) -> dict[str, Any]:
        """Insert a prepared record with its history, tag and search entries (or queue
        them all in ``bulk``), then run ``crm_after_save``: a handler that changes the
        record finds every entry of it in place."""
        record = new.record
        plan = tx.snapshot.insert_plans[rt.name]
        if bulk is None:
            ident = record["id"] = tx.snapshot.dialect.insert_row(
                tx.connection(), plan.table, plan.columns, plan.values(record)
            )
        else:
            ident = record["id"] = bulk.new_id(plan.table)
            bulk.add(plan.table, plan.columns_with_id, [ident, *plan.values(record)])
        history = self._history_row(
            tx, rt, ident, "created", actor, new.changes, now=record["created_at"]
        )
        tags = [(rt.name, ident, tag) for tag in new.tags]
        search = (
            ident,
            0,
            record.get("assigned_to"),
            textsearch.index_text(self.search_body(tx, rt, record)),
        )
        if bulk is None:
            dialect, connection = tx.snapshot.dialect, tx.connection()
            dialect.insert_many(connection, "crm_history", HISTORY_COLUMNS, [history])
            dialect.insert_many(connection, "crm_tag", TAG_COLUMNS, tags)
            search_index.put_new(tx, rt.name, [search])
        else:
            bulk.add("crm_history", HISTORY_COLUMNS, history)
            for row in tags:
                bulk.add("crm_tag", TAG_COLUMNS, row)
            search_index.queue_new(bulk, rt.name, search)
        record["tags"] = new.tags
        self.hook.crm_after_save(
            crm=self.crm,
            record_type=rt,
            record=record,
            old=None,
            changes=new.changes,
            actor=actor,
            created=True,
        )
        return record

    def update(
        self,
        type_name: str,
        key: int | str,
        values: dict[str, Any],
        *,
        actor: Actor = SYSTEM,
        allow_read_only: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Change some fields of a record (a partial update); returns the record as stored.

        ``allow_read_only`` lets a plugin's own code set fields users may not edit (a
        computed field such as a contract's used units).
        """
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            obj = self._find(tx, rt, key, for_update=True)
            if obj is None or obj.f_deleted:
                raise NotFound(msg("{type} {key} not found", type=rt.name, key=key))
            old = self._from_entity(tx.snapshot, rt, obj)
            self._require_visible(tx, rt, old, actor)
            self._require_allowed(tx, rt, old, actor, "edit")
            old["tags"] = self._tags_of(tx, rt.name, [old["id"]]).get(old["id"], [])
            values = dict(values)
            new_tags = normalize_tags(values.pop("tags")) if "tags" in values else old["tags"]
            errors = unknown_fields(rt, values, allow_read_only=allow_read_only)
            checks = DatabaseChecks(tx, current=old)
            clean = check_values(
                tx, rt, {k: v for k, v in values.items() if k not in errors}, errors, checks
            )
            record = {**old, **clean}
            changed = {name for name, value in clean.items() if value != old.get(name)}
            errors.update(missing_required(rt, record, [rt.field(n) for n in clean]))
            if errors:
                raise ValidationError(errors)
            if not changed and new_tags == old["tags"]:
                return old
            self._run_rules(tx, rt, record, old, actor, checks, changed)
            changed = {name for name in record if name != "tags" and record[name] != old.get(name)}
            now = clock.utcnow()
            record.update(modified_at=now, modified_by=actor.ref)
            changes = {name: (old.get(name), record[name]) for name in sorted(changed)}
            for name in changed | {"modified_at", "modified_by"}:
                field = rt.field(name)
                setattr(obj, attr_name(name), self._to_column(tx, field, record[name]))
            if new_tags != old["tags"]:
                changes["tags"] = (old["tags"], new_tags)
                self._write_tags(tx, rt.name, old["id"], old["tags"], new_tags)
            record["tags"] = new_tags
            self._record_history(tx, rt, old["id"], "updated", actor, changes, now=now)
            if self._index_affected(rt, changed):
                self._index(tx, rt, record)
            self.hook.crm_after_save(
                crm=self.crm,
                record_type=rt,
                record=record,
                old=old,
                changes=changes,
                actor=actor,
                created=False,
            )
            tx.events.append(Event("updated", rt.name, old["id"], actor, changes))
            return dict(record)

    def delete(self, type_name: str, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        """Move a record to the recycle bin (restorable)."""
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            obj = self._find(tx, rt, key, for_update=True)
            if obj is None or obj.f_deleted:
                raise NotFound(msg("{type} {key} not found", type=rt.name, key=key))
            record = self._from_entity(tx.snapshot, rt, obj)
            self._require_visible(tx, rt, record, actor)
            self._require_allowed(tx, rt, record, actor, "delete")
            self.hook.crm_before_delete(crm=self.crm, record_type=rt, record=record, actor=actor)
            now = clock.utcnow()
            obj.f_deleted = True
            obj.f_modified_at, obj.f_modified_by = now, actor.ref
            search_index.remove(tx, rt.name, record["id"])
            self._record_history(tx, rt, record["id"], "deleted", actor, {}, now=now)
            record["deleted"] = True
            self.hook.crm_after_delete(
                crm=self.crm, record_type=rt, record=record, actor=actor, purged=False
            )
            tx.events.append(Event("deleted", rt.name, record["id"], actor))
            return record

    def restore(self, type_name: str, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        """Bring a record back from the recycle bin."""
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            obj = self._find(tx, rt, key, for_update=True)
            if obj is None:
                raise NotFound(msg("{type} {key} not found", type=rt.name, key=key))
            record = self._from_entity(tx.snapshot, rt, obj)
            self._require_visible(tx, rt, record, actor)
            if not obj.f_deleted:
                raise Conflict(msg("{number} is not in the recycle bin", number=record["number"]))
            self._require_allowed(tx, rt, record, actor, "delete")  # undoing a delete
            now = clock.utcnow()
            obj.f_deleted = False
            obj.f_modified_at, obj.f_modified_by = now, actor.ref
            record.update(deleted=False, modified_at=now, modified_by=actor.ref)
            self._index(tx, rt, record)
            self.crm.comments.reindex_record(tx, rt.name, record["id"], record["assigned_to"])
            self._record_history(tx, rt, record["id"], "restored", actor, {}, now=now)
            self.hook.crm_after_restore(crm=self.crm, record_type=rt, record=record, actor=actor)
            tx.events.append(Event("restored", rt.name, record["id"], actor))
            return record

    def purge(self, type_name: str, key: int | str, *, actor: Actor = SYSTEM) -> None:
        """Remove a deleted record for good (administrators only)."""
        if not actor.is_admin:
            raise PermissionDenied(msg("only administrators may purge records"))
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            obj = self._find(tx, rt, key, for_update=True)
            if obj is None:
                raise NotFound(msg("{type} {key} not found", type=rt.name, key=key))
            if not obj.f_deleted:
                raise Conflict(
                    msg("only records in the recycle bin can be purged; delete it first")
                )
            record = self._from_entity(tx.snapshot, rt, obj)
            obj.delete()
            ident = record["id"]
            tx.execute(
                "DELETE FROM crm_tag WHERE record_type = ? AND record_id = ?", (rt.name, ident)
            )
            for end in tx.registry.relation_ends(rt.name):
                side = "left_id" if end.owner_side else "right_id"
                tx.execute(
                    f"DELETE FROM crm_link WHERE relation = ? AND {side} = ?",
                    (end.relation.key, ident),
                )
            search_index.remove(tx, rt.name, ident)
            self.crm.comments.purge_record(tx, rt.name, ident)
            self.crm.attachments.purge_record(tx, rt.name, ident)
            self._record_history(
                tx, rt, ident, "purged", actor, {}, note=f"{record['number']} purged"
            )
            self.hook.crm_after_delete(
                crm=self.crm, record_type=rt, record=record, actor=actor, purged=True
            )
            tx.events.append(Event("purged", rt.name, ident, actor))

    def link(
        self,
        type_name: str,
        key: int | str,
        relation: str,
        other_key: int | str,
        *,
        actor: Actor = SYSTEM,
    ) -> None:
        """Link two records through a many-to-many relation (from either side)."""
        self._link_or_unlink(type_name, key, relation, other_key, actor, link=True)

    def unlink(
        self,
        type_name: str,
        key: int | str,
        relation: str,
        other_key: int | str,
        *,
        actor: Actor = SYSTEM,
    ) -> None:
        self._link_or_unlink(type_name, key, relation, other_key, actor, link=False)

    def linked_ids(self, type_name: str, record_id: int, relation: str) -> list[int]:
        """Ids of the records linked to one record through a relation (no permission check;
        for plugin code that recomputes totals)."""
        with self.store.reading() as tx:
            end = tx.registry.relation_end(type_name, relation)
            mine, theirs = ("left_id", "right_id") if end.owner_side else ("right_id", "left_id")
            rows = tx.execute(
                f"SELECT {theirs} FROM crm_link WHERE relation = ? AND {mine} = ? ORDER BY id",
                (end.relation.key, record_id),
            ).fetchall()
            return [row[0] for row in rows]

    def lock(self, type_name: str, key: int | str) -> dict[str, Any]:
        """Lock one record's row until the current transaction ends and return it as stored
        now (no permission check; for plugin code).

        For read-modify-write of values other requests change at the same time (a
        contract's used units, a vote counter): lock, compute from what this returns, then
        :meth:`update`. A second transaction locking the same record waits until the first
        commits and then reads its result, so no update is lost. Call it inside
        ``crm.transaction()`` and before anything else in the transaction reads the record.
        """
        tx = self.store.current_transaction()
        if tx is None or not tx.write:
            raise RuntimeError("records.lock runs inside crm.transaction()")
        rt = tx.registry.type(type_name)
        obj = self._find(tx, rt, key, for_update=True)
        if obj is None or obj.f_deleted:
            raise NotFound(msg("{type} {key} not found", type=rt.name, key=key))
        record = self._from_entity(tx.snapshot, rt, obj)
        record["tags"] = self._tags_of(tx, rt.name, [record["id"]]).get(record["id"], [])
        return record

    def _link_or_unlink(self, type_name, key, relation, other_key, actor, link: bool) -> None:
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            end = tx.registry.relation_end(rt.name, relation)
            other_rt = tx.registry.type(end.other_type)
            this = self.get(rt.name, key, actor=actor)
            other = self.get(other_rt.name, other_key, actor=actor)
            self._require_allowed(tx, rt, this, actor, "edit")
            left, right = (this, other) if end.owner_side else (other, this)
            relation_key = end.relation.key
            exists = tx.execute(
                "SELECT id FROM crm_link WHERE relation = ? AND left_id = ? AND right_id = ?",
                (relation_key, left["id"], right["id"]),
            ).fetchone()
            if link and exists:
                raise Conflict(
                    msg(
                        "{number} and {other} are already linked",
                        number=this["number"],
                        other=other["number"],
                    )
                )
            if not link and not exists:
                raise NotFound(
                    msg(
                        "{number} and {other} are not linked",
                        number=this["number"],
                        other=other["number"],
                    )
                )
            now = clock.utcnow()
            if link:
                tx.snapshot.system.Link(
                    relation=relation_key,
                    left_id=left["id"],
                    right_id=right["id"],
                    created_at=now,
                    created_by=actor.ref,
                )
            else:
                tx.execute("DELETE FROM crm_link WHERE id = ?", (exists[0],))
            kind = "linked" if link else "unlinked"
            for record, record_rt, partner in ((this, rt, other), (other, other_rt, this)):
                self._record_history(
                    tx,
                    record_rt,
                    record["id"],
                    kind,
                    actor,
                    {},
                    note=f"{partner['number']}",
                    now=now,
                )
            owner_rt, owner = (rt, this) if end.owner_side else (other_rt, other)
            partner_rt, partner = (other_rt, other) if end.owner_side else (rt, this)
            hook = self.hook.crm_after_link if link else self.hook.crm_after_unlink
            hook(
                crm=self.crm,
                relation=end.relation,
                record_type=owner_rt,
                record=owner,
                other_type=partner_rt,
                other=partner,
                actor=actor,
            )
            tx.events.append(
                Event(
                    kind,
                    owner_rt.name,
                    owner["id"],
                    actor,
                    detail={"relation": end.relation.key, "other": partner["id"]},
                )
            )

    # -- numbering ----------------------------------------------------------------------

    def _number_for(self, tx: Transaction, rt: RecordType, record: dict, given: Any) -> str:
        if given:
            number = str(given).strip()
            if self._number_taken(tx, rt, number):
                raise ValidationError({"number": msg("{number} is already used", number=number)})
            prefix, _counter = self.crm.numbering.current(tx, rt)
            if number.startswith(prefix) and number[len(prefix) :].isdigit():
                self.crm.numbering.advance_past(tx, rt, int(number[len(prefix) :]))
            return number
        custom = self.hook.crm_autonumber(crm=self.crm, record_type=rt, record=record)
        if not custom:
            return self.crm.numbering.next(tx, rt)
        if self._number_taken(tx, rt, custom):
            # Said here rather than left to the database's unique index, whose error
            # names neither the number nor where it came from.
            raise ValidationError(
                {
                    "number": msg(
                        "{number} is already used: the number a plugin's crm_autonumber "
                        "gave this {type} belongs to another record; change the values it "
                        "is made from",
                        number=custom,
                        type=rt.label["en"].lower(),
                    )
                }
            )
        return custom

    @staticmethod
    def _number_taken(tx: Transaction, rt: RecordType, number: str) -> bool:
        q = tx.quote
        return (
            tx.execute(
                f"SELECT 1 FROM {q(table_name(rt.name))} WHERE {q('number')} = ?",
                (number,),
                reads=(table_name(rt.name),),
            ).fetchone()
            is not None
        )

    # -- rules, history, index ----------------------------------------------------------

    def _run_rules(
        self,
        tx: Transaction,
        rt: RecordType,
        record: dict,
        old: dict | None,
        actor: Actor,
        checks: DatabaseChecks,
        changed: set[str],
    ) -> None:
        """Uniqueness, plugin rules (``crm_validate``), then ``crm_before_save``; values a
        before-save handler changes are checked again like user input."""
        errors = unique_clashes(tx, rt, record, changed)
        for result in self.hook.crm_validate(
            crm=self.crm, record_type=rt, record=dict(record), old=old, actor=actor
        ):
            for name, message in (result or {}).items():
                errors.setdefault(name, message)
        if errors:
            raise ValidationError(errors)
        before = dict(record)
        self.hook.crm_before_save(crm=self.crm, record_type=rt, record=record, old=old, actor=actor)
        was = before.get
        touched = {
            name: value
            for name, value in record.items()
            if value is not was(name) and value != was(name)  # the same object: unchanged
        }
        touched.pop("tags", None)
        if touched:
            problems: dict[str, str] = {}
            unknown = [name for name in touched if not rt.has_field(name)]
            if unknown:
                raise ValidationError(dict.fromkeys(unknown, msg("is not a field")))
            record.update(check_values(tx, rt, touched, problems, checks))
            if problems:
                raise ValidationError(problems)

    def _record_history(
        self,
        tx: Transaction,
        rt: RecordType,
        record_id: int,
        kind: str,
        actor: Actor,
        changes: dict[str, tuple[Any, Any]],
        *,
        note: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        row = self._history_row(tx, rt, record_id, kind, actor, changes, note=note, now=now)
        tx.snapshot.dialect.insert_many(tx.connection(), "crm_history", HISTORY_COLUMNS, [row])

    def _history_row(
        self,
        tx: Transaction,
        rt: RecordType,
        record_id: int,
        kind: str,
        actor: Actor,
        changes: dict[str, tuple[Any, Any]],
        *,
        note: str | None = None,
        now: dt.datetime | None = None,
    ) -> tuple:
        """A ``crm_history`` row: who, when, what kind, and each field's old and new value
        in JSON form."""
        field_types = tx.registry.field_types
        serialised = {}
        for name, (before, after) in changes.items():
            field = rt.field(name)
            if field is None:  # tags
                serialised[name] = [before, after]
                continue
            to_json = field_types[field.type].to_json
            serialised[name] = [to_json(before, field), to_json(after, field)]
        return (
            rt.name,
            record_id,
            kind,
            actor.ref,
            tx.snapshot.dialect.to_db(now or clock.utcnow()),
            _to_json(serialised) if serialised else None,
            note,
        )

    def add_history(
        self,
        type_name: str,
        record_id: int,
        kind: str,
        *,
        actor: Actor = SYSTEM,
        note: str | None = None,
        changes: dict[str, tuple[Any, Any]] | None = None,
    ) -> None:
        """Write a history entry for something a plugin did (a merge, an email sent...)."""
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            self._record_history(tx, rt, record_id, kind, actor, changes or {}, note=note)

    def move_activity(
        self,
        from_type: str,
        from_id: int,
        to_type: str,
        to_id: int,
        *,
        history: bool = False,
        links: bool = False,
        actor: Actor = SYSTEM,
    ) -> dict[str, int]:
        """Move comments and attachments (and optionally history entries and many-to-many
        links) from one record to another, as merges and lead conversions do. Returns how
        many of each moved; both records get a history entry."""
        with self.store.transaction() as tx:
            source = self.get(from_type, from_id, actor=actor, include_deleted=True)
            target = self.get(to_type, to_id, actor=actor)
            moved = {
                "comments": self.crm.comments.move(
                    tx, from_type, source["id"], to_type, target["id"]
                ),
                "attachments": self.crm.attachments.move(
                    tx, from_type, source["id"], to_type, target["id"]
                ),
            }
            if history:
                moved["history"] = tx.execute(
                    "UPDATE crm_history SET record_type = ?, record_id = ?, note = "
                    "COALESCE(note, '') || ? WHERE record_type = ? AND record_id = ?",
                    (to_type, target["id"], f" [from {source['number']}]", from_type, source["id"]),
                ).rowcount
            if links:
                moved["links"] = self._move_links(
                    tx, from_type, source["id"], to_type, target["id"]
                )
            note = ", ".join(f"{count} {name}" for name, count in moved.items() if count)
            for record_type, record, partner, kind in (
                (from_type, source, target, "moved_out"),
                (to_type, target, source, "moved_in"),
            ):
                rt = tx.registry.type(record_type)
                self._record_history(
                    tx,
                    rt,
                    record["id"],
                    kind,
                    actor,
                    {},
                    note=f"{note or 'nothing'} {'to' if kind == 'moved_out' else 'from'} {partner['number']}",
                )
            return moved

    def _move_links(
        self, tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int
    ) -> int:
        """Re-point many-to-many links to the target record. Between records of one type (a
        merge) each link keeps its relation; between types (a lead becoming a contact) a
        link moves to the target type's relation with the same partner type (see
        :func:`_matching_end`). Links with no such relation stay where they are."""
        count = 0
        to_ends = tx.registry.relation_ends(to_type)
        for end in tx.registry.relation_ends(from_type):
            target_end = _matching_end(end, to_ends)
            if target_end is None:
                continue
            mine, theirs = _link_sides(end)
            new_mine, new_theirs = _link_sides(target_end)
            rows = tx.execute(
                f"SELECT id, {theirs} FROM crm_link WHERE relation = ? AND {mine} = ?",
                (end.relation.key, from_id),
            ).fetchall()
            for link_id, partner in rows:
                clash = tx.execute(
                    f"SELECT 1 FROM crm_link WHERE relation = ? AND {new_mine} = ? "
                    f"AND {new_theirs} = ?",
                    (target_end.relation.key, to_id, partner),
                ).fetchone()
                if clash:
                    tx.execute("DELETE FROM crm_link WHERE id = ?", (link_id,))
                else:
                    tx.execute(
                        f"UPDATE crm_link SET relation = ?, {new_mine} = ?, {new_theirs} = ? "
                        "WHERE id = ?",
                        (target_end.relation.key, to_id, partner, link_id),
                    )
                    count += 1
        return count

    def _index_affected(self, rt: RecordType, changed: set[str]) -> bool:
        return any(name in changed for name in ("assigned_to", *(f.name for f in rt.search_fields)))

    def search_body(self, tx: Transaction | None, rt: RecordType, record: dict) -> str:
        """The text of a record that search finds: number, title and searchable fields."""
        registry = tx.registry if tx is not None else self.crm.registry
        parts = [record.get("number") or ""]
        for field in rt.search_fields:
            value = record.get(field.name)
            if value is None:
                continue
            if field.type in ("picklist", "multipicklist"):
                picklist = registry.picklist(field.picklist)
                codes = value if isinstance(value, list) else [value]
                for code in codes:
                    parts.extend(
                        picklist.value(code).label.values() if picklist.value(code) else [code]
                    )
                continue
            parts.append(registry.field_types[field.type].search_text(value, field))
        return "\n".join(parts)

    def _index(self, tx: Transaction, rt: RecordType, record: dict) -> None:
        body = self.search_body(tx, rt, record)
        search_index.put(
            tx, rt.name, record["id"], record.get("assigned_to"), textsearch.index_text(body)
        )

    # -- tags ---------------------------------------------------------------------------

    def _tags_of(self, tx: Transaction, type_name: str, ids: list[int]) -> dict[int, list[str]]:
        if not ids:
            return {}
        result: dict[int, list[str]] = {}
        rows = tx.execute(
            f"SELECT record_id, tag FROM crm_tag WHERE record_type = ? AND record_id IN "
            f"({', '.join('?' for _ in ids)}) ORDER BY tag",
            (type_name, *ids),
        ).fetchall()
        for record_id, tag in rows:
            result.setdefault(record_id, []).append(tag)
        return result

    def _write_tags(
        self, tx: Transaction, type_name: str, record_id: int, old: list[str], new: list[str]
    ) -> None:
        for tag in set(old) - set(new):
            tx.execute(
                "DELETE FROM crm_tag WHERE record_type = ? AND record_id = ? AND tag = ?",
                (type_name, record_id, tag),
            )
        for tag in sorted(set(new) - set(old)):
            tx.execute(
                "INSERT INTO crm_tag (record_type, record_id, tag) VALUES (?, ?, ?)",
                (type_name, record_id, tag),
            )

    def all_tags(self, type_name: str | None = None) -> list[tuple[str, int]]:
        """Tags in use with their counts (for tag filters)."""
        with self.store.reading() as tx:
            sql = "SELECT tag, COUNT(*) FROM crm_tag"
            params: tuple = ()
            if type_name:
                sql += " WHERE record_type = ?"
                params = (type_name,)
            rows = tx.execute(sql + " GROUP BY tag ORDER BY tag", params).fetchall()
            return [(row[0], row[1]) for row in rows]

    # -- permissions --------------------------------------------------------------------

    def default_filter(self, type_name: str) -> Where | None:
        """What lists and search leave out unless asked (``crm_default_filter``), e.g.
        converted leads. Callers skip it when the user filters on the same fields."""
        rt = self.crm.registry.type(type_name)
        results = self.hook.crm_default_filter(crm=self.crm, record_type=rt)
        return every(*[result for result in results if result is not None])

    def permission_where(self, type_name: str, actor: Actor, action: str = "view") -> Where | None:
        with self.store.reading() as tx:
            return self._permission_where(tx, tx.registry.type(type_name), actor, action)

    def _permission_where(
        self, tx: Transaction, rt: RecordType, actor: Actor, action: str
    ) -> Where | None:
        if actor.is_system:
            return None
        results = self.hook.crm_permission_filter(
            crm=self.crm, record_type=rt, actor=actor, action=action
        )
        if not actor.is_staff and not results:
            return Nothing()  # customers see only what a plugin grants them explicitly
        return every(*results)

    def can(self, type_name: str, record: dict | None, actor: Actor, action: str) -> bool:
        """Whether ``actor`` may do ``action`` to ``record`` (or create, when ``None``)."""
        try:
            self.require(type_name, record, actor, action)
        except (NotFound, PermissionDenied):
            return False
        return True

    def require(self, type_name: str, record: dict | None, actor: Actor, action: str) -> None:
        """Raise :class:`NotFound` or :class:`PermissionDenied` (with the reason) unless
        ``actor`` may do ``action`` to ``record`` (or create one, when ``None``)."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            if record is not None:
                self._require_visible(tx, rt, record, actor, action)
            self._require_allowed(tx, rt, record, actor, action)

    def _require_visible(
        self, tx: Transaction, rt: RecordType, record: dict, actor: Actor, action: str = "view"
    ) -> None:
        where = self._permission_where(tx, rt, actor, action)
        if where is not None and not self._matches(tx, rt, where, record):
            raise NotFound(msg("{type} {key} not found", type=rt.name, key=record["id"]))

    def _require_allowed(
        self, tx: Transaction, rt: RecordType, record: dict | None, actor: Actor, action: str
    ) -> None:
        if actor.is_system:
            return
        if record is not None and action != "view":
            self._require_visible(tx, rt, record, actor, action)
        answers = self.hook.crm_permission_check(
            crm=self.crm, record_type=rt, record=record, actor=actor, action=action
        )
        for answer in answers:
            if isinstance(answer, str):
                raise PermissionDenied(answer)
            if answer is False:
                raise PermissionDenied(_refusal(action, rt))

    def _matches(self, tx: Transaction, rt: RecordType, where: Where, record: dict) -> bool:
        """Evaluate a permission restriction on one record in Python (same rules as SQL)."""
        if isinstance(where, Nothing):
            return False
        if isinstance(where, Or):
            return any(self._matches(tx, rt, part, record) for part in where.parts)
        if isinstance(where, And):
            return all(self._matches(tx, rt, part, record) for part in where.parts)
        value = record.get(where.field)
        read = self._condition_value(tx)
        if where.op == "empty":
            return value in (None, [])
        if where.op == "notempty":
            return value not in (None, [])
        if where.op in ("in", "notin"):
            found = value in [read(rt, where.field, v) for v in where.value]
            return found if where.op == "in" else not found
        wanted = read(rt, where.field, where.value)
        if where.op == "eq":
            return value == wanted
        if where.op == "ne":
            return value != wanted
        if value is None or wanted is None:
            return False
        comparisons = {
            "lt": value < wanted,
            "gt": value > wanted,
            "lte": value <= wanted,
            "gte": value >= wanted,
        }
        if where.op in comparisons:
            return comparisons[where.op]
        raise ValidationError(
            {where.field: msg("operator {op!r} cannot be used in a permission rule", op=where.op)}
        )

    # -- listing internals --------------------------------------------------------------

    def _condition_value(self, tx: Transaction):
        checks = DatabaseChecks(tx)

        def read(rt: RecordType, name: str, raw: Any) -> Any:
            field = rt.field(name)
            ftype = tx.registry.field_types[field.type]
            try:
                value = raw
                if isinstance(value, str):
                    value = ftype.resolve(value, field, checks)
                if value is None or value == "":
                    return None
                value = ftype.coerce(value, field)
            except FieldError as exc:
                raise ValidationError({name: exc.message}) from None
            if field.type == "multipicklist":
                return value
            return ftype.to_storage(value)

        return read

    def _list(
        self,
        tx: Transaction,
        rt: RecordType,
        where,
        sort,
        limit,
        cursor,
        actor,
        tag,
        deleted,
        related_to,
    ) -> Page:
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise ValidationError({"limit": msg("must be between 1 and {limit}", limit=MAX_LIMIT)})
        limit = int(limit)
        sort_key = self._sort_key(rt, sort)
        builder = SQLBuilder(
            tx.snapshot.dialect, rt, self._condition_value(tx), tx.registry.field_types
        )
        q = tx.quote
        clauses = [f"{q('deleted')} = ?"]
        builder.params.append(bool(deleted))
        user_where = _as_where(where)
        if user_where is not None:
            clauses.append(builder.where(user_where))
        permission = self._permission_where(tx, rt, actor, "view")
        if permission is not None:
            clauses.append(builder.where(permission))
        if tag:
            clauses.append(
                f"{q('id')} IN (SELECT record_id FROM crm_tag WHERE record_type = ? AND tag = ?)"
            )
            builder.params.extend(
                (rt.name, normalize_tags([tag])[0] if normalize_tags([tag]) else tag)
            )
        if related_to:
            other_type, other_id, relation = related_to
            end = tx.registry.relation_end(other_type, relation)
            mine, theirs = ("right_id", "left_id") if end.owner_side else ("left_id", "right_id")
            clauses.append(
                f"{q('id')} IN (SELECT {mine} FROM crm_link WHERE relation = ? AND {theirs} = ?)"
            )
            builder.params.extend((end.relation.key, other_id))
        forward = True
        if cursor:
            position = decode_cursor(cursor)
            forward = position.forward
            sort_field = rt.field(sort_key.field)
            value = self._cursor_value(tx, rt, sort_key.field, position.value)
            clauses.append(
                builder.keyset(sort_key, position, value, nullable=sort_field.name not in _NOT_NULL)
            )
        sql = (
            f"SELECT {tx.snapshot.select_lists[rt.name]} FROM {builder.table()} "
            f"WHERE {' AND '.join(clauses)} ORDER BY {builder.order_by(sort_key, forward)} "
            f"LIMIT {limit + 1}"
        )
        rows = tx.execute(sql, builder.params).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if not forward:
            rows.reverse()
        records = [self._from_row(tx.snapshot, rt, row) for row in rows]
        tags = self._tags_of(tx, rt.name, [r["id"] for r in records])
        for record in records:
            record["tags"] = tags.get(record["id"], [])
        page = Page(records)
        if records:
            first, last = records[0], records[-1]
            has_after = more if forward else bool(cursor)
            has_before = bool(cursor) if forward else more
            if has_after:
                page.next_cursor = self._cursor_for(tx, rt, sort_key, last, True)
            if has_before:
                page.prev_cursor = self._cursor_for(tx, rt, sort_key, first, False)
        return page

    def _sort_key(self, rt: RecordType, sort: str | None) -> SortKey:
        sort = sort or "-modified_at"
        descending = sort.startswith("-")
        name = sort.lstrip("-+")
        field = rt.field(name)
        if field is None:
            raise ValidationError(
                {
                    "sort": msg(
                        "{name!r} is not a field of {type}; fields: {fields}",
                        name=name,
                        type=rt.name,
                        fields=", ".join(rt.field_names),
                    )
                }
            )
        if not self.crm.registry.field_types[field.type].sortable:
            raise ValidationError(
                {
                    "sort": msg(
                        "{field} ({type}) cannot be sorted", field=field.name, type=field.type
                    )
                }
            )
        return SortKey(name, descending)

    def _cursor_for(
        self, tx: Transaction, rt: RecordType, sort: SortKey, record: dict, forward: bool
    ) -> str:
        field = rt.field(sort.field)
        value = tx.registry.field_types[field.type].to_json(record[sort.field], field)
        return encode_cursor(Cursor(value, record["id"], forward))

    def _cursor_value(self, tx: Transaction, rt: RecordType, name: str, raw: Any) -> Any:
        if raw is None:
            return None
        field = rt.field(name)
        ftype = tx.registry.field_types[field.type]
        try:
            return ftype.to_storage(ftype.coerce(raw, field))
        except FieldError:
            raise ValidationError({"cursor": msg("does not belong to this sort order")}) from None

    def _from_row(self, snapshot: Snapshot, rt: RecordType, row) -> dict[str, Any]:
        converters = snapshot.row_converters[rt.name]
        return {
            field.name: raw if convert is None else convert(raw)
            for field, convert, raw in zip(rt.fields, converters, row, strict=True)
        }

    def _from_entity(self, snapshot: Snapshot, rt: RecordType, obj) -> dict[str, Any]:
        field_types = snapshot.registry.field_types
        record: dict[str, Any] = {"id": obj.id}
        for field in rt.fields:
            if field.name == "id":
                continue
            value = field_types[field.type].from_storage(getattr(obj, attr_name(field.name)))
            record[field.name] = _normalise(field, value)
        return record

    def _to_column(self, tx: Transaction, field, value: Any) -> Any:
        return tx.registry.field_types[field.type].to_storage(value)

    def _columns(self, tx: Transaction, rt: RecordType, record: dict[str, Any]) -> dict[str, Any]:
        return {
            attr_name(name): self._to_column(tx, rt.field(name), value)
            for name, value in record.items()
            if name != "id" and rt.has_field(name)
        }

    def _read(self, tx: Transaction, rt: RecordType, key: int | str) -> dict[str, Any] | None:
        """The stored record with this id or number, read with one plain SELECT (no ORM
        object: reads are the hot path of every page and API call)."""
        lookup = _lookup(rt, key)
        if lookup is None:
            return None
        column, value = lookup
        row = tx.execute(
            f"SELECT {tx.snapshot.select_lists[rt.name]} FROM {tx.quote(table_name(rt.name))} "
            f"WHERE {tx.quote(column)} = ?",
            (value,),
        ).fetchone()
        return None if row is None else self._from_row(tx.snapshot, rt, row)

    def _find(self, tx: Transaction, rt: RecordType, key: int | str, for_update: bool = False):
        if tx.bulk is not None:
            tx.bulk.drain()  # Pony reads on its own, not through tx.connection()
        entity = tx.snapshot.entities[rt.name]
        get = entity.get_for_update if for_update else entity.get
        lookup = _lookup(rt, key)
        if lookup is None:
            return None
        column, value = lookup
        return get(id=value) if column == "id" else get(f_number=value)


def _lookup(rt: RecordType, key: int | str) -> tuple[str, Any] | None:
    """The column and value that find a record by id (a number, or digits) or by record
    number; ``None`` for an id no record can have."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return ("id", int(key)) if fits_id(int(key)) else None
    if isinstance(key, str):
        return "number", key.strip()
    raise NotFound(msg("{type} {key!r} not found", type=rt.name, key=key))


_NOT_NULL = {"id", "number", "created_at", "modified_at", "deleted", "source"}
#: New records whose history, tag and search rows :meth:`RecordsService.create_many`
#: writes together.
BULK_BATCH = 500


@dataclass
class _NewRecord:
    """A record checked and numbered, waiting to be written."""

    record: dict[str, Any]
    tags: list[str]
    changes: dict[str, tuple[Any, Any]]


def _refusal(action: str, rt: RecordType) -> str:
    kind = rt.label["en"].lower()
    if action == "create":
        return msg("you may not create this {type}", type=kind)
    if action == "delete":
        return msg("you may not delete this {type}", type=kind)
    return msg("you may not edit this {type}", type=kind)


TAG_COLUMNS = ("record_type", "record_id", "tag")


def _tell(on_stored: Callable[[int, dict[str, Any]], None] | None, rows) -> None:
    if on_stored is not None:
        for line, record in rows:
            on_stored(line, record)


def _link_sides(end: RelationEnd) -> tuple[str, str]:
    """The crm_link columns holding (this side's id, the partner's id) for a relation end."""
    return ("left_id", "right_id") if end.owner_side else ("right_id", "left_id")


def _matching_end(end: RelationEnd, candidates: list[RelationEnd]) -> RelationEnd | None:
    """Where links of ``end`` go on another record: the same relation seen from the same
    side, else the one relation to the same partner type, else the one of those with the
    same name (a lead's "products" become a contact's "products"); ``None`` if unclear."""
    for candidate in candidates:
        if (candidate.relation.key, candidate.owner_side) == (end.relation.key, end.owner_side):
            return candidate
    same_partner = [c for c in candidates if c.other_type == end.other_type]
    if len(same_partner) == 1:
        return same_partner[0]
    same_name = [c for c in same_partner if c.name == end.name]
    return same_name[0] if len(same_name) == 1 else None


def _normalise(field, value: Any) -> Any:
    if field.type == "boolean" and value is None and field.name == "deleted":
        return False
    return value


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _as_where(where) -> Where | None:
    if where is None:
        return None
    if isinstance(where, dict):
        return every(*(Condition(name, "eq", value) for name, value in where.items()))
    if isinstance(where, Condition | Or | And | Nothing):
        return where
    return every(*where)
