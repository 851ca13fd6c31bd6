"""Custom fields: real, typed columns added while the CRM runs.

Adding one writes its definition, the new column (nullable, or with a database DEFAULT
so rows already there and writers still on the previous mapping get the default) and the
new registry version in one transaction (the DDL is :mod:`crm_core.storage.schema_ops`'s).
Other processes see the version move at the start of their next transaction and rebuild
their mapping; nothing restarts and no write fails. Column names carry the ``cf_``
prefix, which plugin fields may not use, so a plugin upgrade can never collide with a
custom field.

Hiding keeps the column and its values; only :meth:`Fields.purge` drops a column,
after writing its values to a CSV file in the data directory.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import clock
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError
from .fieldtypes import FieldError
from .i18n import msg
from .picklists import CODE_RE, code_from_label
from .registry import custom_field_from_row
from .schema import CUSTOM_PREFIX, Field, RecordType
from .storage import lookups, schema_ops
from .transfer import guard_formula

if TYPE_CHECKING:
    from .runtime import CRM
    from .storage.store import Transaction

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,40}")


class Fields:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store

    def list(self, type_name: str) -> list[Field]:
        """Every field of a type: system, plugin and custom (hidden ones included)."""
        return list(self.crm.refresh().type(type_name).fields)

    def add(
        self,
        type_name: str,
        name: str,
        field_type: str,
        *,
        label: str | None = None,
        label_ru: str | None = None,
        help: str | None = None,
        help_ru: str | None = None,
        values: list[tuple[str, str]] | None = None,
        picklist: str | None = None,
        target: list[str] | str | None = None,
        required: bool = False,
        default: Any = None,
        indexed: bool = False,
        searchable: bool = False,
        max_length: int | None = None,
        precision: int | None = None,
        actor: Actor = SYSTEM,
    ) -> Field:
        """Add a custom field to a record type; returns it (named ``cf_<name>``)."""
        self._require_admin(actor)
        registry = self.crm.refresh()
        rt = registry.type(type_name)
        name = name.strip()
        if name.startswith(CUSTOM_PREFIX):
            name = name[len(CUSTOM_PREFIX) :]
        errors: dict[str, str] = {}
        if not NAME_RE.fullmatch(name):
            errors["name"] = msg(
                "must start with a lower-case letter and use only a-z, 0-9 and _ "
                "(at most 41 characters)"
            )
        if field_type not in registry.field_types:
            errors["type"] = msg(
                "unknown type {type!r}; allowed: {allowed}",
                type=field_type,
                allowed=", ".join(sorted(registry.field_types)),
            )
        elif not registry.field_types[field_type].custom_allowed:
            errors["type"] = msg("{type} fields cannot be added at run time", type=field_type)
        if errors:
            raise ValidationError(errors)
        full_name = CUSTOM_PREFIX + name
        if rt.has_field(full_name):
            raise Conflict(_taken(type_name, full_name))
        ftype = registry.field_types[field_type]
        targets = [target] if isinstance(target, str) else list(target or [])
        targets = [t.strip() for part in targets for t in part.split(",") if t.strip()]
        _refuse_options_of_other_types(
            registry,
            ftype,
            {
                "values": ("picklist", bool(values or picklist)),
                "target": ("target", bool(targets)),
                "max_length": ("max_length", max_length is not None),
                "precision": ("precision", precision is not None),
            },
        )
        picklist_rows: list[dict[str, Any]] = []
        if "picklist" in ftype.definition_options:
            picklist, picklist_rows = self._picklist_for(
                registry, type_name, name, values, picklist
            )
        if "target" in ftype.definition_options:
            if not targets:
                raise ValidationError({"target": msg("a reference field needs --target TYPE")})
            unknown = [t for t in targets if t not in registry.types]
            if unknown:
                raise ValidationError(
                    {
                        "target": msg(
                            "unknown record type {type!r}; types: {types}",
                            type=unknown[0],
                            types=", ".join(sorted(registry.types)),
                        )
                    }
                )
        # After the type's last data field, before "assigned to" and the system block.
        last_order = max((f.order for f in rt.fields if not f.system), default=0)
        row = {
            "record_type": type_name,
            "name": name,
            "type": field_type,
            "label": {
                "en": (label or name.replace("_", " ").capitalize()).strip(),
                **({"ru": label_ru.strip()} if label_ru else {}),
            },
            "help": {k: v for k, v in (("en", help), ("ru", help_ru)) if v} or None,
            "required": bool(required),
            "default": None,
            "max_length": max_length,
            "precision": precision,
            "picklist": picklist,
            "target": ",".join(targets) or None,
            "indexed": bool(indexed),
            "searchable": bool(searchable),
            "hidden": False,
            "purged": False,
            "sort_order": min(last_order + 10, 9_990),
        }
        field = self._with_default(registry, rt, row, default, picklist_rows)
        if required and row["default"] is None and self._any(type_name):
            raise ValidationError(
                {
                    "default": msg(
                        "a required field needs a default: {count} existing {records} would "
                        "have no value",
                        count=self._count(type_name),
                        records=rt.plural["en"].lower(),
                    )
                }
            )
        self._apply_ddl(rt, row, picklist_rows)
        return self.crm.registry.type(type_name).field(field.name)

    def _picklist_for(self, registry, type_name, name, values, picklist) -> tuple[str, list[dict]]:
        if picklist:
            if values:
                raise ValidationError(
                    {"values": msg("give either --values or --picklist, not both")}
                )
            registry.picklist(picklist)
            return picklist, []
        if not values:
            raise ValidationError(
                {
                    "values": msg(
                        "a picklist field needs its values: --values code:Label,code2:Label2 "
                        "(or --picklist NAME to reuse an existing one)"
                    )
                }
            )
        list_name = f"{CUSTOM_PREFIX}{type_name}_{name}"
        rows, seen = [], set()
        for position, (code, text) in enumerate(values):
            code = (code or code_from_label(text)).strip()
            if not CODE_RE.fullmatch(code):
                raise ValidationError(
                    {
                        "values": msg(
                            "code {code!r}: use lower-case letters, digits, _ or -", code=code
                        )
                    }
                )
            if code in seen:
                raise ValidationError({"values": msg("code {code!r} is given twice", code=code)})
            seen.add(code)
            rows.append(
                {
                    "picklist": list_name,
                    "code": code,
                    "label": {"en": text or code},
                    "sort_order": (position + 1) * 10,
                    "active": True,
                    "deleted": False,
                    "custom": True,
                }
            )
        return list_name, rows

    def _with_default(
        self, registry, rt: RecordType, row: dict, default: Any, picklist_rows
    ) -> Field:
        field = custom_field_from_row(row, registry.field_types)
        if default is None or default == "":
            return field
        ftype = registry.field_types[row["type"]]
        try:
            value = ftype.coerce(default, field)
        except FieldError as exc:
            raise ValidationError(
                {"default": msg("{value!r} {problem}", value=default, problem=exc.message)}
            ) from None
        if "picklist" in ftype.definition_options:
            codes = [r["code"] for r in picklist_rows] or registry.picklist(row["picklist"]).codes()
            for code in value if isinstance(value, list) else [value]:
                if code not in codes:
                    raise ValidationError(
                        {
                            "default": msg(
                                "{code!r} is not one of the values: {codes}",
                                code=code,
                                codes=", ".join(codes),
                            )
                        }
                    )
        row["default"] = ftype.to_json(value, field)
        return field

    def _any(self, type_name: str) -> bool:
        """Whether the type has records (cheap at any size, unlike counting them)."""
        with self.store.reading() as tx:
            return lookups.has_records(tx, type_name)

    def _count(self, type_name: str) -> int:
        with self.store.reading() as tx:
            return lookups.count_records(tx, type_name)

    def _apply_ddl(self, rt: RecordType, row: dict, picklist_rows: list[dict]) -> None:
        """Definition row, new column and version in one transaction, tried again while
        the table's lock is busy (:func:`~crm_core.storage.schema_ops.run_schema_change`)."""
        field = custom_field_from_row(row, self.crm.registry.field_types)
        column = schema_ops.plan_column(self.store, rt, field)

        def add(tx: Transaction) -> None:
            if schema_ops.custom_field(tx, row["record_type"], row["name"]) is not None:
                raise Conflict(_taken(row["record_type"], CUSTOM_PREFIX + row["name"]))
            schema_ops.insert_custom_field(tx, row, clock.utcnow())
            for value in picklist_rows:
                schema_ops.insert_picklist_value(tx, **value)
            schema_ops.add_column(tx, column)
            self.store.bump_version(tx)

        schema_ops.run_schema_change(self.store, add)
        self.store.rebuild()

    # -- editing ------------------------------------------------------------------------

    def update(
        self,
        type_name: str,
        name: str,
        *,
        label: str | None = None,
        label_ru: str | None = None,
        help: str | None = None,
        help_ru: str | None = None,
        required: bool | None = None,
        default: Any = ...,
        order: int | None = None,
        actor: Actor = SYSTEM,
    ) -> Field:
        """Change how a custom field is shown and checked; its data is not touched."""
        self._require_admin(actor)
        registry = self.crm.refresh()
        rt = registry.type(type_name)
        field = self._custom(rt, name)
        short = field.name[len(CUSTOM_PREFIX) :]
        with self.store.transaction() as tx:
            row = schema_ops.custom_field(tx, type_name, short, lock=True)
            changes: dict[str, Any] = {}
            labels = dict(row["label"])
            if label:
                labels["en"] = label.strip()
            if label_ru:
                labels["ru"] = label_ru.strip()
            changes["label"] = labels
            if help is not None or help_ru is not None:
                helps = dict(row["help"] or {})
                if help is not None:
                    helps["en"] = help
                if help_ru is not None:
                    helps["ru"] = help_ru
                changes["help"] = {k: v for k, v in helps.items() if v} or None
            if default is not ...:
                if default in (None, ""):
                    changes["default"] = None
                else:
                    ftype = registry.field_types[field.type]
                    try:
                        value = ftype.coerce(default, field)
                        problem = ftype.check(value, field, _PicklistOnly(registry))
                    except FieldError as exc:
                        raise ValidationError({"default": exc.message}) from None
                    if problem:
                        raise ValidationError({"default": problem})
                    changes["default"] = ftype.to_json(value, field)
            if required is not None:
                new_default = changes.get("default", row["default"])
                if required and not row["required"] and new_default is None:
                    empty = lookups.count_live_without_value(tx, type_name, field.column)
                    if empty:
                        raise ValidationError(
                            {
                                "required": msg(
                                    "{count} records have no value; give a default first",
                                    count=empty,
                                )
                            }
                        )
                changes["required"] = required
            if order is not None:
                changes["sort_order"] = int(order)
            schema_ops.update_custom_field(tx, type_name, short, **changes)
            self.store.bump_version(tx)
        self.store.rebuild()
        return self.crm.registry.type(type_name).field(field.name)

    def hide(self, type_name: str, name: str, *, actor: Actor = SYSTEM) -> None:
        """Take a custom field off forms and lists; its values stay in the database."""
        self._set_hidden(type_name, name, True, actor)

    def show(self, type_name: str, name: str, *, actor: Actor = SYSTEM) -> None:
        self._set_hidden(type_name, name, False, actor)

    def _set_hidden(self, type_name: str, name: str, hidden: bool, actor: Actor) -> None:
        self._require_admin(actor)
        rt = self.crm.refresh().type(type_name)
        field = self._custom(rt, name)
        short = field.name[len(CUSTOM_PREFIX) :]
        with self.store.transaction() as tx:
            if hidden:
                schema_ops.update_custom_field(tx, type_name, short, hidden=True, required=False)
            else:
                schema_ops.update_custom_field(tx, type_name, short, hidden=False)
            self.store.bump_version(tx)
        self.store.rebuild()

    @staticmethod
    def _purged_row(record: dict[str, Any], field, ftype) -> list[Any]:
        value = guard_formula(ftype.to_text(record[field.name], field))
        return [record["id"], record["number"], value]

    def purge(self, type_name: str, name: str, *, actor: Actor = SYSTEM) -> Path:
        """Write the field's values to a CSV file in the data directory, then drop the
        column for good. Returns the path of the CSV file."""
        self._require_admin(actor)
        rt = self.crm.refresh().type(type_name)
        field = self._custom(rt, name)
        export_dir = self.crm.data_dir / "exports"
        export_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = export_dir / f"purged-{type_name}-{field.name}-{stamp}.csv"
        ftype = self.crm.registry.field_types[field.type]
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "number", field.name])
            for record in self.crm.records.iterate(type_name, where=None):
                writer.writerow(self._purged_row(record, field, ftype))
            for record in self._deleted_records(type_name):
                writer.writerow(self._purged_row(record, field, ftype))
        short = field.name[len(CUSTOM_PREFIX) :]
        with self.store.transaction() as tx:
            schema_ops.drop_column(tx, type_name, field.column)
            schema_ops.delete_custom_field(tx, type_name, short)
            if field.picklist == f"{CUSTOM_PREFIX}{type_name}_{short}":
                schema_ops.delete_picklist_values(tx, field.picklist)
            self.store.bump_version(tx)
        self.store.rebuild()
        return path

    def _deleted_records(self, type_name: str):
        cursor = None
        while True:
            page = self.crm.records.list(
                type_name, deleted=True, sort="id", limit=500, cursor=cursor
            )
            yield from page.records
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def _custom(self, rt: RecordType, name: str) -> Field:
        full = name if name.startswith(CUSTOM_PREFIX) else CUSTOM_PREFIX + name
        field = rt.field(full)
        if field is None or not field.custom:
            customs = [f.name for f in rt.custom_fields]
            if rt.field(name) is not None:
                raise ValidationError(
                    {
                        "name": msg(
                            "{name!r} is a field of plugin {plugin!r}, not a custom field",
                            name=name,
                            plugin=rt.plugin,
                        )
                    }
                )
            raise NotFound(
                msg(
                    "{type} has no custom field {name!r}; custom fields: {fields}",
                    type=rt.name,
                    name=full,
                    fields=", ".join(customs) or msg("(none)"),
                )
            )
        return field

    def _require_admin(self, actor: Actor) -> None:
        self.crm.access.require(actor, "administer")


def _taken(type_name: str, field_name: str) -> str:
    return msg("{type} already has a field {name!r}", type=type_name, name=field_name)


class _PicklistOnly:
    """Checks for a default value: picklist codes only (defaults are never references)."""

    def __init__(self, registry):
        self.registry = registry

    def current_value(self, field_name: str) -> None:
        return None

    def picklist_codes(self, picklist: str, *, active_only: bool) -> list[str]:
        return self.registry.picklist(picklist).codes(active_only)

    def reference_exists(self, target: str, record_id: int) -> bool:
        return True

    def owner_exists(self, owner: str) -> bool:
        return True


def _refuse_options_of_other_types(registry, ftype, given: dict[str, tuple[str, bool]]) -> None:
    """Refuse an option the field type does not take (``--values`` for a text field),
    naming the types that do: ``{argument: (option, given)}``."""
    for argument, (option, is_given) in given.items():
        if is_given and option not in ftype.definition_options:
            takers = sorted(
                name for name, t in registry.field_types.items() if option in t.definition_options
            )
            raise ValidationError(
                {argument: msg("is only for {types} fields", types=", ".join(takers))}
            )
