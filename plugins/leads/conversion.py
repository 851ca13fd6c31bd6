"""Lead conversion: a qualified lead becomes an account and/or a contact, and optionally a
deal, in one transaction.

:func:`plan` shows what a conversion would do (the convert form pre-fills from it) and
:func:`convert` does it; the CLI, the button on the lead and ``POST
/api/v1/lead/{id}/convert`` are thin wrappers around these two.

What a conversion does, all or nothing:

1. refuses a lead converted before (:class:`~crm_core.Conflict`);
2. reuses an existing account whose name equals the lead's company ignoring letter case and
   spaces, or creates one; creates the contact (linked to the account) and the deal
   (linked to both); field values come through the mapping (:mod:`.mapping`), then the
   caller's own values;
3. moves the lead's comments, attachments and many-to-many links to the chosen record
   (the contact by default, see the ``move_activity_to`` setting);
4. marks the lead converted, with who, when and into what (the lead becomes read-only);
5. fires ``crm_lead_converted``. Any error on the way undoes everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_core import Conflict, PermissionDenied, ValidationError, clock, msg
from crm_core.actors import SYSTEM
from crm_core.i18n import either
from crm_core.schema import text
from crm_plugins.contacts.api import accounts_named

from . import mapping

#: Targets the lead's comments, attachments and links may move to.
MOVE_TARGETS = ("contact", "account")


@dataclass
class Conversion:
    """What a conversion created; ``moved`` counts what went to ``moved_to``."""

    lead: dict[str, Any]
    account: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    deal: dict[str, Any] | None = None
    account_reused: bool = False
    moved_to: str | None = None
    moved: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def ref(record):
            return None if record is None else {"id": record["id"], "number": record["number"]}

        return {
            "lead": ref(self.lead),
            "account": ref(self.account),
            "account_reused": self.account_reused,
            "contact": ref(self.contact),
            "deal": ref(self.deal),
            "moved_to": self.moved_to,
            "moved": dict(self.moved),
        }


def plan(crm, lead_key: int | str, *, actor=SYSTEM) -> dict[str, Any]:
    """What converting the lead would create, for a form to show and let the user edit:
    ``{"lead", "values": {target: {field: value}}, "existing_account", "move_to"}``."""
    lead = crm.records.get("lead", lead_key, actor=actor)
    values = mapped_values(crm, lead)
    return {
        "lead": lead,
        "values": values,
        "existing_account": existing_account(crm, values["account"].get("name"), actor),
        "move_to": default_move_target(crm, create_account=True, create_contact=True),
    }


def existing_account(crm, name: Any, actor=SYSTEM) -> dict[str, Any] | None:
    """The account a conversion with this account name reuses instead of creating one:
    only one ``actor`` may see (never reveal or attach to someone's private account)."""
    found = accounts_named(crm, name, actor=actor, limit=1)
    return found[0] if found else None


def refuse_unconvertible(crm, lead: dict[str, Any], actor) -> None:
    """Raise :class:`~crm_core.Conflict` for a lead converted before, and
    :class:`~crm_core.PermissionDenied` when ``actor`` may not convert it."""
    if lead["converted"]:
        raise Conflict(
            msg(
                "{summary}; a lead can be converted only once",
                summary=converted_summary(crm, lead),
            )
        )
    if not crm.records.can("lead", lead, actor, "edit"):
        raise PermissionDenied(
            msg("you may not convert {number}: you may not edit it", number=lead["number"])
        )
    if not any(crm.records.can(target, None, actor, "create") for target in ("account", "contact")):
        raise PermissionDenied(
            msg(
                "you may not convert {number}: a conversion creates an account or a contact, "
                "and you may create neither",
                number=lead["number"],
            )
        )


def can_convert(crm, lead: dict[str, Any], actor) -> bool:
    """Whether to offer ``actor`` the conversion of ``lead`` (the "Convert" button)."""
    try:
        refuse_unconvertible(crm, lead, actor)
    except (Conflict, PermissionDenied):
        return False
    return True


def mapped_values(crm, lead: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The values the mapping gives each target from ``lead`` (empty ones left out)."""
    return {
        target: {
            target_field: lead[lead_field]
            for target_field, lead_field in fields.items()
            if lead.get(lead_field) not in (None, "", [])
        }
        for target, fields in mapping.usable(crm).items()
    }


def default_move_target(crm, *, create_account: bool, create_contact: bool) -> str:
    preferred = crm.settings("leads")["move_activity_to"]
    created = {"account": create_account, "contact": create_contact}
    if created[preferred]:
        return preferred
    return "contact" if create_contact else "account"


def convert(
    crm,
    lead_key: int | str,
    *,
    create_account: bool = True,
    create_contact: bool = True,
    create_deal: bool = False,
    values: dict[str, dict[str, Any]] | None = None,
    move_to: str | None = None,
    assigned_to: str | None = None,
    actor=SYSTEM,
) -> Conversion:
    """Convert one lead (by id or number). ``values`` gives field values per target
    (``{"deal": {"amount": 5000}}``) that win over the mapped ones; ``assigned_to``
    (default: the lead's owner) is given to every record created."""
    values = values or {}
    _check_options(create_account, create_contact, create_deal, values, move_to)
    move_to = move_to or default_move_target(
        crm, create_account=create_account, create_contact=create_contact
    )
    with crm.transaction():
        lead = crm.records.get("lead", lead_key, actor=actor)
        refuse_unconvertible(crm, lead, actor)
        mapped = mapped_values(crm, lead)
        owner = assigned_to or lead["assigned_to"]
        result = Conversion(lead=lead)
        if create_account:
            account_values = {**mapped["account"], **values.get("account", {})}
            existing = existing_account(crm, account_values.get("name"), actor)
            if existing:
                result.account, result.account_reused = existing, True
            else:
                result.account = _create(crm, "account", account_values, owner, lead, actor)
        links = {"account": result.account["id"] if result.account else None}
        if create_contact:
            contact_values = {**mapped["contact"], **links, **values.get("contact", {})}
            result.contact = _create(crm, "contact", contact_values, owner, lead, actor)
        links["contact"] = result.contact["id"] if result.contact else None
        if create_deal:
            deal_values = {**mapped["deal"], **links, **values.get("deal", {})}
            result.deal = _create(crm, "deal", deal_values, owner, lead, actor)
        target = result.contact if move_to == "contact" else result.account
        result.moved_to = target["number"]
        result.moved = crm.records.move_activity(
            "lead", lead["id"], move_to, target["id"], links=True, actor=actor
        )
        result.lead = _mark_converted(crm, lead, result, actor)
        crm.hook.crm_lead_converted(
            crm=crm,
            lead=result.lead,
            account=result.account,
            contact=result.contact,
            deal=result.deal,
            account_reused=result.account_reused,
            actor=actor,
        )
        return result


def _check_options(create_account, create_contact, create_deal, values, move_to) -> None:
    errors = {}
    if not (create_account or create_contact):
        errors["create_account"] = msg(
            "convert the lead into an account, a contact or both: at least one is needed"
        )
    created = {"account": create_account, "contact": create_contact, "deal": create_deal}
    for target in values:
        if target not in created:
            errors[f"values.{target}"] = msg(
                "unknown target; a lead converts into {targets}",
                targets=", ".join(mapping.TARGETS),
            )
        elif not created[target]:
            errors[f"values.{target}"] = msg(
                "values are given for the {target}, which is not created", target=target
            )
    if move_to is not None and (move_to not in MOVE_TARGETS or not created[move_to]):
        chosen = [target for target in MOVE_TARGETS if created[target]]
        errors["move_to"] = msg(
            "comments, attachments and links move to the account or the contact the lead "
            "becomes: {choices}",
            choices=either(chosen) or msg("choose one of them to create"),
        )
    if errors:
        raise ValidationError(errors)


def _create(crm, type_name, values, owner, lead, actor) -> dict[str, Any]:
    """Create one target record; a refusal names the target and the lead field behind it."""
    if owner and "assigned_to" not in values:
        values = {**values, "assigned_to": owner}
    try:
        return crm.records.create(type_name, values, actor=actor)
    except ValidationError as exc:
        sources = mapping.usable(crm)[type_name]
        lead_type = crm.registry.type("lead")
        errors = {}
        for name, message in exc.errors.items():
            if message == "is required" and name in sources:
                label = text(lead_type.field(sources[name]).label)
                message = msg(
                    "is required; it is filled from the lead's {label} ({field}), which is "
                    "empty in {number}",
                    label=label.lower(),
                    field=sources[name],
                    number=lead["number"],
                )
            elif message == "is required":
                message = msg("is required; give a value for it, or map a lead field to it")
            errors[f"{type_name}.{name}"] = message
        raise ValidationError(errors) from None


def _mark_converted(crm, lead, result: Conversion, actor) -> dict[str, Any]:
    marks = {
        "converted": True,
        "converted_at": clock.utcnow(),
        "converted_by": actor.ref,
        "converted_account": result.account["id"] if result.account else None,
        "converted_contact": result.contact["id"] if result.contact else None,
        "converted_deal": result.deal["id"] if result.deal else None,
    }
    return crm.records.update(
        "lead", lead["id"], marks, actor=actor, allow_read_only=frozenset(marks)
    )


def converted_summary(crm, lead: dict[str, Any]) -> str:
    """ "LEA5 was converted on 2026-03-01 into ACC2, CON7" (for messages)."""
    refs = [
        f"{target}:{lead[f'converted_{target}']}"
        for target in mapping.TARGETS
        if lead.get(f"converted_{target}")
    ]
    titles = crm.records.titles(refs)
    numbers = [titles[ref]["number"] for ref in refs if ref in titles]
    number, into = lead["number"], ", ".join(numbers)
    if lead.get("converted_at"):
        date = lead["converted_at"].date().isoformat()
        if numbers:
            return msg(
                "{number} was converted on {date} into {records}",
                number=number,
                date=date,
                records=into,
            )
        return msg("{number} was converted on {date}", number=number, date=date)
    if numbers:
        return msg("{number} was converted into {records}", number=number, records=into)
    return msg("{number} was converted", number=number)
