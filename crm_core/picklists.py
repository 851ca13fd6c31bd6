"""Changing picklists while the CRM runs.

Records store a value's code, so renaming a label rewrites nothing. Deactivating hides a
value from new choices while records keep it. Deleting needs a replacement: every record
that uses the value gets the replacement in one transaction, with a history entry each.
Values a plugin declares ``locked`` can be renamed and reordered but never deleted or
deactivated. Every change moves the registry version, so every process sees it at once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import clock
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError
from .i18n import msg
from .schema import CUSTOM_PREFIX, Picklist
from .storage import schema_ops

if TYPE_CHECKING:
    from .runtime import CRM

CODE_RE = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def code_from_label(label: str) -> str:
    """A stable code for a value given only its label (Cyrillic transliterated)."""
    text = "".join(TRANSLIT.get(ch, ch) for ch in label.casefold())
    code = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return code[:64] or "value"


class Picklists:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store

    def names(self) -> list[str]:
        return sorted(self.crm.refresh().picklists)

    def get(self, name: str) -> Picklist:
        return self.crm.refresh().picklist(name)

    def describe(self, name: str) -> dict[str, Any]:
        picklist = self.get(name)
        users = [
            f"{rt.name}.{f.name}"
            for rt in self.crm.registry.types.values()
            for f in rt.fields
            if f.picklist == name
        ]
        return {
            "name": picklist.name,
            "used_by": users,
            "values": [
                {
                    "code": v.code,
                    "label": v.label,
                    "order": v.order,
                    "active": v.active,
                    "locked": v.locked,
                    "custom": v.custom,
                }
                for v in picklist.values
            ],
        }

    # -- changes ------------------------------------------------------------------------

    def add(
        self,
        name: str,
        label: str,
        *,
        label_ru: str | None = None,
        code: str | None = None,
        actor: Actor = SYSTEM,
    ) -> dict[str, Any]:
        """Add a value (its code is derived from the label unless given)."""
        self._require_admin(actor)
        picklist = self.get(name)
        label = (label or "").strip()
        if not label:
            raise ValidationError({"label": msg("is required")})
        code = (code or code_from_label(label)).strip()
        if not CODE_RE.fullmatch(code):
            raise ValidationError(
                {
                    "code": msg(
                        "must be lower-case letters, digits, _ or -, starting with a letter or digit"
                    )
                }
            )
        if picklist.value(code) is not None:
            raise Conflict(
                msg(
                    "picklist {picklist!r} already has a value with code {code!r}",
                    picklist=name,
                    code=code,
                )
            )
        last = max((v.order for v in picklist.values), default=0)
        labels = {"en": label, **({"ru": label_ru.strip()} if label_ru else {})}
        with self.store.transaction() as tx:
            came_back = schema_ops.update_picklist_value(  # a value deleted earlier
                tx, name, code, label=labels, sort_order=last + 10, deleted=False, active=True
            )
            if not came_back:
                schema_ops.insert_picklist_value(
                    tx, name, code, custom=True, label=labels, sort_order=last + 10
                )
            self.store.bump_version(tx)
        self.store.rebuild()
        return {"code": code, "label": labels}

    def rename(
        self,
        name: str,
        code: str,
        *,
        label: str | None = None,
        label_ru: str | None = None,
        actor: Actor = SYSTEM,
    ) -> None:
        """Change a value's label(s); records keep the code and need no change."""
        self._require_admin(actor)
        value = self._value(name, code)
        changes = {}
        if label is not None and label.strip():
            changes["en"] = label.strip()
        if label_ru is not None and label_ru.strip():
            changes["ru"] = label_ru.strip()
        if not changes:
            raise ValidationError({"label": msg("give a new English and/or Russian label")})
        self._override(name, code, label={**value.label, **changes})

    def reorder(self, name: str, codes: list[str], *, actor: Actor = SYSTEM) -> None:
        """Put the given codes first, in this order; the others follow as they were."""
        self._require_admin(actor)
        picklist = self.get(name)
        unknown = [c for c in codes if picklist.value(c) is None]
        if unknown:
            raise ValidationError(
                {
                    "codes": msg(
                        "not in picklist {picklist!r}: {unknown}; codes: {codes}",
                        picklist=name,
                        unknown=", ".join(unknown),
                        codes=", ".join(picklist.codes()),
                    )
                }
            )
        ordered = list(dict.fromkeys(codes)) + [c for c in picklist.codes() if c not in codes]
        with self.store.transaction() as tx:
            for position, code in enumerate(ordered):
                self._set(tx, name, code, sort_order=(position + 1) * 10)
            self.store.bump_version(tx)
        self.store.rebuild()

    def deactivate(self, name: str, code: str, *, actor: Actor = SYSTEM) -> None:
        self._require_admin(actor)
        value = self._value(name, code)
        if value.locked:
            raise Conflict(
                msg(
                    "{code!r} is a locked value of {picklist!r}: it cannot be deactivated",
                    code=code,
                    picklist=name,
                )
            )
        self._override(name, code, active=False)

    def activate(self, name: str, code: str, *, actor: Actor = SYSTEM) -> None:
        self._require_admin(actor)
        self._value(name, code)
        self._override(name, code, active=True)

    def delete(
        self, name: str, code: str, *, replace_with: str | None, actor: Actor = SYSTEM
    ) -> int:
        """Delete a value, giving every record that uses it ``replace_with`` instead (one
        transaction, a history entry per record). Returns how many records changed."""
        self._require_admin(actor)
        picklist = self.get(name)
        value = self._value(name, code)
        if value.locked:
            raise Conflict(
                msg(
                    "{code!r} is a locked value of {picklist!r}: it cannot be deleted",
                    code=code,
                    picklist=name,
                )
            )
        others = ", ".join(c for c in picklist.codes(active_only=True) if c != code)
        if not replace_with:
            raise ValidationError(
                {
                    "replace_with": msg(
                        "is required: records using the value need another; choose one of: {codes}",
                        codes=others,
                    )
                }
            )
        replacement = picklist.value(replace_with)
        if replacement is None or replace_with == code or not replacement.active:
            raise ValidationError(
                {
                    "replace_with": msg(
                        "must be another active value of {picklist!r}: {codes}",
                        picklist=name,
                        codes=others,
                    )
                }
            )
        changed = 0
        with self.store.transaction() as tx:
            using = [
                (rt, field)
                for rt in tx.registry.types.values()
                for field in rt.fields
                if field.picklist == name
            ]
            shipped_defaults = [
                f"{rt.name}.{field.name}"
                for rt, field in using
                if not field.custom and code in _codes(field.default)
            ]
            if shipped_defaults:
                raise Conflict(
                    msg(
                        "{code!r} is the default of {fields}, declared by a plugin: it cannot be "
                        "deleted",
                        code=code,
                        fields=", ".join(shipped_defaults),
                    )
                )
            for rt, field in using:
                changed += self._rewrite(tx, rt, field, code, replace_with, actor)
                if field.custom and code in _codes(field.default):
                    self._replace_default(tx, rt, field, code, replace_with)
            self._set(tx, name, code, deleted=True)
            self.store.bump_version(tx)
        self.store.rebuild()
        return changed

    def _rewrite(self, tx, rt, field, code: str, replacement: str, actor: Actor) -> int:
        now = clock.utcnow()
        ftype = tx.registry.field_types[field.type]
        multiple = ftype.multiple
        rows = schema_ops.records_with_code(tx, rt.name, field.column, code, multiple=multiple)
        rewritten = 0
        for record_id, stored in rows:
            if multiple:
                old = ftype.from_storage(stored)
                if code not in old:
                    continue  # LIKE also matched "_" in a code as any character
                new = list(dict.fromkeys(replacement if c == code else c for c in old))
                new_value = ftype.to_storage(new)
                change = [old, new]
            else:
                new_value, change = replacement, [code, replacement]
            schema_ops.set_record_code(
                tx,
                rt.name,
                record_id,
                field.column,
                new_value,
                modified_at=now,
                modified_by=actor.ref,
            )
            self.crm.records.add_history(
                rt.name,
                record_id,
                "updated",
                actor=actor,
                changes={field.name: change},
                note=f"picklist value {code!r} deleted, replaced by {replacement!r}",
                at=now,
            )
            rewritten += 1
        return rewritten

    @staticmethod
    def _replace_default(tx, rt, field, code: str, replacement: str) -> None:
        """A custom field whose default is the deleted value gets the replacement instead."""
        name = field.name[len(CUSTOM_PREFIX) :]
        row = schema_ops.custom_field(tx, rt.name, name, lock=True)
        if tx.registry.field_types[field.type].multiple:
            default = list(dict.fromkeys(replacement if c == code else c for c in row["default"]))
        else:
            default = replacement
        schema_ops.update_custom_field(tx, rt.name, name, default=default)

    # -- helpers ------------------------------------------------------------------------

    def _value(self, name: str, code: str):
        picklist = self.get(name)
        value = picklist.value(code)
        if value is None:
            raise NotFound(
                msg(
                    "picklist {picklist!r} has no value {code!r}; codes: {codes}",
                    picklist=name,
                    code=code,
                    codes=", ".join(picklist.codes()),
                )
            )
        return value

    def _override(self, name: str, code: str, **changes: Any) -> None:
        with self.store.transaction() as tx:
            self._set(tx, name, code, **changes)
            self.store.bump_version(tx)
        self.store.rebuild()

    def _set(self, tx, name: str, code: str, **changes: Any) -> None:
        """Store a change to a value; a shipped value gets its override row on the first."""
        if not schema_ops.update_picklist_value(tx, name, code, **changes):
            schema_ops.insert_picklist_value(tx, name, code, custom=False, **changes)

    def _require_admin(self, actor: Actor) -> None:
        self.crm.access.require(actor, "administer")


def _codes(default: Any) -> list[str]:
    """The codes a field's default names (none, one, or a list for multi-select)."""
    if default is None:
        return []
    return list(default) if isinstance(default, list) else [default]
