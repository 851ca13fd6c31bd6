"""Leads, their conversion into accounts, contacts and deals, and the minimal deal type.

Registers the record types ``lead`` and ``deal`` (schemas/lead.toml, schemas/deal.toml);
needs the contacts plugin (accounts, contacts and the shared picklists). Converted leads
are kept read-only and hidden from lists and search unless a filter asks for them
(``crm_default_filter``; the "Converted leads" list view does). The conversion service is
:mod:`.conversion`, its field mapping :mod:`.mapping`, the command line ``crm leads``
(:mod:`.cli`), the web pages :mod:`.web_conversion` (the lead's "Convert" button, its page
and ``POST /api/v1/lead/{id}/convert``) and :mod:`.web_mapping` (the admin screen); other
plugins learn about conversions through ``crm_lead_converted`` (:mod:`.hookspecs`).
Documentation: docs/modules/leads.md.
"""

from crm_core import hookimpl, msg
from crm_core.query import Condition
from crm_plugins.contacts.api import full_name
from crm_schemas import schema_file

from . import demo, hookspecs
from .cli import leads as leads_commands
from .conversion import MOVE_TARGETS, can_convert, converted_summary

REQUIRES = ["contacts"]
HOOKSPECS = hookspecs


@hookimpl
def crm_config_schema():
    return {
        "move_activity_to": {"type": "string", "allowed": list(MOVE_TARGETS), "default": "contact"}
    }


@hookimpl
def crm_register_record_types():
    return [schema_file("lead"), schema_file("deal")]


def read_only_reason(crm, lead) -> str:
    return msg(
        "{summary}; a converted lead cannot be changed, edit the records it became instead",
        summary=converted_summary(crm, lead),
    )


MAPPING_LINK = {
    "label": {"en": "Lead conversion mapping", "ru": "Сопоставление полей при преобразовании"},
    "url": "/admin/leads/mapping",
}


class LeadRules:
    """Converted leads are kept as they were and hidden unless asked for; a lead's page
    offers "Convert", its list the mapping screen (administrators)."""

    def validate(self, crm, old):
        """Converted leads stay as they were, whoever tries (the system and imports too)."""
        if old is not None and old.get("converted"):
            return {"_record": read_only_reason(crm, old)}
        return None

    def before_save(self, record):
        record["full_name"] = full_name(record.get("first_name"), record.get("last_name"))

    def default_filter(self):
        return Condition("converted", "ne", True)

    def list_views(self):
        return [
            {
                "name": "converted",
                "label": {"en": "Converted leads", "ru": "Преобразованные лиды"},
                "where": [Condition("converted", "eq", True)],
            }
        ]

    def permission_check(self, crm, record, action):
        """A converted lead is kept as it was: no Edit button, and edits are refused."""
        if action == "edit" and record and record.get("converted"):
            return read_only_reason(crm, record)
        return None

    def record_actions(self, crm, record, actor):
        if record.get("deleted") or not can_convert(crm, record, actor):
            return None
        return [
            {
                "label": {"en": "Convert", "ru": "Преобразовать"},
                "url": f"/leads/{record['id']}/convert",
            }
        ]

    def list_actions(self, crm, actor):
        if not crm.access.can(actor, "administer"):
            return None
        return [MAPPING_LINK]


@hookimpl
def crm_record_rules():
    return {"lead": LeadRules()}


@hookimpl
def crm_register_commands(cli):
    cli.add_command(leads_commands)


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)


@hookimpl
def crm_register_routes():
    from . import web_conversion, web_mapping

    return web_conversion.routes() + web_mapping.routes()


@hookimpl
def crm_menu_items(crm, actor):
    if not crm.access.can(actor, "administer"):
        return None
    return [{**MAPPING_LINK, "section": "admin"}]


@hookimpl
def crm_openapi_paths():
    from .web_conversion import OPENAPI_PATHS

    return OPENAPI_PATHS
