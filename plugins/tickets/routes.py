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

import bottle

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


def register(crm: CRM, app) -> None:
    gettext = app.web.gettext

    # -- the support dashboard ---------------------------------------------------------

    @app.get("/tickets/dashboard")
    def dashboard_page():
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
        return app.render(
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

    # -- split off a ticket (the linked duplicate) -------------------------------------

    @app.get("/tickets/<key>/split")
    def split_form(key: str):
        ticket = offered(key, "duplicate")
        values = {"title": ticket["title"], "description": ticket.get("description") or ""}
        return app.render("tickets/split.html", ticket=ticket, values=values, errors={})

    @app.post("/tickets/<key>/split")
    def split(key: str):
        ticket = offered(key, "duplicate")
        form = toolkit.form()
        values = {
            "title": form.get("title", "").strip(),
            "description": form.get("description", "").replace("\r\n", "\n").strip() or None,
        }
        try:
            copy = actions.duplicate(crm, ticket["id"], actor=toolkit.actor(), values=values)
        except ValidationError as exc:
            bottle.response.status = 422
            shown = {name: value or "" for name, value in values.items()}
            return app.render("tickets/split.html", ticket=ticket, values=shown, errors=exc.errors)
        toolkit.flash(
            gettext(
                "{number} was split off from {original}.",
                number=copy["number"],
                original=ticket["number"],
            )
        )
        return toolkit.redirect(f"/r/{TYPE}/{copy['id']}")

    # -- merge into another ticket -----------------------------------------------------

    def merge_page(ticket: dict[str, Any], into: str = "", error: str | None = None) -> str:
        return app.render(
            "tickets/merge.html",
            ticket=ticket,
            into=into,
            error=error,
            suggestions=_merge_suggestions(crm, ticket),
        )

    @app.get("/tickets/<key>/merge")
    def merge_form(key: str):
        return merge_page(offered(key, "merge"))

    @app.post("/tickets/<key>/merge")
    def merge(key: str):
        ticket = offered(key, "merge")
        into = toolkit.form().get("into", "").strip()
        if not into:
            error = gettext("Give the number of the ticket to keep.")
        else:
            try:
                survivor = actions.merge(crm, ticket["id"], into, actor=toolkit.actor())
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
        bottle.response.status = 422
        return merge_page(ticket, into, error)

    # -- convert to FAQ ----------------------------------------------------------------

    @app.post("/tickets/<key>/to-faq")
    def to_faq(key: str):
        ticket = ticket_of(key)
        back = f"/r/{TYPE}/{ticket['id']}"
        try:
            faq = actions.to_faq(crm, ticket["id"], actor=toolkit.actor())
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

    # -- helpers -----------------------------------------------------------------------

    def ticket_of(key: str) -> dict[str, Any]:
        return crm.records.get(TYPE, key, actor=toolkit.actor())

    def offered(key: str, action: str) -> dict[str, Any]:
        """The ticket, if ``action`` is one the user may take on it."""
        ticket = ticket_of(key)
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
