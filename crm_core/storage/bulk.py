"""Write-behind for many new rows in one transaction (imports, generated data).

Saving one record asks the database for its new ``id`` with its ``INSERT``: on
PostgreSQL a round trip per row. An import instead draws the ids up front
(:meth:`BulkInserts.new_id`), keeps the rows of a batch in memory and writes each
table's rows with one :meth:`Dialect.insert_many` (multi-row ``INSERT`` statements on
PostgreSQL, ``executemany`` on SQLite).

The transaction stays one unit: everything runs on its connection and nothing is
committed before the end. Any other statement of the transaction first has the queued
rows written (:meth:`Transaction.connection` calls :meth:`BulkInserts.drain`; a known
read, only the rows of the tables it reads), so a hook that reads, or a check that looks
for an earlier row of the same file, sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dialect import Dialect

#: The key of one kind of row: table, columns, and the PostgreSQL template of its values.
Kind = tuple[str, tuple[str, ...], str | None]

#: Ids drawn at a time at most; a transaction starts with a few and doubles, so a small
#: import on PostgreSQL leaves no big gap in the sequence.
ID_BLOCK = 1000


class BulkInserts:
    """The rows waiting to be written, and the ids drawn for them."""

    def __init__(self, dialect: Dialect, connection: Any):
        self.dialect = dialect
        self.connection = connection
        self.rows: dict[Kind, list[Sequence[Any]]] = {}
        self._ids: dict[str, Iterator[int]] = {}  # table -> ids drawn and not yet used
        self._last: dict[str, int] = {}  # table -> the last id drawn (queued rows included)
        self._block: dict[str, int] = {}  # table -> how many to draw next time
        self._written = self._changes()  # the connection's change count after our writes
        self._others_ran = False  # a statement of someone else's ran since then

    def new_id(self, table: str) -> int:
        """The ``id`` of a row about to be added to ``table``."""
        if self._others_ran:
            self._others_ran = False
            changes = self._changes()
            if changes is None or changes != self._written:
                self._forget_ids()
            self._written = changes
        drawn = self._ids.get(table)
        ident = None if drawn is None else next(drawn, None)
        if ident is None:
            count = self._block.get(table, 8)
            self._block[table] = min(count * 2, ID_BLOCK)
            ids = self.dialect.reserve_ids(self.connection, table, count, self._last.get(table))
            self._last[table] = ids[-1]
            drawn = self._ids[table] = iter(ids)
            ident = next(drawn)
        return ident

    def add(
        self,
        table: str,
        columns: tuple[str, ...],
        row: Sequence[Any],
        template: str | None = None,
    ) -> None:
        """Queue one row (values as :meth:`Dialect.insert_many` takes them)."""
        self.rows.setdefault((table, columns, template), []).append(row)

    def flush(self) -> None:
        """Write the queued rows."""
        self._write(list(self.rows))

    def drain(self, reads: tuple[str, ...] = ()) -> None:
        """Before another statement of the transaction: write the queued rows (for one
        that only ``reads`` some tables, the rows of those).

        Ids drawn and not yet used stay valid while nothing else inserts: a statement
        that may have (any but a known read) makes the next :meth:`new_id` check, on
        SQLite by the connection's change count, and on PostgreSQL, which has none, draw
        afresh (so that ids keep the order in which records were made)."""
        if reads:
            self._write([kind for kind in self.rows if kind[0] in reads])
            return
        self.flush()
        self._others_ran = True

    def _write(self, kinds: list[Kind]) -> None:
        for kind in kinds:
            table, columns, template = kind
            rows = self.rows.pop(kind)
            self.dialect.insert_many(self.connection, table, columns, rows, template=template)
        if not self._others_ran:  # else the count may hold someone else's changes too
            self._written = self._changes()

    def _changes(self) -> int | None:
        """Rows this connection has inserted, changed or deleted so far (SQLite's
        ``total_changes``; ``None`` where the driver does not say)."""
        return getattr(self.connection, "total_changes", None)

    def _forget_ids(self) -> None:
        self._ids.clear()
        self._last.clear()
        self._block.clear()
