"""Telling a failure of the database (unreachable, refused, broken) from other errors."""

from __future__ import annotations

from pony.orm.dbapiprovider import DatabaseError


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the database: Pony's wrapper, or a driver's own error."""
    if isinstance(exc, DatabaseError):
        return True
    return type(exc).__name__ in ("OperationalError", "DatabaseError")
