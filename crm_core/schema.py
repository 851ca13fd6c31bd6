"""Record-type definitions: the data that drives storage, forms, lists, API and search.

A definition arrives as a TOML file (``schemas/ticket.toml``) or an equal dict from a
plugin's ``crm_register_record_types``. :func:`parse_definition` checks it against a
meta-schema (Cerberus) and turns it into frozen :class:`RecordType`, :class:`Field`,
:class:`Relation` and :class:`Picklist` objects. Checks that need every definition at
once (picklist and reference targets, unique prefixes) run in :func:`check_consistency`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cerberus

from .cerberus_messages import flatten
from .errors import SchemaError
from .fieldtypes import TYPE_OPTIONS, FieldError, FieldType

NAME_RE = r"^[a-z][a-z0-9_]{0,47}$"
PREFIX_RE = r"^[A-Z][A-Z0-9]{0,9}$"
CODE_RE = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
#: What each pattern means, for messages (Cerberus only says the regex did not match).
PATTERN_MEANINGS = {
    NAME_RE: "must be snake_case: a lower-case letter, then lower-case letters, digits or _ "
    "(at most 48 characters)",
    PREFIX_RE: "must be 1 to 10 capital letters or digits, starting with a letter",
    CODE_RE: "must be lower-case letters, digits, _ or - (at most 64, starting with a letter "
    "or digit)",
}
CUSTOM_PREFIX = "cf_"

SYSTEM_FIELD_NAMES = (
    "id",
    "number",
    "assigned_to",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
    "source",
    "deleted",
)
#: Names a field may not take: system fields, record keys, and names Pony reserves.
RESERVED_NAMES = frozenset(
    {*SYSTEM_FIELD_NAMES, "tags", "type", "delete", "to_dict", "get", "set", "select", "load"}
)
SOURCE_PICKLIST = "record_source"
SOURCES = ("crm", "api", "portal", "webform", "email", "import")

LABEL = {
    "type": "dict",
    "schema": {
        "en": {"type": "string", "required": True, "empty": False},
        "ru": {"type": "string"},
    },
}
FIELD_SCHEMA: dict[str, Any] = {
    "name": {"type": "string", "required": True, "regex": NAME_RE},
    "type": {"type": "string", "required": True},
    "label": {**LABEL, "required": True},
    "required": {"type": "boolean", "default": False},
    "default": {"nullable": True},
    "help": LABEL,
    "max_length": {"type": "integer", "min": 1, "max": 1_000_000},
    "precision": {"type": "integer", "min": 0, "max": 8},
    "picklist": {"type": "string", "regex": NAME_RE},
    "target": {"type": ["string", "list"]},
    "unique": {"type": "boolean", "default": False},
    "indexed": {"type": "boolean", "default": False},
    "searchable": {"type": "boolean", "default": False},
    "read_only": {"type": "boolean", "default": False},
    "hidden": {"type": "boolean", "default": False},
    "block": {"type": "string", "regex": NAME_RE},
    "order": {"type": "integer"},
    "related_list": {"type": "boolean", "default": True},
}
RELATION_SCHEMA: dict[str, Any] = {
    "name": {"type": "string", "required": True, "regex": NAME_RE},
    "target": {"type": "string", "required": True, "regex": NAME_RE},
    "kind": {"type": "string", "allowed": ["many_to_many"], "default": "many_to_many"},
    "label": LABEL,
    "reverse_name": {"type": "string", "regex": NAME_RE},
    "reverse_label": LABEL,
}
PICKLIST_VALUE_SCHEMA: dict[str, Any] = {
    "code": {"type": "string", "required": True, "regex": CODE_RE},
    "label": {**LABEL, "required": True},
    "order": {"type": "integer"},
    "locked": {"type": "boolean", "default": False},
}
PICKLIST_SCHEMA: dict[str, Any] = {
    "label": LABEL,
    "values": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "schema": {"type": "dict", "schema": PICKLIST_VALUE_SCHEMA},
    },
}
DEFINITION_SCHEMA: dict[str, Any] = {
    "record_type": {
        "type": "dict",
        "required": True,
        "schema": {
            "name": {"type": "string", "required": True, "regex": NAME_RE},
            "label": {**LABEL, "required": True},
            "plural": {**LABEL, "required": True},
            "number_prefix": {"type": "string", "required": True, "regex": PREFIX_RE},
            "title_field": {"type": "string", "required": True},
            "list_columns": {"type": "list", "schema": {"type": "string"}, "default": []},
            "description": LABEL,
            "indexes": {
                "type": "list",
                "schema": {"type": "list", "schema": {"type": "string"}, "minlength": 1},
                "default": [],
            },
            "blocks": {
                "type": "list",
                "default": [],
                "schema": {
                    "type": "dict",
                    "schema": {
                        "name": {"type": "string", "required": True, "regex": NAME_RE},
                        "label": {**LABEL, "required": True},
                    },
                },
            },
        },
    },
    "fields": {
        "type": "list",
        "required": True,
        "schema": {"type": "dict", "schema": FIELD_SCHEMA},
    },
    "relations": {
        "type": "list",
        "default": [],
        "schema": {"type": "dict", "schema": RELATION_SCHEMA},
    },
    "picklists": {
        "type": "dict",
        "default": {},
        "keysrules": {"type": "string", "regex": NAME_RE},
        "valuesrules": {"type": "dict", "schema": PICKLIST_SCHEMA},
    },
}


def text(label: dict[str, str] | None, language: str = "en") -> str:
    """A label in ``language``, falling back to English."""
    if not label:
        return ""
    return label.get(language) or label.get("en") or ""


@dataclass(frozen=True)
class PicklistValue:
    code: str
    label: dict[str, str]
    order: int
    locked: bool = False
    active: bool = True
    custom: bool = False


@dataclass(frozen=True)
class Picklist:
    name: str
    values: tuple[PicklistValue, ...]
    label: dict[str, str] = field(default_factory=dict)
    origin: str = ""

    def codes(self, active_only: bool = False) -> list[str]:
        return [v.code for v in self.values if v.active or not active_only]

    def value(self, code: str) -> PicklistValue | None:
        for candidate in self.values:
            if candidate.code == code:
                return candidate
        return None

    def label_for(self, code: str | None, language: str = "en") -> str:
        found = self.value(code) if code else None
        return text(found.label, language) if found else (code or "")

    def code_for(self, text_or_code: str) -> str | None:
        """The code of a value given its code or any of its labels (case-insensitive)."""
        wanted = text_or_code.strip().casefold()
        for candidate in self.values:
            if candidate.code.casefold() == wanted:
                return candidate.code
        for candidate in self.values:
            if any(label.casefold() == wanted for label in candidate.label.values()):
                return candidate.code
        return None


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: dict[str, str]
    required: bool = False
    default: Any = None
    help: dict[str, str] = field(default_factory=dict)
    max_length: int | None = None
    precision: int | None = None
    picklist: str | None = None
    target: tuple[str, ...] = ()
    unique: bool = False
    indexed: bool = False
    searchable: bool = False
    read_only: bool = False
    hidden: bool = False
    block: str = "main"
    order: int = 0
    custom: bool = False
    system: bool = False
    #: A reference field makes the records that point to one appear on its page.
    related_list: bool = True

    @property
    def column(self) -> str:
        return self.name


@dataclass(frozen=True)
class Relation:
    """A many-to-many link declared on ``owner`` towards ``target``."""

    name: str
    owner: str
    target: str
    label: dict[str, str]
    reverse_name: str
    reverse_label: dict[str, str]
    kind: str = "many_to_many"

    @property
    def key(self) -> str:
        return f"{self.owner}.{self.name}"


@dataclass(frozen=True)
class RecordType:
    name: str
    label: dict[str, str]
    plural: dict[str, str]
    number_prefix: str
    title_field: str
    list_columns: tuple[str, ...]
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    blocks: tuple[tuple[str, dict[str, str]], ...] = ()
    description: dict[str, str] = field(default_factory=dict)
    plugin: str = ""
    source: str = ""
    #: Worked out from ``fields`` once per type, as every save walks them (an import a
    #: million times): the names of :attr:`data_fields`, the fields a record must have a
    #: value in (required and shown), the ones whose value must be unique, and the ones
    #: search finds (title and searchable).
    data_names: frozenset[str] = field(init=False, repr=False, compare=False)
    required_fields: tuple[Field, ...] = field(init=False, repr=False, compare=False)
    unique_fields: tuple[Field, ...] = field(init=False, repr=False, compare=False)
    search_fields: tuple[Field, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(
            self, "_defaults", {f.name: f.default for f in self.fields if not f.system}
        )
        object.__setattr__(self, "data_names", frozenset(f.name for f in self.data_fields))
        object.__setattr__(
            self, "required_fields", tuple(f for f in self.fields if f.required and not f.hidden)
        )
        object.__setattr__(
            self, "unique_fields", tuple(f for f in self.fields if f.unique and not f.system)
        )
        object.__setattr__(
            self,
            "search_fields",
            tuple(f for f in self.fields if f.name == self.title_field or f.searchable),
        )

    def defaults(self) -> dict[str, Any]:
        """A new record's values before any are given: each data field's default."""
        return dict(self._defaults)  # type: ignore[attr-defined]

    def is_data_field(self, name: str) -> bool:
        """Whether ``name`` is a field users give values to (see :attr:`data_fields`)."""
        return name in self.data_names

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)  # type: ignore[attr-defined]

    def has_field(self, name: str) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def data_fields(self) -> list[Field]:
        """Fields a user gives values to (not system bookkeeping)."""
        return [f for f in self.fields if not f.system or f.name == "assigned_to"]

    @property
    def custom_fields(self) -> list[Field]:
        return [f for f in self.fields if f.custom]


def system_fields() -> list[Field]:
    """The fields every record has, whatever its type."""
    return [
        Field("id", "integer", {"en": "ID", "ru": "ID"}, read_only=True, system=True, order=-100),
        Field(
            "number",
            "text",
            {"en": "Number", "ru": "Номер"},
            read_only=True,
            unique=True,
            max_length=40,
            system=True,
            order=-90,
        ),
        Field(
            "assigned_to",
            "owner",
            {"en": "Assigned to", "ru": "Ответственный"},
            indexed=True,
            system=True,
            order=10_000,
        ),
        Field(
            "created_at",
            "datetime",
            {"en": "Created", "ru": "Создано"},
            read_only=True,
            indexed=True,
            system=True,
            block="system",
            order=10_010,
        ),
        Field(
            "created_by",
            "owner",
            {"en": "Created by", "ru": "Кем создано"},
            read_only=True,
            system=True,
            block="system",
            order=10_020,
        ),
        Field(
            "modified_at",
            "datetime",
            {"en": "Modified", "ru": "Изменено"},
            read_only=True,
            indexed=True,
            system=True,
            block="system",
            order=10_030,
        ),
        Field(
            "modified_by",
            "owner",
            {"en": "Modified by", "ru": "Кем изменено"},
            read_only=True,
            system=True,
            block="system",
            order=10_040,
        ),
        Field(
            "source",
            "picklist",
            {"en": "Source", "ru": "Источник"},
            picklist=SOURCE_PICKLIST,
            read_only=True,
            system=True,
            block="system",
            order=10_050,
        ),
        Field(
            "deleted",
            "boolean",
            {"en": "Deleted", "ru": "Удалено"},
            read_only=True,
            hidden=True,
            system=True,
            order=10_060,
        ),
    ]


def source_picklist() -> Picklist:
    labels = {
        "crm": ("CRM", "CRM"),
        "api": ("API", "API"),
        "portal": ("Customer portal", "Портал клиента"),
        "webform": ("Web form", "Веб-форма"),
        "email": ("Email", "Эл. почта"),
        "import": ("Import", "Импорт"),
    }
    return Picklist(
        SOURCE_PICKLIST,
        tuple(
            PicklistValue(code, {"en": en, "ru": ru}, order, locked=True)
            for order, (code, (en, ru)) in enumerate(labels.items())
        ),
        label={"en": "Source", "ru": "Источник"},
        origin="core",
    )


# -- parsing -----------------------------------------------------------------------------


@dataclass
class Definition:
    """A checked, still mutable definition (extensions add to it before it is frozen)."""

    name: str
    doc: dict[str, Any]
    origin: str  # the file path or "plugin X" for messages
    plugin: str


def load_definition(item: dict | str | Path, plugin: str) -> Definition:
    """Read one definition (a dict, or the path of a TOML file) and check its shape."""
    if isinstance(item, str | Path):
        path = Path(item)
        origin = str(path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SchemaError(f"{origin}: schema file not found (plugin {plugin!r})") from None
        except tomllib.TOMLDecodeError as exc:
            raise SchemaError(f"{origin}: not valid TOML: {exc}") from exc
    elif isinstance(item, dict):
        doc, origin = item, f"plugin {plugin!r}"
    else:
        raise SchemaError(
            f"plugin {plugin!r}: crm_register_record_types returned {type(item).__name__}; "
            "allowed: a dict or the path of a TOML file"
        )
    validator = cerberus.Validator(DEFINITION_SCHEMA)
    if not validator.validate(doc):
        raise SchemaError(_shape_message(origin, doc, validator.errors))
    checked = validator.document
    return Definition(checked["record_type"]["name"], checked, origin, plugin)


def _shape_message(origin: str, doc: dict[str, Any], errors: dict[str, Any]) -> str:
    type_name = (doc.get("record_type") or {}).get("name") if isinstance(doc, dict) else None
    where = f"{origin}: record type {type_name!r}" if type_name else origin
    lines = []
    for path, message in flatten(errors):
        message = _readable(message)
        if path[0] == "fields" and len(path) >= 3 and isinstance(path[1], int):
            fields = doc.get("fields") or []
            entry = fields[path[1]] if path[1] < len(fields) else {}
            name = entry.get("name") if isinstance(entry, dict) else None
            label = f"field {name!r}" if name else f"field #{path[1] + 1}"
            key = ".".join(str(p) for p in path[2:])
            if message == "unknown key":
                message = "unknown key; allowed keys: " + ", ".join(FIELD_SCHEMA)
            lines.append(f"{where}, {label}: {key}: {message}")
        else:
            key = ".".join(str(p) for p in path)
            lines.append(f"{where}: {key}: {message}")
    return "\n".join(lines)


def _readable(message: str) -> str:
    """A Cerberus message in words: "unknown key", and what a pattern means."""
    if message == "unknown field":
        return "unknown key"
    for pattern, meaning in PATTERN_MEANINGS.items():
        if message == f"value does not match regex '{pattern}'":
            return meaning
    return message


class TypeExtender:
    """What ``crm_extend_record_types`` receives: add to other plugins' definitions."""

    def __init__(self, definitions: dict[str, Definition]):
        self._definitions = definitions
        self.plugin = ""

    def has(self, type_name: str) -> bool:
        return type_name in self._definitions

    def _get(self, type_name: str) -> Definition:
        if type_name not in self._definitions:
            raise SchemaError(
                f"plugin {self.plugin!r} extends record type {type_name!r}, which is not "
                f"registered; registered: {', '.join(sorted(self._definitions)) or '(none)'}"
            )
        return self._definitions[type_name]

    def _checked(self, schema: dict[str, Any], item: dict[str, Any], what: str) -> dict[str, Any]:
        validator = cerberus.Validator(schema)
        if not validator.validate(item):
            problems = "; ".join(
                f"{'.'.join(map(str, path))}: {_readable(message)}"
                for path, message in flatten(validator.errors)
            )
            raise SchemaError(f"plugin {self.plugin!r}: {what}: {problems}")
        return validator.document

    def add_field(self, type_name: str, field_def: dict[str, Any]) -> None:
        definition = self._get(type_name)
        what = f"field added to {type_name!r}"
        checked = self._checked(FIELD_SCHEMA, field_def, what)
        self._refuse_repeat(definition, "fields", checked["name"], what)
        definition.doc["fields"].append(checked)

    def add_relation(self, type_name: str, relation: dict[str, Any]) -> None:
        definition = self._get(type_name)
        what = f"relation added to {type_name!r}"
        checked = self._checked(RELATION_SCHEMA, relation, what)
        self._refuse_repeat(definition, "relations", checked["name"], what)
        definition.doc["relations"].append(checked)

    def _refuse_repeat(self, definition: Definition, part: str, name: str, what: str) -> None:
        if any(item["name"] == name for item in definition.doc[part]):
            raise SchemaError(
                f"plugin {self.plugin!r}: {what}: {name!r} is already declared "
                f"(by {definition.origin})"
            )

    def add_picklist(self, type_name: str, name: str, picklist: dict[str, Any]) -> None:
        definition = self._get(type_name)
        checked = self._checked(PICKLIST_SCHEMA, picklist, f"picklist {name!r}")
        definition.doc["picklists"][name] = checked


