"""The core's field types, registered through the same hook plugins use for theirs.

Each type says how its values are stored and checked, and also how a form edits them, a
page shows them, a list filters them, a CSV file writes them and the API describes them
(see :class:`crm_core.fieldtypes.FieldType`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from crm_core import hookimpl
from crm_core.fieldtypes import (
    EQUALITY,
    MAX_ID,
    ORDERED,
    TEXTUAL,
    FieldError,
    FieldType,
    Widget,
)
from crm_core.i18n import either, msg


@hookimpl
def crm_register_field_types():
    return list(BUILTIN_TYPES)


def _strip(value: Any) -> str:
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise FieldError(msg("must be text"))
        value = str(value)
    return value.strip()


class TextType(FieldType):
    name = "text"
    label = {"en": "Text", "ru": "Текст"}
    value_kind = "text"
    takes_kinds = frozenset({"text"})
    operators = TEXTUAL
    definition_options = frozenset({"max_length"})
    default_max_length = 255

    def column_options(self, field):
        return {"max_len": field.max_length or self.default_max_length}

    def coerce(self, value, field):
        text = _strip(value)
        limit = field.max_length or self.default_max_length
        if len(text) > limit:
            raise FieldError(too_long(limit, len(text)))
        return text or None

    def describe(self, field, codes=None):
        return {"type": "string", "maxLength": field.max_length or self.default_max_length}


class LongTextType(FieldType):
    name = "long_text"
    label = {"en": "Long text", "ru": "Многострочный текст"}
    groupable = False
    rangeable = False
    value_kind = "text"
    takes_kinds = frozenset({"text"})
    operators = EQUALITY | {"contains", "startswith"}
    sortable = False
    filterable = False
    definition_options = frozenset({"max_length"})

    def coerce(self, value, field):
        if not isinstance(value, str):
            raise FieldError(msg("must be text"))
        text = value.replace("\r\n", "\n")
        if field.max_length and len(text) > field.max_length:
            raise FieldError(too_long(field.max_length, len(text)))
        return text if text.strip() else None

    def describe(self, field, codes=None):
        return {"type": "string", "format": "multiline"}

    def widget(self, field, value, stored, ctx):
        return Widget("textarea")

    def present(self, value, field, ctx):
        lines = str(value).split("\n")
        return ctx.html("<br>".join(["{}"] * len(lines)), *lines)


class IntegerType(FieldType):
    name = "integer"
    label = {"en": "Integer", "ru": "Целое число"}
    numeric = True
    value_kind = "number"
    storage = int
    operators = ORDERED
    input_type = "number"

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

    def describe(self, field, codes=None):
        return {"type": "integer"}

    def filter_widget(self, field, ctx):
        return Widget("range", {"type": "text"})


class DecimalType(FieldType):
    name = "decimal"
    label = {"en": "Decimal number", "ru": "Десятичное число"}
    numeric = True
    value_kind = "number"
    takes_kinds = frozenset({"number"})  # currency and percent too
    storage = Decimal
    operators = ORDERED
    definition_options = frozenset({"precision"})
    input_mode = "decimal"
    default_places = 2
    #: Written after the number on pages (`` %`` for a percentage).
    unit = ""

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

    def describe(self, field, codes=None):
        return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}

    def filter_widget(self, field, ctx):
        return Widget("range", {"type": "text"})

    def present(self, value, field, ctx):
        return ctx.number(value) + self.unit


class CurrencyType(DecimalType):
    name = "currency"
    label = {"en": "Currency", "ru": "Денежная сумма"}


class PercentType(DecimalType):
    name = "percent"
    label = {"en": "Percent", "ru": "Процент"}
    unit = " %"


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


class DateType(FieldType):
    name = "date"
    label = {"en": "Date", "ru": "Дата"}
    storage = dt.date
    operators = ORDERED
    input_type = "date"

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

    def describe(self, field, codes=None):
        return {"type": "string", "format": "date"}

    def filter_widget(self, field, ctx):
        return Widget("range", {"type": "date"})

    def present_text(self, value, field, ctx):
        return ctx.date(value)


class TimeType(FieldType):
    """Stored as ``HH:MM:SS`` text: sorts correctly and reads the same on every database."""

    name = "time"
    label = {"en": "Time", "ru": "Время"}
    operators = ORDERED
    input_type = "time"

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

    def describe(self, field, codes=None):
        return {"type": "string", "format": "time"}

    def form_value(self, value, field, ctx):
        return "" if value is None else str(value)[:5]


class DateTimeType(FieldType):
    """Stored in UTC. Input without a zone is taken as UTC; with a zone it is converted."""

    name = "datetime"
    label = {"en": "Date and time", "ru": "Дата и время"}
    storage = dt.datetime
    operators = ORDERED
    input_type = "datetime-local"

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

    def describe(self, field, codes=None):
        return {"type": "string", "format": "date-time"}

    def filter_widget(self, field, ctx):
        return Widget("range", {"type": "date"})

    def filter_values(self, op, values, field):
        if op in ("lte", "lt") and values and len(values[0]) == 10:
            return [values[0] + "T23:59:59"]  # a date as the upper bound includes that day
        return values

    def form_value(self, value, field, ctx):
        if value is None:
            return ""
        return value.replace(tzinfo=dt.UTC).astimezone(ctx.zone).strftime("%Y-%m-%dT%H:%M")

    def from_form(self, form, field, ctx):
        """The input's local date and time in UTC; text that is no date and time goes on as
        typed, so that :meth:`coerce` says what is expected."""
        raw = (form.get(field.name) or "").strip()
        if not raw:
            return ""
        try:
            local = dt.datetime.fromisoformat(raw)
        except ValueError:
            return raw
        if local.tzinfo is None:
            local = local.replace(tzinfo=ctx.zone)
        return local.astimezone(dt.UTC).replace(tzinfo=None).isoformat()

    def present_text(self, value, field, ctx):
        return ctx.datetime(value)


TRUE_WORDS = {"1", "true", "yes", "y", "on", "да", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "нет", "f", ""}
#: What a ticked checkbox sends.
CHECKED = ("on", "true", "1")


class BooleanType(FieldType):
    name = "boolean"
    rangeable = False
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

    def describe(self, field, codes=None):
        return {"type": "boolean"}

    def filter_widget(self, field, ctx):
        return Widget("yesno")

    def widget(self, field, value, stored, ctx):
        return Widget("checkbox")

    def form_value(self, value, field, ctx):
        return bool(value)

    def from_form(self, form, field, ctx):
        return form.get(field.name) in CHECKED

    def echo_form(self, form, field):
        return form.get(field.name) in CHECKED  # an unticked box sends nothing

    def present_text(self, value, field, ctx):
        return ctx.gettext("Yes") if value else ctx.gettext("No")


EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}")


class EmailType(TextType):
    name = "email"
    label = {"en": "Email", "ru": "Эл. почта"}
    takes_kinds = frozenset()  # only its own kind: a text is not an address
    input_type = "email"
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

    def describe(self, field, codes=None):
        return {"type": "string", "format": "email"}

    def present(self, value, field, ctx):
        return ctx.html('<a href="mailto:{}">{}</a>', value, value)


#: Digits, spaces, + ( ) - . with at least three digits (the lookahead), and an optional
#: extension.
PHONE_RE = re.compile(
    r"(?=(?:\D*\d){3})\+?[\d\s().\-]{3,30}(\s*(ext\.?|доб\.?|x)\s*\d{1,6})?", re.IGNORECASE
)


class PhoneType(TextType):
    name = "phone"
    label = {"en": "Phone", "ru": "Телефон"}
    takes_kinds = frozenset()  # only its own kind: a text is not an address
    input_type = "tel"
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
    takes_kinds = frozenset()  # only its own kind: a text is not an address
    input_type = "url"
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

    def describe(self, field, codes=None):
        return {"type": "string", "format": "uri"}

    def present(self, value, field, ctx):
        if not str(value).startswith(("http://", "https://")):
            return str(value)
        return ctx.html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', value, value)


class PicklistType(FieldType):
    """Stores the value's stable code; labels may change without touching records."""

    name = "picklist"
    label = {"en": "Picklist", "ru": "Список выбора"}
    definition_options = frozenset({"picklist"})

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

    def check_definition(self, field):
        return _needs_picklist(self, field)

    def describe(self, field, codes=None):
        described = {"type": "string", "x-picklist": field.picklist}
        if codes is not None:
            described["enum"] = [*codes, None]
        return described

    def filter_widget(self, field, ctx):
        return Widget("choices", {"choices": ctx.picklist_choices(field.picklist, None)})

    def widget(self, field, value, stored, ctx):
        keep = [stored] if stored else []
        return Widget("select", {"choices": ctx.picklist_choices(field.picklist, keep)})

    def present_text(self, value, field, ctx):
        return ctx.picklist_label(field.picklist, value)


