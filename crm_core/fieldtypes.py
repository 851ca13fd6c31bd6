"""Field types: how a value is stored, checked, shown and written to CSV.

Each :class:`FieldType` turns user input (JSON, a form, a CSV cell, a CLI argument) into one
canonical Python value, or raises :class:`FieldError` with a message that says what is
allowed. Plugins add types by returning instances from ``crm_register_field_types``.

Values that need the database to check (a picklist code is active, a referenced record
exists, an owner exists) are checked in :meth:`FieldType.check`, which receives a
:class:`CheckContext` from the records service.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from .i18n import either, msg

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


EQUALITY = frozenset({"eq", "ne", "in", "notin", "empty", "notempty"})
ORDERED = EQUALITY | {"lt", "gt", "lte", "gte", "between"}
TEXTUAL = EQUALITY | {"contains", "startswith", "lt", "gt", "lte", "gte"}


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
        its code, a record number into an id, a login into ``user:ID``). Identity by default."""
        return text

    def check(self, value: Any, field: Field, ctx: CheckContext) -> str | None:
        """Checks that need the database; return a message, or ``None`` when fine."""
        return None

    def to_json(self, value: Any, field: Field) -> Any:
        return value

    def to_text(self, value: Any, field: Field) -> str:
        """Text for CSV export; ``parse_text(to_text(v)) == v``."""
        return "" if value is None else str(value)

    def to_storage(self, value: Any) -> Any:
        """The column value for a canonical value (identity for most types)."""
        return value

    def from_storage(self, value: Any) -> Any:
        return value

    def search_text(self, value: Any, field: Field) -> str:
        """Words this value contributes to the full-text index."""
        return "" if value is None else str(value)

    def describe(self, field: Field) -> dict[str, Any]:
        """JSON Schema fragment for the OpenAPI document."""
        return {"type": "string"}


def _strip(value: Any) -> str:
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise FieldError(msg("must be text"))
        value = str(value)
    return value.strip()


class TextType(FieldType):
    name = "text"
    label = {"en": "Text", "ru": "Текст"}
    operators = TEXTUAL
    default_max_length = 255

    def column_options(self, field):
        return {"max_len": field.max_length or self.default_max_length}

    def coerce(self, value, field):
        text = _strip(value)
        limit = field.max_length or self.default_max_length
        if len(text) > limit:
            raise FieldError(too_long(limit, len(text)))
        return text or None

    def describe(self, field):
        return {"type": "string", "maxLength": field.max_length or self.default_max_length}


class LongTextType(FieldType):
    name = "long_text"
    label = {"en": "Long text", "ru": "Многострочный текст"}
    operators = EQUALITY | {"contains", "startswith"}
    sortable = False

    def coerce(self, value, field):
        if not isinstance(value, str):
            raise FieldError(msg("must be text"))
        text = value.replace("\r\n", "\n")
        if field.max_length and len(text) > field.max_length:
            raise FieldError(too_long(field.max_length, len(text)))
        return text if text.strip() else None

    def describe(self, field):
        return {"type": "string", "format": "multiline"}


class IntegerType(FieldType):
    name = "integer"
    label = {"en": "Integer", "ru": "Целое число"}
    storage = int
    operators = ORDERED

    def column_options(self, field):
        return {"size": 64}

    def coerce(self, value, field):
        if isinstance(value, bool):
            raise FieldError(msg("must be a whole number"))
        if isinstance(value, int):
            number = value
        elif (isinstance(value, float | Decimal) and value == int(value)) or (
            isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value)
        ):
            number = int(value)
        else:
            raise FieldError(msg("must be a whole number, like 42 (got {value!r})", value=value))
        if abs(number) >= 2**63:
            raise FieldError(msg("is too large"))
        return number

    def describe(self, field):
        return {"type": "integer"}