def freeze(
    definition: Definition, field_types: dict[str, FieldType]
) -> tuple[RecordType, list[Picklist]]:
    """Check one definition's fields and build its frozen record type and picklists."""
    doc = definition.doc
    rt = doc["record_type"]
    where = f"{definition.origin}: record type {definition.name!r}"
    fields: list[Field] = list(system_fields())
    seen: set[str] = set()
    for position, raw in enumerate(doc["fields"]):
        name = raw["name"]
        here = f"{where}, field {name!r}"
        if name in seen:
            raise SchemaError(f"{here}: declared twice")
        seen.add(name)
        if name in RESERVED_NAMES:
            raise SchemaError(
                f"{here}: the name is reserved; reserved: {', '.join(sorted(RESERVED_NAMES))}"
            )
        if name.startswith(CUSTOM_PREFIX):
            raise SchemaError(
                f"{here}: names starting with {CUSTOM_PREFIX!r} are kept for custom fields"
            )
        fields.append(_field_from(raw, here, field_types, position))
    picklists = [
        Picklist(
            name,
            tuple(
                PicklistValue(v["code"], v["label"], v.get("order", index * 10), locked=v["locked"])
                for index, v in enumerate(spec["values"])
            ),
            label=spec.get("label") or {},
            origin=definition.plugin,
        )
        for name, spec in doc["picklists"].items()
    ]
    for picklist in picklists:
        codes = [v.code for v in picklist.values]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise SchemaError(
                f"{where}: picklist {picklist.name!r}: code(s) {', '.join(repeated)} repeated"
            )
    names = {f.name for f in fields}
    if rt["title_field"] not in names:
        raise SchemaError(
            f"{where}: title_field {rt['title_field']!r} is not a field of the type; "
            f"fields: {', '.join(sorted(seen))}"
        )
    for column in rt["list_columns"]:
        if column not in names:
            raise SchemaError(f"{where}: list_columns: {column!r} is not a field of the type")
    for index in rt["indexes"]:
        for column in index:
            if column not in names:
                raise SchemaError(f"{where}: indexes: {column!r} is not a field of the type")
    relations = []
    for raw in doc["relations"]:
        relations.append(
            Relation(
                raw["name"],
                definition.name,
                raw["target"],
                raw.get("label") or {"en": raw["name"].replace("_", " ").title()},
                raw.get("reverse_name") or definition.name,
                raw.get("reverse_label") or {},
            )
        )
    relation_names = [r.name for r in relations]
    for name in relation_names:
        if relation_names.count(name) > 1:
            raise SchemaError(f"{where}: relation {name!r} declared twice")
    list_columns = tuple(rt["list_columns"]) or ("number", rt["title_field"], "assigned_to")
    record_type = RecordType(
        name=definition.name,
        label=rt["label"],
        plural=rt["plural"],
        number_prefix=rt["number_prefix"],
        title_field=rt["title_field"],
        list_columns=list_columns,
        fields=tuple(sorted(fields, key=lambda f: f.order)),
        relations=tuple(relations),
        indexes=tuple(tuple(index) for index in rt["indexes"]),
        blocks=tuple((b["name"], b["label"]) for b in rt["blocks"]),
        description=rt.get("description") or {},
        plugin=definition.plugin,
        source=definition.origin,
    )
    return record_type, picklists


