"""The registry: one immutable snapshot of every record type, field, picklist and field type.

It is built in two layers, as Frappe does: the definitions the enabled plugins ship
(:class:`BaseSchema`, fixed for the life of a process) and the administrator's changes
stored in the database (custom fields, picklist values), overlaid by :func:`build`.
A change made at run time produces a new snapshot; a request keeps the snapshot it
started with until it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .errors import NotFound
from .fieldtypes import FieldSteps, FieldType
from .schema import (
    CUSTOM_PREFIX,
    Field,
    Picklist,
    PicklistValue,
    RecordType,
    Relation,
    check_consistency,
)


@dataclass(frozen=True)
class BaseSchema:
    """What the enabled plugins declare."""

    types: dict[str, RecordType]
    picklists: dict[str, Picklist]
    field_types: dict[str, FieldType]


@dataclass(frozen=True)
class RelationEnd:
    """A many-to-many relation seen from one of its two record types."""

    relation: Relation
    name: str  # the name used from this side
    this_type: str
    other_type: str
    owner_side: bool  # this side declared the relation (its ids are the link's left_id)
    label: dict[str, str]


@dataclass(frozen=True)
class Customizations:
    """The administrator's layer, as read from the database."""

    custom_fields: tuple[dict[str, Any], ...] = ()
    picklist_rows: tuple[dict[str, Any], ...] = ()
    settings: tuple[tuple[str, str, Any], ...] = ()  # (scope, key, value)
    version: int = 0


class Registry:
    def __init__(
        self,
        types: dict[str, RecordType],
        picklists: dict[str, Picklist],
        field_types: dict[str, FieldType],
        version: int,
        settings: dict[tuple[str, str], Any] | None = None,
    ):
        self.types = types
        self.picklists = picklists
        self.field_types = field_types
        self.version = version
        #: Run-time settings stored in the database: ``{(scope, key): value}``.
        self.settings = settings or {}
        self._relation_ends: dict[str, list[RelationEnd]] = {name: [] for name in types}
        self._field_steps: dict[str, dict[str, FieldSteps]] = {}
        for rt in types.values():
            for relation in rt.relations:
                target = types[relation.target]
                self._relation_ends[rt.name].append(
                    RelationEnd(relation, relation.name, rt.name, target.name, True, relation.label)
                )
                self._relation_ends[target.name].append(
                    RelationEnd(
                        relation,
                        relation.reverse_name,
                        target.name,
                        rt.name,
                        False,
                        relation.reverse_label or rt.plural,
                    )
                )

    def type(self, name: str) -> RecordType:
        try:
            return self.types[name]
        except KeyError:
            raise NotFound(
                f"unknown record type {name!r}; known types: {', '.join(sorted(self.types))}"
            ) from None

    def picklist(self, name: str) -> Picklist:
        try:
            return self.picklists[name]
        except KeyError:
            raise NotFound(
                f"unknown picklist {name!r}; picklists: {', '.join(sorted(self.picklists))}"
            ) from None

    def field_type(self, field: Field) -> FieldType:
        return self.field_types[field.type]

    def field_steps(self, rt: RecordType) -> dict[str, FieldSteps]:
        """Each field of ``rt`` by name with its input steps (worked out on first use)."""
        steps = self._field_steps.get(rt.name)
        if steps is None:
            steps = {f.name: FieldSteps.of(f, self.field_types[f.type]) for f in rt.fields}
            self._field_steps[rt.name] = steps
        return steps

    def relation_ends(self, type_name: str) -> list[RelationEnd]:
        return list(self._relation_ends.get(type_name, ()))

    def relation_end(self, type_name: str, name: str) -> RelationEnd:
        for end in self._relation_ends.get(type_name, ()):
            if end.name == name:
                return end
        names = [end.name for end in self._relation_ends.get(type_name, ())]
        raise NotFound(
            f"record type {type_name!r} has no relation {name!r}; relations: "
            f"{', '.join(names) or '(none)'}"
        )

    def referencing(self, type_name: str) -> list[tuple[RecordType, Field]]:
        """Fields of any type that refer to ``type_name`` (the source of related lists)."""
        found = []
        for rt in self.types.values():
            for f in rt.fields:
                if type_name in f.target and f.related_list:  # only references have targets
                    found.append((rt, f))
        return found


def build(base: BaseSchema, custom: Customizations) -> Registry:
    """Overlay the administrator's changes on the shipped definitions."""
    picklists = _overlay_picklists(base.picklists, custom.picklist_rows)
    types = dict(base.types)
    by_type: dict[str, list[Field]] = {}
    for row in custom.custom_fields:
        if row["purged"] or row["record_type"] not in types:
            continue  # kept in the database for when the type's plugin is enabled again
        by_type.setdefault(row["record_type"], []).append(
            custom_field_from_row(row, base.field_types)
        )
    for type_name, extra in by_type.items():
        rt = types[type_name]
        fields = sorted(rt.fields + tuple(extra), key=lambda f: f.order)
        types[type_name] = replace(rt, fields=tuple(fields))
    check_consistency(types, picklists, base.field_types)
    settings = {(scope, key): value for scope, key, value in custom.settings}
    return Registry(types, picklists, base.field_types, custom.version, settings)


def custom_field_from_row(row: dict[str, Any], field_types: dict[str, FieldType]) -> Field:
    target = tuple(filter(None, (row.get("target") or "").split(",")))
    built = Field(
        name=CUSTOM_PREFIX + row["name"],
        type=row["type"],
        label=row["label"],
        required=row["required"],
        help=row.get("help") or {},
        max_length=row.get("max_length"),
        precision=row.get("precision"),
        picklist=row.get("picklist"),
        target=target,
        indexed=row["indexed"],
        searchable=row["searchable"],
        hidden=row["hidden"],
        block="custom",
        order=row["sort_order"],
        custom=True,
    )
    if row.get("default") is not None:
        field_type = field_types[row["type"]]
        built = replace(built, default=field_type.coerce(row["default"], built))
    return built


def _overlay_picklists(
    shipped: dict[str, Picklist], rows: tuple[dict[str, Any], ...]
) -> dict[str, Picklist]:
    by_list: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_list.setdefault(row["picklist"], []).append(row)
    result = dict(shipped)
    for name, changes in by_list.items():
        base = shipped.get(name)
        values: dict[str, PicklistValue] = {v.code: v for v in base.values} if base else {}
        for row in changes:
            current = values.get(row["code"])
            if row["deleted"]:
                values.pop(row["code"], None)
                continue
            if current is None:
                if not row["custom"]:
                    continue  # an override of a value the plugin no longer ships
                current = PicklistValue(
                    row["code"], row.get("label") or {"en": row["code"]}, 0, custom=True
                )
            values[row["code"]] = replace(
                current,
                label={**current.label, **(row.get("label") or {})},
                order=current.order if row.get("sort_order") is None else row["sort_order"],
                active=current.active if row.get("active") is None else row["active"],
            )
        ordered = tuple(sorted(values.values(), key=lambda v: (v.order, v.code)))
        if base:
            result[name] = replace(base, values=ordered)
        elif ordered:
            result[name] = Picklist(name, ordered, label={}, origin="custom")
    return result
