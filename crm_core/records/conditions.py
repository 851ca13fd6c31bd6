"""The values of filter conditions in the form the database compares them.

A condition's value comes from a URL, a command line or a plugin's permission rule, so it
is read like user input (the field type's ``resolve`` and ``coerce``) and then turned
into what the column holds. The SQL builder and the permission evaluator use the same
reader, so a rule means the same in a list and on one record.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..fieldtypes import FieldError
from ..schema import RecordType
from ..storage.listing import ValueReader
from ..storage.store import Transaction
from ..validation import DatabaseChecks


def condition_values(tx: Transaction) -> ValueReader:
    """``read(record_type, field_name, raw) -> value`` for the conditions of one
    transaction."""
    checks = DatabaseChecks(tx)
    field_types = tx.registry.field_types

    def read(rt: RecordType, name: str, raw: Any) -> Any:
        field = rt.field(name)
        ftype = field_types[field.type]
        try:
            value = raw
            if isinstance(value, str):
                value = ftype.resolve(value, field, checks)
            if value is None or value == "":
                return None
            value = ftype.coerce(value, field)
        except FieldError as exc:
            raise ValidationError({name: exc.message}) from None
        return ftype.condition_value(value, field)

    return read
