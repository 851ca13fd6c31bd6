"""The conversion mapping: which lead field fills which field of the account, contact and
deal that a conversion creates.

It is a run-time setting (scope ``plugin:leads``, key ``mapping``) shaped
``{target type: {target field: lead field}}``, so one lead field may fill several targets
(the company names the account and the deal) while each target field has one source.
Until an administrator changes it, :data:`DEFAULT_MAPPING` applies (vtiger's defaults).
Custom fields take part like any other field: ``cf_budget`` → ``deal.cf_budget``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from crm_core import ValidationError, msg
from crm_core.schema import text

SCOPE, KEY = "plugin:leads", "mapping"
TARGETS = ("account", "contact", "deal")
#: Lead fields about the conversion itself: never copied.
CONVERSION_FIELDS = (
    "converted",
    "converted_at",
    "converted_by",
    "converted_account",
    "converted_contact",
    "converted_deal",
)
#: Target fields the conversion fills itself with the records it creates.
LINK_FIELDS = {("contact", "account"), ("deal", "account"), ("deal", "contact")}

_ADDRESS = ("street", "po_box", "city", "state", "postal_code", "country")
DEFAULT_MAPPING: dict[str, dict[str, str]] = {
    "account": {
        "name": "company",
        "phone": "phone",
        "fax": "fax",
        "email": "email",
        "website": "website",
        "industry": "industry",
        "rating": "rating",
        "employees": "employees",
        "annual_revenue": "annual_revenue",
        **{f"billing_{part}": part for part in _ADDRESS},
        **{f"shipping_{part}": part for part in _ADDRESS},
        "description": "description",
    },
    "contact": {
        "salutation": "salutation",
        "first_name": "first_name",
        "last_name": "last_name",
        "title": "title",
        "email": "email",
        "secondary_email": "secondary_email",
        "phone": "phone",
        "mobile": "mobile",
        "lead_source": "lead_source",
        "email_opt_out": "email_opt_out",
        **{f"mailing_{part}": part for part in _ADDRESS},
        "description": "description",
    },
    "deal": {
        "name": "company",
        "lead_source": "lead_source",
        "description": "description",
    },
}


@dataclass(frozen=True)
class Entry:
    """One line of the mapping; ``problem`` says why it is skipped now (a field was
    removed, a type changed), else ``None``."""

    target_type: str
    target_field: str
    lead_field: str
    problem: str | None = None

    @property
    def target(self) -> str:
        return f"{self.target_type}.{self.target_field}"


def stored(crm) -> dict[str, dict[str, str]]:
    """The mapping as configured: the administrator's, or the defaults."""
    value = crm.registry.settings.get((SCOPE, KEY))
    return copy.deepcopy(value if value is not None else DEFAULT_MAPPING)


def is_default(crm) -> bool:
    return crm.registry.settings.get((SCOPE, KEY)) is None


def entries(crm) -> list[Entry]:
    """Every line of the mapping, in the target types' field order, with its problem."""
    registry = crm.registry
    lines = []
    for target_type, fields in stored(crm).items():
        rt = registry.types.get(target_type)
        order = {f.name: position for position, f in enumerate(rt.fields)} if rt else {}
        for target_field in sorted(fields, key=lambda name: order.get(name, len(order))):
            lead_field = fields[target_field]
            lines.append(
                Entry(
                    target_type,
                    target_field,
                    lead_field,
                    problem(registry, lead_field, target_type, target_field),
                )
            )
    return lines


def usable(crm) -> dict[str, dict[str, str]]:
    """The lines a conversion applies now: ``{target type: {target field: lead field}}``."""
    result: dict[str, dict[str, str]] = {target: {} for target in TARGETS}
    for entry in entries(crm):
        if entry.problem is None:
            result[entry.target_type][entry.target_field] = entry.lead_field
    return result


def parse_target(text: str) -> tuple[str, str]:
    """``"account.name"`` → ``("account", "name")``."""
    target_type, dot, target_field = text.strip().partition(".")
    if not dot or target_type not in TARGETS or not target_field:
        raise ValidationError(
            {
                "target": msg(
                    "{target!r}: write TYPE.FIELD, where TYPE is one of {types}",
                    target=text,
                    types=", ".join(TARGETS),
                )
            }
        )
    return target_type, target_field


def set_entry(crm, lead_field: str, target: str, *, actor) -> Entry:
    """Fill ``target`` (``TYPE.FIELD``) from ``lead_field`` in future conversions."""
    crm.access.require(actor, "administer")
    target_type, target_field = parse_target(target)
    registry = crm.refresh()
    source_problem = lead_field_problem(registry, lead_field)
    if source_problem:
        raise ValidationError({"lead_field": source_problem})
    target_problem = problem(registry, lead_field, target_type, target_field)
    if target_problem:
        raise ValidationError(
            {"target": msg("{target}: {problem}", target=target, problem=target_problem)}
        )
    mapping = stored(crm)
    mapping.setdefault(target_type, {})[target_field] = lead_field
    crm.set_setting(SCOPE, KEY, mapping)
    return Entry(target_type, target_field, lead_field)


