"""Reading records: one by id or number, pages of lists, titles and aggregates.

What to read is said with :mod:`crm_core.query` objects (the caller's filter and the
permission rule) and handed to :mod:`crm_core.storage.records_repo`, which builds the SQL.
Lists are read with keyset pagination: the cursors handed out are opaque strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..actors import Actor
from ..errors import NotFound, ValidationError
from ..fieldtypes import FieldError
from ..i18n import msg
from ..query import And, Condition, Nothing, Or, Where, every
from ..schema import RecordType
from ..storage import records_repo
from ..storage.aggregate import check_bucket, check_group_by, parse_measures
from ..storage.listing import Cursor, SortKey, decode_cursor, encode_cursor
from ..storage.store import Transaction
from .access import RecordAccess
from .conditions import condition_values
from .tags import normalize_tags, with_tags

MAX_LIMIT = 500

#: A filter as callers give it: query objects, conditions to AND, or ``{field: value}``.
Filter = Where | Iterable[Condition] | dict[str, Any] | None


@dataclass
class Page:
    """One page of a list; the cursors are opaque strings for the next/previous page."""

    records: list[dict[str, Any]]
    next_cursor: str | None = None
    prev_cursor: str | None = None


def as_where(where: Filter) -> Where | None:
    if where is None:
        return None
    if isinstance(where, dict):
        return every(*(Condition(name, "eq", value) for name, value in where.items()))
    if isinstance(where, Condition | Or | And | Nothing):
        return where
    return every(*where)


def not_found(rt: RecordType, key: Any) -> NotFound:
    return NotFound(msg("{type} {key} not found", type=rt.name, key=key))


class Reader:
    def __init__(self, access: RecordAccess):
        self.access = access

    def get(
        self, tx: Transaction, rt: RecordType, key: int | str, actor: Actor, include_deleted: bool
    ) -> dict[str, Any]:
        """One record with its tags; missing, deleted or not visible: :class:`NotFound`."""
        record = records_repo.read(tx, rt, key)
        if record is None or (record["deleted"] and not include_deleted):
            raise not_found(rt, key)
        self.access.require_visible(tx, rt, record, actor)
        with_tags(tx, rt.name, [record])
        return record

    def page(
        self,
        tx: Transaction,
        rt: RecordType,
        *,
        where: Filter,
        sort: str | None,
        limit: int,
        cursor: str | None,
        actor: Actor,
        tag: str | None,
        deleted: bool,
        related_to: tuple[str, int, str] | None,
    ) -> Page:
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise ValidationError({"limit": msg("must be between 1 and {limit}", limit=MAX_LIMIT)})
        limit = int(limit)
        sort_key = sort_key_for(tx, rt, sort)
        query = records_repo.PageQuery(
            rt, condition_values(tx), sort_key, limit, deleted=bool(deleted)
        )
        query.restrictions = [
            w for w in (as_where(where), self.access.where(rt, actor, "view")) if w is not None
        ]
        if tag:
            query.tag = normalize_tags([tag])[0] if normalize_tags([tag]) else tag
        if related_to:
            other_type, other_id, relation = related_to
            end = tx.registry.relation_end(other_type, relation)
            query.linked_to = (end.relation.key, end.owner_side, other_id)
        if cursor:
            position = decode_cursor(cursor)
            query.after = (position, _cursor_value(tx, rt, sort_key.field, position.value))
        forward = query.forward
        records = records_repo.page(tx, query)
        more = len(records) > limit
        records = records[:limit]
        if not forward:
            records.reverse()
        with_tags(tx, rt.name, records)
        page = Page(records)
        if records:
            has_after = more if forward else bool(cursor)
            has_before = bool(cursor) if forward else more
            if has_after:
                page.next_cursor = _cursor_for(tx, rt, sort_key, records[-1], True)
            if has_before:
                page.prev_cursor = _cursor_for(tx, rt, sort_key, records[0], False)
        return page

    def titles(
        self, tx: Transaction, wanted: dict[str, set[int]], actor: Actor
    ) -> dict[str, dict[str, Any]]:
        """``{"type:id": {type, id, number, title, deleted}}`` of the records ``actor``
        may see, one query per record type."""
        found: dict[str, dict[str, Any]] = {}
        for type_name, ids in wanted.items():
            rt = tx.registry.types.get(type_name)
            if rt is None or not ids:
                continue
            title_field = rt.field(rt.title_field)
            to_text = tx.registry.field_types[title_field.type].to_text
            restriction = self.access.where(rt, actor, "view")
            rows = records_repo.titles(tx, rt, sorted(ids), restriction, condition_values(tx))
            for ident, number, title, deleted in rows:
                found[f"{type_name}:{ident}"] = {
                    "type": type_name,
                    "id": ident,
                    "number": number,
                    "title": to_text(title, title_field) or number,
                    "deleted": deleted,
                }
        return found

    def aggregate(
        self,
        tx: Transaction,
        rt: RecordType,
        *,
        where: Filter,
        group_by: Iterable[str],
        measures: dict[str, str | tuple[str, str]] | None,
        bucket: tuple[str, Iterable[Any]] | None,
        actor: Actor,
    ) -> list[dict[str, Any]]:
        keys = check_group_by(rt, tx.registry.field_types, list(group_by))
        wanted = parse_measures(rt, tx.registry.field_types, measures)
        histogram = (
            check_bucket(rt, tx.registry.field_types, *bucket) if bucket is not None else None
        )
        restrictions = [
            Condition("deleted", "eq", False),
            *filter(None, (as_where(where), self.access.where(rt, actor, "view"))),
        ]
        return records_repo.aggregate(
            tx, rt, condition_values(tx), keys, wanted, histogram, restrictions
        )


def sort_key_for(tx: Transaction, rt: RecordType, sort: str | None) -> SortKey:
    """``name`` or ``-name`` (descending) → the sort key; default ``-modified_at``."""
    sort = sort or "-modified_at"
    descending = sort.startswith("-")
    name = sort.lstrip("-+")
    field = rt.field(name)
    if field is None:
        raise ValidationError(
            {
                "sort": msg(
                    "{name!r} is not a field of {type}; fields: {fields}",
                    name=name,
                    type=rt.name,
                    fields=", ".join(rt.field_names),
                )
            }
        )
    if not tx.registry.field_types[field.type].sortable:
        raise ValidationError(
            {"sort": msg("{field} ({type}) cannot be sorted", field=field.name, type=field.type)}
        )
    return SortKey(name, descending)


def _cursor_for(tx: Transaction, rt: RecordType, sort: SortKey, record: dict, forward: bool) -> str:
    field = rt.field(sort.field)
    value = tx.registry.field_types[field.type].to_json(record[sort.field], field)
    return encode_cursor(Cursor(value, record["id"], forward))


def _cursor_value(tx: Transaction, rt: RecordType, name: str, raw: Any) -> Any:
    """A cursor's sort value in storage form; a value of another field: a clear error."""
    if raw is None:
        return None
    field = rt.field(name)
    ftype = tx.registry.field_types[field.type]
    try:
        return ftype.to_storage(ftype.coerce(raw, field))
    except FieldError:
        raise ValidationError({"cursor": msg("does not belong to this sort order")}) from None