class DecimalType(FieldType):
    name = "decimal"
    label = {"en": "Decimal number", "ru": "Десятичное число"}
    storage = Decimal
    operators = ORDERED
    default_places = 2

    def places(self, field) -> int:
        return self.default_places if field.precision is None else field.precision

    def column_options(self, field):
        return {"precision": 18, "scale": self.places(field)}

    def coerce(self, value, field):
        if isinstance(value, bool):
            raise FieldError(msg("must be a number"))
        if isinstance(value, str):
            text = value.strip().replace(" ", "").replace("\u00a0", "")
            if re.fullmatch(r"[-+]?\d+,\d+", text):
                text = text.replace(",", ".")  # Russian decimal comma
            value = text
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise FieldError(
                msg("must be a number, like 12.50 (got {value!r})", value=value)
            ) from None
        if not number.is_finite():
            raise FieldError(msg("must be a finite number"))
        places = self.places(field)
        if number and number.adjusted() >= 18 - places:
            raise FieldError(msg("is too large"))
        quantized = number.quantize(Decimal(1).scaleb(-places))
        if abs(quantized) >= Decimal(10) ** (18 - places):
            raise FieldError(msg("is too large"))
        return quantized

    def to_json(self, value, field):
        return None if value is None else str(value)

    def describe(self, field):
        return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}


class CurrencyType(DecimalType):
    name = "currency"
    label = {"en": "Currency", "ru": "Денежная сумма"}


class PercentType(DecimalType):
    name = "percent"
    label = {"en": "Percent", "ru": "Процент"}


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


class DateType(FieldType):
    name = "date"
    label = {"en": "Date", "ru": "Дата"}
    storage = dt.date
    operators = ORDERED

    def coerce(self, value, field):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            for pattern in DATE_FORMATS:
                try:
                    return dt.datetime.strptime(text, pattern).date()
                except ValueError:
                    continue
        raise FieldError(
            msg("must be a date as YYYY-MM-DD, like 2026-03-31 (got {value!r})", value=value)
        )

    def to_json(self, value, field):
        return None if value is None else value.isoformat()

    to_text = to_json

    def describe(self, field):
        return {"type": "string", "format": "date"}


class TimeType(FieldType):
    """Stored as ``HH:MM:SS`` text: sorts correctly and reads the same on every database."""

    name = "time"
    label = {"en": "Time", "ru": "Время"}
    operators = ORDERED

    def column_options(self, field):
        return {"max_len": 8}

    def coerce(self, value, field):
        if isinstance(value, dt.time):
            return value.replace(microsecond=0).isoformat()
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", value)
            if match:
                hour, minute, second = (int(part or 0) for part in match.groups())
                if hour < 24 and minute < 60 and second < 60:
                    return f"{hour:02d}:{minute:02d}:{second:02d}"
        raise FieldError(msg("must be a time as HH:MM, like 09:30 (got {value!r})", value=value))

    def describe(self, field):
        return {"type": "string", "format": "time"}


class DateTimeType(FieldType):
    """Stored in UTC. Input without a zone is taken as UTC; with a zone it is converted."""

    name = "datetime"
    label = {"en": "Date and time", "ru": "Дата и время"}
    storage = dt.datetime
    operators = ORDERED

    def coerce(self, value, field):
        if isinstance(value, str):
            text = value.strip().replace("Z", "+00:00")
            try:
                value = dt.datetime.fromisoformat(text)
            except ValueError:
                raise FieldError(
                    msg(
                        "must be a date and time as YYYY-MM-DDTHH:MM, like 2026-03-31T14:00 "
                        "(got {value!r})",
                        value=value,
                    )
                ) from None
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.replace(microsecond=0)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        raise FieldError(msg("must be a date and time as YYYY-MM-DDTHH:MM"))

    def to_json(self, value, field):
        return None if value is None else value.isoformat() + "Z"

    to_text = to_json

    def describe(self, field):
        return {"type": "string", "format": "date-time"}


TRUE_WORDS = {"1", "true", "yes", "y", "on", "да", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "нет", "f", ""}


class BooleanType(FieldType):
    name = "boolean"
    label = {"en": "Checkbox", "ru": "Флажок"}
    storage = bool
    operators = frozenset({"eq", "ne"})

    def coerce(self, value, field):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
        raise FieldError(msg("must be true or false (got {value!r})", value=value))

    def parse_text(self, text, field):
        return self.coerce(text, field)

    def to_text(self, value, field):
        return "" if value is None else ("true" if value else "false")

    def describe(self, field):
        return {"type": "boolean"}


EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}")


class EmailType(TextType):
    name = "email"
    label = {"en": "Email", "ru": "Эл. почта"}
    default_max_length = 254

    def coerce(self, value, field):
        text = super().coerce(value, field)
        if text is None:
            return None
        if not EMAIL_RE.fullmatch(text) or ".." in text:
            raise FieldError(
                msg("must be an email address, like name@example.com (got {value!r})", value=text)
            )
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"

    def describe(self, field):
        return {"type": "string", "format": "email"}


