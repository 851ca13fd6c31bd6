"""Write-behind for many new rows in one transaction (imports, generated data).

Saving one record asks the database for its new ``id`` with its ``INSERT``: on
PostgreSQL a round trip per row. An import instead draws the ids up front
(:meth:`BulkInserts.new_id`), keeps the rows of a batch in memory and writes each
table's rows with a few multi-row ``INSERT`` statements.

The transaction stays one unit: everything runs on its connection and nothing is
committed before the end. Any other statement of the transaction first has the queued
rows written (:meth:`Transaction.connection` calls :meth:`BulkInserts.drain`), so a hook
that reads, or a check that looks for an earlier row of the same file, sees them.
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

    def new_id(self, table: str) -> int:
        """The ``id`` of a row about to be added to ``table``."""
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
        batch, self.rows = self.rows, {}
        for (table, columns, template), rows in batch.items():
            self.dialect.insert_many(self.connection, table, columns, rows, template=template)

    def drain(self) -> None:
        """Write the queued rows before the transaction runs any other statement. On
        SQLite, ids drawn and not used are given up and the next ones counted again from
        what the table holds then (the other statement may add rows of its own)."""
        self.flush()
        if self.dialect.name == "sqlite":
            self._ids.clear()
            self._last.clear()
