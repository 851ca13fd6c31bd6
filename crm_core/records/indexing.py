"""A record's entry in the full-text index: the text search finds it by."""

from __future__ import annotations

from typing import Any

from ..registry import Registry
from ..schema import RecordType
from ..search import words
from ..storage import search_index
from ..storage.store import Transaction

#: ``(record id, comment id 0, owner, stems)``: a record's index entry as
#: :func:`~crm_core.storage.search_index.put_new` takes it.
IndexEntry = tuple[int, int, str | None, str]


def search_body(registry: Registry, rt: RecordType, record: dict[str, Any]) -> str:
    """The text of a record that search finds: number, title and searchable fields."""
    parts = [record.get("number") or ""]
    for field in rt.search_fields:
        value = record.get(field.name)
        if value is None:
            continue
        if field.picklist:  # a picklist value is found by its labels
            parts.extend(_picklist_labels(registry, field, value))
            continue
        parts.append(registry.field_types[field.type].search_text(value, field))
    return "\n".join(parts)


def _picklist_labels(registry: Registry, field, value: Any) -> list[str]:
    """A picklist value is found by its labels in every language (its code if unknown)."""
    picklist = registry.picklist(field.picklist)
    labels: list[str] = []
    for code in value if isinstance(value, list) else [value]:
        known = picklist.value(code)
        labels.extend(known.label.values() if known else [code])
    return labels


def entry(tx: Transaction, rt: RecordType, record: dict[str, Any]) -> IndexEntry:
    """The index entry of a record that has none yet."""
    body = search_body(tx.registry, rt, record)
    return (record["id"], 0, record.get("assigned_to"), words.index_text(body))


def index(tx: Transaction, rt: RecordType, record: dict[str, Any]) -> None:
    """Write (or replace) a record's index entry."""
    body = search_body(tx.registry, rt, record)
    search_index.put(tx, rt.name, record["id"], record.get("assigned_to"), words.index_text(body))


def affected(rt: RecordType, changed: set[str]) -> bool:
    """Whether a change of these fields changes the index entry."""
    return any(name in changed for name in ("assigned_to", *(f.name for f in rt.search_fields)))