def _field_from(
    raw: dict[str, Any], here: str, field_types: dict[str, FieldType], position: int
) -> Field:
    type_name = raw["type"]
    if type_name not in field_types:
        raise SchemaError(
            f"{here}: unknown type {type_name!r}; allowed: {', '.join(sorted(field_types))}"
        )
    target = raw.get("target")
    targets = (target,) if isinstance(target, str) else tuple(target or ())
    field_type = field_types[type_name]
    given = {
        "picklist": bool(raw.get("picklist")),
        "target": bool(targets),
        "max_length": "max_length" in raw,
        "precision": "precision" in raw,
    }
    for option in TYPE_OPTIONS:
        if given[option] and option not in field_type.definition_options:
            takers = [name for name, t in field_types.items() if option in t.definition_options]
            raise SchemaError(f"{here}: `{option}` is only for {_and(sorted(takers))} fields")
    if raw["required"] and raw.get("hidden"):
        raise SchemaError(f"{here}: a hidden field cannot be required")
    built = Field(
        name=raw["name"],
        type=type_name,
        label=raw["label"],
        required=raw["required"],
        default=None,
        help=raw.get("help") or {},
        max_length=raw.get("max_length"),
        precision=raw.get("precision"),
        picklist=raw.get("picklist"),
        target=targets,
        unique=raw["unique"],
        indexed=raw["indexed"] or raw["unique"],
        searchable=raw["searchable"],
        read_only=raw["read_only"],
        hidden=raw["hidden"],
        block=raw.get("block", "main"),
        order=raw.get("order", (position + 1) * 10),
        related_list=raw["related_list"],
    )
    missing = field_type.check_definition(built)
    if missing:
        raise SchemaError(f"{here}: {missing}")
    if raw.get("default") is not None:
        try:
            default = field_type.coerce(raw["default"], built)
        except FieldError as exc:
            raise SchemaError(f"{here}: default {raw['default']!r} {exc}") from None
        built = replace(built, default=default)
    return built


