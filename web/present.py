"""Showing field values on pages: labels for codes, links for references, local dates.

A :class:`Presenter` is made for a set of records about to be shown; it looks up every
referenced record and owner in one query per type, so a list page of 50 rows costs a
handful of queries, not one per cell. Everything it returns is escaped ``Markup``.

How a value looks is its field type's business (:meth:`crm_core.fieldtypes.FieldType.present`);
the presenter is the :class:`~crm_core.fieldtypes.PresentContext` the type draws with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from crm_core.actors import Actor
from crm_core.fieldtypes import FieldError
from crm_core.registry import Registry
from crm_core.schema import Field, RecordType, text

DATE_FORMAT = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y"}


class Presenter:
    def __init__(self, crm, registry: Registry, language: str, actor: Actor, gettext):
        self.crm = crm
        self.registry = registry
        self.language = language
        self.actor = actor
        self._ = gettext
        self.zone = _zone(crm.config.timezone)
        self.titles: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}

    def prepare(
        self,
        rt: RecordType,
        records: Iterable[dict[str, Any]],
        fields: Iterable[Field] | None = None,
    ) -> Presenter:
        """Look up the references and owners of these records (call before rendering)."""
        fields = list(fields if fields is not None else rt.fields)
        kinds = [(field, self.registry.field_types[field.type]) for field in fields]
        refs, owners = set(), set()
        for record in records:
            for field, field_type in kinds:
                value = record.get(field.name)
                if value is not None:
                    refs.update(field_type.references(value, field))
                    owners.update(field_type.owners(value, field))
        missing_refs = refs - set(self.titles)
        if missing_refs:
            self.titles.update(self.crm.records.titles(missing_refs, actor=self.actor))
        missing_owners = owners - set(self.owners)
        if missing_owners:
            self.owners.update(self.crm.directory.owner_names(list(missing_owners)))
        return self

    def prepare_history(self, rt: RecordType, history: list[dict[str, Any]]) -> Presenter:
        """Look up the owners and records named in history entries."""
        rows = []
        for entry in history:
            rows.append({"_actor": entry["actor"]})
            for name, pair in entry["changes"].items():
                if rt.field(name) is not None:
                    rows.extend({name: value} for value in pair if value is not None)
        self.owners.update(
            self.crm.directory.owner_names([r["_actor"] for r in rows if r.get("_actor")])
        )
        return self.prepare(rt, rows)

    def history_value(self, field: Field | None, value: Any) -> str:
        """A value as history stored it (JSON form), in words."""
        if value is None or value == []:
            return "—"
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if field is None:
            return shown
        field_type = self.registry.field_types[field.type]
        try:
            canonical = field_type.coerce(value, field)
        except FieldError:
            return shown  # stored before the field's type or its rules changed
        return shown if canonical is None else field_type.present_text(canonical, field, self)

    def label(self, labels: dict[str, str] | None) -> str:
        return text(labels, self.language)

    def owner(self, ref: str | None) -> str:
        if not ref:
            return ""
        return self.owners.get(ref, ref)

    def value(self, field: Field, record: dict[str, Any]) -> Markup:
        """The display of one field of one record."""
        value = record.get(field.name)
        if value is None or value == [] or value == "":
            return Markup("")
        return escape(self.registry.field_types[field.type].present(value, field, self))

    # -- what a field type may ask (crm_core.fieldtypes.PresentContext) ------------------

    def gettext(self, text: str, **values: Any) -> str:
        return self._(text, **values)

    def picklist_label(self, picklist: str, code: str) -> str:
        return self.registry.picklist(picklist).label_for(code, self.language)

    def picklist_choices(self, picklist: str, keep: Iterable[str] | None) -> list[tuple[str, str]]:
        kept = None if keep is None else set(keep)
        return [
            (v.code, self.label(v.label))
            for v in self.registry.picklist(picklist).values
            if kept is None or v.active or v.code in kept
        ]

    def owner_choices(self, keep: str | None) -> list[tuple[str, str]]:
        choices = self.crm.directory.owner_choices()
        if keep and keep not in dict(choices):
            choices.append((keep, self.owner(keep) or keep))
        return choices

    def type_label(self, type_name: str) -> str:
        return self.label(self.registry.type(type_name).label)

    def record(self, key: str) -> dict[str, Any] | None:
        return self.titles.get(key)

    def html(self, template: str, *values: Any) -> Markup:
        # The template is a field type's code, never input; the values are escaped.
        return Markup(template).format(*values)  # noqa: S704

    def date(self, value: dt.date | None) -> str:
        """A date in the language's usual form (31.03.2026 or 2026-03-31)."""
        if value is None:
            return ""
        return value.strftime(DATE_FORMAT.get(self.language, DATE_FORMAT["en"]))

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = value.replace(tzinfo=dt.UTC).astimezone(self.zone)
        return local.strftime(DATE_FORMAT.get(self.language, DATE_FORMAT["en"]) + " %H:%M")

    def number(self, value: Decimal) -> str:
        formatted = f"{value:,}"
        if self.language == "ru":
            formatted = formatted.replace(",", "\u00a0").replace(".", ",")
        return formatted

    def title_of(self, rt: RecordType, record: dict[str, Any]) -> str:
        field = rt.field(rt.title_field)
        if record.get(rt.title_field) is None:
            return record.get("number") or ""
        return str(self.value(field, record).striptags()) or record["number"]


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC
