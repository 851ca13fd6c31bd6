"""Filters as data: what lists, exports, permission rules and saved views are made of.

Plugins express "which records" with these objects and never with SQL; the storage layer
compiles them, with every value as a parameter.

    Condition("status", "in", ["open", "in_progress"])
    Or(Condition("assigned_to", "eq", "user:3"), Condition("assigned_to", "eq", "group:1"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPERATORS = {
    "eq": "equals",
    "ne": "does not equal",
    "in": "is one of",
    "notin": "is none of",
    "contains": "contains",
    "startswith": "starts with",
    "lt": "is less than",
    "gt": "is greater than",
    "lte": "is at most",
    "gte": "is at least",
    "between": "is between",
    "empty": "is empty",
    "notempty": "is not empty",
}
#: Operators written in ``field<op>value`` form on the command line and in URLs.
SHORTHANDS = (
    ("!=", "ne"),
    ("<=", "lte"),
    (">=", "gte"),
    ("~", "contains"),
    ("^", "startswith"),
    ("<", "lt"),
    (">", "gt"),
    ("=", "eq"),
)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str = "eq"
    value: Any = None


class Or:
    """True when any part is true."""

    def __init__(self, *parts: Where):
        self.parts = parts

    def __repr__(self) -> str:
        return f"Or{self.parts!r}"


class And:
    """True when every part is true."""

    def __init__(self, *parts: Where):
        self.parts = parts

    def __repr__(self) -> str:
        return f"And{self.parts!r}"


class Nothing:
    """Matches no record (a permission rule that grants nothing)."""

    parts = ()


Where = Condition | Or | And | Nothing


def every(*parts: Where | None) -> Where | None:
    """AND of the given restrictions, skipping ``None``."""
    present = tuple(part for part in parts if part is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else And(*present)


def fields_of(where: Where | None) -> set[str]:
    """Names of the fields a restriction looks at."""
    if where is None:
        return set()
    if isinstance(where, Condition):
        return {where.field}
    names: set[str] = set()
    for part in where.parts:
        names |= fields_of(part)
    return names


def with_default(where: Where | None, default: Where | None) -> Where | None:
    """``where`` plus a default restriction, unless ``where`` already filters on the same
    fields (asking for converted leads overrides "hide converted leads")."""
    if default is None or fields_of(where) & fields_of(default):
        return where
    return every(where, default)


def parse_expression(text: str) -> Condition:
    """``status=open``, ``amount>=100``, ``title~printer``, ``status=open,closed`` (in),
    ``status!=closed,rejected`` (none of), ``solution=`` (empty), ``solution!=`` (not
    empty)."""
    for symbol, op in SHORTHANDS:
        name, found, value = text.partition(symbol)
        if found and name and all(ch.isalnum() or ch == "_" for ch in name):
            name = name.strip()
            if op == "eq" and value == "":
                return Condition(name, "empty")
            if op == "ne" and value == "":
                return Condition(name, "notempty")
            if op in ("eq", "ne") and "," in value:
                values = [part.strip() for part in value.split(",")]
                return Condition(name, "in" if op == "eq" else "notin", values)
            if ".." in value and op == "eq":
                low, _, high = value.partition("..")
                return Condition(name, "between", [low, high])
            return Condition(name, op, value)
    raise ValueError(
        f"cannot read filter {text!r}; write FIELD=VALUE, FIELD!=VALUE, FIELD>VALUE, "
        "FIELD<VALUE, FIELD>=VALUE, FIELD<=VALUE, FIELD~TEXT (contains), FIELD^TEXT (starts "
        "with), FIELD=A,B (one of), FIELD!=A,B (none of), FIELD=LOW..HIGH (between), FIELD= (empty)"
    )
