"""What the tickets plugin adds to the core's pages: the dashboard and the queues on the
tickets menu, and on a ticket's detail page the action buttons, the SLA badges and the
activity stream.

Each function returns the plain data a core hook asks for (menu entries, buttons, panels
naming a template of ``templates/tickets/``); the pages behind the buttons are in
:mod:`.routes`. Nothing here imports the web package, so the command line never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_core import clock
from crm_core.actors import Actor

from . import actions, activity, queues, sla
from .settings import policy

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"
DASHBOARD_URL = "/tickets/dashboard"
DASHBOARD_LABEL = {"en": "Support dashboard", "ru": "Панель поддержки"}

#: The buttons of a ticket, by the name :func:`.actions.available` gives each action.
#: The copy made by the core's own "Duplicate" button is not linked back; this one is, so
#: it takes that button's place.
BUTTONS: dict[str, dict[str, Any]] = {
    "duplicate": {
        "label": {"en": "Split off a ticket", "ru": "Выделить заявку"},
        "url": "/tickets/{id}/split",
        "replaces": "duplicate",
    },
    "merge": {
        "label": {"en": "Merge into…", "ru": "Объединить с…"},
        "url": "/tickets/{id}/merge",
    },
    "to_faq": {
        "label": {"en": "Convert to FAQ", "ru": "Создать статью FAQ"},
        "url": "/tickets/{id}/to-faq",
        "method": "post",
        "confirm": {
            "en": "Make a draft FAQ entry from this ticket's solution and public comments?",
            "ru": "Создать черновик статьи FAQ из решения и публичных комментариев заявки?",
        },
    },
}


def menu_items(crm: CRM, actor: Actor) -> list[dict[str, Any]]:
    """The dashboard, then the queues, under Tickets in the menu."""
    items = [{"label": DASHBOARD_LABEL, "url": DASHBOARD_URL, "section": TYPE, "order": 10}]
    for order, view in enumerate(queues.list_views(crm, actor, clock.utcnow()), start=20):
        items.append(
            {
                "label": view["label"],
                "url": f"/r/{TYPE}?view={view['name']}",
                "section": TYPE,
                "order": order,
            }
        )
    return items


def record_actions(crm: CRM, ticket: dict[str, Any], actor: Actor) -> list[dict[str, Any]]:
    """Buttons for the actions ``actor`` may take on ``ticket`` (the FAQ one only while the
    FAQ plugin is enabled and the actor may create FAQ entries)."""
    offered = actions.available(crm, ticket, actor)
    return [
        {**button, "url": button["url"].format(id=ticket["id"])}
        for name, button in BUTTONS.items()
        if name in offered
    ]


def record_panels(crm: CRM, ticket: dict[str, Any], actor: Actor) -> list[dict[str, Any]]:
    """The SLA badges and the activity stream. Their templates are included in the core's
    detail page, whose context (``record``, ``rt``, ``present``) they use."""
    return [
        {
            "title": {"en": "SLA timers", "ru": "Сроки SLA"},
            "template": "tickets/sla_panel.html",
            "position": "top",
            "timers": sla_timers(crm, ticket),
        },
        {
            "title": {"en": "Activity", "ru": "Ход работы"},
            "template": "tickets/activity_panel.html",
            "stream": activity.stream(crm, ticket, actor),
        },
    ]


def sla_timers(crm: CRM, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target's clock (see :func:`.sla.clock_state`) with its ``name``:
    ``first_response`` and ``resolution``."""
    state = sla.clock_state(ticket, policy(crm), clock.utcnow())
    return [{"name": name, **state[name]} for name in ("first_response", "resolution")]
