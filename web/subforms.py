"""Several records in one form: inputs named ``PREFIX.FIELD`` (``account.name``,
``contact.email``), each group read back as one record's form by the core's form code."""

from __future__ import annotations

import bottle

from .forms import PRESENT_MARK


def sub_form(form, prefix: str) -> bottle.MultiDict:
    """The ``PREFIX.*`` inputs of ``form`` without the prefix, as one record's form (the
    list of fields the form showed, which tells an unticked checkbox from a missing one,
    is split the same way)."""
    start = prefix + "."
    part = bottle.MultiDict()
    for key in form:
        for value in form.getall(key):
            if key == PRESENT_MARK and value.startswith(start):
                part.append(PRESENT_MARK, value[len(start) :])
            elif key.startswith(start):
                part.append(key[len(start) :], value)
    return part
