"""The full-text index tables: FTS5 on SQLite, a ``tsvector`` with a GIN index on PostgreSQL.

``crm_search_doc`` has one row per indexed record (``comment_id`` 0) and per comment; on
SQLite the FTS5 row shares its rowid. Rows are written in the save's transaction, so the
index never disagrees with the data.
"""

from __future__ import annotations

from .bulk import BulkInserts
from .store import Transaction

PG_DOC_COLUMNS = ("record_type", "record_id", "comment_id", "owner", "tsv")
PG_DOC_TEMPLATE = "(%s, %s, %s, %s, to_tsvector('simple', %s))"
SQLITE_DOC_COLUMNS = ("id", "record_type", "record_id", "comment_id", "owner")


def put(
    tx: Transaction,
    record_type: str,
    record_id: int,
    owner: str | None,
    stems: str,
    comment_id: int = 0,
) -> None:
    """Insert or replace the index entry of a record (or of one of its comments)."""
    if tx.snapshot.dialect.name == "postgres":
        tx.execute(
            "INSERT INTO crm_search_doc (record_type, record_id, comment_id, owner, tsv) "
            "VALUES (?, ?, ?, ?, to_tsvector('simple', ?)) "
            "ON CONFLICT (record_type, record_id, comment_id) "
            "DO UPDATE SET owner = EXCLUDED.owner, tsv = EXCLUDED.tsv",
            (record_type, record_id, comment_id, owner, stems),
        )
        return
    found = tx.execute(
        "SELECT id FROM crm_search_doc WHERE record_type = ? AND record_id = ? AND comment_id = ?",
        (record_type, record_id, comment_id),
    ).fetchone()
    if found:
        doc_id = found[0]
        tx.execute("UPDATE crm_search_doc SET owner = ? WHERE id = ?", (owner, doc_id))
        tx.execute("DELETE FROM crm_search_fts WHERE rowid = ?", (doc_id,))
    else:
        [doc_id] = tx.snapshot.dialect.insert_many(
            tx.connection(),
            "crm_search_doc",
            ("record_type", "record_id", "comment_id", "owner"),
            [(record_type, record_id, comment_id, owner)],
            returning="id",
        )
    tx.execute("INSERT INTO crm_search_fts (rowid, body) VALUES (?, ?)", (doc_id, stems))


def put_new(
    tx: Transaction, record_type: str, rows: list[tuple[int, int, str | None, str]]
) -> None:
    """Index records (or comments) that have no entry yet, many at once:
    ``rows`` are ``(record_id, comment_id, owner, stems)``."""
    if not rows:
        return
    dialect = tx.snapshot.dialect
    connection = tx.connection()
    if dialect.name == "postgres":
        dialect.insert_many(
            connection,
            "crm_search_doc",
            PG_DOC_COLUMNS,
            [(record_type, *row) for row in rows],
            template=PG_DOC_TEMPLATE,
        )
        return
    dialect.insert_many(
        connection,
        "crm_search_doc",
        ("record_type", "record_id", "comment_id", "owner"),
        [(record_type, record_id, comment_id, owner) for record_id, comment_id, owner, _ in rows],
    )
    # SQLite has one writer at a time, and this transaction holds the write lock: the rows
    # just inserted got the consecutive ids that end at the last one.
    last = tx.execute("SELECT last_insert_rowid()").fetchone()[0]
    ids = range(last - len(rows) + 1, last + 1)
    dialect.insert_many(
        connection,
        "crm_search_fts",
        ("rowid", "body"),
        [(doc_id, row[3]) for doc_id, row in zip(ids, rows, strict=True)],
    )


def queue_new(bulk: BulkInserts, record_type: str, row: tuple[int, int, str | None, str]) -> None:
    """:func:`put_new` of one entry ``(record_id, comment_id, owner, stems)`` queued in a
    :class:`~crm_core.storage.bulk.BulkInserts` (on SQLite, the FTS5 row goes in by the
    id drawn for its document)."""
    if bulk.dialect.name == "postgres":
        bulk.add("crm_search_doc", PG_DOC_COLUMNS, (record_type, *row), PG_DOC_TEMPLATE)
        return
    record_id, comment_id, owner, stems = row
    doc_id = bulk.new_id("crm_search_doc")
    bulk.add(
        "crm_search_doc", SQLITE_DOC_COLUMNS, (doc_id, record_type, record_id, comment_id, owner)
    )
    bulk.add("crm_search_fts", ("rowid", "body"), (doc_id, stems))


