"""Forms generated from a record type: one widget per field type, input kept on errors.

:func:`form_fields` describes the widgets of a create or edit form; :func:`read_form`
turns the submitted form back into the values the records service validates (the
service does all checking, so a form and the JSON API refuse exactly the same input).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crm_core.schema import Field, RecordType

from .present import Presenter

INPUT_TYPES = {
    "text": "text",
    "email": "email",
    "phone": "tel",
    "url": "url",
    "integer": "number",
    "date": "date",
    "time": "time",
    "datetime": "datetime-local",
}
PRESENT_MARK = "_fields"


@dataclass
class FormField:
    field: Field
    label: str
    widget: str  # input, textarea, select, multiselect, checkbox, reference, owner
    value: Any  # what the widget shows: text, a code, a list of codes, a bool
    input_type: str = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    help: str = ""
    display: str = ""  # the referenced record's number and title, for reference widgets

    @property
    def name(self) -> str:
        return self.field.name


def editable_fields(rt: RecordType) -> list[Field]:
    """Fields a person fills in: not hidden, not read-only, plus the assignee."""
    return [
        f
        for f in rt.fields
        if not f.hidden and not f.read_only and (not f.system or f.name == "assigned_to")
    ]


def form_fields(
    crm,
    rt: RecordType,
    presenter: Presenter,
    *,
    record: dict[str, Any] | None,
    submitted: dict[str, Any] | None,
    errors: dict[str, str] | None,
    creating: bool,
) -> list[FormField]:
    registry = presenter.registry
    fields = editable_fields(rt)
    source = record or {}
    if record is not None:
        presenter.prepare(rt, [record], fields)
    result = []
    for f in fields:
        typed = submitted.get(f.name) if submitted is not None and f.name in submitted else None
        stored = source.get(f.name, f.default if creating else None)
        ff = FormField(
            field=f,
            label=presenter.label(f.label),
            widget="input",
            value="",
            error=(errors or {}).get(f.name),
            help=presenter.label(f.help),
        )
        if f.type in ("picklist", "multipicklist"):
            picklist = registry.picklist(f.picklist)
            current = stored if isinstance(stored, list) else ([stored] if stored else [])
            ff.choices = [
                (v.code, presenter.label(v.label))
                for v in picklist.values
                if v.active or v.code in current
            ]
            ff.widget = "multiselect" if f.type == "multipicklist" else "select"
            if submitted is not None and f.name in submitted:
                ff.value = typed
            else:
                ff.value = current if f.type == "multipicklist" else (stored or "")
        elif f.type == "boolean":
            ff.widget = "checkbox"
            ff.value = (typed in ("on", "true", "1")) if submitted is not None else bool(stored)
        elif f.type == "long_text":
            ff.widget = "textarea"
            ff.value = typed if typed is not None else (stored or "")
        elif f.type == "owner":
            ff.widget = "owner"
            ff.choices = crm.directory.owner_choices()
            if stored and stored not in dict(ff.choices):
                ff.choices.append((stored, presenter.owner(stored) or stored))
            ff.value = typed if typed is not None else (stored or "")
        elif f.type == "reference":
            ff.widget = "reference"
            if typed is not None:
                ff.value = typed
            elif stored is not None:
                key = f"{f.target[0]}:{stored}" if isinstance(stored, int) else stored
                found = presenter.titles.get(key)
                ff.value = found["number"] if found else str(stored)
                ff.display = found["title"] if found else ""
            ff.choices = [(t, presenter.label(registry.type(t).label)) for t in f.target]
        else:
            ff.input_type = INPUT_TYPES.get(f.type, "text")
            if typed is not None:
                ff.value = typed
            else:
                ff.value = _input_value(f, stored, presenter, registry)
        result.append(ff)
    return result


def _input_value(f: Field, stored: Any, presenter: Presenter, registry) -> str:
    if stored is None:
        return ""
    if f.type == "datetime":
        local = stored.replace(tzinfo=dt.UTC).astimezone(presenter.zone)
        return local.strftime("%Y-%m-%dT%H:%M")
    if f.type == "time":
        return str(stored)[:5]
    return registry.field_types[f.type].to_text(stored, f)


def read_form(rt: RecordType, form, presenter: Presenter) -> dict[str, Any]:
    """The values of the fields that were on the form, as the records service takes them.

    Checkboxes send nothing when unticked, so the form lists its fields in a hidden
    ``_fields`` input; a listed checkbox that is missing means false.
    """
    present = set(form.getall(PRESENT_MARK))
    values: dict[str, Any] = {}
    for f in editable_fields(rt):
        if f.name not in present:
            continue
        if f.type == "multipicklist":
            values[f.name] = [v for v in form.getall(f.name) if v]
        elif f.type == "boolean":
            values[f.name] = form.get(f.name) in ("on", "true", "1")
        elif f.type == "datetime":
            values[f.name] = _local_to_utc(form.get(f.name, ""), presenter)
        else:
            raw = form.get(f.name)
            values[f.name] = raw if raw is None else raw.replace("\r\n", "\n")
    tags = form.get("tags")
    if tags is not None and "tags" in present:
        values["tags"] = [t for t in tags.split(",") if t.strip()]
    return values


def _local_to_utc(raw: str, presenter: Presenter) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        local = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw  # the field type explains what is expected
    if local.tzinfo is None:
        local = local.replace(tzinfo=presenter.zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def submitted_text(rt: RecordType, form) -> dict[str, Any]:
    """What the user typed, exactly, to show again next to the errors."""
    shown: dict[str, Any] = {}
    for f in editable_fields(rt):
        if f.type == "multipicklist":
            shown[f.name] = form.getall(f.name)
        elif f.name in form:
            shown[f.name] = form.get(f.name)
        elif f.type == "boolean":
            shown[f.name] = ""
    return shown
