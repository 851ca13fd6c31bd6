"""What happens when a ticket is saved or commented: the closing rule, the SLA clock, and
the ticket hooks other plugins implement (``hookspecs.py``).

Status changes, re-openings and assignments are recorded in the ticket's history by the
core like any field change; here they become events with their old and new values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_core import clock, msg
from crm_core.actors import SYSTEM, Actor

from . import sla
from .settings import policy, settings

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"


def validate(crm: CRM, ticket: dict[str, Any], old: dict[str, Any] | None) -> dict[str, str]:
    """A closed ticket needs a solution while ``require_solution_to_close`` is on."""
    if ticket.get("status") != sla.CLOSED or (ticket.get("solution") or "").strip():
        return {}
    if not settings(crm)["require_solution_to_close"]:
        return {}
    if old is not None and old.get("status") == sla.CLOSED:
        return {"solution": msg("cannot be emptied while the ticket is closed; re-open it first")}
    return {
        "solution": msg(
            "is required to close a ticket: describe how the problem was solved, then close it"
        )
    }


def before_save(crm: CRM, ticket: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """The SLA fields that change with this save."""
    now = clock.utcnow()
    if old is None:
        changes = sla.on_create(ticket, policy(crm), now)
    else:
        changes = sla.on_update(old, ticket, policy(crm), now)
    due = sla.next_due({**ticket, **changes})
    if due != ticket.get("next_due"):
        changes["next_due"] = due
    return changes


def after_save(
    crm: CRM,
    ticket: dict[str, Any],
    changes: dict[str, tuple[Any, Any]],
    actor: Actor,
    created: bool,
) -> None:
    hook = crm.hook
    if created:
        hook.crm_ticket_created(crm=crm, ticket=ticket, actor=actor)
        return
    if "status" in changes:
        old_status, new_status = changes["status"]
        hook.crm_ticket_status_changed(
            crm=crm, ticket=ticket, old_status=old_status, new_status=new_status, actor=actor
        )
        if new_status == sla.CLOSED:
            hook.crm_ticket_closed(crm=crm, ticket=ticket, actor=actor)
        elif old_status == sla.CLOSED:
            hook.crm_ticket_reopened(crm=crm, ticket=ticket, actor=actor)
    if "assigned_to" in changes:
        old_owner, new_owner = changes["assigned_to"]
        hook.crm_ticket_assigned(
            crm=crm, ticket=ticket, old_owner=old_owner, new_owner=new_owner, actor=actor
        )


def after_comment(crm: CRM, ticket: dict[str, Any], comment: dict[str, Any], actor: Actor) -> None:
    """A new comment: the first public one by staff is the first response; then the
    commented hook. The SLA fields are the CRM's bookkeeping, written as the system (the
    commenter may see a ticket without being allowed to edit it)."""
    if actor.kind == "user" and not comment["internal"]:
        response = sla.on_first_response(ticket, policy(crm), clock.utcnow())
        if response:
            ticket = crm.records.update(
                TYPE, ticket["id"], response, actor=SYSTEM, allow_read_only=sla.FIELDS
            )
    crm.hook.crm_ticket_commented(
        crm=crm, ticket=ticket, comment=comment, internal=comment["internal"], actor=actor
    )