#: Digits, spaces, + ( ) - . with at least three digits (the lookahead), and an optional
#: extension.
PHONE_RE = re.compile(
    r"(?=(?:\D*\d){3})\+?[\d\s().\-]{3,30}(\s*(ext\.?|доб\.?|x)\s*\d{1,6})?", re.IGNORECASE
)


class PhoneType(TextType):
    name = "phone"
    label = {"en": "Phone", "ru": "Телефон"}
    default_max_length = 50

    def coerce(self, value, field):
        text = super().coerce(value, field)
        if text is None:
            return None
        if not PHONE_RE.fullmatch(text):
            raise FieldError(
                msg(
                    "must be a phone number: digits, spaces, + ( ) - . and an optional "
                    "extension, like +7 495 123-45-67 (got {value!r})",
                    value=text,
                )
            )
        return text


class URLType(TextType):
    name = "url"
    label = {"en": "Web address", "ru": "Веб-адрес"}
    default_max_length = 2048

    def coerce(self, value, field):
        text = super().coerce(value, field)
        if text is None:
            return None
        if "://" not in text:
            text = "https://" + text
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in text:
            raise FieldError(
                msg(
                    "must be a web address starting with http:// or https://, like "
                    "https://example.com (got {value!r})",
                    value=value,
                )
            )
        return text

    def describe(self, field):
        return {"type": "string", "format": "uri"}


class PicklistType(FieldType):
    """Stores the value's stable code; labels may change without touching records."""

    name = "picklist"
    label = {"en": "Picklist", "ru": "Список выбора"}

    def column_options(self, field):
        return {"max_len": 100}

    def coerce(self, value, field):
        if not isinstance(value, str):
            raise FieldError(msg("must be one of the picklist's codes"))
        return value.strip() or None

    def resolve(self, text, field, ctx):
        return ctx.picklist_code_for(field.picklist, text.strip()) or text

    def check(self, value, field, ctx):
        # A deactivated value is no longer offered, but a record that has it may keep it.
        active = ctx.picklist_codes(field.picklist, active_only=True)
        if value in active or value == ctx.current_value(field.name):
            return None
        return _unknown_choice(value, active)

    def describe(self, field):
        return {"type": "string", "x-picklist": field.picklist}


def too_long(limit: int, count: int) -> str:
    return msg("must be at most {limit} characters (got {count})", limit=limit, count=count)


def _unknown_choice(value: str, allowed: list[str]) -> str:
    return msg(
        "{value!r} is not an active value; allowed: {allowed}",
        value=value,
        allowed=", ".join(allowed) or msg("(none)"),
    )


class MultiPicklistType(FieldType):
    """A list of codes, stored as ``|a|b|`` so "has code" is a plain LIKE."""

    name = "multipicklist"
    label = {"en": "Multi-select picklist", "ru": "Список с множественным выбором"}
    operators = frozenset({"contains", "empty", "notempty", "eq"})
    sortable = False

    def coerce(self, value, field):
        if isinstance(value, str):
            value = [part for part in re.split(r"\s*[|,;]\s*", value.strip()) if part]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise FieldError(msg("must be a list of picklist codes"))
        unique = list(dict.fromkeys(code.strip() for code in value if code.strip()))
        return unique or None

    def resolve(self, text, field, ctx):
        parts = [part for part in re.split(r"\s*[|,;]\s*", text.strip()) if part]
        return [ctx.picklist_code_for(field.picklist, part) or part for part in parts]

    def check(self, value, field, ctx):
        active = ctx.picklist_codes(field.picklist, active_only=True)
        kept = ctx.current_value(field.name) or []
        for code in value:
            if code not in active and code not in kept:
                return _unknown_choice(code, active)
        return None

    def to_storage(self, value):
        return None if not value else "|" + "|".join(value) + "|"

    def from_storage(self, value):
        return None if not value else value.strip("|").split("|")

    def to_text(self, value, field):
        return "" if not value else "|".join(value)

    def search_text(self, value, field):
        return " ".join(value or ())

    def describe(self, field):
        return {"type": "array", "items": {"type": "string"}, "x-picklist": field.picklist}


