"""Business rules of accounts and contacts, and the values the CRM computes for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_core import NotFound, msg

from .names import account_name_key, email_key, full_name

#: A chain of parent accounts deeper than this is refused as a probable mistake.
MAX_PARENT_DEPTH = 50


def validate(crm, type_name: str, record: dict[str, Any]) -> dict[str, str]:
    """Problems with a contact's or account's values, by field."""
    if type_name == "contact":
        return contact_problems(record)
    if type_name == "account":
        return account_problems(crm, record)
    return {}


def contact_problems(record: dict[str, Any]) -> dict[str, str]:
    errors = {}
    start, end = record.get("support_start_date"), record.get("support_end_date")
    if start and end and end < start:
        errors["support_end_date"] = msg(
            "must be on or after the support start date ({start}); leave it empty for support "
            "without an end",
            start=start.isoformat(),
        )
    birthday = record.get("birthday")
    if birthday and birthday > dt.date.today():
        errors["birthday"] = msg("cannot be in the future")
    return errors


def account_problems(crm, record: dict[str, Any]) -> dict[str, str]:
    """An account may not be its own parent, directly or through other accounts."""
    parent_id = record.get("parent_account")
    if parent_id is None:
        return {}
    own_id = record.get("id")
    if own_id is not None and parent_id == own_id:
        return {"parent_account": msg("cannot be the account itself")}
    chain = []
    current = parent_id
    while current is not None:
        try:
            parent = crm.records.get("account", current, include_deleted=True)
        except NotFound:
            return {}
        chain.append(parent["number"])
        if own_id is not None and parent["parent_account"] == own_id:
            loop = " → ".join([record["number"], *chain, record["number"]])
            return {
                "parent_account": msg("would make a loop of member accounts: {loop}", loop=loop)
            }
        if len(chain) > MAX_PARENT_DEPTH:
            return {
                "parent_account": msg(
                    "the chain of parent accounts is deeper than {depth} levels; choose a "
                    "higher-level parent",
                    depth=MAX_PARENT_DEPTH,
                )
            }
        current = parent["parent_account"]
    return {}


def fill_computed(type_name: str, record: dict[str, Any]) -> None:
    """Values the CRM keeps for display and duplicate search (before each save)."""
    if type_name == "contact":
        record["full_name"] = full_name(record.get("first_name"), record.get("last_name"))
        record["email_key"] = email_key(record.get("email"))
    elif type_name == "account":
        record["name_key"] = account_name_key(record.get("name"))