def _needs_picklist(field_type: FieldType, field) -> str | None:
    if field.picklist:
        return None
    return f"a {field_type.name} field needs `picklist = NAME`"


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
    multiple = True
    groupable = False
    rangeable = False
    label = {"en": "Multi-select picklist", "ru": "Список с множественным выбором"}
    operators = frozenset({"contains", "empty", "notempty", "eq"})
    sortable = False
    definition_options = frozenset({"picklist"})
    #: "has these codes" (and "has exactly these", close enough for a list) is a LIKE each.
    substring_operators = frozenset({"contains", "eq"})

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

    def check_definition(self, field):
        return _needs_picklist(self, field)

    def describe(self, field, codes=None):
        items = {"type": "string"} if codes is None else {"type": "string", "enum": codes}
        return {"type": "array", "items": items, "x-picklist": field.picklist}

    def condition_value(self, value, field):
        return value

    def stored_substrings(self, value, field):
        return [f"|{code}|" for code in value or ()]

    def filter_widget(self, field, ctx):
        return Widget("choices", {"choices": ctx.picklist_choices(field.picklist, None)})

    def widget(self, field, value, stored, ctx):
        return Widget(
            "multiselect", {"choices": ctx.picklist_choices(field.picklist, stored or [])}
        )

    def form_value(self, value, field, ctx):
        return list(value or [])

    def from_form(self, form, field, ctx):
        return [code for code in form.getall(field.name) if code]

    def echo_form(self, form, field):
        return form.getall(field.name)

    def present_text(self, value, field, ctx):
        return ", ".join(ctx.picklist_label(field.picklist, code) for code in value)


