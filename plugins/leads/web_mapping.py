"""The administrators' screen for the conversion mapping (``/admin/leads/mapping``).

It lists every lead field, custom ones too, with the account, contact and deal fields it
fills; administrators add or change a line (a target field has one source, so choosing a
mapped target changes where it comes from), remove lines and go back to the defaults. A
thin wrapper around :mod:`.mapping`, which checks every line and explains a refusal.
"""

from __future__ import annotations

from typing import Any

from crm_core import ValidationError, msg
from crm_core.schema import text
from crm_web import toolkit

from . import mapping

PATH = "/admin/leads/mapping"


def routes() -> list[toolkit.Route]:
    """The mapping screen, for ``crm_register_routes``."""
    return [
        toolkit.Route("GET", PATH, mapping_page),
        toolkit.Route("POST", PATH, change_mapping),
    ]


def mapping_page():
    toolkit.require_admin()
    query = toolkit.query()
    chosen = {"lead_field": query.get("lead_field", ""), "target": query.get("target", "")}
    return render(toolkit.crm(), chosen=chosen)


def change_mapping():
    toolkit.require_admin()
    crm = toolkit.crm()
    gettext = toolkit.gettext
    form = toolkit.form()
    actor = toolkit.actor()
    action = form.get("action", "")
    chosen = {
        "lead_field": form.get("lead_field", "").strip(),
        "target": form.get("target", "").strip(),
    }
    try:
        if action == "set":
            entry = mapping.set_entry(crm, chosen["lead_field"], chosen["target"], actor=actor)
            message = gettext(
                "{target} is now filled from the lead's {lead_field}.",
                target=target_label(crm, entry.target),
                lead_field=lead_label(crm, entry.lead_field),
            )
        elif action == "unset":
            mapping.unset_entry(crm, chosen["target"], actor=actor)
            message = gettext(
                "{target} is no longer filled from the lead.",
                target=target_label(crm, chosen["target"]),
            )
        elif action == "reset":
            mapping.reset(crm, actor=actor)
            message = gettext("The default mapping applies again.")
        else:
            raise ValidationError({"action": msg("choose set, unset or reset")})
    except ValidationError as exc:
        return render(crm, chosen=chosen, errors=exc.errors, failed=action)
    toolkit.flash(message)
    return toolkit.redirect(PATH)


def render(crm, *, chosen: dict[str, str], errors=None, failed: str = "") -> str:
    errors = errors or {}
    adding = failed == "set"
    return toolkit.render_form(
        "leads/mapping.html",
        errors=errors,
        lead_plural=text(crm.registry.type("lead").plural, toolkit.language()),
        rows=lead_rows(crm),
        groups=target_groups(crm),
        is_default=mapping.is_default(crm),
        chosen=chosen,
        add_errors=errors if adding else {},
        other_errors={} if adding else errors,
    )


def lead_rows(crm) -> list[dict[str, Any]]:
    """One row per lead field with the lines that copy it; lines whose lead field no
    longer exists come last, so they can be removed."""
    language = toolkit.language()
    registry = crm.registry
    lines: dict[str, list[dict[str, Any]]] = {}
    for entry in mapping.entries(crm):
        lines.setdefault(entry.lead_field, []).append(
            {
                "target": entry.target,
                "label": target_label(crm, entry.target),
                "problem": entry.problem,
            }
        )
    rows = []
    for field in mapping.lead_fields(registry):
        if field.hidden and field.name not in lines:
            continue
        rows.append(
            {
                "name": field.name,
                "label": text(field.label, language),
                "custom": field.custom,
                "missing": False,
                "lines": lines.pop(field.name, []),
            }
        )
    for name, orphans in lines.items():
        rows.append(
            {"name": name, "label": name, "custom": False, "missing": True, "lines": orphans}
        )
    return rows


def target_groups(crm) -> list[dict[str, Any]]:
    """The fields a line may fill, per record type, each with the lead field filling it now."""
    language = toolkit.language()
    registry = crm.registry
    sources = {entry.target: entry.lead_field for entry in mapping.entries(crm)}
    groups = []
    for target_type in mapping.TARGETS:
        fields = mapping.target_fields(registry, target_type)
        if not fields:
            continue
        options = []
        for field in fields:
            value = f"{target_type}.{field.name}"
            source = sources.get(value)
            options.append(
                {
                    "value": value,
                    "label": text(field.label, language),
                    "source": lead_label(crm, source) if source else None,
                }
            )
        groups.append(
            {"label": text(registry.type(target_type).label, language), "options": options}
        )
    return groups


def target_label(crm, target: str) -> str:
    """``account.name`` → "Account › Account name" in the page's language."""
    language = toolkit.language()
    target_type, _, target_field = target.partition(".")
    rt = crm.registry.types.get(target_type)
    field = rt.field(target_field) if rt else None
    type_label = text(rt.label, language) if rt else target_type
    return f"{type_label} › {text(field.label, language) if field else target_field}"


def lead_label(crm, lead_field: str) -> str:
    field = crm.registry.type("lead").field(lead_field)
    return text(field.label, toolkit.language()) if field else lead_field
