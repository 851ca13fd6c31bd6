"""Converting a lead on the web: the page behind the lead's "Convert" button
(``GET/POST /leads/<key>/convert``) and ``POST /api/v1/lead/<key>/convert``.

Both are thin wrappers around :mod:`.conversion`. The page shows one form for the account,
the contact and the deal a conversion would create, pre-filled by
:func:`~.conversion.plan`; each record's widgets are the core form's widgets, named
``TARGET.FIELD`` (``account.name``) so the three records share one form, which is also how
:func:`~.conversion.convert` names its errors, so each lands next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from crm_core import ValidationError
from crm_core.schema import RecordType
from crm_core.serialize import record_to_json
from crm_web import toolkit

from . import conversion, mapping

#: What each target's checkbox says; "reuse" when an account with the name exists.
CREATE_LABELS = {
    "account": "Create an account",
    "contact": "Create a contact",
    "deal": "Create a deal",
    "reuse": "Use the existing account",
}
#: Ticked when the page opens (the defaults of :func:`.conversion.convert`).
CREATED_BY_DEFAULT = {"account": True, "contact": True, "deal": False}
API_OPTIONS = ("account", "contact", "deal", "values", "move_to", "assigned_to")


@dataclass
class TargetField(toolkit.FormField):
    """A core form widget named ``TARGET.FIELD``."""

    target: str = ""

    @property
    def name(self) -> str:
        return f"{self.target}.{self.field.name}"


@dataclass
class TargetSection:
    """One record the conversion may create: its checkbox and its widgets. ``fields`` are
    the ones shown at once (required, list columns, filled in or wrong); ``more`` are
    folded away."""

    target: str
    rt: RecordType
    allowed: bool
    create: bool
    check_label: str
    fields: list[TargetField]
    more: list[TargetField]

    @property
    def more_open(self) -> bool:
        return any(ff.error for ff in self.more)


@dataclass
class Submission:
    """The conversion form, read back."""

    create: dict[str, bool]
    values: dict[str, dict[str, Any]]  # of the records to create, as convert() takes them
    typed: dict[str, dict[str, Any]]  # per target, exactly what was typed
    move_to: str | None
    assigned_to: str | None


def routes() -> list[toolkit.Route]:
    """The conversion page and API call, for ``crm_register_routes``."""
    return [
        toolkit.Route("GET", "/leads/<key>/convert", convert_page),
        toolkit.Route("POST", "/leads/<key>/convert", convert_submit),
        toolkit.Route("POST", "/api/v1/lead/<key>/convert", convert_api, api=True),
    ]


def convert_page(key: str):
    crm = toolkit.crm()
    actor = toolkit.actor()
    lead = crm.records.get("lead", key, actor=actor)
    conversion.refuse_unconvertible(crm, lead, actor)
    planned = conversion.plan(crm, lead["id"], actor=actor)
    allowed = creatable(crm, actor)
    return render(
        crm,
        lead,
        values=planned["values"],
        create={t: allowed[t] and CREATED_BY_DEFAULT[t] for t in mapping.TARGETS},
        existing=planned["existing_account"],
        move_to=planned["move_to"],
        assigned_to=lead["assigned_to"],
    )


def convert_submit(key: str):
    crm = toolkit.crm()
    actor = toolkit.actor()
    gettext = toolkit.gettext
    lead = crm.records.get("lead", key, actor=actor)
    submission = read_submission(crm, toolkit.form())
    try:
        result = conversion.convert(
            crm,
            lead["id"],
            create_account=submission.create["account"],
            create_contact=submission.create["contact"],
            create_deal=submission.create["deal"],
            values=submission.values,
            move_to=submission.move_to,
            assigned_to=submission.assigned_to,
            actor=actor,
        )
    except ValidationError as exc:
        typed_name = submission.typed["account"].get("name")
        return render(
            crm,
            lead,
            values={},
            create=submission.create,
            existing=conversion.existing_account(crm, typed_name, actor),
            move_to=submission.move_to,
            assigned_to=submission.assigned_to,
            typed=submission.typed,
            errors=exc.errors,
        )
    toolkit.flash(converted_message(gettext, result))
    if any(result.moved.values()):
        toolkit.flash(
            gettext(
                "Its comments, attachments and links moved to {number}.", number=result.moved_to
            )
        )
    if result.contact:
        return toolkit.redirect(f"/r/contact/{result.contact['id']}")
    return toolkit.redirect(f"/r/account/{result.account['id']}")


def convert_api(key: str):
    crm = toolkit.crm()
    options = read_api_options()
    result = conversion.convert(crm, key, **options, actor=toolkit.actor())
    return toolkit.json_response(result_json(crm, result), 201)


def creatable(crm, actor) -> dict[str, bool]:
    """Which of the records a conversion creates ``actor`` may create."""
    return {target: crm.records.can(target, None, actor, "create") for target in mapping.TARGETS}


def offered_fields(target: str, rt: RecordType) -> set[str]:
    """The fields the page offers for a target: what a person fills in, except the owner
    (one choice for all three records) and the links the conversion sets itself."""
    return {
        f.name
        for f in toolkit.editable_fields(rt)
        if f.name != "assigned_to" and (target, f.name) not in mapping.LINK_FIELDS
    }


def sections(
    crm, presenter, *, values, create, allowed, existing, typed, errors
) -> list[TargetSection]:
    result = []
    for target in mapping.TARGETS:
        rt = crm.registry.type(target)
        offered = offered_fields(target, rt)
        prefix = target + "."
        own_errors = {k[len(prefix) :]: v for k, v in errors.items() if k.startswith(prefix)}
        widgets = [
            TargetField(
                **{f.name: getattr(ff, f.name) for f in dataclass_fields(toolkit.FormField)},
                target=target,
            )
            for ff in toolkit.form_fields(
                crm,
                rt,
                presenter,
                record=values.get(target, {}),
                submitted=typed.get(target) if typed else None,
                errors=own_errors,
                creating=True,
            )
            if ff.field.name in offered
        ]
        shown = [ff for ff in widgets if stands_out(ff, rt)]
        label = CREATE_LABELS["reuse" if target == "account" and existing else target]
        result.append(
            TargetSection(
                target=target,
                rt=rt,
                allowed=allowed[target],
                create=create[target],
                check_label=label,
                fields=shown,
                more=[ff for ff in widgets if ff not in shown],
            )
        )
    return result


def stands_out(ff: toolkit.FormField, rt: RecordType) -> bool:
    """Shown at once rather than under "More fields"."""
    filled = ff.value not in ("", None, False, [])
    return ff.field.required or ff.field.name in rt.list_columns or filled or bool(ff.error)


def render(crm, lead, *, values, create, existing, move_to, assigned_to, typed=None, errors=None):
    actor = toolkit.actor()
    errors = errors or {}
    allowed = creatable(crm, actor)
    present = toolkit.presenter()
    built = sections(
        crm,
        present,
        values=values,
        create=create,
        allowed=allowed,
        existing=existing,
        typed=typed,
        errors=errors,
    )
    placed = {f"{s.target}.{ff.field.name}" for s in built for ff in s.fields + s.more}
    placed |= {f"create_{target}" for target in mapping.TARGETS} | {"move_to"}
    return toolkit.render_form(
        "leads/convert.html",
        errors=errors,
        lead=lead,
        lead_type=crm.registry.type("lead"),
        present=present,
        sections=built,
        existing=existing,
        general_errors={k: v for k, v in errors.items() if k not in placed},
        counts=activity_counts(crm, lead, actor),
        move_targets=[t for t in conversion.MOVE_TARGETS if allowed[t]],
        move_to=move_to
        or conversion.default_move_target(
            crm, create_account=create["account"], create_contact=create["contact"]
        ),
        owners=crm.directory.owner_choices(),
        assigned_to=assigned_to or "",
    )


def activity_counts(crm, lead, actor) -> dict[str, int]:
    """What the conversion moves from the lead: comments, attachments, links."""
    links = sum(
        len(crm.records.linked_ids("lead", lead["id"], end.name))
        for end in crm.registry.relation_ends("lead")
    )
    return {
        "comments": len(crm.comments.list("lead", lead["id"], actor=actor)),
        "attachments": len(crm.attachments.list("lead", lead["id"], actor=actor)),
        "links": links,
    }


def read_submission(crm, form) -> Submission:
    presenter = toolkit.presenter()
    create = {target: form.get(f"create_{target}") == "on" for target in mapping.TARGETS}
    values, typed = {}, {}
    for target in mapping.TARGETS:
        rt = crm.registry.type(target)
        part = toolkit.sub_form(form, target)
        typed[target] = toolkit.submitted_text(rt, part)
        if create[target]:
            offered = offered_fields(target, rt)
            read = toolkit.read_form(rt, part, presenter)
            values[target] = {name: value for name, value in read.items() if name in offered}
    move_to = form.get("move_to") or None
    if move_to in create and not create[move_to]:
        move_to = None  # the radio button was left on a record now unticked: the default
    return Submission(
        create=create,
        values=values,
        typed=typed,
        move_to=move_to,
        assigned_to=form.get("assigned_to") or None,
    )


def converted_message(gettext, result: conversion.Conversion) -> str:
    made = []
    if result.account:
        message = "the existing account {number}" if result.account_reused else "account {number}"
        made.append(gettext(message, number=result.account["number"]))
    if result.contact:
        made.append(gettext("contact {number}", number=result.contact["number"]))
    if result.deal:
        made.append(gettext("deal {number}", number=result.deal["number"]))
    return gettext(
        "{lead} was converted into {records}.", lead=result.lead["number"], records=", ".join(made)
    )


def read_api_options() -> dict[str, Any]:
    """The JSON body of the API call as :func:`.conversion.convert` options."""
    data = toolkit.json_body()
    errors = {
        key: f"unknown option; allowed: {', '.join(API_OPTIONS)}"
        for key in data
        if key not in API_OPTIONS
    }
    for key in ("account", "contact", "deal"):
        if key in data and not isinstance(data[key], bool):
            errors[key] = "must be true or false"
    values = data.get("values")
    values = {} if values is None else values
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        errors["values"] = (
            'must be an object of field values per record, e.g. {"deal": {"amount": 5000}}'
        )
    for key in ("move_to", "assigned_to"):
        if data.get(key) is not None and not isinstance(data[key], str):
            errors[key] = "must be text"
    if errors:
        raise ValidationError(errors)
    return {
        "create_account": data.get("account", True),
        "create_contact": data.get("contact", True),
        "create_deal": data.get("deal", "deal" in values),
        "values": values,
        "move_to": data.get("move_to"),
        "assigned_to": data.get("assigned_to"),
    }


def result_json(crm, result: conversion.Conversion) -> dict[str, Any]:
    """What the API answers: the lead as stored now and the records it became, each as
    ``GET /api/v1/TYPE/ID`` shows it (``null`` for those not created)."""

    def as_json(type_name: str, record: dict[str, Any] | None) -> dict[str, Any] | None:
        if record is None:
            return None
        return record_to_json(crm.registry, crm.registry.type(type_name), record)

    return {
        "lead": as_json("lead", result.lead),
        "account": as_json("account", result.account),
        "account_reused": result.account_reused,
        "contact": as_json("contact", result.contact),
        "deal": as_json("deal", result.deal),
        "moved_to": result.moved_to,
        "moved": dict(result.moved),
    }


OPENAPI_PATHS = {
    "/api/v1/lead/{key}/convert": {
        "parameters": [
            {
                "name": "key",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "lead id or number",
            }
        ],
        "post": {
            "tags": ["Leads"],
            "summary": "Convert a lead into an account, a contact and optionally a deal",
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "account": {"type": "boolean"},
                                "contact": {"type": "boolean"},
                                "deal": {"type": "boolean"},
                                "values": {
                                    "type": "object",
                                    "description": "field values per target: account, contact, deal",
                                },
                                "move_to": {
                                    "type": "string",
                                    "enum": list(conversion.MOVE_TARGETS),
                                },
                                "assigned_to": {"type": "string"},
                            },
                            "additionalProperties": False,
                        }
                    }
                }
            },
            "responses": {
                "201": {"description": "Converted: the lead and the records created or reused"},
                "409": {"description": "The lead was converted already"},
                "422": {"description": "Invalid values; fields name the target and field"},
            },
        },
    }
}
