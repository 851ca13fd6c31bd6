"""Accounts (organisations) and contacts (people).

Registers the record types ``account`` and ``contact`` (schemas/account.toml,
schemas/contact.toml) and the picklists other modules share with them (industry, rating,
lead source, salutation). Rules: a contact's support period must not end before it starts;
an account cannot be its own parent. Possible duplicates (a contact with the same email, an
account with the same name ignoring letter case and spaces) are reported through
the rules' ``find_duplicates_many`` (:mod:`.rules`, :mod:`.duplicates`); an exactly equal account name is refused (the field is unique).

Other modules add their related lists to accounts and contacts with a reference field or a
relation (``crm_extend_record_types``). Documentation: docs/modules/contacts.md.
"""

from crm_core import hookimpl
from crm_schemas import schema_file

from . import demo, rules


@hookimpl
def crm_register_record_types():
    return [schema_file("account"), schema_file("contact")]


@hookimpl
def crm_record_rules():
    return {"account": rules.AccountRules(), "contact": rules.ContactRules()}


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
