"""The built-in plugins' own hooks (their HOOKSPECS), each called through pluggy: the
tickets plugin's lifecycle hooks and the leads plugin's ``crm_lead_converted``, with
implementations that take only some of the arguments."""

from hookcheck import calls_hooks, named_hooks_are_called  # noqa: F401

from crm_core import hookimpl
from crm_plugins.leads import conversion


class TicketListener:
    def __init__(self):
        self.events = []

    @hookimpl
    def crm_ticket_created(self, ticket):
        self.events.append(("created", ticket["number"]))

    @hookimpl
    def crm_ticket_status_changed(self, old_status, new_status):
        self.events.append(("status", old_status, new_status))

    @hookimpl
    def crm_ticket_assigned(self, new_owner):
        self.events.append(("assigned", new_owner))

    @hookimpl
    def crm_ticket_closed(self, ticket):
        self.events.append(("closed", ticket["solution"]))

    @hookimpl
    def crm_ticket_reopened(self):
        self.events.append(("reopened",))

    @hookimpl
    def crm_ticket_commented(self, comment, internal):
        self.events.append(("commented", comment["body"], internal))


@calls_hooks(
    "crm_ticket_created",
    "crm_ticket_status_changed",
    "crm_ticket_assigned",
    "crm_ticket_closed",
    "crm_ticket_reopened",
    "crm_ticket_commented",
)
def test_ticket_hooks_follow_a_ticket_through_its_life(make_crm):
    crm = make_crm(["contacts", "tickets"])
    crm.directory.add_user("olga", "Olga")
    listener = TicketListener()
    crm.pm.register(listener)
    ticket = crm.records.create("ticket", {"title": "Printer jams"})
    crm.records.update("ticket", ticket["id"], {"assigned_to": "olga"})
    crm.records.update("ticket", ticket["id"], {"status": "closed", "solution": "Fixed"})
    crm.records.update("ticket", ticket["id"], {"status": "open"})
    crm.comments.add("ticket", ticket["id"], "Again", internal=True)
    olga = crm.directory.actor_for("olga").ref
    assert listener.events == [
        ("created", ticket["number"]),
        ("assigned", olga),
        ("status", "open", "closed"),
        ("closed", "Fixed"),
        ("status", "closed", "open"),
        ("reopened",),
        ("commented", "Again", True),
    ]


@calls_hooks("crm_lead_converted")
def test_lead_converted_is_told_what_the_lead_became(make_crm):
    crm = make_crm(["contacts", "leads"])
    seen = []

    class Listener:
        @hookimpl
        def crm_lead_converted(self, lead, contact):
            seen.append((lead["id"], contact["id"]))

    crm.pm.register(Listener())
    lead = crm.records.create(
        "lead", {"first_name": "Ivan", "last_name": "Petrov", "company": "Acme"}
    )
    result = conversion.convert(crm, lead["id"])
    assert seen == [(lead["id"], result.contact["id"])]
