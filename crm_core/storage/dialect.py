"""What differs between SQLite and PostgreSQL, in one place.

Raw SQL in the storage layer is written with ``?`` placeholders and identifiers quoted by
:meth:`Dialect.quote`; values always travel as parameters. :meth:`Dialect.execute` adapts
the placeholders to the driver, :meth:`Dialect.to_db` turns a Python value into the form
Pony stores (so raw comparisons match what Pony wrote), and :meth:`Dialect.reader` gives a
function that turns a raw column value back into the Python value.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg2
from pony.utils.utils import datetime2timestamp, timestamp2datetime
from psycopg2.extras import execute_values

#: ``wal_autocheckpoint``: a save at a million tickets dirties some 35 pages, most of them
#: the same hot ones (index roots, the search index's structure, counters). Copying the
#: log into the database every 10,000 pages (40 MB) instead of SQLite's 1,000 copies each
#: hot page once per few hundred saves instead of once per thirty: 1,290 → 1,990 creates a
#: second, and the one save that runs the checkpoint still waits only ~40 ms.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=60000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA wal_autocheckpoint=10000",
)


class Dialect:
    name = ""
    #: SQL for "the current UTC time" is never used: times come from Python.

    def __init__(self, url: str):
        self.url = url

    def bind_arguments(self) -> dict[str, Any]:
        raise NotImplementedError

    def on_connect(self, connection) -> None:
        """Run on every new connection (Pony's ``on_connect``)."""

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def execute(self, connection, sql: str, params: Sequence[Any] = ()):
        cursor = connection.cursor()
        cursor.execute(self.adapt(sql), self.params(params))
        return cursor

    def params(self, values: Sequence[Any]) -> tuple:
        """Values in the form the driver stores them (most pass through unchanged)."""
        return tuple(v if type(v) in _PLAIN else self.to_db(v) for v in values)

    def insert_many(
        self,
        connection,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        returning: str | None = None,
        template: str | None = None,
    ) -> list[Any]:
        """Insert many rows of driver-ready values (see :meth:`writer` and :meth:`to_db`:
        converting is the caller's, who knows which columns need it) in as few round trips
        as the driver allows; with ``returning``, the values of that column for the rows,
        in order. ``template`` (PostgreSQL) wraps the placeholders, e.g.
        ``(%s, to_tsvector('simple', %s))``.

        Here ``returning`` must name the table's integer primary key, read from each
        insert's ``lastrowid``: Python's sqlite3 runs an ``INSERT … RETURNING`` about three
        times slower than the plain ``INSERT`` (measured: 29 µs against 11 µs a row)."""
        if not rows:
            return []
        columns = tuple(columns)
        if not returning:
            connection.cursor().executemany(self.insert_sql(table, columns), rows)
            return []
        return [self.insert_row(connection, table, columns, row) for row in rows]

    def reserve_ids(
        self, connection, table: str, count: int, after: int | None = None
    ) -> Sequence[int]:
        """``count`` new ids of ``table`` for rows inserted with their ``id`` given, all
        above ``after`` (the last one drawn before, whose rows may not be written yet).
        In a write transaction, which holds SQLite's write lock, they are the next ones
        the table would hand out; they stay free as long as nothing else is inserted
        there first (:class:`~crm_core.storage.bulk.BulkInserts` draws again when the
        connection's change count shows that something else may have been)."""
        row = (
            connection.cursor()
            .execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
                f"coalesce((SELECT max(id) FROM {self.quote(table)}), 0))",
                (table,),
            )
            .fetchone()
        )
        first = max(row[0], after or 0) + 1
        return range(first, first + count)

    def insert_row(
        self, connection, table: str, columns: tuple[str, ...], values: Sequence[Any]
    ) -> int:
        """Insert one row of driver-ready values (see :meth:`writer`); returns its new
        ``id``, read from ``lastrowid`` (see :meth:`insert_many`)."""
        cursor = connection.cursor()
        cursor.execute(self.insert_sql(table, columns), values)
        return cursor.lastrowid

    @functools.lru_cache(maxsize=256)  # noqa: B019 - dialects live as long as the process
    def insert_sql(self, table: str, columns: tuple[str, ...]) -> str:
        """The driver-ready one-row INSERT statement (built once per table and columns)."""
        names = ", ".join(self.quote(c) for c in columns)
        placeholders = ", ".join("?" for _ in columns)
        return self.adapt(f"INSERT INTO {self.quote(table)} ({names}) VALUES ({placeholders})")

    def adapt(self, sql: str) -> str:
        return sql

    def begin_read(self, connection) -> None:
        """Start a read-only transaction on ``connection`` if none is open (its statements
        then see one state of the database). Each statement stands alone where this does
        nothing."""

    def end_read(self, connection) -> None:
        """End what :meth:`begin_read` started (``connection`` may be ``None``)."""

    def to_db(self, value: Any) -> Any:
        return value

    def writer(self, storage: type) -> Callable[[Any], Any] | None:
        """The function that turns values of a column's Python type into what the driver
        stores (:meth:`to_db` for that type), or ``None`` where the driver takes them."""
        return None

    def reader(self, storage: type) -> Callable[[Any], Any]:
        return _identity

    def like_escape(self, text: str) -> str:
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    def fold(self, expression: str) -> str:
        """Case-insensitive form of a text expression (Unicode-aware on both databases)."""
        return f"LOWER({expression})"

    def median(self, expression: str) -> str:
        """The median of a numeric expression as an aggregate (the mean of the two middle
        values when their number is even; NULLs ignored)."""
        return f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {expression})"

    #: NULL sorts before every value in ascending order (SQLite) or after it (PostgreSQL).
    nulls_low = False


