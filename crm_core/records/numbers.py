"""The number a new record gets: one given by an import, a plugin's, or the counter's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..i18n import msg
from ..schema import RecordType
from ..storage import records_repo
from ..storage.store import Transaction

if TYPE_CHECKING:
    from ..runtime import CRM


def number_for(crm: CRM, tx: Transaction, rt: RecordType, record: dict, given: Any) -> str:
    """A number ``given`` (an import keeping its numbers) is kept when free, and the
    counter moves past it; else ``crm_autonumber`` may make one; else the counter's next."""
    if given:
        number = str(given).strip()
        if records_repo.number_taken(tx, rt, number):
            raise ValidationError({"number": msg("{number} is already used", number=number)})
        prefix, _counter = crm.numbering.current(tx, rt)
        if number.startswith(prefix) and number[len(prefix) :].isdigit():
            crm.numbering.advance_past(tx, rt, int(number[len(prefix) :]))
        return number
    custom = crm.hook.crm_autonumber(crm=crm, record_type=rt, record=record)
    if not custom:
        return crm.numbering.next(tx, rt)
    if records_repo.number_taken(tx, rt, custom):
        # Said here rather than left to the database's unique index, whose error
        # names neither the number nor where it came from.
        raise ValidationError(
            {
                "number": msg(
                    "{number} is already used: the number a plugin's crm_autonumber "
                    "gave this {type} belongs to another record; change the values it "
                    "is made from",
                    number=custom,
                    type=rt.label["en"].lower(),
                )
            }
        )
    return custom
