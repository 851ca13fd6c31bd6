"""Forms generated from a record type: each field type's widget, input kept on errors.

:func:`form_fields` describes the widgets of a create or edit form; :func:`read_form`
turns the submitted form back into the values the records service validates (the
service does all checking, so a form and the JSON API refuse exactly the same input).
What a widget is, shows and sends back is the field type's business
(:meth:`crm_core.fieldtypes.FieldType.widget`, ``form_value``, ``from_form``, ``echo_form``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_core.schema import Field, RecordType

from .present import Presenter

PRESENT_MARK = "_fields"


@dataclass
class FormField:
    field: Field
    label: str
    #: The widget's template, ``widgets/NAME.html`` (see :class:`crm_core.fieldtypes.Widget`).
    widget: str
    value: Any  # what the widget shows: text, a code, a list of codes, a bool
    options: dict[str, Any] = field(default_factory=dict)  # what the template reads
    error: str | None = None
    help: str = ""

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
    """The widgets of a form: each shows what was ``submitted`` (:func:`submitted_text`)
    or else the ``record``'s value (a new record's defaults when ``creating``)."""
    field_types = presenter.registry.field_types
    fields = editable_fields(rt)
    source = record or {}
    if record is not None:
        presenter.prepare(rt, [record], fields)
    result = []
    for f in fields:
        field_type = field_types[f.type]
        stored = source.get(f.name, f.default if creating else None)
        typed = None if submitted is None else field_type.echo_form(submitted, f)
        value = field_type.form_value(stored, f, presenter) if typed is None else typed
        widget = field_type.widget(f, value, stored, presenter)
        result.append(
            FormField(
                field=f,
                label=presenter.label(f.label),
                widget=widget.name,
                value=value,
                options=dict(widget.options),
                error=(errors or {}).get(f.name),
                help=presenter.label(f.help),
            )
        )
    return result


def read_form(rt: RecordType, form, presenter: Presenter) -> dict[str, Any]:
    """The values of the fields that were on the form, as the records service takes them.

    Checkboxes send nothing when unticked, so the form lists its fields in a hidden
    ``_fields`` input; a listed field that sent nothing is read as its type reads an empty
    input (a checkbox as false).
    """
    field_types = presenter.registry.field_types
    present = set(form.getall(PRESENT_MARK))
    values: dict[str, Any] = {}
    for f in editable_fields(rt):
        if f.name in present:
            values[f.name] = field_types[f.type].from_form(form, f, presenter)
    tags = form.get("tags")
    if tags is not None and "tags" in present:
        values["tags"] = [t for t in tags.split(",") if t.strip()]
    return values


def submitted_text(rt: RecordType, form) -> Submitted:
    """What the user typed, exactly, to show again next to the errors."""
    return Submitted({f.name: form.getall(f.name) for f in editable_fields(rt) if f.name in form})


class Submitted(dict[str, list[str]]):
    """The texts a form sent per field name, kept to fill the form again (a
    :class:`~crm_core.fieldtypes.FormInput`)."""

    def get(self, name: str, default: Any = None) -> Any:
        texts = super().get(name)
        return texts[-1] if texts else default

    def getall(self, name: str) -> list[str]:
        return list(super().get(name) or [])
