"""Compiling filters, sorting and keyset cursors into parameterised SQL.

Lists never count rows and never use OFFSET: a page is found by seeking past the last
(sort value, id) pair of the previous one, which an index on the sort column serves in
the same time on page 1 and on page 2,000.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..fieldtypes import fits_id
from ..i18n import msg
from ..query import And, Condition, Nothing, Or, Where
from ..schema import RecordType
from .dialect import Dialect
from .entities import table_name

#: Converts a condition's raw value into canonical field values (resolve + coerce).
ValueReader = Callable[[RecordType, str, Any], Any]


@dataclass
class SortKey:
    field: str
    descending: bool


@dataclass
class Cursor:
    value: Any  # the sort column's JSON value of the edge row
    id: int
    forward: bool  # True: rows after the edge; False: rows before it


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.value, cursor.id, cursor.forward], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        padded = text + "=" * (-len(text) % 4)
        value, ident, forward = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not fits_id(ident) or not isinstance(forward, bool):
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationError(
            {"cursor": msg("is not a cursor this list gave out; start again from the first page")}
        ) from None
    return Cursor(value, ident, forward)


class SQLBuilder:
    """Builds one SELECT over a record table; every value goes to ``params``."""

    def __init__(
        self, dialect: Dialect, record_type: RecordType, read_value: ValueReader, field_types
    ):
        self.dialect = dialect
        self.rt = record_type
        self.read_value = read_value
        self.field_types = field_types
        self.params: list[Any] = []
        self.q = dialect.quote

    def column(self, name: str) -> str:
        return self.q(name)

    def where(self, where: Where | None) -> str:
        if where is None:
            return "1=1"
        if isinstance(where, Nothing):
            return "1=0"
        if isinstance(where, Or):
            return (
                "(" + " OR ".join(self.where(part) for part in where.parts) + ")"
                if where.parts
                else "1=0"
            )
        if isinstance(where, And):
            return (
                "(" + " AND ".join(self.where(part) for part in where.parts) + ")"
                if where.parts
                else "1=1"
            )
        return self.condition(where)

    def condition(self, cond: Condition) -> str:
        field = self.rt.field(cond.field)
        if field is None:
            raise ValidationError(
                {
                    cond.field: msg(
                        "is not a field of {type}; fields: {fields}",
                        type=self.rt.name,
                        fields=", ".join(self.rt.field_names),
                    )
                }
            )
        column = self.column(field.column)
        op = cond.op
        allowed = self.field_types[field.type].operators
        if op not in allowed and not (field.system and op in ("eq", "in", "notin")):
            raise ValidationError(
                {
                    field.name: msg(
                        "the operator {op!r} does not apply to a {kind} field; allowed: {allowed}",
                        op=op,
                        kind=field.type,
                        allowed=", ".join(sorted(allowed)),
                    )
                }
            )
        if op == "empty":
            return f"{column} IS NULL"
        if op == "notempty":
            return f"{column} IS NOT NULL"
        if op in ("in", "notin"):
            values = cond.value if isinstance(cond.value, list | tuple | set) else [cond.value]
            if not values:
                return "1=0" if op == "in" else "1=1"
            converted = [self.read_value(self.rt, field.name, v) for v in values]
            self.params.extend(converted)
            placeholders = ", ".join("?" for _ in converted)
            if op == "notin":  # like "ne": an empty value is none of them
                return f"({column} NOT IN ({placeholders}) OR {column} IS NULL)"
            return f"{column} IN ({placeholders})"
        if op == "between":
            if not isinstance(cond.value, list | tuple) or len(cond.value) != 2:
                raise ValidationError({field.name: msg("between needs two values: LOW..HIGH")})
            low, high = (self.read_value(self.rt, field.name, v) for v in cond.value)
            self.params.extend((low, high))
            return f"{column} BETWEEN ? AND ?"
        field_type = self.field_types[field.type]
        if op in field_type.substring_operators:
            value = self.read_value(self.rt, field.name, cond.value)
            parts = []
            for piece in field_type.stored_substrings(value, field):
                self.params.append(f"%{self.dialect.like_escape(piece)}%")
                parts.append(f"{column} LIKE ? ESCAPE '\\'")
            return "(" + " AND ".join(parts) + ")" if parts else "1=1"
        if op in ("contains", "startswith"):
            text = str(cond.value).casefold()
            pattern = self.dialect.like_escape(text)
            self.params.append(f"%{pattern}%" if op == "contains" else f"{pattern}%")
            return f"{self.dialect.fold(column)} LIKE ? ESCAPE '\\'"
        value = self.read_value(self.rt, field.name, cond.value)
        if value is None:
            return f"{column} IS NULL" if op == "eq" else f"{column} IS NOT NULL"
        symbol = {"eq": "=", "ne": "<>", "lt": "<", "gt": ">", "lte": "<=", "gte": ">="}[op]
        self.params.append(value)
        if op == "ne":
            return f"({column} <> ? OR {column} IS NULL)"
        return f"{column} {symbol} ?"

    def keyset(self, sort: SortKey, cursor: Cursor, sort_value: Any, nullable: bool) -> str:
        """Rows strictly beyond ``cursor`` in the order being read."""
        descending = sort.descending != (not cursor.forward)
        beyond = "<" if descending else ">"
        column, ident = self.column(sort.field), self.q("id")
        if sort.field == "id":
            self.params.append(cursor.id)
            return f"{ident} {beyond} ?"
        null_first = self.dialect.nulls_low != descending
        if sort_value is None:
            self.params.append(cursor.id)
            same = f"({column} IS NULL AND {ident} {beyond} ?)"
            return f"({same} OR {column} IS NOT NULL)" if null_first else same
        self.params.extend((sort_value, sort_value, cursor.id))
        # "At or beyond the value" stands alone so that an index seeks straight to it; as
        # "beyond, or equal with a greater id" the page 2,000 pages deep read every row
        # before it.
        clause = f"{column} {beyond}= ? AND ({column} {beyond} ? OR {ident} {beyond} ?)"
        if nullable and not null_first:
            return f"(({clause}) OR {column} IS NULL)"
        return f"({clause})"

    def order_by(self, sort: SortKey, forward: bool) -> str:
        descending = sort.descending != (not forward)
        direction = "DESC" if descending else "ASC"
        if sort.field == "id":
            return f"{self.q('id')} {direction}"
        return f"{self.column(sort.field)} {direction}, {self.q('id')} {direction}"

    def table(self) -> str:
        return self.q(table_name(self.rt.name))
