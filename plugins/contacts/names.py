"""How people and organisations are named and compared.

Pure functions, shared with the leads plugin (a lead's name is built the same way, and
conversion finds an existing account by the same comparison as the duplicate warning).
"""

from __future__ import annotations

import unicodedata
from typing import Any


def full_name(first: Any, last: Any) -> str | None:
    """ "Иван Петров": first and last name, whichever are given."""
    parts = [" ".join(str(part).split()) for part in (first, last) if part]
    return " ".join(part for part in parts if part) or None


def account_name_key(name: Any) -> str | None:
    """An account name compared ignoring letter case and spaces: "ООО  Ромашка" and
    "ооо ромашка" give the same key. NFKC first, so a non-breaking space is a space too."""
    if not isinstance(name, str):
        return None
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold() or None


def email_key(email: Any) -> str | None:
    """An email address compared ignoring letter case (mail servers ignore it in practice)."""
    if not isinstance(email, str):
        return None
    return email.strip().casefold() or None
