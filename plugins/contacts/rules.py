"""Business rules of accounts and contacts, and the values the CRM computes for them: the
rules objects the plugin returns from ``crm_record_rules``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_core import NotFound, msg

from . import duplicates
from .names import account_name_key, email_key, full_name

#: A chain of parent accounts deeper than this is refused as a probable mistake.
MAX_PARENT_DEPTH = 50


class ContactRules:
    def validate(self, record):
        return contact_problems(record)

    def before_save(self, record):
        """Values the CRM keeps for display and duplicate search."""
        record["full_name"] = full_name(record.get("first_name"), record.get("last_name"))
        record["email_key"] = email_key(record.get("email"))

    def find_duplicates_many(self, crm, record_type, records, actor):
        return duplicates.find_duplicates_many(crm, record_type, records, actor)


class AccountRules:
    def validate(self, crm, record):
        return account_problems(crm, record)

    def before_save(self, record):
        """The name as duplicate search compares it."""
        record["name_key"] = account_name_key(record.get("name"))

    def find_duplicates_many(self, crm, record_type, records, actor):
        return duplicates.find_duplicates_many(crm, record_type, records, actor)


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