class ReferenceType(FieldType):
    """A link to another record. One target type: the record's id (an integer). Several
    target types: ``"type:id"`` text, so the kind of record travels with the id."""

    name = "reference"
    label = {"en": "Reference", "ru": "Ссылка"}
    definition_options = frozenset({"target"})

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

    def check_definition(self, field):
        if field.target:
            return None
        return "a reference field needs `target = TYPE` (or a list)"

    def describe(self, field, codes=None):
        if len(field.target) == 1:
            return {"type": "integer", "x-reference": field.target[0]}
        return {"type": "string", "pattern": r"^[a-z_]+:\d+$", "x-reference": list(field.target)}

    def key(self, value, field) -> str:
        """``"type:id"`` of the record a value (an id, or ``type:id`` text) refers to."""
        return f"{field.target[0]}:{value}" if isinstance(value, int) else value

    def references(self, value, field):
        return (self.key(value, field),)

    def to_csv(self, value, field, ctx):
        found = ctx.record(self.key(value, field))
        return found["number"] if found else str(value)

    def widget(self, field, value, stored, ctx):
        found = ctx.record(self.key(stored, field)) if stored is not None else None
        return Widget(
            "reference",
            {
                "lookup": field.target[0],
                "display": found["title"] if found and value == found["number"] else "",
                "choices": [(target, ctx.type_label(target)) for target in field.target],
            },
        )

    def form_value(self, value, field, ctx):
        if value is None:
            return ""
        found = ctx.record(self.key(value, field))
        return found["number"] if found else str(value)

    def present_text(self, value, field, ctx):
        found = ctx.record(self.key(value, field))
        return f"{found['number']} · {found['title']}" if found else str(value)

    def present(self, value, field, ctx):
        found = ctx.record(self.key(value, field))
        if found is None:
            return ctx.gettext("(not visible)")
        label = (
            f"{found['number']} · {found['title']}"
            if found["title"] != found["number"]
            else found["number"]
        )
        return ctx.html('<a href="/r/{}/{}">{}</a>', found["type"], found["id"], label)


def _record_id(value: int | str) -> int:
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise FieldError(msg("{id} is not an id any record can have", id=number))
    return number


OWNER_RE = re.compile(r"(user|group):(\d+)")


class OwnerType(FieldType):
    """A user or a group, stored as ``user:ID`` / ``group:ID``."""

    name = "owner"
    rangeable = False
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

    def describe(self, field, codes=None):
        return {"type": "string", "pattern": r"^(user|group):\d+$"}

    def owners(self, value, field):
        return (value,)

    def to_csv(self, value, field, ctx):
        return ctx.owner_login(value)

    def filter_widget(self, field, ctx):
        return Widget("owner")

    def widget(self, field, value, stored, ctx):
        return Widget("owner", {"choices": ctx.owner_choices(stored)})

    def present_text(self, value, field, ctx):
        return ctx.owner(value)


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
