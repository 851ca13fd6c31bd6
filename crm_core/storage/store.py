"""The store: the current snapshot (registry + Pony mapping) and transactions.

A :class:`Snapshot` pairs a registry with the Pony :class:`~pony.orm.Database` generated
from it. The :class:`Store` keeps the current one and replaces it when the registry
version in ``crm_meta`` moves (a custom field or picklist value changed, here or in
another process). Each transaction takes the snapshot current at its start and keeps it
to the end, so a request never sees the mapping change under it.
"""

from __future__ import annotations

import contextlib
import json
import operator
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pony.orm.dbproviders.postgres  # noqa: F401 - its psycopg2 JSON setup must apply to every connection
import psycopg2
from pony import orm

from .. import registry as registry_module
from ..fieldtypes import FieldType
from ..registry import BaseSchema, Customizations, Registry
from .bulk import BulkInserts
from .dialect import Dialect, dialect_for
from .entities import define_record_entity, define_system_entities, storage_type, table_name
from .migrate import upgrade

VERSION_KEY = "registry_version"
_local = threading.local()


@dataclass
class Snapshot:
    registry: Registry
    db: orm.Database
    system: SimpleNamespace
    entities: dict[str, type]
    dialect: Dialect
    readers: dict[str, dict[str, Callable[[Any], Any]]] = field(default_factory=dict)
    #: Per record type, for each column in field order: a function from the raw column value
    #: to the record's value, or ``None`` where the raw value is the value.
    row_converters: dict[str, list[Callable[[Any], Any] | None]] = field(default_factory=dict)
    #: Per record type, the quoted column list of every field in field order, for SELECTs.
    select_lists: dict[str, str] = field(default_factory=dict)
    #: Per record type, how a new record becomes an INSERT (see :class:`InsertPlan`).
    insert_plans: dict[str, InsertPlan] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.registry.version

    def entity(self, type_name: str) -> type:
        self.registry.type(type_name)  # a clear NotFound for an unknown type
        return self.entities[type_name]