def _and(words: list[str]) -> str:
    """``"a, b and c"``."""
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def check_consistency(
    types: dict[str, RecordType], picklists: dict[str, Picklist], field_types: dict[str, FieldType]
) -> None:
    """Checks across definitions: targets exist, picklists are declared, prefixes unique."""
    prefixes: dict[str, str] = {}
    for rt in types.values():
        where = f"{rt.source}: record type {rt.name!r}"
        other = prefixes.get(rt.number_prefix)
        if other:
            raise SchemaError(
                f"{where}: number_prefix {rt.number_prefix!r} is already used by {other!r}"
            )
        prefixes[rt.number_prefix] = rt.name
        for f in rt.fields:
            here = f"{where}, field {f.name!r}"
            if f.picklist and f.picklist not in picklists:
                raise SchemaError(
                    f"{here}: picklist {f.picklist!r} is not declared; declared: "
                    f"{', '.join(sorted(picklists))}"
                )
            if f.picklist and f.default is not None:
                values = f.default if isinstance(f.default, list) else [f.default]
                codes = picklists[f.picklist].codes()
                for value in values:
                    if value not in codes:
                        raise SchemaError(
                            f"{here}: default {value!r} is not a code of picklist "
                            f"{f.picklist!r}; codes: {', '.join(codes)}"
                        )
            for target in f.target:
                if target not in types:
                    raise SchemaError(
                        f"{here}: target {target!r} is not a registered record type; "
                        f"registered: {', '.join(sorted(types))}"
                    )
        for relation in rt.relations:
            if relation.target not in types:
                raise SchemaError(
                    f"{where}, relation {relation.name!r}: target {relation.target!r} is not "
                    f"a registered record type; registered: {', '.join(sorted(types))}"
                )


def is_valid_name(name: str) -> bool:
    return re.match(NAME_RE, name) is not None