def _identity(value: Any) -> Any:
    return value


#: Parameter types every driver takes as they are.
_PLAIN = frozenset({str, int, float, type(None)})

#: What SQLite stores for values of these Python types: :meth:`SQLiteDialect.writer` gives
#: a column its type's function, so writing a row asks no questions per value.
_SQLITE_WRITERS: dict[type, Callable[[Any], Any]] = {
    dt.datetime: lambda v: None if v is None else datetime2timestamp(v),
    dt.date: lambda v: None if v is None else v.isoformat(),
    Decimal: lambda v: None if v is None else str(v),
    bool: lambda v: None if v is None else int(v),
}


def _sqlite_datetime(value: Any) -> Any:
    """Pony stores ``YYYY-MM-DD HH:MM:SS.ffffff``; ``fromisoformat`` reads it fifty times
    faster than Pony's ``strptime``."""
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return timestamp2datetime(value)


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _median_of(values: str | None) -> float | None:
    """SQLite's ``crm_median_of(group_concat(x))``: the median of the comma-separated
    numbers, computed as PostgreSQL's ``percentile_cont(0.5)`` (the mean of the two middle
    values when their number is even). ``group_concat`` gathers the values in C and leaves
    NULLs out; a Python aggregate would be called back once per row, which at a million
    tickets cost the dashboard's two medians some 150 ms against 40 ms this way."""
    if not values:
        return None
    ordered = sorted(map(float, values.split(",")))
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


class SQLiteDialect(Dialect):
    name = "sqlite"

    @property
    def path(self) -> str:
        return self.url[len("sqlite:///") :]

    def bind_arguments(self) -> dict[str, Any]:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        return {"provider": "sqlite", "filename": self.path, "create_db": True}

    nulls_low = True

    def on_connect(self, connection) -> None:
        cursor = connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        # Everything stored is valid UTF-8; the C default is faster than Pony's replacement.
        connection.text_factory = str
        # SQLite's lower() folds ASCII only; Russian text needs Python's casefold.
        connection.create_function("crm_fold", 1, _casefold, deterministic=True)
        # SQLite has no median or percentile aggregate.
        connection.create_function("crm_median_of", 1, _median_of, deterministic=True)

    def begin_read(self, connection) -> None:
        if not connection.in_transaction:
            connection.execute("BEGIN")  # deferred: in WAL mode it blocks no one

    def end_read(self, connection) -> None:
        if connection is not None and connection.in_transaction:
            connection.rollback()

    def fold(self, expression: str) -> str:
        return f"crm_fold({expression})"

    def median(self, expression: str) -> str:
        return f"crm_median_of(group_concat({expression}))"

    def to_db(self, value: Any) -> Any:
        for kind, write in _SQLITE_WRITERS.items():  # datetime before date: it is one too
            if isinstance(value, kind):
                return write(value)
        return value

    def writer(self, storage: type) -> Callable[[Any], Any] | None:
        return _SQLITE_WRITERS.get(storage)

    def reader(self, storage: type) -> Callable[[Any], Any]:
        if storage is dt.datetime:
            return _sqlite_datetime
        if storage is dt.date:
            return lambda v: v if v is None or isinstance(v, dt.date) else dt.date.fromisoformat(v)
        if storage is Decimal:
            return lambda v: None if v is None else Decimal(str(v))
        if storage is bool:
            return lambda v: None if v is None else bool(v)
        return _identity


