"""Field types: how a value is stored, checked, edited, shown, filtered and written to CSV.

Each :class:`FieldType` turns user input (JSON, a form, a CSV cell, a CLI argument) into one
canonical Python value, or raises :class:`FieldError` with a message that says what is
allowed. Plugins add types by returning instances from ``crm_register_field_types``; the
core's own seventeen live in :mod:`crm_core.builtin.fieldtypes` and are registered the same
way. Nothing outside a field type asks which type a field has: forms, pages, CSV, the API
document, list filters and schema checks all call the methods of :class:`FieldType`.

Values that need the database to check (a picklist code is active, a referenced record
exists, an owner exists) are checked in :meth:`FieldType.check`, which receives a
:class:`CheckContext` from the records service. What a page or a CSV export needs to show a
value (picklist labels, titles of referenced records, owners' names, the reader's time zone)
comes in a :class:`PresentContext` or :class:`CSVContext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from .schema import Field


class FieldError(ValueError):
    """A single value is wrong; the message says what is allowed.

    ``message`` is the message as given (a :class:`~crm_core.i18n.Message`, which the web UI
    shows in the reader's language); ``str(error)`` is its English text.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CheckContext(Protocol):
    """What :meth:`FieldType.check` may ask of the records service."""

    def current_value(self, field_name: str) -> Any: ...
    def picklist_codes(self, picklist: str, *, active_only: bool) -> list[str]: ...
    def picklist_code_for(self, picklist: str, text: str) -> str | None: ...
    def reference_exists(self, target: str, record_id: int) -> bool: ...
    def reference_by_number(self, targets: tuple[str, ...], number: str) -> str | None: ...
    def owner_exists(self, owner: str) -> bool: ...
    def owner_by_name(self, name: str) -> str | None: ...


class FieldSteps(NamedTuple):
    """What turns one field's input into its value: the field type's steps, bound once
    per snapshot (:meth:`~crm_core.registry.Registry.field_steps`), ``None`` where the type
    keeps the base class's step that does nothing. Every save runs them per value."""

    field: Field
    resolve: Callable[[str, Field, CheckContext], Any] | None
    coerce: Callable[[Any, Field], Any]
    check: Callable[[Any, Field, CheckContext], str | None] | None

    @classmethod
    def of(cls, field: Field, field_type: FieldType) -> FieldSteps:
        resolve, check = field_type.resolve, field_type.check
        return cls(
            field,
            None if getattr(resolve, "__func__", None) is FieldType.resolve else resolve,
            field_type.coerce,
            None if getattr(check, "__func__", None) is FieldType.check else check,
        )


class Widget(NamedTuple):
    """How a form edits, or a list filters, one field.

    ``name`` picks the template that draws it: ``widgets/NAME.html`` in a form,
    ``filters/NAME.html`` in a list's filter form. The core has ``input``, ``textarea``,
    ``select``, ``multiselect``, ``checkbox``, ``owner`` and ``reference`` widgets and
    ``choices``, ``owner``, ``yesno``, ``range`` and ``contains`` filters; a plugin may ship
    its own in its ``templates/`` folder. ``options`` are what that template reads
    (``ff.options`` in a form, ``options`` in a filter): choices, an input type, a hint.
    """

    name: str
    options: dict[str, Any] = {}


class FormInput(Protocol):
    """A submitted form (or a URL's query): one or several text values per name."""

    def get(self, name: str, default: Any = None) -> Any: ...
    def getall(self, name: str) -> list[str]: ...
    def __contains__(self, name: object) -> bool: ...


class PresentContext(Protocol):
    """What a field type may ask of the page it is drawn on (:class:`web.present.Presenter`):
    the reader's language and time zone, labels, and the records and owners the page's
    values name, looked up beforehand (see :meth:`FieldType.references`)."""

    language: str
    zone: dt.tzinfo

    def gettext(self, text: str, **values: Any) -> str:
        """``text`` in the reader's language."""

    def label(self, labels: dict[str, str] | None) -> str:
        """A ``{"en": …, "ru": …}`` label in the reader's language."""

    def picklist_label(self, picklist: str, code: str) -> str: ...
    def picklist_choices(self, picklist: str, keep: Iterable[str] | None) -> list[tuple[str, str]]:
        """``(code, label)`` of the active values and of those in ``keep`` though inactive;
        of every value when ``keep`` is ``None`` (a filter finds records of any)."""

    def owner_choices(self, keep: str | None) -> list[tuple[str, str]]:
        """``(ref, name)`` of the active users and groups, and of ``keep``."""

    def type_label(self, type_name: str) -> str: ...
    def record(self, key: str) -> dict[str, Any] | None:
        """``{"type", "id", "number", "title"}`` of a record named by ``"type:id"``, or
        ``None`` when it does not exist or the reader may not see it."""

    def owner(self, ref: str | None) -> str:
        """The name of a user or group (``user:ID``)."""

    def date(self, value: dt.date | None) -> str: ...
    def datetime(self, value: dt.datetime | None) -> str:
        """A UTC date and time in the reader's zone and usual form."""

    def number(self, value: Decimal) -> str: ...
    def html(self, template: str, *values: Any) -> str:
        """Markup: ``template`` (HTML with ``{}`` places) with ``values`` escaped into it."""


class CSVContext(Protocol):
    """What a field type may ask while writing a CSV export: the records and owners the
    exported values name, looked up in one query per batch."""

    def record(self, key: str) -> dict[str, Any] | None: ...
    def owner_login(self, ref: str) -> str:
        """The login of a user (``group:NAME`` for a group) that an import reads back."""


EQUALITY = frozenset({"eq", "ne", "in", "notin", "empty", "notempty"})
ORDERED = EQUALITY | {"lt", "gt", "lte", "gte", "between"}
TEXTUAL = EQUALITY | {"contains", "startswith", "lt", "gt", "lte", "gte"}

#: Options of a field definition that only some types take (see
#: :attr:`FieldType.definition_options`).
TYPE_OPTIONS = ("picklist", "target", "max_length", "precision")


class FieldType:
    """Base class. Subclasses set the class attributes and override what differs."""

    name: str = ""
    label: dict[str, str] = {}
    #: Python type of the stored column (str, int, Decimal, date, datetime, bool).
    storage: type = str
    operators: frozenset[str] = EQUALITY
    #: The type may be used for custom fields added at run time.
    custom_allowed: bool = True
    #: Sorting on it makes sense.
    sortable: bool = True
    #: A list may be filtered on it (and the API takes it as a query parameter).
    filterable: bool = True
    #: Which of :data:`TYPE_OPTIONS` a field definition of this type may give; a definition
    #: giving another is refused.
    definition_options: frozenset[str] = frozenset()
    #: The HTML input type and ``inputmode`` of the default widget (:meth:`widget`).
    input_type: str = "text"
    input_mode: str | None = None
    #: Operators answered by finding each of :meth:`stored_substrings` in the stored text
    #: instead of comparing the column with the value.
    substring_operators: frozenset[str] = frozenset()
    #: Whether a value is a list (of picklist codes, say) rather than one value.
    multiple: bool = False
    #: Whether records can be counted per value (``group_by`` of an aggregate).
    groupable: bool = True
    #: Whether records can be counted in ranges of values (an aggregate's ``bucket``).
    rangeable: bool = True
    #: Whether sums, averages and medians of its values mean something.
    numeric: bool = False
    #: What kind of value the type holds (``"text"``, ``"number"``), for copying values
    #: between fields of different types (:meth:`can_take_from`); ``None``: its own kind.
    value_kind: str | None = None
    #: The kinds of other types' values a field of this type takes when values are copied.
    takes_kinds: frozenset[str] = frozenset()

    # -- values -------------------------------------------------------------------------

    def column_options(self, field: Field) -> dict[str, Any]:
        """Extra Pony attribute options (``max_len``, ``precision``, ``scale``)."""
        return {}

    def coerce(self, value: Any, field: Field) -> Any:
        """Return the canonical value for ``value`` or raise :class:`FieldError`."""
        return value

    def parse_text(self, text: str, field: Field) -> Any:
        """Read a value from text (CSV cell, CLI ``field=value``); empty text is ``None``."""
        if text == "":
            return None
        return self.coerce(text, field)

    def resolve(self, text: str, field: Field, ctx: CheckContext) -> Any:
        """Turn a human name into a stored value before :meth:`coerce` (a picklist label into
        its code, a record number into an id, a login into ``user:ID``). Identity by default.
        This is how a CSV import reads back what :meth:`to_csv` wrote."""
        return text

    def check(self, value: Any, field: Field, ctx: CheckContext) -> str | None:
        """Checks that need the database; return a message, or ``None`` when fine."""
        return None

    def check_definition(self, field: Field) -> str | None:
        """What is missing from a field definition of this type (a picklist field names no
        picklist), as a message; ``None`` when it is complete."""
        return None

    def to_json(self, value: Any, field: Field) -> Any:
        """The value in the JSON API (and in history entries)."""
        return value

    def to_text(self, value: Any, field: Field) -> str:
        """Text for a form input or the CLI; ``parse_text(to_text(v)) == v``."""
        return "" if value is None else str(value)

    def to_csv(self, value: Any, field: Field, ctx: CSVContext) -> str:
        """A CSV cell for a value that is not ``None``; an import reads it back through
        :meth:`resolve` and :meth:`parse_text`. :meth:`to_text` by default."""
        return self.to_text(value, field)

    def to_storage(self, value: Any) -> Any:
        """The column value for a canonical value (identity for most types)."""
        return value

    def from_storage(self, value: Any) -> Any:
        return value

    def search_text(self, value: Any, field: Field) -> str:
        """Words this value contributes to the full-text index."""
        return "" if value is None else str(value)

    def describe(self, field: Field, codes: list[str] | None = None) -> dict[str, Any]:
        """JSON Schema fragment for the OpenAPI document; ``codes`` are the codes of the
        field's picklist, for a field that has one."""
        return {"type": "string"}

    def references(self, value: Any, field: Field) -> tuple[str, ...]:
        """The records a (canonical or JSON) value names, as ``"type:id"`` keys: a page or a
        CSV export looks them all up in one query before it shows them. None by default."""
        return ()

    def owners(self, value: Any, field: Field) -> tuple[str, ...]:
        """The users and groups (``user:ID``) a value names, looked up like
        :meth:`references`. None by default."""
        return ()

    # -- lists --------------------------------------------------------------------------

    def can_take_from(self, other: FieldType) -> bool:
        """Whether a value of a field of type ``other`` may be copied into a field of this
        type (the lead conversion's field mapping asks): the same type, or a kind of value
        this type takes (a long text takes any text, a decimal any number)."""
        return other.name == self.name or (
            other.value_kind is not None and other.value_kind in self.takes_kinds
        )

    def condition_value(self, value: Any, field: Field) -> Any:
        """A filter condition's value (as :meth:`coerce` gives it) in the form lists and
        permission rules compare: the stored form, unless the type compares otherwise (a
        multi-picklist compares its codes one by one through :meth:`stored_substrings`)."""
        return self.to_storage(value)

    def stored_substrings(self, value: Any, field: Field) -> list[str]:
        """For an operator of :attr:`substring_operators`: the pieces of stored text that
        must all occur in the column for ``value`` (as :meth:`coerce` gives it) to match."""
        return []

    def filter_widget(self, field: Field, ctx: PresentContext) -> Widget:
        """The filter of a list page for this field: a ``contains`` text box by default."""
        return Widget("contains")

    def filter_values(self, op: str, values: list[str], field: Field) -> list[str]:
        """The values a list's filter form sent for ``op``, as the condition takes them."""
        return values

    # -- forms --------------------------------------------------------------------------

    def widget(self, field: Field, value: Any, stored: Any, ctx: PresentContext) -> Widget:
        """The form widget editing ``field``; ``value`` is what it shows (from
        :meth:`form_value` or :meth:`echo_form`), ``stored`` the record's current value.
        An input of :attr:`input_type` by default."""
        return Widget("input", {"type": self.input_type, "inputmode": self.input_mode})

    def form_value(self, value: Any, field: Field, ctx: PresentContext) -> Any:
        """What the widget shows for a stored value (``None`` on an empty form): its
        :meth:`to_text`, empty for ``None``."""
        return "" if value is None else self.to_text(value, field)

    def from_form(self, form: FormInput, field: Field, ctx: PresentContext) -> Any:
        """The submitted value, as the records service takes it (it does all checking)."""
        raw = form.get(field.name)
        return raw if raw is None else raw.replace("\r\n", "\n")

    def echo_form(self, form: FormInput, field: Field) -> Any:
        """What the widget shows again after a save failed: what was typed, exactly;
        ``None`` when the form did not send the field."""
        return form.get(field.name) if field.name in form else None

    # -- pages --------------------------------------------------------------------------

    def present_text(self, value: Any, field: Field, ctx: PresentContext) -> str:
        """A value that is not ``None`` in words, for history entries: :meth:`to_text` by
        default."""
        return self.to_text(value, field)

    def present(self, value: Any, field: Field, ctx: PresentContext) -> str:
        """A value that is not ``None`` or empty on a list or detail page: text (escaped by
        the page) or markup made by ``ctx.html``. :meth:`present_text` by default."""
        return self.present_text(value, field, ctx)


#: Ids are 64-bit: anything larger cannot be a record, a user or a group.
MAX_ID = 2**63 - 1


def fits_id(value: object) -> bool:
    """Whether ``value`` (an int) could be the id of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


#: Names that lived here before the built-in types moved to :mod:`crm_core.builtin.fieldtypes`;
#: still importable from this module.
_BUILTIN_NAMES = frozenset(
    {
        "BUILTIN_TYPES",
        "TextType",
        "LongTextType",
        "IntegerType",
        "DecimalType",
        "CurrencyType",
        "PercentType",
        "DateType",
        "TimeType",
        "DateTimeType",
        "BooleanType",
        "EmailType",
        "PhoneType",
        "URLType",
        "PicklistType",
        "MultiPicklistType",
        "ReferenceType",
        "OwnerType",
        "EMAIL_RE",
        "OWNER_RE",
        "PHONE_RE",
        "DATE_FORMATS",
        "TRUE_WORDS",
        "FALSE_WORDS",
        "too_long",
    }
)


def __getattr__(name: str) -> Any:
    if name in _BUILTIN_NAMES:
        from .builtin import fieldtypes

        return getattr(fieldtypes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