def unset_entry(crm, target: str, *, actor) -> None:
    """Stop filling ``target`` (``TYPE.FIELD``) from the lead."""
    crm.access.require(actor, "administer")
    target_type, target_field = parse_target(target)
    mapping = stored(crm)
    if target_field not in mapping.get(target_type, {}):
        mapped = ", ".join(f"{target_type}.{name}" for name in mapping.get(target_type, {}))
        raise ValidationError(
            {
                "target": msg(
                    "{target} is not mapped; mapped {type} fields: {fields}",
                    target=target,
                    type=target_type,
                    fields=mapped or msg("(none)"),
                )
            }
        )
    del mapping[target_type][target_field]
    crm.set_setting(SCOPE, KEY, mapping)


def reset(crm, *, actor) -> None:
    """Go back to the default mapping."""
    crm.access.require(actor, "administer")
    crm.set_setting(SCOPE, KEY, None)


def lead_fields(registry) -> list:
    """The lead fields a mapping line may copy (custom fields too), in form order."""
    return [f for f in registry.type("lead").fields if _copyable(f)]


def target_fields(registry, target_type: str) -> list:
    """The fields of ``target_type`` a mapping line may fill, in form order (none when the
    type is not enabled)."""
    rt = registry.types.get(target_type)
    return [f for f in rt.data_fields if _fillable(target_type, f)] if rt else []


def lead_field_problem(registry, lead_field: str) -> str | None:
    field = registry.type("lead").field(lead_field)
    if field is None or field.system or lead_field in CONVERSION_FIELDS:
        choices = [f.name for f in lead_fields(registry)]
        return msg(
            "{field!r} is not a lead field that can be copied; fields: {fields}",
            field=lead_field,
            fields=", ".join(choices),
        )
    return None


def problem(registry, lead_field: str, target_type: str, target_field: str) -> str | None:
    """Why ``lead_field`` cannot fill ``target_type.target_field``, or ``None``."""
    rt = registry.types.get(target_type)
    if rt is None:
        return msg("record type {type!r} is not enabled", type=target_type)
    source = registry.type("lead").field(lead_field)
    if source is None or not _copyable(source):
        return msg("the lead has no field {field!r}", field=lead_field)
    target = rt.field(target_field)
    if target is None:
        settable = [f.name for f in target_fields(registry, target_type)]
        return msg(
            "{type} has no field {field!r}; fields: {fields}",
            type=target_type,
            field=target_field,
            fields=", ".join(settable),
        )
    if target.system or target.read_only:
        return msg("the CRM sets this field itself")
    if (target_type, target_field) in LINK_FIELDS:
        return msg("the conversion links the {field} it creates or reuses", field=target_field)
    if target.hidden:
        return msg("the field is hidden")
    return _type_problem(registry, source, target)


def _copyable(field) -> bool:
    return not field.system and field.name not in CONVERSION_FIELDS


def _fillable(target_type: str, field) -> bool:
    return (
        not field.system
        and not field.read_only
        and not field.hidden
        and (target_type, field.name) not in LINK_FIELDS
    )


def _type_problem(registry, source, target) -> str | None:
    if source.type == target.type:
        if source.picklist != target.picklist:
            return msg(
                "it uses picklist {picklist!r} and the lead field uses {lead_picklist!r}; map "
                "fields with the same picklist",
                picklist=target.picklist,
                lead_picklist=source.picklist,
            )
        if not set(source.target) <= set(target.target):
            return msg(
                "it refers to {types}; the lead field refers to {lead_types}",
                types=", ".join(target.target),
                lead_types=", ".join(source.target),
            )
        return None
    field_types = registry.field_types
    if field_types[target.type].can_take_from(field_types[source.type]):
        return None
    return msg(
        "a {lead_type} field cannot fill a {type} field",
        lead_type=source.type,
        type=target.type,
    )


def describe(crm, entry: Entry, language: str = "en") -> dict[str, Any]:
    """One line with labels, for the CLI and the admin screen."""
    registry = crm.registry
    source = registry.type("lead").field(entry.lead_field)
    rt = registry.types.get(entry.target_type)
    target = rt.field(entry.target_field) if rt else None
    return {
        "target": entry.target,
        "target_label": text(target.label, language) if target else entry.target_field,
        "lead_field": entry.lead_field,
        "lead_label": text(source.label, language) if source else entry.lead_field,
        "problem": entry.problem,
    }
