"""Help desk: tickets with SLA timers, queues and a support dashboard.

Registers the record type ``ticket`` (schemas/ticket.toml; a ``product`` field is added when
the products plugin is enabled). A closed ticket needs a solution (setting
``require_solution_to_close``). Each ticket carries SLA due times and results kept by
:mod:`.sla` on a working calendar (:mod:`.working_time`) set up in ``[plugins.tickets]``
(:mod:`.settings`). The plugin fires the ticket hooks of :mod:`.hookspecs` for other
plugins (contracts, email, portal), ships queues as list views (:mod:`.queues`), offers the
actions duplicate / merge / convert to FAQ (:mod:`.actions`), the dashboard figures
(:mod:`.dashboard`), ``crm tickets …`` commands (:mod:`.commands`) and demo tickets. On the
web it adds the SLA badges, the action buttons and the activity stream to a ticket's page
and the queues to the menu (:mod:`.ui`), and pages of its own: the dashboard and the forms
behind the buttons (:mod:`.routes`).
Documentation: docs/modules/tickets.md.
"""

from crm_core import clock, hookimpl
from crm_schemas import schema_file

from . import commands, demo, hookspecs, lifecycle, queues, ui
from .settings import CONFIG_SCHEMA

REQUIRES = ["contacts"]
HOOKSPECS = hookspecs
TYPE = "ticket"

PRODUCT_FIELD = {
    "name": "product",
    "type": "reference",
    "label": {"en": "Product", "ru": "Товар или услуга"},
    "target": "product",
    "indexed": True,
    "order": 35,  # after the contact
}


@hookimpl
def crm_config_schema():
    return CONFIG_SCHEMA


@hookimpl
def crm_register_record_types():
    return [schema_file(TYPE)]


@hookimpl
def crm_extend_record_types(types):
    if types.has("product"):
        types.add_field(TYPE, PRODUCT_FIELD)


class TicketRules:
    """A ticket's lifecycle (:mod:`.lifecycle`), its queues and its page (:mod:`.ui`)."""

    def validate(self, crm, record, old):
        return lifecycle.validate(crm, record, old)

    def before_save(self, crm, record, old):
        record.update(lifecycle.before_save(crm, record, old))

    def after_save(self, crm, record, changes, actor, created):
        lifecycle.after_save(crm, record, changes, actor, created)

    def after_comment(self, crm, record, comment, actor, created):
        if created:
            lifecycle.after_comment(crm, record, comment, actor)

    def list_views(self, crm, actor):
        return queues.list_views(crm, actor, clock.utcnow())

    def record_actions(self, crm, record, actor):
        return ui.record_actions(crm, record, actor)

    def record_panels(self, crm, record, actor):
        return ui.record_panels(crm, record, actor)


@hookimpl
def crm_record_rules():
    return {TYPE: TicketRules()}


@hookimpl
def crm_register_routes():
    from . import routes  # imports the web package, which only the web server needs

    return routes.routes()


@hookimpl
def crm_menu_items(crm, actor):
    return ui.menu_items(crm, actor)


@hookimpl
def crm_register_commands(cli):
    cli.add_command(commands.tickets)


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
