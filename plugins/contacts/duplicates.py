"""Possible duplicates of a contact or an account, for the warning shown before a save.

A warning, not a refusal: the user sees the existing records with links and may still save
(two people may share a team mailbox; "Ромашка" in two cities may be two companies). The
comparison keys are stored in hidden, indexed fields (``account.name_key``,
``contact.email_key``) that :mod:`.rules` keeps up to date, so a lookup is one index probe
even with millions of records.
"""

from __future__ import annotations

from typing import Any

from crm_core import msg
from crm_core.actors import SYSTEM, Actor
from crm_core.query import Condition

from .names import account_name_key, email_key

MAX_SHOWN = 5


def accounts_named(
    crm, name: Any, *, actor: Actor = SYSTEM, limit: int = MAX_SHOWN, other_than: int | None = None
) -> list[dict[str, Any]]:
    """Accounts ``actor`` may see whose name equals ``name`` ignoring letter case and
    spaces, oldest first (without the account ``other_than``)."""
    return _matching(crm, "account", "name_key", account_name_key(name), actor, limit, other_than)


def contacts_with_email(
    crm, email: Any, *, actor: Actor = SYSTEM, limit: int = MAX_SHOWN, other_than: int | None = None
) -> list[dict[str, Any]]:
    """Contacts ``actor`` may see whose email equals ``email`` ignoring letter case, oldest
    first (without the contact ``other_than``)."""
    return _matching(crm, "contact", "email_key", email_key(email), actor, limit, other_than)


def _matching(crm, type_name, key_field, key, actor, limit, other_than) -> list[dict[str, Any]]:
    if key is None:
        return []
    where = [Condition(key_field, "eq", key)]
    if other_than is not None:  # a record just stored matches itself: leave it out in SQL
        where.append(Condition("id", "ne", other_than))
    return crm.records.list(type_name, where=where, sort="id", limit=limit, actor=actor).records


def find_duplicates(crm, record_type, record: dict[str, Any], actor: Actor) -> list[dict[str, Any]]:
    """The ``crm_find_duplicates`` answer for accounts and contacts."""
    if record_type.name == "account":
        matches = accounts_named(
            crm, record.get("name"), actor=actor, limit=MAX_SHOWN, other_than=record.get("id")
        )
        reason = msg(
            "an account with the same name exists (compared ignoring letter case and spaces)"
        )
        title_field = "name"
    elif record_type.name == "contact":
        matches = contacts_with_email(
            crm, record.get("email"), actor=actor, limit=MAX_SHOWN, other_than=record.get("id")
        )
        reason = msg("a contact with the same email exists (compared ignoring letter case)")
        title_field = "full_name"
    else:
        return []
    return [
        {
            "type": record_type.name,
            "id": match["id"],
            "number": match["number"],
            "title": match[title_field] or match["number"],
            "reason": reason,
        }
        for match in matches
    ]