class ReferenceType(FieldType):
    """A link to another record. One target type: the record's id (an integer). Several
    target types: ``"type:id"`` text, so the kind of record travels with the id."""

    name = "reference"
    label = {"en": "Reference", "ru": "Ссылка"}

    def column_options(self, field):
        return {"size": 64} if len(field.target) == 1 else {"max_len": 80}

    def coerce(self, value, field):
        targets = field.target
        if isinstance(value, dict) and {"type", "id"} <= value.keys():
            value = f"{value['type']}:{value['id']}"
        if isinstance(value, bool):
            raise FieldError(msg("must be a record id"))
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            if ":" in text:
                kind, _, ident = text.partition(":")
                if kind not in targets:
                    raise FieldError(
                        msg(
                            "must refer to a {types} (got {value!r})",
                            types=either(targets),
                            value=kind,
                        )
                    )
                if not ident.isdigit():
                    raise FieldError(
                        msg(
                            "must be TYPE:ID, like {type}:12 (got {value!r})",
                            type=targets[0],
                            value=text,
                        )
                    )
                number = _record_id(ident)
                return number if len(targets) == 1 else f"{kind}:{number}"
            if text.isdigit():
                value = _record_id(text)
            else:
                raise FieldError(
                    msg(
                        "must be a record id or number of a {types} (got {value!r})",
                        types=either(targets),
                        value=text,
                    )
                )
        if isinstance(value, int):
            if len(targets) > 1:
                raise FieldError(
                    msg("must say which kind of record: TYPE:ID, like {type}:12", type=targets[0])
                )
            return _record_id(value)
        raise FieldError(msg("must be a record id"))

    def resolve(self, text, field, ctx):
        text = text.strip()
        if not text or ":" in text or text.isdigit():
            return text
        found = ctx.reference_by_number(field.target, text)
        if found is None:
            raise FieldError(
                msg("no {types} numbered {number!r}", types=either(field.target), number=text)
            )
        return found

    def check(self, value, field, ctx):
        if isinstance(value, int):
            target, ident = field.target[0], value
        else:
            target, _, text = value.partition(":")
            ident = int(text)
        # A record may keep pointing at one deleted since (it comes back if restored).
        if ctx.reference_exists(target, ident) or value == ctx.current_value(field.name):
            return None
        return msg("{type} {id} does not exist", type=target, id=ident)

    def storage_type(self, field):
        return int if len(field.target) == 1 else str

    def describe(self, field):
        if len(field.target) == 1:
            return {"type": "integer", "x-reference": field.target[0]}
        return {"type": "string", "pattern": r"^[a-z_]+:\d+$", "x-reference": list(field.target)}


#: Ids are 64-bit: anything larger cannot be a record, a user or a group.
MAX_ID = 2**63 - 1


def fits_id(value: object) -> bool:
    """Whether ``value`` (an int) could be the id of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _record_id(value: int | str) -> int:
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise FieldError(msg("{id} is not an id any record can have", id=number))
    return number


OWNER_RE = re.compile(r"(user|group):(\d+)")


class OwnerType(FieldType):
    """A user or a group, stored as ``user:ID`` / ``group:ID``."""

    name = "owner"
    label = {"en": "Assigned to", "ru": "Ответственный"}
    operators = EQUALITY

    def column_options(self, field):
        return {"max_len": 32}

    def coerce(self, value, field):
        if isinstance(value, dict) and {"type", "id"} <= value.keys():
            value = f"{value['type']}:{value['id']}"
        if not isinstance(value, str) or not OWNER_RE.fullmatch(value.strip()):
            raise FieldError(
                msg("must be user:ID or group:ID, like user:1 (got {value!r})", value=value)
            )
        _record_id(value.strip().partition(":")[2])
        return value.strip()

    def resolve(self, text, field, ctx):
        text = text.strip()
        if not text or OWNER_RE.fullmatch(text):
            return text
        found = ctx.owner_by_name(text)
        if found is None:
            raise FieldError(msg("no active user or group called {name!r}", name=text))
        return found

    def check(self, value, field, ctx):
        # Records of a deactivated user stay theirs, also when saved again unchanged.
        if ctx.owner_exists(value) or value == ctx.current_value(field.name):
            return None
        return msg("{owner} does not exist or is inactive", owner=value)

    def describe(self, field):
        return {"type": "string", "pattern": r"^(user|group):\d+$"}


BUILTIN_TYPES: list[FieldType] = [
    TextType(),
    LongTextType(),
    IntegerType(),
    DecimalType(),
    CurrencyType(),
    PercentType(),
    DateType(),
    TimeType(),
    DateTimeType(),
    BooleanType(),
    EmailType(),
    PhoneType(),
    URLType(),
    PicklistType(),
    MultiPicklistType(),
    ReferenceType(),
    OwnerType(),
]
