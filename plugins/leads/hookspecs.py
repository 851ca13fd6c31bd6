"""Hooks the leads plugin fires, for other plugins (email, marketing, reporting)."""

from crm_core.hookspecs import hookspec


@hookspec
def crm_lead_converted(crm, lead, account, contact, deal, account_reused, actor):
    """A lead was converted. ``lead`` is the lead as stored after the conversion (marked
    converted); ``account``, ``contact`` and ``deal`` are the records it became (dicts, or
    ``None`` for those not created); ``account_reused`` is true when ``account`` existed
    already. Runs inside the conversion's transaction: raising undoes the whole conversion.
    """
