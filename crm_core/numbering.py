"""Record numbers: prefix + counter (``TT1``, ``TT2``...), never reused, never duplicated.

Each record type has a counter (:mod:`crm_core.storage.counters` says how two processes
never draw the same number and why an import updates the counter only once); this
service hands out numbers and lets administrators change a type's prefix and next number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .actors import SYSTEM, Actor
from .errors import ValidationError
from .i18n import msg
from .schema import PREFIX_RE, RecordType
from .storage import counters
from .storage.store import Transaction

if TYPE_CHECKING:
    from .runtime import CRM

import re


class Numbering:
    def __init__(self, crm: CRM):
        self.crm = crm

    def ensure_counters(self, tx: Transaction) -> None:
        """Create the counter row of every record type that has none yet."""
        for rt in tx.registry.types.values():
            counters.ensure(tx, rt.name, rt.number_prefix)

    def next(self, tx: Transaction, rt: RecordType) -> str:
        drawn = counters.draw(tx, rt.name)
        if drawn is None:
            self.ensure_counters(tx)
            return self.next(tx, rt)
        prefix, value = drawn
        return f"{prefix}{value}"

    def current(self, tx: Transaction, rt: RecordType) -> tuple[str, int]:
        return counters.current(tx, rt.name) or (rt.number_prefix, 1)

    def advance_past(self, tx: Transaction, rt: RecordType, used: int) -> None:
        """Make sure the counter never hands out ``used`` (an imported number) again."""
        counters.advance_past(tx, rt.name, used)

    def settings(self) -> list[dict]:
        """Prefix and next number of every record type."""
        with self.crm.store.reading() as tx:
            result = []
            for rt in sorted(tx.registry.types.values(), key=lambda t: t.name):
                prefix, following = self.current(tx, rt)
                result.append({"type": rt.name, "prefix": prefix, "next": following})
            return result

    def configure(
        self,
        type_name: str,
        *,
        prefix: str | None = None,
        next_number: int | None = None,
        actor: Actor = SYSTEM,
    ) -> dict:
        """Change a type's prefix and/or next number (administrators; never backwards)."""
        self.crm.access.require(actor, "administer")
        with self.crm.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            current_prefix, current_next = self.current(tx, rt)
            errors = {}
            if prefix is not None and not re.match(PREFIX_RE, prefix):
                errors["prefix"] = msg(
                    "must be 1 to 10 capital letters or digits, starting with a letter"
                )
            if prefix is not None and prefix != current_prefix:
                clash = counters.type_with_prefix(tx, prefix, other_than=rt.name)
                if clash:
                    errors["prefix"] = msg(
                        "{prefix} is already the prefix of {type}", prefix=prefix, type=clash
                    )
            if next_number is not None and next_number < current_next:
                errors["next"] = msg(
                    "must be at least {next}: numbers up to {last} may already be in use and are "
                    "never handed out twice",
                    next=current_next,
                    last=current_next - 1,
                )
            if errors:
                raise ValidationError(errors)
            counters.set_counter(tx, rt.name, prefix or current_prefix, next_number or current_next)
            return {
                "type": rt.name,
                "prefix": prefix or current_prefix,
                "next": next_number or current_next,
            }
