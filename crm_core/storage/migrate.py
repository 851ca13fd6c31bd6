"""Additive schema upgrades: create what is missing, never drop anything.

Pony creates missing tables and indexes (``schema.create_tables``) but not missing
columns; this module adds those with ``ALTER TABLE … ADD COLUMN`` using the SQL type of
Pony's own column object, so the DDL is right for each database. Every upgrade runs in
one DDL transaction under a database-wide lock, so two processes starting at once do
not race.
"""

from __future__ import annotations

from pony import orm

from .dialect import Dialect

ADVISORY_LOCK_KEY = 7_263_001  # any constant: serialises schema changes on PostgreSQL

SEARCH_DDL = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS crm_search_doc ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " record_type VARCHAR(64) NOT NULL,"
        " record_id INTEGER NOT NULL,"
        " comment_id INTEGER NOT NULL DEFAULT 0,"
        " owner VARCHAR(32),"
        " UNIQUE (record_type, record_id, comment_id))",
        "CREATE INDEX IF NOT EXISTS crm_search_doc_owner ON crm_search_doc (owner)",
        "CREATE VIRTUAL TABLE IF NOT EXISTS crm_search_fts USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 2')",
    ),
    "postgres": (
        "CREATE TABLE IF NOT EXISTS crm_search_doc ("
        " id BIGSERIAL PRIMARY KEY,"
        " record_type VARCHAR(64) NOT NULL,"
        " record_id BIGINT NOT NULL,"
        " comment_id BIGINT NOT NULL DEFAULT 0,"
        " owner VARCHAR(32),"
        " tsv TSVECTOR NOT NULL,"
        " UNIQUE (record_type, record_id, comment_id))",
        "CREATE INDEX IF NOT EXISTS crm_search_doc_owner ON crm_search_doc (owner)",
        "CREATE INDEX IF NOT EXISTS crm_search_doc_tsv ON crm_search_doc USING GIN (tsv)",
    ),
}


def lock_schema(db: orm.Database, dialect: Dialect) -> None:
    """Take the database-wide schema lock for the current transaction."""
    if dialect.name == "postgres":
        dialect.execute(
            db.get_connection(), "SELECT pg_advisory_xact_lock(?)", (ADVISORY_LOCK_KEY,)
        )


def existing_columns(connection, dialect: Dialect, table: str) -> set[str] | None:
    """Column names of ``table``, or ``None`` when the table does not exist."""
    if dialect.name == "sqlite":
        rows = dialect.execute(connection, f"PRAGMA table_info({dialect.quote(table)})").fetchall()
        return {row[1] for row in rows} or None
    rows = dialect.execute(
        connection,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    ).fetchall()
    return {row[0] for row in rows} or None


def add_column_sql(dialect: Dialect, table: str, column) -> str:
    parts = [dialect.quote(column.name), column.sql_type]
    if column.sql_default not in (None, True, False):
        parts += ["DEFAULT", column.sql_default]
    return f"ALTER TABLE {dialect.quote(table)} ADD COLUMN {' '.join(parts)}"


def upgrade(db: orm.Database, dialect: Dialect) -> list[str]:
    """Bring the database up to ``db``'s mapping; return the DDL statements run.

    Must run inside a ``db_session(ddl=True)``; ``db`` has been through
    ``generate_mapping(create_tables=False)``.
    """
    lock_schema(db, dialect)
    connection = db.get_connection()
    statements: list[str] = []
    for table in db.schema.tables.values():
        present = existing_columns(connection, dialect, table.name)
        if present is None:
            continue
        for column in table.column_list:
            if column.name in present:
                continue
            sql = add_column_sql(dialect, table.name, column)
            dialect.execute(connection, sql)
            statements.append(sql)
            if column.is_unique:
                index_sql = (
                    f"CREATE UNIQUE INDEX IF NOT EXISTS "
                    f"{dialect.quote('unq_' + table.name + '__' + column.name)} "
                    f"ON {dialect.quote(table.name)} ({dialect.quote(column.name)})"
                )
                dialect.execute(connection, index_sql)
                statements.append(index_sql)
    db.schema.create_tables(db.provider, connection)
    for sql in SEARCH_DDL[dialect.name]:
        dialect.execute(connection, sql)
    dialect.execute(
        connection,
        "INSERT INTO crm_meta (key, value) SELECT ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM crm_meta WHERE key = ?)",
        ("registry_version", "0", "registry_version"),
    )
    return statements
