"""Possible duplicates of a contact or an account, for the warning shown before a save and
the report of an import.

A warning, not a refusal: the user sees the existing records with links and may still save
(two people may share a team mailbox; "Ромашка" in two cities may be two companies). The
comparison keys are stored in hidden, indexed fields (``account.name_key``,
``contact.email_key``) that :mod:`.rules` keeps up to date, so the records of a thousand
imported rows are found with one indexed query even among millions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from crm_core import msg
from crm_core.actors import SYSTEM, Actor
from crm_core.query import Condition

from .names import account_name_key, email_key

MAX_SHOWN = 5
#: Keys asked for in one query: their ``MAX_SHOWN`` oldest records each fit one page of
#: the records service (500 rows at most).
KEYS_PER_QUERY = 100


@dataclass(frozen=True)
class Comparison:
    """How records of one type are compared: the field users fill in, the hidden key the
    CRM computes from it, and the field shown as the title of a match."""

    source: str
    key_field: str
    key: Callable[[Any], str | None]
    title_field: str
    reason: Any  # a msg(), shown in the reader's language


COMPARISONS = {
    "account": Comparison(
        "name",
        "name_key",
        account_name_key,
        "name",
        msg("an account with the same name exists (compared ignoring letter case and spaces)"),
    ),
    "contact": Comparison(
        "email",
        "email_key",
        email_key,
        "full_name",
        msg("a contact with the same email exists (compared ignoring letter case)"),
    ),
}


def accounts_named(
    crm, name: Any, *, actor: Actor = SYSTEM, limit: int = MAX_SHOWN, other_than: int | None = None
) -> list[dict[str, Any]]:
    """Accounts ``actor`` may see whose name equals ``name`` ignoring letter case and
    spaces, oldest first (without the account ``other_than``)."""
    return _matching(crm, "account", name, actor, limit, other_than)


def contacts_with_email(
    crm, email: Any, *, actor: Actor = SYSTEM, limit: int = MAX_SHOWN, other_than: int | None = None
) -> list[dict[str, Any]]:
    """Contacts ``actor`` may see whose email equals ``email`` ignoring letter case, oldest
    first (without the contact ``other_than``)."""
    return _matching(crm, "contact", email, actor, limit, other_than)


def _matching(crm, type_name, value, actor, limit, other_than) -> list[dict[str, Any]]:
    comparison = COMPARISONS[type_name]
    key = comparison.key(value)
    if key is None:
        return []
    skip = [other_than] if other_than is not None else []
    return _records_with(crm, type_name, comparison.key_field, [key], skip, limit, actor)


def find_duplicates_many(
    crm, record_type, records: Sequence[dict[str, Any]], actor: Actor
) -> list[list[dict[str, Any]]] | None:
    """The ``crm_find_duplicates_many`` answer for accounts and contacts: per record, the
    oldest ``MAX_SHOWN`` others with the same key, stored ones and those in ``records``."""
    comparison = COMPARISONS.get(record_type.name)
    if comparison is None:
        return None
    keys = [comparison.key(record.get(comparison.source)) for record in records]
    given: dict[str, list[dict[str, Any]]] = {}  # saved records among those asked about
    for record, key in zip(records, keys, strict=True):
        if key is not None and record.get("id") is not None:
            given.setdefault(key, []).append(record)
    stored = _oldest_by_key(crm, record_type.name, comparison, keys, given, actor)
    reason = comparison.reason
    answer = []
    for record, key in zip(records, keys, strict=True):
        own = record.get("id")
        others = sorted(
            [*stored.get(key, ()), *(r for r in given.get(key, ()) if r["id"] != own)],
            key=lambda match: match["id"],
        )
        answer.append(
            [
                {
                    "type": record_type.name,
                    "id": match["id"],
                    "number": match.get("number"),
                    "title": match.get(comparison.title_field) or match.get("number"),
                    "reason": reason,
                }
                for match in others[:MAX_SHOWN]
            ]
        )
    return answer


def _oldest_by_key(
    crm,
    type_name: str,
    comparison: Comparison,
    keys: list[str | None],
    given: dict[str, list[dict[str, Any]]],
    actor: Actor,
) -> dict[str, list[dict[str, Any]]]:
    """For each key, the oldest ``MAX_SHOWN`` stored records ``actor`` may see with it,
    leaving out the ``given`` ones (an import's own rows: the caller has them already)."""
    distinct = sorted({key for key in keys if key is not None})
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(distinct), KEYS_PER_QUERY):
        chunk = distinct[start : start + KEYS_PER_QUERY]
        skip = [r["id"] for key in chunk for r in given.get(key, ())]
        limit = MAX_SHOWN * len(chunk)
        rows = _records_with(crm, type_name, comparison.key_field, chunk, skip, limit, actor)
        for row in rows:
            found.setdefault(row[comparison.key_field], []).append(row)
        if len(rows) == limit:  # a common key may have crowded others out: ask for those
            for key in chunk:
                if len(found.get(key, ())) < MAX_SHOWN:
                    skip = [r["id"] for r in given.get(key, ())]
                    found[key] = _records_with(
                        crm, type_name, comparison.key_field, [key], skip, MAX_SHOWN, actor
                    )
    return {key: rows[:MAX_SHOWN] for key, rows in found.items()}


def _records_with(crm, type_name, key_field, keys, skip, limit, actor) -> list[dict[str, Any]]:
    """Records with one of ``keys``, by key and then oldest first. Sorting by the key (not
    by id alone) keeps the database on the key's index: ordered by id with a limit,
    PostgreSQL walks the primary key instead and, when the matches are few or none, reads
    the whole table for every batch of an import."""
    where = [Condition(key_field, "in", keys)]
    if skip:
        where.append(Condition("id", "notin", skip))
    page = crm.records.list(type_name, where=where, sort=key_field, limit=limit, actor=actor)
    return page.records