def set_owner(tx: Transaction, record_type: str, record_id: int, owner: str | None) -> None:
    tx.execute(
        "UPDATE crm_search_doc SET owner = ? WHERE record_type = ? AND record_id = ?",
        (owner, record_type, record_id),
    )


def remove(
    tx: Transaction, record_type: str, record_id: int, comment_id: int | None = None
) -> None:
    """Drop the entries of a record (all of them, or only one comment's)."""
    condition = "record_type = ? AND record_id = ?"
    params: tuple = (record_type, record_id)
    if comment_id is not None:
        condition += " AND comment_id = ?"
        params += (comment_id,)
    if tx.snapshot.dialect.name == "sqlite":
        tx.execute(
            f"DELETE FROM crm_search_fts WHERE rowid IN (SELECT id FROM crm_search_doc WHERE {condition})",
            params,
        )
    tx.execute(f"DELETE FROM crm_search_doc WHERE {condition}", params)


def move(tx: Transaction, record_type: str, old_id: int, new_type: str, new_id: int) -> None:
    """Re-point comment entries when comments move to another record (merge, conversion)."""
    tx.execute(
        "UPDATE crm_search_doc SET record_type = ?, record_id = ? "
        "WHERE record_type = ? AND record_id = ? AND comment_id <> 0",
        (new_type, new_id, record_type, old_id),
    )


#: Matches ranked per query: the most recent ones. Ranking every match of a common word
#: in a million documents takes hundreds of milliseconds; in a help desk the newest
#: matches are the likeliest wanted, and a longer query reaches older ones.
RANK_WINDOW = 2_000


def candidates(
    tx: Transaction,
    stems: list[str],
    types: list[str],
    limit: int,
) -> list[tuple[str, int, int, float]]:
    """Best matches first: ``(record_type, record_id, comment_id, score)``, ranked among
    the newest :data:`RANK_WINDOW` matches (or ``limit``, if more).

    Every stem must match; the last one also as a prefix, so results appear while typing.
    """
    if not stems or not types:
        return []
    type_marks = ", ".join("?" for _ in types)
    window = max(RANK_WINDOW, limit)
    if tx.snapshot.dialect.name == "postgres":
        terms = [f"'{s}'" for s in stems[:-1]] + [f"'{stems[-1]}':*"]
        rows = tx.execute(
            "SELECT d.record_type, d.record_id, d.comment_id, ts_rank(d.tsv, q) AS score "
            "FROM to_tsquery('simple', ?) AS q, (SELECT id FROM crm_search_doc "
            f"WHERE tsv @@ to_tsquery('simple', ?) AND record_type IN ({type_marks}) "
            "ORDER BY id DESC LIMIT ?) AS newest JOIN crm_search_doc d ON d.id = newest.id "
            "ORDER BY score DESC, d.id DESC LIMIT ?",
            (" & ".join(terms), " & ".join(terms), *types, window, limit),
        ).fetchall()
        return [(r[0], r[1], r[2], float(r[3])) for r in rows]
    terms = [f'"{s}"' for s in stems[:-1]] + [f'"{stems[-1]}"*']
    rows = tx.execute(
        "SELECT * FROM (SELECT d.record_type, d.record_id, d.comment_id, "
        "-bm25(crm_search_fts) AS score "
        "FROM crm_search_fts JOIN crm_search_doc d ON d.id = crm_search_fts.rowid "
        f"WHERE crm_search_fts MATCH ? AND d.record_type IN ({type_marks}) "
        "ORDER BY crm_search_fts.rowid DESC LIMIT ?) ORDER BY score DESC LIMIT ?",
        (" ".join(terms), *types, window, limit),
    ).fetchall()
    return [(r[0], r[1], r[2], float(r[3])) for r in rows]
