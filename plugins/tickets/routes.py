"""The tickets plugin's own pages: the support dashboard, and the pages behind a ticket's
buttons — split off a ticket, merge into another, convert to FAQ.

Each page is a thin layer over :mod:`.dashboard` and :mod:`.actions`: it reads the form,
calls the service once, and shows the result or the error next to the form. Paths are
under ``/tickets/``; the ticket itself stays at the core's ``/r/ticket/ID``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from crm_core import Conflict, NotFound, PermissionDenied, ValidationError, msg
from crm_core.query import Condition, Or
from crm_web import toolkit

from . import actions, charts, dashboard, queues

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"
PERIODS = (7, 30, 90)
#: Dates as the core's pages write them; day labels under the columns are shorter.
DATE_FORMAT = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MERGE_SUGGESTIONS = 10


def routes() -> list[toolkit.Route]:
    """The plugin's pages, for ``crm_register_routes``."""
    return [
        toolkit.Route("GET", "/tickets/dashboard", dashboard_page),
        toolkit.Route("GET", "/tickets/<key>/split", split_form),
        toolkit.Route("POST", "/tickets/<key>/split", split),
        toolkit.Route("GET", "/tickets/<key>/merge", merge_form),
        toolkit.Route("POST", "/tickets/<key>/merge", merge),
        toolkit.Route("POST", "/tickets/<key>/to-faq", to_faq),
    ]


# -- the support dashboard -------------------------------------------------------------


def dashboard_page():
    crm = toolkit.crm()
    days = _days(toolkit.query().get("days"))
    figures = dashboard.support_dashboard(crm, actor=toolkit.actor(), days=days)
    present = toolkit.presenter()
    language = toolkit.language()
    open_codes = queues.open_statuses(crm)
    by_status = [
        {**row, "text": present.label(row["label"]), "url": _list_url(status=[row["code"]])}
        for row in figures["open_by_status"]
    ]
    by_priority = [
        {
            **row,
            "text": present.label(row["label"]),
            "url": _list_url(status=open_codes, priority=[row["code"]]),
        }
        for row in figures["open_by_priority"]
    ]
    daily = [
        {**row, "text": row["date"].strftime(DATE_FORMAT.get(language, DATE_FORMAT["en"]))}
        for row in figures["daily"]
    ]
    return toolkit.render(
        "tickets/dashboard.html",
        figures=figures,
        days=days,
        periods=PERIODS,
        tickets=crm.registry.type(TYPE),
        present=present,
        open_url=_list_url(status=open_codes),
        by_status=by_status,
        by_priority=by_priority,
        daily=daily,
        status_chart=charts.horizontal_bars([(r["text"], r["count"]) for r in by_status]),
        priority_chart=charts.horizontal_bars([(r["text"], r["count"]) for r in by_priority]),
        daily_chart=charts.grouped_columns(
            [(_day_label(r["date"], language), (r["created"], r["closed"])) for r in daily]
        ),
    )


# -- split off a ticket (the linked duplicate) -----------------------------------------


def split_form(key: str):
    ticket = _offered(key, "duplicate")
    values = {"title": ticket["title"], "description": ticket.get("description") or ""}
    return toolkit.render_form("tickets/split.html", ticket=ticket, values=values)


def split(key: str):
    ticket = _offered(key, "duplicate")
    form = toolkit.form()
    values = {
        "title": form.get("title", "").strip(),
        "description": form.get("description", "").replace("\r\n", "\n").strip() or None,
    }
    try:
        copy = actions.duplicate(toolkit.crm(), ticket["id"], actor=toolkit.actor(), values=values)
    except ValidationError as exc:
        shown = {name: value or "" for name, value in values.items()}
        return toolkit.render_form(
            "tickets/split.html", errors=exc.errors, ticket=ticket, values=shown
        )
    toolkit.flash(
        toolkit.gettext(
            "{number} was split off from {original}.",
            number=copy["number"],
            original=ticket["number"],
        )
    )
    return toolkit.redirect(f"/r/{TYPE}/{copy['id']}")


# -- merge into another ticket ---------------------------------------------------------


def merge_form(key: str):
    return _merge_page(_offered(key, "merge"))