@dataclass(frozen=True)
class InsertPlan:
    """A record type's INSERT, worked out once per snapshot: the columns of every field but
    ``id`` and, per column, the function from the record's value to the driver's value
    (the field type's ``to_storage``, then the dialect's form), ``None`` where the value
    goes as it is. Saves and imports write rows with it without asking per value."""

    table: str
    columns: tuple[str, ...]
    names: tuple[str, ...]
    writers: tuple[Callable[[Any], Any] | None, ...]
    #: The columns of a row inserted with its ``id`` given (:class:`BulkInserts`).
    columns_with_id: tuple[str, ...] = field(init=False)
    #: Reads every value of a record at once (it raises ``KeyError`` where one is missing).
    _get_all: Callable[[dict[str, Any]], tuple] = field(init=False, repr=False)
    #: ``(position, writer)`` of the columns whose values are converted.
    _writes: tuple[tuple[int, Callable[[Any], Any]], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_with_id", ("id", *self.columns))
        get_all = operator.itemgetter(*self.names)
        if len(self.names) == 1:  # with one name itemgetter gives the value, not a tuple
            get_one = get_all
            get_all = lambda record: (get_one(record),)  # noqa: E731
        object.__setattr__(self, "_get_all", get_all)
        writes = tuple((i, w) for i, w in enumerate(self.writers) if w is not None)
        object.__setattr__(self, "_writes", writes)

    def values(self, record: dict[str, Any]) -> list[Any]:
        try:
            row = list(self._get_all(record))
        except KeyError:  # a record missing some fields: those are empty
            row = [record.get(name) for name in self.names]
        for position, write in self._writes:
            row[position] = write(row[position])
        return row


@dataclass
class Transaction:
    """The unit of work of the current thread: its snapshot and what it produced."""

    store: Store
    snapshot: Snapshot
    write: bool
    events: list[Any] = field(default_factory=list)
    jobs_queued: bool = False
    #: Run inside the transaction just before it commits (write back what was kept in memory).
    before_commit: list[Callable[[], None]] = field(default_factory=list)
    on_commit: list[Callable[[], None]] = field(default_factory=list)
    #: Counters this transaction holds locked: ``{record type: [prefix, next value]}``.
    counters: dict[str, list] = field(default_factory=dict)
    #: New rows waiting to be written (:meth:`bulk_inserts`), or ``None``.
    bulk: BulkInserts | None = None

    @property
    def registry(self) -> Registry:
        return self.snapshot.registry

    def execute(self, sql: str, params: tuple | list = (), *, reads: tuple[str, ...] = ()):
        """Run raw SQL (``?`` placeholders) on this transaction's connection. ``reads``
        names the tables of a statement that only reads them: rows queued for other
        tables by :meth:`bulk_inserts` may then stay queued."""
        return self.snapshot.dialect.execute(self.connection(reads), sql, params)

    def connection(self, reads: tuple[str, ...] = ()):
        """The DB-API connection of this transaction, with Pony's pending changes and the
        rows of :meth:`bulk_inserts` written first, so raw SQL sees them (for a statement
        that only ``reads`` some tables, the rows of those)."""
        if self.bulk is not None:
            self.bulk.drain(reads)
        cache = self.snapshot.db._get_cache()
        if self.write:
            if cache.modified:
                cache.flush()
            return self.snapshot.db.get_connection()
        # Pony's get_connection() would start an immediate transaction, which on SQLite
        # takes the database's write lock (and a process-wide one): every read would wait
        # for every other. A read asks for the plain connection and starts an ordinary
        # transaction instead, which in WAL mode reads one consistent state without
        # blocking anyone; Store.transaction ends it.
        connection = cache.prepare_connection_for_query_execution()
        self.snapshot.dialect.begin_read(connection)
        return connection

    def quote(self, name: str) -> str:
        return self.snapshot.dialect.quote(name)

    @contextlib.contextmanager
    def bulk_inserts(self) -> Iterator[BulkInserts]:
        """Add many new rows, written a batch at a time (see :mod:`crm_core.storage.bulk`);
        all are written when the block ends. When the block raises, the rows still queued
        are dropped: let the exception roll the transaction back."""
        if self.bulk is not None:
            yield self.bulk
            return
        bulk = BulkInserts(self.snapshot.dialect, self.connection())
        self.bulk = bulk
        try:
            yield bulk
        finally:
            self.bulk = None
        bulk.flush()


class Store:
    def __init__(self, database_url: str, base: BaseSchema):
        self.dialect = dialect_for(database_url)
        self.base = base
        self._snapshot: Snapshot | None = None
        self._rebuild_lock = threading.Lock()
        self.after_commit: Callable[[Transaction], None] = lambda tx: None

    # -- snapshots ---------------------------------------------------------------------

    def open(self) -> Snapshot:
        """Bring the database up to the registry (additive DDL) and build the first snapshot."""
        self._snapshot = self._build(self._read_customizations(), migrate=True)
        return self._snapshot

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            raise RuntimeError("the store is not open")
        return self._snapshot

    def fresh_snapshot(self) -> Snapshot:
        """The current snapshot, rebuilt first if another process changed the registry."""
        with self.reading() as tx:
            return tx.snapshot

    def rebuild(self) -> Snapshot:
        """Read the administrator's layer again and swap in a new snapshot."""
        with self._rebuild_lock:
            custom = self._read_customizations()
            if self._snapshot is not None and custom.version == self._snapshot.version:
                return self._snapshot
            old = self._snapshot
            # The process that changed the registry ran the DDL; here only the mapping moves.
            self._snapshot = self._build(custom, migrate=False)
        if old is not None:
            with contextlib.suppress(Exception):
                old.db.disconnect()
        return self._snapshot

    def _build(self, custom: Customizations, migrate: bool) -> Snapshot:
        registry = registry_module.build(self.base, custom)
        db = orm.Database()
        system = define_system_entities(db)
        entities = {
            name: define_record_entity(db, rt, registry.field_types, self.dialect.name)
            for name, rt in registry.types.items()
        }
        dialect = self.dialect
        db.on_connect(provider=dialect.bind_arguments()["provider"])(
            lambda _db, connection: dialect.on_connect(connection)
        )
        db.bind(**dialect.bind_arguments())
        if dialect.name == "postgres":
            # Pony looks for tables in "public"; follow the connection's search_path instead.
            with orm.db_session:
                db.provider.default_schema_name = db.select("current_schema()")[0]
        db.generate_mapping(create_tables=False, check_tables=False)
        if migrate:
            with orm.db_session(ddl=True):
                upgrade(db, dialect)
        readers = {
            name: {f.name: _reader(dialect, f, registry) for f in rt.fields}
            for name, rt in registry.types.items()
        }
        converters = {
            name: [_converter(f, registry, readers[name][f.name]) for f in rt.fields]
            for name, rt in registry.types.items()
        }
        select_lists = {
            name: ", ".join(dialect.quote(f.column) for f in rt.fields)
            for name, rt in registry.types.items()
        }
        insert_plans = {
            name: _insert_plan(dialect, rt, registry) for name, rt in registry.types.items()
        }
        return Snapshot(
            registry,
            db,
            system,
            entities,
            dialect,
            readers,
            converters,
            select_lists,
            insert_plans,
        )

    def _read_customizations(self) -> Customizations:
        """Read custom fields, picklist changes and the version with a plain DB-API
        connection (the mapping that would give entities depends on this very data)."""
        connection = self._raw_connection()
        try:
            try:
                cursor = self.dialect.execute(
                    connection,
                    "SELECT record_type, name, type, label, help, required, "
                    '"default", max_length, precision, picklist, target, indexed, searchable, '
                    "hidden, purged, sort_order FROM crm_custom_field ORDER BY sort_order, id",
                )
                # JSON columns arrive as text on both databases (Pony registers psycopg2's
                # json loader as the identity), so decode here.
                field_rows = [
                    _row_dict(cursor, row, ("label", "help", "default"))
                    for row in cursor.fetchall()
                ]
                cursor = self.dialect.execute(
                    connection,
                    "SELECT picklist, code, label, sort_order, active, deleted, custom "
                    "FROM crm_picklist_value ORDER BY id",
                )
                picklist_rows = [_row_dict(cursor, row, ("label",)) for row in cursor.fetchall()]
                cursor = self.dialect.execute(
                    connection, "SELECT scope, key, value FROM crm_setting ORDER BY scope, key"
                )
                settings = tuple(
                    (scope, key, json.loads(value) if isinstance(value, str) else value)
                    for scope, key, value in cursor.fetchall()
                )
                cursor = self.dialect.execute(
                    connection, "SELECT value FROM crm_meta WHERE key = ?", (VERSION_KEY,)
                )
                found = cursor.fetchone()
            except (sqlite3.OperationalError, psycopg2.errors.UndefinedTable):
                return Customizations()  # a new database: nothing customised yet
            return Customizations(
                tuple(field_rows),
                tuple(picklist_rows),
                settings,
                int(found[0]) if found and found[0] else 0,
            )
        finally:
            connection.close()

    def _raw_connection(self):
        arguments = self.dialect.bind_arguments()
        if arguments.pop("provider") == "sqlite":
            connection = sqlite3.connect(arguments["filename"], timeout=60)
        else:
            connection = psycopg2.connect(**arguments)
        self.dialect.on_connect(connection)
        return connection

    # -- transactions -------------------------------------------------------------------

    @staticmethod
    def current_transaction() -> Transaction | None:
        return getattr(_local, "tx", None)

    @staticmethod
    def version_checks() -> int:
        """How many transactions this thread has started. Each one made sure the snapshot
        is current, so code that compares the count before and after a step knows whether
        it still has to call :meth:`fresh_snapshot` (a web request does: one transaction
        fewer, a round trip less on PostgreSQL)."""
        return getattr(_local, "version_checks", 0)

    @contextlib.contextmanager
    def transaction(self, write: bool = True) -> Iterator[Transaction]:
        """One unit of work. Nested calls join the outer transaction.

        Writes start with ``BEGIN IMMEDIATE`` on SQLite (the write lock is taken at once,
        so two writers queue on the busy timeout instead of failing with "database is
        locked") and lock rows they change on PostgreSQL (``SELECT … FOR UPDATE``), which
        is why Pony's optimistic checks are off.
        """
        outer = self.current_transaction()
        if outer is not None:
            if write and not outer.write:
                raise RuntimeError("a write was attempted inside a read-only transaction")
            yield outer
            return
        snapshot = self.snapshot
        while True:
            tx = Transaction(self, snapshot, write)
            _local.tx = tx
            try:
                # Writes lock what they change themselves (above), so Pony's optimistic
                # checks are off for them; reads change nothing and must not start an
                # immediate transaction.
                with orm.db_session(immediate=write, optimistic=not write):
                    try:
                        # Checked on the transaction's own connection (no extra round
                        # trip); a registry changed by another process means a new mapping.
                        current = _stored_version(tx) == snapshot.version
                        _local.version_checks = getattr(_local, "version_checks", 0) + 1
                        if current:
                            yield tx
                            for callback in tx.before_commit:
                                callback()
                    finally:
                        if not write:
                            snapshot.dialect.end_read(snapshot.db._get_cache().connection)
            finally:
                _local.tx = None
            if current:
                break
            snapshot = self.rebuild()
        if write:
            for callback in tx.on_commit:
                callback()
            self.after_commit(tx)

    def reading(self) -> contextlib.AbstractContextManager[Transaction]:
        return self.transaction(write=False)

    def analyze(self) -> None:
        """Refresh the query planner's statistics (after loading many rows: without them
        SQLite may pick an index that does not narrow anything down). On PostgreSQL the
        tables are vacuumed too (see :meth:`PostgresDialect.vacuum_analyze`)."""
        if self.dialect.name == "postgres":
            self.dialect.vacuum_analyze()
            return
        with orm.db_session(ddl=True):
            self.snapshot.db.execute("ANALYZE")

    def bump_version(self, tx: Transaction) -> None:
        """Tell every process (this one included) that the registry changed; they rebuild
        their snapshot at the start of their next transaction."""
        tx.execute(
            "UPDATE crm_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(20)) "
            "WHERE key = ?",
            (VERSION_KEY,),
        )


def _converter(
    field, registry: Registry, read: Callable[[Any], Any]
) -> Callable[[Any], Any] | None:
    """Raw column value → record value (reader, then the field type's ``from_storage``)."""
    field_type = registry.field_types[field.type]
    identity_read = read.__name__ == "_identity"
    plain = type(field_type).from_storage is FieldType.from_storage
    if field.name == "deleted":
        return lambda v: bool(v)
    if identity_read and plain:
        return None
    if plain:
        return read
    convert = field_type.from_storage
    return lambda v: convert(read(v))


def _insert_plan(dialect: Dialect, rt, registry: Registry) -> InsertPlan:
    fields = [f for f in rt.fields if f.name != "id"]
    return InsertPlan(
        table_name(rt.name),
        tuple(f.column for f in fields),
        tuple(f.name for f in fields),
        tuple(_writer(dialect, f, registry) for f in fields),
    )


def _writer(dialect: Dialect, field, registry: Registry) -> Callable[[Any], Any] | None:
    """Record value → driver value (the field type's ``to_storage``, then the dialect's
    form), or ``None`` where the value is the driver value."""
    field_type = registry.field_types[field.type]
    to_db = dialect.writer(storage_type(field, field_type))
    if type(field_type).to_storage is FieldType.to_storage:
        return to_db
    to_storage = field_type.to_storage
    if to_db is None:
        return to_storage
    return lambda v: to_db(to_storage(v))


def _reader(dialect: Dialect, field, registry: Registry) -> Callable[[Any], Any]:
    """Raw column value → stored Python value, decimals at the field's precision."""
    field_type = registry.field_types[field.type]
    storage = storage_type(field, field_type)
    read = dialect.reader(storage)
    if storage is Decimal:
        scale = field_type.column_options(field).get("scale", 2)
        exponent = Decimal(1).scaleb(-scale)
        return lambda v: None if v is None else read(v).quantize(exponent)
    return read


def _row_dict(cursor, row, json_columns: tuple[str, ...]) -> dict[str, Any]:
    names = [column[0] for column in cursor.description]
    result = dict(zip(names, row, strict=True))
    for name in json_columns:
        value = result.get(name)
        if isinstance(value, str):
            result[name] = json.loads(value)
    for name in ("required", "indexed", "searchable", "hidden", "purged", "deleted", "custom"):
        if name in result and result[name] is not None:
            result[name] = bool(result[name])
    if "active" in result and result["active"] is not None:
        result["active"] = bool(result["active"])
    return result


def _stored_version(tx: Transaction) -> int:
    """The registry version in the database, as ``tx`` sees it."""
    row = tx.execute("SELECT value FROM crm_meta WHERE key = ?", (VERSION_KEY,)).fetchone()
    return int(row[0]) if row and row[0] else 0
