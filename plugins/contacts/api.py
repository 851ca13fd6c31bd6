"""What the contacts plugin offers other plugins: how people and accounts are named and
compared, and the accounts and contacts that match a name or an email address.

Import from here (``from crm_plugins.contacts.api import full_name``), not from the
plugin's other modules, which may change. The leads plugin builds a lead's full name and
finds the account to reuse on conversion with these. Documented in docs/modules/contacts.md.
"""

from .duplicates import accounts_named, contacts_with_email
from .names import account_name_key, email_key, full_name

__all__ = [
    "account_name_key",
    "accounts_named",
    "contacts_with_email",
    "email_key",
    "full_name",
]
