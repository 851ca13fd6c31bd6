"""Checking record values: per field type, then the database checks, then required/unique.

Why not Cerberus here: measured on this machine, Cerberus 1.3 takes about 450 µs to
validate a 13-field document with normalisation (64 µs without), while the benchmark
target of 15,000 imported rows a second leaves about 65 µs per row for everything. The
field types below are plain functions compiled once per record type (about 2 µs a
record); Cerberus still validates what is read rarely and benefits from its rule language:
``plugins.toml``, plugin settings and record-type definitions (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .fieldtypes import FieldError
from .i18n import msg
from .schema import Field, RecordType
from .storage import lookups
from .storage.store import Transaction


class DatabaseChecks:
    """The :class:`~crm_core.fieldtypes.CheckContext` of one transaction."""

    def __init__(self, tx: Transaction, current: dict[str, Any] | None = None):
        self.tx = tx
        self.registry = tx.registry
        self.current = current or {}
        self._owners: dict[str, bool] = {}
        self._references: set[tuple[str, int]] = set()

    def current_value(self, field_name: str) -> Any:
        """The value the record being changed holds now (``None`` on create)."""
        return self.current.get(field_name)

    def picklist_codes(self, picklist: str, *, active_only: bool) -> list[str]:
        return self.registry.picklist(picklist).codes(active_only)

    def picklist_code_for(self, picklist: str, text: str) -> str | None:
        return self.registry.picklist(picklist).code_for(text)

    def reference_exists(self, target: str, record_id: int) -> bool:
        """Whether the record exists and is not deleted; found ones are remembered for the
        rest of the transaction (an import refers to the same accounts again and again)."""
        if (target, record_id) in self._references:
            return True
        exists = lookups.live_record_exists(self.tx, target, record_id)
        if exists:
            self._references.add((target, record_id))
        return exists

    def reference_by_number(self, targets: tuple[str, ...], number: str) -> int | str | None:
        for target in targets:
            found = lookups.record_id_by_number(self.tx, target, number)
            if found is not None:
                return found if len(targets) == 1 else f"{target}:{found}"
        return None

    def owner_exists(self, owner: str) -> bool:
        """Whether ``user:ID`` is an active user, or ``group:ID`` a group."""
        if owner not in self._owners:
            kind, _, ident = owner.partition(":")
            if kind == "user":
                self._owners[owner] = lookups.active_user_exists(self.tx, int(ident))
            else:
                self._owners[owner] = lookups.group_exists(self.tx, int(ident))
        return self._owners[owner]

    def owner_by_name(self, name: str) -> str | None:
        """``user:ID`` of the active user with this login, else ``group:ID`` of the group
        with this name (``user:`` or ``group:`` before the name says which to look for)."""
        kind, sep, rest = name.partition(":")
        if sep and kind == "group":
            found = lookups.group_id(self.tx, rest)
            return None if found is None else f"group:{found}"
        if sep and kind == "user":
            name = rest
        found = lookups.active_user_id(self.tx, name)
        if found is not None:
            return f"user:{found}"
        found = lookups.group_id(self.tx, name)
        return None if found is None else f"group:{found}"


def check_values(
    tx: Transaction,
    rt: RecordType,
    values: dict[str, Any],
    errors: dict[str, str],
    checks: DatabaseChecks | None = None,
) -> dict[str, Any]:
    """Turn raw input into canonical values; problems go into ``errors`` by field."""
    checks = checks or DatabaseChecks(tx)
    steps = tx.registry.field_steps(rt)
    clean: dict[str, Any] = {}
    for name, raw in values.items():
        field, resolve, coerce, check = steps[name]
        try:
            value = raw
            if resolve is not None and isinstance(value, str):
                value = resolve(value, field, checks)
            value = None if value is None or value == "" else coerce(value, field)
            if value is not None and check is not None:
                problem = check(value, field, checks)
                if problem:
                    raise FieldError(problem)
        except FieldError as exc:
            errors[name] = exc.message
            continue
        clean[name] = value
    return clean


def unknown_fields(
    rt: RecordType, values: dict[str, Any], *, allow_read_only: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Keys that are not fields, or that only the CRM may set."""
    errors = {}
    for name in values:
        field = rt.field(name)
        if field is None:
            settable = [f.name for f in rt.data_fields if not f.read_only]
            errors[name] = msg(
                "is not a field of {type}; fields: {fields}",
                type=rt.name,
                fields=", ".join(settable),
            )
        elif field.read_only and name not in allow_read_only:
            errors[name] = msg("is read-only; the CRM sets it")
    return errors


def missing_required(
    rt: RecordType, record: dict[str, Any], fields: Iterable[Field]
) -> dict[str, str]:
    """Required, shown fields among ``fields`` that ``record`` has no value in."""
    return {
        f.name: msg("is required")
        for f in fields
        if f.required and not f.hidden and record.get(f.name) in (None, [], "")
    }


def unique_clashes(
    tx: Transaction, rt: RecordType, record: dict[str, Any], changed: set[str]
) -> dict[str, str]:
    """Changed unique fields whose value another record already holds."""
    errors = {}
    for field in rt.unique_fields:
        if field.name not in changed:
            continue
        value = record.get(field.name)
        if value is None:
            continue
        holder = lookups.number_holding(
            tx,
            rt.name,
            field.column,
            tx.registry.field_types[field.type].to_storage(value),
            record.get("id") or 0,
        )
        if holder is not None:
            errors[field.name] = msg(
                "must be unique; {number} already has {value!r}", number=holder, value=value
            )
    return errors
