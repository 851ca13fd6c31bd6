"""Record numbers: prefix + counter (``TT1``, ``TT2``...), never reused, never duplicated.

One row per record type in ``crm_counter`` is incremented with ``UPDATE … RETURNING``
inside the save's transaction. On SQLite that transaction holds the write lock from its
first statement; on PostgreSQL the row lock serialises concurrent creators of the same
type. Either way two processes cannot draw the same number.

Once a transaction holds a counter locked, further numbers of that type are counted in
memory and the counter is written back once, just before the commit: an import of 100,000
rows does one counter update instead of 100,000 (on PostgreSQL, updating one row again and
again in a transaction gets slower with every update).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .actors import SYSTEM, Actor
from .errors import ValidationError
from .i18n import msg
from .schema import PREFIX_RE, RecordType
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
            tx.execute(
                "INSERT INTO crm_counter (record_type, prefix, next_value) SELECT ?, ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM crm_counter WHERE record_type = ?)",
                (rt.name, rt.number_prefix, 1, rt.name),
            )

    def next(self, tx: Transaction, rt: RecordType) -> str:
        held = tx.counters.get(rt.name)
        if held is not None:
            number = f"{held[0]}{held[1]}"
            held[1] += 1
            return number
        row = tx.execute(
            "UPDATE crm_counter SET next_value = next_value + 1 WHERE record_type = ? "
            "RETURNING prefix, next_value",
            (rt.name,),
        ).fetchone()
        if row is None:
            self.ensure_counters(tx)
            return self.next(tx, rt)
        prefix, following = row
        self._hold(tx, rt.name, prefix, following)
        return f"{prefix}{following - 1}"

    def _hold(self, tx: Transaction, type_name: str, prefix: str, following: int) -> None:
        """Count on in memory (the row stays locked until commit); write back before it.
        The third item is the value the row holds now: a transaction that drew only one
        number has nothing to write back."""
        if not tx.counters:
            tx.before_commit.append(lambda: self._write_back(tx))
        tx.counters[type_name] = [prefix, following, following]

    def _write_back(self, tx: Transaction) -> None:
        for type_name, (_prefix, following, stored) in tx.counters.items():
            if following != stored:
                tx.execute(
                    "UPDATE crm_counter SET next_value = ? WHERE record_type = ?",
                    (following, type_name),
                )
        tx.counters.clear()

    def current(self, tx: Transaction, rt: RecordType) -> tuple[str, int]:
        held = tx.counters.get(rt.name)
        if held is not None:
            return held[0], held[1]
        row = tx.execute(
            "SELECT prefix, next_value FROM crm_counter WHERE record_type = ?", (rt.name,)
        ).fetchone()
        return (row[0], row[1]) if row else (rt.number_prefix, 1)

    def advance_past(self, tx: Transaction, rt: RecordType, used: int) -> None:
        """Make sure the counter never hands out ``used`` (an imported number) again."""
        held = tx.counters.get(rt.name)
        if held is not None:
            held[1] = max(held[1], used + 1)
            return
        tx.execute(
            "UPDATE crm_counter SET next_value = ? WHERE record_type = ? AND next_value <= ?",
            (used + 1, rt.name, used),
        )

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
                clash = tx.execute(
                    "SELECT record_type FROM crm_counter WHERE prefix = ? AND record_type <> ?",
                    (prefix, rt.name),
                ).fetchone()
                if clash:
                    errors["prefix"] = msg(
                        "{prefix} is already the prefix of {type}", prefix=prefix, type=clash[0]
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
            tx.counters.pop(rt.name, None)
            tx.execute(
                "UPDATE crm_counter SET prefix = ?, next_value = ? WHERE record_type = ?",
                (prefix or current_prefix, next_number or current_next, rt.name),
            )
            return {
                "type": rt.name,
                "prefix": prefix or current_prefix,
                "next": next_number or current_next,
            }
