"""Actions on a ticket: duplicate, merge, convert to FAQ.

Each is one function taking the CRM, the ticket (id or number) and the actor, doing all
its work in one transaction (on any error nothing changes), and returning the record it
produced. The web buttons and the ``crm tickets`` commands call these; :func:`available`
says which of them to offer to whom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_core import Conflict, PermissionDenied, ValidationError, msg
from crm_core.actors import SYSTEM, Actor

from . import sla

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"
FAQ = "faq"
#: Fields a duplicate starts without: the copy is new work with its own status and effort.
NOT_COPIED = frozenset({"status", "solution", "hours", "days"})
MERGE_NOTE = {
    "en": "Merged into {number} ({title}): this ticket was a duplicate; the work goes on there.",
    "ru": "Объединена с заявкой {number} ({title}): эта заявка — дубликат, работа идёт там.",
}


def available(crm: CRM, ticket: dict[str, Any], actor: Actor) -> list[str]:
    """Names of the actions ``actor`` may take on ``ticket``: ``duplicate``, ``merge``,
    ``to_faq`` (only when the FAQ plugin is enabled and the actor may create FAQs)."""
    names = []
    if crm.records.can(TYPE, None, actor, "create"):
        names.append("duplicate")
    if not ticket.get("merged_into") and crm.records.can(TYPE, ticket, actor, "edit"):
        names.append("merge")
    if may_convert_to_faq(crm, actor):
        names.append("to_faq")
    return names


def copy_values(crm: CRM, ticket: dict[str, Any]) -> dict[str, Any]:
    """The values a duplicate of ``ticket`` starts with (for a prefilled form too)."""
    rt = crm.registry.type(TYPE)
    values = {
        field.name: ticket[field.name]
        for field in rt.data_fields
        if not field.read_only
        and field.name not in NOT_COPIED
        and ticket.get(field.name) is not None
    }
    values["tags"] = list(ticket.get("tags") or [])
    return values


def duplicate(
    crm: CRM, key: int | str, *, actor: Actor = SYSTEM, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A new ticket with the fields of ``key`` (changed by ``values``), linked back to it
    through ``duplicate_of``: to split one ticket into two."""
    with crm.transaction():
        original = crm.records.get(TYPE, key, actor=actor)
        copy = {**copy_values(crm, original), **(values or {}), "duplicate_of": original["id"]}
        created = crm.records.create(
            TYPE, copy, actor=actor, allow_read_only=frozenset({"duplicate_of"})
        )
        crm.records.add_history(
            TYPE, original["id"], "duplicated", actor=actor, note=f"copied to {created['number']}"
        )
        return created


def merge(crm: CRM, key: int | str, into: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Merge the duplicate ticket ``key`` into ``into``: its comments, attachments, history
    and links move to ``into``, which records the merge; the duplicate is closed with a
    pointer (``merged_into``) and a solution saying where the work went. Returns ``into``."""
    with crm.transaction():
        duplicate_ticket = crm.records.get(TYPE, key, actor=actor)
        survivor = crm.records.get(TYPE, into, actor=actor)
        if duplicate_ticket["id"] == survivor["id"]:
            raise ValidationError(
                {"into": msg("must be another ticket: a ticket cannot absorb itself")}
            )
        for ticket in (duplicate_ticket, survivor):
            if ticket.get("merged_into"):
                target = crm.records.get(TYPE, ticket["merged_into"], include_deleted=True)
                if ticket is survivor:
                    raise Conflict(
                        msg(
                            "{number} was already merged into {other}; merge into {other} instead",
                            number=ticket["number"],
                            other=target["number"],
                        )
                    )
                raise Conflict(
                    msg(
                        "{number} was already merged into {other}",
                        number=ticket["number"],
                        other=target["number"],
                    )
                )
            if not crm.records.can(TYPE, ticket, actor, "edit"):
                raise PermissionDenied(
                    msg(
                        "you may not change {number}, so you cannot merge these tickets",
                        number=ticket["number"],
                    )
                )
        moved = crm.records.move_activity(
            TYPE,
            duplicate_ticket["id"],
            TYPE,
            survivor["id"],
            history=True,
            links=True,
            actor=actor,
        )
        counts = ", ".join(f"{count} {name}" for name, count in moved.items() if count)
        crm.records.add_history(
            TYPE,
            survivor["id"],
            "merged",
            actor=actor,
            note=f"{duplicate_ticket['number']} merged into this ticket ({counts or 'nothing to move'})",
        )
        template = MERGE_NOTE.get(crm.config.language, MERGE_NOTE["en"])
        note = template.format(number=survivor["number"], title=survivor["title"])
        old_solution = (duplicate_ticket.get("solution") or "").strip()
        crm.records.update(
            TYPE,
            duplicate_ticket["id"],
            {
                "status": sla.CLOSED,
                "merged_into": survivor["id"],
                "solution": f"{note}\n\n{old_solution}" if old_solution else note,
            },
            actor=actor,
            allow_read_only=frozenset({"merged_into"}),
        )
        return crm.records.get(TYPE, survivor["id"], actor=actor)


def may_convert_to_faq(crm: CRM, actor: Actor) -> bool:
    """Converting is for whoever may create FAQ entries, when the FAQ plugin is on."""
    return crm.is_enabled(FAQ) and crm.records.can(FAQ, None, actor, "create")


def faq_answer(solution: str, public_comments: list[str]) -> str:
    """The FAQ answer: ``Solution: …`` followed by the ticket's public comments."""
    return "\n\n".join([f"Solution: {solution.strip()}", *(c.strip() for c in public_comments)])


def to_faq(crm: CRM, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """A draft FAQ entry (category General) made from a solved ticket: title → question,
    product → product, solution and public comments → answer. Returns the FAQ record."""
    if not crm.is_enabled(FAQ):
        raise Conflict(
            msg(
                "the FAQ module is not enabled, so tickets cannot be converted to FAQ entries; "
                'an administrator can add "faq" to [crm] enabled in plugins.toml'
            )
        )
    if not may_convert_to_faq(crm, actor):
        raise PermissionDenied(msg("you may not create FAQ entries, so you cannot convert tickets"))
    with crm.transaction():
        ticket = crm.records.get(TYPE, key, actor=actor)
        solution = (ticket.get("solution") or "").strip()
        if not solution:
            raise ValidationError(
                {"solution": msg("is empty; write the solution first: it becomes the FAQ answer")}
            )
        comments = crm.comments.list(TYPE, ticket["id"], actor=actor)
        values = {
            "question": ticket["title"],
            "answer": faq_answer(solution, [c["body"] for c in comments if not c["internal"]]),
            "category": "general",
            "status": "draft",
        }
        if ticket.get("product") and crm.registry.type(FAQ).has_field("product"):
            values["product"] = ticket["product"]
        faq = crm.records.create(FAQ, values, actor=actor)
        crm.records.add_history(
            TYPE, ticket["id"], "converted", actor=actor, note=f"FAQ {faq['number']} made from it"
        )
        return faq