def merge(key: str):
    ticket = _offered(key, "merge")
    into = toolkit.form().get("into", "").strip()
    gettext = toolkit.gettext
    if not into:
        error = gettext("Give the number of the ticket to keep.")
    else:
        try:
            survivor = actions.merge(toolkit.crm(), ticket["id"], into, actor=toolkit.actor())
        except NotFound:
            error = gettext("There is no ticket {number}, or you may not see it.", number=into)
        except (ValidationError, Conflict, PermissionDenied) as exc:
            error = exc.message
        else:
            toolkit.flash(
                gettext(
                    "{number} was merged into this ticket and closed.",
                    number=ticket["number"],
                )
            )
            return toolkit.redirect(f"/r/{TYPE}/{survivor['id']}")
    return _merge_page(ticket, into, error)


def _merge_page(ticket: dict[str, Any], into: str = "", error: str | None = None) -> str:
    return toolkit.render_form(
        "tickets/merge.html",
        error=error,
        ticket=ticket,
        into=into,
        suggestions=_merge_suggestions(toolkit.crm(), ticket),
    )


# -- convert to FAQ --------------------------------------------------------------------


def to_faq(key: str):
    ticket = _ticket_of(key)
    back = f"/r/{TYPE}/{ticket['id']}"
    gettext = toolkit.gettext
    try:
        faq = actions.to_faq(toolkit.crm(), ticket["id"], actor=toolkit.actor())
    except ValidationError as exc:
        message = gettext(exc.message)
        if "solution" in exc.errors:
            message = gettext("Write the solution first: it becomes the FAQ answer.")
        toolkit.flash(message, "error")
        return toolkit.redirect(back)
    except (Conflict, PermissionDenied) as exc:
        # Translated now: a flash travels in a cookie as plain text.
        toolkit.flash(gettext(exc.message), "error")
        return toolkit.redirect(back)
    toolkit.flash(
        gettext(
            "{number} was made from this ticket as a draft: check it and publish it.",
            number=faq["number"],
        )
    )
    return toolkit.redirect(f"/r/{actions.FAQ}/{faq['id']}")


# -- helpers ---------------------------------------------------------------------------


def _ticket_of(key: str) -> dict[str, Any]:
    return toolkit.crm().records.get(TYPE, key, actor=toolkit.actor())


def _offered(key: str, action: str) -> dict[str, Any]:
    """The ticket, if ``action`` is one the user may take on it."""
    crm = toolkit.crm()
    gettext = toolkit.gettext
    ticket = _ticket_of(key)
    if action == "merge" and ticket.get("merged_into"):
        target = crm.records.get(TYPE, ticket["merged_into"], include_deleted=True)
        raise Conflict(
            gettext(
                "{number} was merged into {other} already.",
                number=ticket["number"],
                other=target["number"],
            )
        )
    if action not in actions.available(crm, ticket, toolkit.actor()):
        if action == "merge":
            message = gettext(
                "You may not change {number}, so you cannot merge it.",
                number=ticket["number"],
            )
        else:
            message = gettext("You may not create tickets, so you cannot split this one.")
        raise PermissionDenied(message)
    return ticket


def _days(raw: str | None) -> int:
    if not raw:
        return dashboard.DEFAULT_DAYS
    if not raw.isdigit():
        raise ValidationError({"days": msg("must be a whole number of days, from 1 to 366")})
    return int(raw)


def _day_label(day: dt.date, language: str) -> str:
    """A short date for the axis: 05.03 in Russian, Mar 5 in English."""
    if language == "ru":
        return day.strftime("%d.%m")
    return f"{MONTHS[day.month - 1]} {day.day}"


def _list_url(**filters: list[str]) -> str:
    """The tickets list filtered like a dashboard figure (``f.status=open&f.status=…``)."""
    pairs = [(f"f.{name}", code) for name, codes in filters.items() for code in codes]
    return f"/r/{TYPE}?" + urlencode(pairs)


def _merge_suggestions(crm: CRM, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """Open tickets of the same contact or account: the likely tickets to keep."""
    party = [Condition(name, "eq", ticket[name]) for name in ("contact", "account") if ticket[name]]
    if not party:
        return []
    page = crm.records.list(
        TYPE,
        where=[
            Condition("status", "in", queues.open_statuses(crm)),
            Condition("merged_into", "empty"),
            Or(*party),
        ],
        sort="-created_at",
        limit=MERGE_SUGGESTIONS + 1,
        actor=toolkit.actor(),
    )
    return [other for other in page.records if other["id"] != ticket["id"]][:MERGE_SUGGESTIONS]
