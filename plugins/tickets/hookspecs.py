"""Hooks the tickets plugin fires, for other plugins (contracts, email, portal) to implement.

Each receives the ticket as a dict of field values (after the change) and the actor; they
run inside the ticket's save transaction, so raising rolls the change back.
"""

from crm_core.hookspecs import hookspec


@hookspec
def crm_ticket_created(crm, ticket, actor):
    """A ticket was created."""


@hookspec
def crm_ticket_status_changed(crm, ticket, old_status, new_status, actor):
    """A ticket's status changed from ``old_status`` to ``new_status`` (picklist codes)."""


@hookspec
def crm_ticket_assigned(crm, ticket, old_owner, new_owner, actor):
    """A ticket's ``assigned_to`` changed (``user:ID`` / ``group:ID`` or ``None``)."""


@hookspec
def crm_ticket_closed(crm, ticket, actor):
    """A ticket's status became ``closed``."""


@hookspec
def crm_ticket_reopened(crm, ticket, actor):
    """A closed ticket's status changed to anything else."""


@hookspec
def crm_ticket_commented(crm, ticket, comment, internal, actor):
    """A comment was added to a ticket (``internal`` comments are for staff only)."""
