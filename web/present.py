"""Showing field values on pages: labels for codes, links for references, local dates.

A :class:`Presenter` is made for a set of records about to be shown; it looks up every
referenced record and owner in one query per type, so a list page of 50 rows costs a
handful of queries, not one per cell. Everything it returns is escaped ``Markup``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from crm_core.actors import Actor
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
        refs, owners = set(), set()
        for record in records:
            for field in fields:
                value = record.get(field.name)
                if value is None:
                    continue
                if field.type == "reference":
                    refs.add(f"{field.target[0]}:{value}" if isinstance(value, int) else value)
                elif field.type == "owner":
                    owners.add(value)
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
                field = rt.field(name)
                if field is not None and field.type in ("owner", "reference"):
                    rows.extend({name: value} for value in pair if value is not None)
        self.owners.update(
            self.crm.directory.owner_names([r["_actor"] for r in rows if r.get("_actor")])
        )
        return self.prepare(rt, rows, [f for f in rt.fields if f.type in ("owner", "reference")])

    def history_value(self, field: Field | None, value: Any) -> str:
        """A value as history stored it (JSON form), in words."""
        if value is None or value == []:
            return "—"
        if field is None or (isinstance(value, list) and field.type != "multipicklist"):
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if field.type == "picklist":
            return self.registry.picklist(field.picklist).label_for(value, self.language)
        if field.type == "multipicklist":
            picklist = self.registry.picklist(field.picklist)
            return ", ".join(picklist.label_for(code, self.language) for code in value)
        if field.type == "owner":
            return self.owner(value)
        if field.type == "boolean":
            return self._("Yes") if value else self._("No")
        if field.type in ("date", "datetime"):
            parsed = self.registry.field_types[field.type].coerce(value, field)
            return self.date(parsed) if field.type == "date" else self.datetime(parsed)
        if field.type == "reference":
            key = f"{field.target[0]}:{value}" if isinstance(value, int) else value
            found = self.titles.get(key)
            return f"{found['number']} · {found['title']}" if found else str(value)
        return str(value)

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
        kind = field.type
        if kind == "picklist":
            return escape(self.registry.picklist(field.picklist).label_for(value, self.language))
        if kind == "multipicklist":
            picklist = self.registry.picklist(field.picklist)
            return escape(", ".join(picklist.label_for(code, self.language) for code in value))
        if kind == "reference":
            key = f"{field.target[0]}:{value}" if isinstance(value, int) else value
            found = self.titles.get(key)
            if found is None:
                return escape(self._("(not visible)"))
            label = (
                f"{found['number']} · {found['title']}"
                if found["title"] != found["number"]
                else found["number"]
            )
            return Markup('<a href="/r/{}/{}">{}</a>').format(found["type"], found["id"], label)
        if kind == "owner":
            return escape(self.owner(value))
        if kind == "boolean":
            return escape(self._("Yes") if value else self._("No"))
        if kind == "date":
            return escape(self.date(value))
        if kind == "datetime":
            return escape(self.datetime(value))
        if kind in ("decimal", "currency", "percent"):
            return escape(self.number(value) + (" %" if kind == "percent" else ""))
        if kind == "long_text":
            return Markup("<br>").join(escape(line) for line in str(value).split("\n"))
        if kind == "url" and str(value).startswith(("http://", "https://")):
            return Markup('<a href="{0}" rel="noopener noreferrer nofollow">{0}</a>').format(value)
        if kind == "email":
            return Markup('<a href="mailto:{0}">{0}</a>').format(value)
        return escape(str(value))

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
        value = record.get(rt.title_field)
        if value is None:
            return record.get("number") or ""
        if field.type in ("picklist", "reference", "owner"):
            return str(self.value(field, record).striptags()) or record["number"]
        return str(value)


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.UTC