class PostgresDialect(Dialect):
    name = "postgres"

    def bind_arguments(self) -> dict[str, Any]:
        parts = urlsplit(self.url)
        arguments: dict[str, Any] = {"provider": "postgres"}
        if parts.hostname:
            arguments["host"] = parts.hostname
        if parts.port:
            arguments["port"] = parts.port
        if parts.username:
            arguments["user"] = unquote(parts.username)
        if parts.password:
            arguments["password"] = unquote(parts.password)
        if parts.path.strip("/"):
            arguments["database"] = unquote(parts.path.strip("/"))
        for pair in filter(None, parts.query.split("&")):
            key, _, value = pair.partition("=")
            arguments[unquote(key)] = unquote(value)
        return arguments

    def adapt(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def vacuum_analyze(self) -> None:
        """``VACUUM (ANALYZE)`` every table of the CRM's schema. Statistics alone are not
        enough after a big load: until a table is vacuumed its visibility map is empty, so
        an index-only scan (the dashboard's counts) reads every row from the table as
        well (measured at a million tickets: 1.2 s a dashboard before, see
        docs/performance.md). VACUUM cannot run in a transaction, hence a connection of
        its own in autocommit mode."""
        arguments = self.bind_arguments()
        arguments.pop("provider")
        connection = psycopg2.connect(**arguments)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "ORDER BY tablename"
                )
                for (table,) in cursor.fetchall():
                    cursor.execute(f"VACUUM (ANALYZE) {self.quote(table)}")
        finally:
            connection.close()

    #: Rows per statement of :meth:`insert_many` (one round trip each).
    page_size = 1000

    def insert_row(self, connection, table, columns, values):
        cursor = connection.cursor()
        cursor.execute(self._insert_returning_id(table, columns), values)
        return cursor.fetchone()[0]

    @functools.lru_cache(maxsize=256)  # noqa: B019 - dialects live as long as the process
    def _insert_returning_id(self, table: str, columns: tuple[str, ...]) -> str:
        return self.insert_sql(table, columns) + f" RETURNING {self.quote('id')}"

    def reserve_ids(self, connection, table, count, after=None):
        """Drawn from the table's sequence, so they are never anyone else's; the ones a
        transaction does not use are gaps, as with any sequence."""
        cursor = connection.cursor()
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (self.quote(table), count),
        )
        return [row[0] for row in cursor.fetchall()]

    def insert_many(self, connection, table, columns, rows, *, returning=None, template=None):
        if not rows:
            return []
        names = ", ".join(self.quote(c) for c in columns)
        sql = f"INSERT INTO {self.quote(table)} ({names}) VALUES %s"
        if returning:
            sql += f" RETURNING {self.quote(returning)}"
        found = execute_values(
            connection.cursor(),
            sql,
            rows,
            template=template,
            page_size=self.page_size,
            fetch=bool(returning),
        )
        return [row[0] for row in found] if returning else []

    def reader(self, storage: type) -> Callable[[Any], Any]:
        if storage is Decimal:
            return lambda v: None if v is None else Decimal(v)
        return _identity


def dialect_for(url: str) -> Dialect:
    if url.startswith("sqlite:"):
        return SQLiteDialect(url)
    return PostgresDialect(url)
