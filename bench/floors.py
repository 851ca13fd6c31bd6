"""The floor: the same work done with raw SQL on the same database, in the same run.

Only the benchmark writes SQL by hand like this; it is the yardstick, not the product. The
queries read and write the tables the CRM created, so the floor pays the same indexes,
the same row sizes and the same disk.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import psycopg2

from crm_core.storage.dialect import dialect_for
from crm_core.storage.search_index import RANK_WINDOW


class Raw:
    """A plain DB-API connection with the CRM's SQLite pragmas, and ``?`` placeholders."""

    def __init__(self, url: str):
        self.dialect = dialect_for(url)
        arguments = self.dialect.bind_arguments()
        if arguments.pop("provider") == "sqlite":
            self.connection = sqlite3.connect(
                arguments["filename"], timeout=60, isolation_level=None
            )
        else:
            self.connection = psycopg2.connect(**arguments)
            self.connection.autocommit = True
        self.dialect.on_connect(self.connection)
        self.postgres = self.dialect.name == "postgres"

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self.dialect.execute(self.connection, sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.execute(sql, params).fetchall()

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE statement) of each index of ``table`` that is not unique."""
        if self.postgres:
            sql = (
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = ? AND indexdef NOT LIKE 'CREATE UNIQUE %'"
            )
        else:
            sql = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %'"
            )
        return [(name, create) for name, create in self.rows(sql, (table,))]

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE" if not self.postgres else "BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def insert_ticket(raw: Raw, index: int, now: dt.datetime) -> None:
    """One ticket row and its history row, in one transaction: the least a create costs."""
    raw.begin()
    number = f"RAW{index}"
    ticket_id = raw.execute(
        "INSERT INTO rec_ticket (number, title, status, priority, description, source, deleted, "
        "created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            number,
            f"Raw ticket {index}",
            "open",
            "normal",
            "Принтер не печатает",
            "crm",
            False,
            now,
            now,
        ),
    ).fetchone()[0]
    raw.execute(
        "INSERT INTO crm_history (record_type, record_id, kind, at, changes) VALUES (?, ?, ?, ?, ?)",
        ("ticket", ticket_id, "created", now, json.dumps({"title": [None, f"Raw ticket {index}"]})),
    )
    raw.commit()


#: The list scenario's filter: closed tickets of normal priority (half the data set, so
#: a page 2,000 pages deep exists), newest first.
LIST_STATUS, LIST_PRIORITY = "closed", "normal"


def list_page(raw: Raw, after: tuple[Any, int] | None, limit: int = 50) -> list[tuple]:
    """The list scenario's tickets newest first, one keyset page."""
    sql = "SELECT * FROM rec_ticket WHERE deleted = ? AND status = ? AND priority = ?"
    params: list[Any] = [False, LIST_STATUS, LIST_PRIORITY]
    if after is not None:
        sql += " AND modified_at <= ? AND (modified_at < ? OR id < ?)"
        params += [after[0], after[0], after[1]]
    sql += f" ORDER BY modified_at DESC, id DESC LIMIT {limit}"
    return raw.rows(sql, params)


def search(raw: Raw, stems: list[str], limit: int = 20, window: int = RANK_WINDOW) -> list[tuple]:
    """The best of the newest ``window`` full-text matches, as the CRM ranks them."""
    if raw.postgres:
        query = (
            " & ".join(f"'{s}'" for s in stems[:-1])
            + (" & " if len(stems) > 1 else "")
            + f"'{stems[-1]}':*"
        )
        return raw.rows(
            "SELECT d.record_type, d.record_id, ts_rank(d.tsv, to_tsquery('simple', ?)) AS score "
            "FROM (SELECT id FROM crm_search_doc WHERE tsv @@ to_tsquery('simple', ?) "
            "AND record_type IN ('ticket', 'faq') ORDER BY id DESC LIMIT ?) AS newest "
            "JOIN crm_search_doc d ON d.id = newest.id ORDER BY score DESC LIMIT ?",
            (query, query, window, limit),
        )
    match = " ".join(f'"{s}"' for s in stems[:-1]) + f' "{stems[-1]}"*'
    return raw.rows(
        "SELECT * FROM (SELECT d.record_type, d.record_id, bm25(crm_search_fts) AS score "
        "FROM crm_search_fts JOIN crm_search_doc d ON d.id = crm_search_fts.rowid "
        "WHERE crm_search_fts MATCH ? AND d.record_type IN ('ticket', 'faq') "
        "ORDER BY crm_search_fts.rowid DESC LIMIT ?) ORDER BY score LIMIT ?",
        (match, window, limit),
    )


def dashboard(raw: Raw, edges: list[dt.datetime], now: dt.datetime) -> None:
    """The support dashboard's figures, as plain SQL: open tickets by status and by
    priority, the overdue count, created and closed per day, and two medians (computed
    in Python from the values, as SQLite has no median)."""
    open_codes = ("open", "in_progress", "wait_for_response")
    marks = ", ".join("?" for _ in open_codes)
    for column in ("status", "priority"):
        raw.rows(
            f"SELECT {column}, COUNT(*) FROM rec_ticket WHERE deleted = ? "
            f"AND status IN ({marks}) GROUP BY {column}",
            (False, *open_codes),
        )
    raw.rows(
        "SELECT COUNT(*) FROM rec_ticket WHERE deleted = ? AND status IN (?, ?) AND "
        "(next_due < ? OR (next_due IS NULL AND (resolution_due < ? OR "
        "(first_response_at IS NULL AND first_response_due < ?))))",
        (False, "open", "in_progress", now, now, now),
    )
    days = " UNION ALL ".join(f"SELECT {n} AS n, ? AS lo, ? AS hi" for n in range(len(edges) - 1))
    ranges = [value for pair in itertools.pairwise(edges) for value in pair]
    for column, extra, params in (
        ("created_at", "", ()),
        ("closed_at", "AND status = ?", ("closed",)),
    ):
        raw.rows(
            f"SELECT b.n, COUNT(*) FROM ({days}) AS b CROSS JOIN rec_ticket "
            f"WHERE rec_ticket.{column} >= b.lo AND rec_ticket.{column} < b.hi "
            f"AND deleted = ? {extra} GROUP BY b.n",
            (*ranges, False, *params),
        )
    for column, where, params in (
        ("first_response_minutes", "first_response_at >= ?", (edges[0],)),
        ("resolution_minutes", "status = ? AND closed_at >= ?", ("closed", edges[0])),
    ):
        values = sorted(
            value
            for (value,) in raw.rows(
                f"SELECT {column} FROM rec_ticket WHERE deleted = ? AND {where}", (False, *params)
            )
            if value is not None
        )
        _ = values[len(values) // 2] if values else None


def get_by_id(raw: Raw, ticket_id: int) -> tuple:
    return raw.rows("SELECT * FROM rec_ticket WHERE id = ?", (ticket_id,))[0]
