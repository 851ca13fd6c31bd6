"""Record-number counters as stored in ``crm_counter``: one row per record type with its
prefix and the next value to hand out.

A number is drawn with ``UPDATE … RETURNING`` inside the save's transaction. On SQLite
that transaction holds the write lock from its first statement; on PostgreSQL the row
lock serialises concurrent creators of the same type. Either way two processes cannot
draw the same number.

Once a transaction holds a counter locked, further numbers of that type are counted in
memory (``Transaction.counters``) and the row is written back once, just before the
commit: an import of 100,000 rows does one counter update instead of 100,000 (on
PostgreSQL, updating one row again and again in a transaction gets slower with every
update).
"""

from __future__ import annotations

from .store import Transaction


def ensure(tx: Transaction, type_name: str, prefix: str) -> None:
    """Create the type's counter, starting at 1 with ``prefix``, unless it has one."""
    tx.execute(
        "INSERT INTO crm_counter (record_type, prefix, next_value) SELECT ?, ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM crm_counter WHERE record_type = ?)",
        (type_name, prefix, 1, type_name),
    )


def draw(tx: Transaction, type_name: str) -> tuple[str, int] | None:
    """The next ``(prefix, value)`` of the type's counter, now used up; ``None`` when the
    type has no counter yet."""
    held = tx.counters.get(type_name)
    if held is not None:
        drawn = (held[0], held[1])
        held[1] += 1
        return drawn
    row = tx.execute(
        "UPDATE crm_counter SET next_value = next_value + 1 WHERE record_type = ? "
        "RETURNING prefix, next_value",
        (type_name,),
    ).fetchone()
    if row is None:
        return None
    prefix, following = row
    _hold(tx, type_name, prefix, following)
    return prefix, following - 1


def _hold(tx: Transaction, type_name: str, prefix: str, following: int) -> None:
    """Count on in memory (the row stays locked until commit); write back before it.
    The third item is the value the row holds now: a transaction that drew only one
    number has nothing to write back."""
    if not tx.counters:
        tx.before_commit.append(lambda: _write_back(tx))
    tx.counters[type_name] = [prefix, following, following]


def _write_back(tx: Transaction) -> None:
    for type_name, (_prefix, following, stored) in tx.counters.items():
        if following != stored:
            tx.execute(
                "UPDATE crm_counter SET next_value = ? WHERE record_type = ?",
                (following, type_name),
            )
    tx.counters.clear()


def current(tx: Transaction, type_name: str) -> tuple[str, int] | None:
    """The type's ``(prefix, next value)``, or ``None`` when it has no counter yet."""
    held = tx.counters.get(type_name)
    if held is not None:
        return held[0], held[1]
    row = tx.execute(
        "SELECT prefix, next_value FROM crm_counter WHERE record_type = ?", (type_name,)
    ).fetchone()
    return (row[0], row[1]) if row else None


def advance_past(tx: Transaction, type_name: str, used: int) -> None:
    """Make sure the counter never hands out ``used`` again (it only moves forwards)."""
    held = tx.counters.get(type_name)
    if held is not None:
        held[1] = max(held[1], used + 1)
        return
    tx.execute(
        "UPDATE crm_counter SET next_value = ? WHERE record_type = ? AND next_value <= ?",
        (used + 1, type_name, used),
    )


def type_with_prefix(tx: Transaction, prefix: str, other_than: str) -> str | None:
    """The record type other than ``other_than`` whose counter uses ``prefix``, if any."""
    row = tx.execute(
        "SELECT record_type FROM crm_counter WHERE prefix = ? AND record_type <> ?",
        (prefix, other_than),
    ).fetchone()
    return row[0] if row else None


def set_counter(tx: Transaction, type_name: str, prefix: str, next_value: int) -> None:
    """Give the type's counter a new prefix and next value (the caller checked both)."""
    tx.counters.pop(type_name, None)
    tx.execute(
        "UPDATE crm_counter SET prefix = ?, next_value = ? WHERE record_type = ?",
        (prefix, next_value, type_name),
    )
