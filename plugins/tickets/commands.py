"""``crm tickets …``: the ticket actions, SLA timers, queues and dashboard on the command
line. Each command calls the same service the web UI uses; ``--as LOGIN`` acts as a user."""

from __future__ import annotations

import click

from crm_core import clock
from crm_core.cli import echo_json, parse_assignments
from crm_core.schema import text
from crm_core.serialize import record_to_json

from . import actions, dashboard, queues, sla
from .settings import policy

TYPE = "ticket"


@click.group()
def tickets() -> None:
    """Help desk: duplicate, merge, convert to FAQ, SLA timers, queues, dashboard."""


@tickets.command("duplicate")
@click.argument("key")
@click.argument("values", nargs=-1)
@click.pass_obj
def duplicate_command(state, key: str, values: tuple[str, ...]) -> None:
    """Copy a ticket into a new one (to split it): crm tickets duplicate TT5 title="Part 2" """
    crm = state.crm()
    created = actions.duplicate(crm, key, actor=state.actor, values=parse_assignments(values))
    original = crm.records.get(TYPE, created["duplicate_of"])
    click.echo(f"created {created['number']} (copy of {original['number']})")


@tickets.command("merge")
@click.argument("key")
@click.option("--into", "into", required=True, metavar="TICKET", help="The ticket that stays.")
@click.pass_obj
def merge_command(state, key: str, into: str) -> None:
    """Merge a duplicate ticket into another: crm tickets merge TT7 --into TT5"""
    crm = state.crm()
    merged = crm.records.get(TYPE, key, actor=state.actor)
    survivor = actions.merge(crm, key, into, actor=state.actor)
    click.echo(f"merged {merged['number']} into {survivor['number']}; {merged['number']} is closed")


@tickets.command("to-faq")
@click.argument("key")
@click.pass_obj
def to_faq_command(state, key: str) -> None:
    """Make a draft FAQ entry from a solved ticket."""
    faq = actions.to_faq(state.crm(), key, actor=state.actor)
    click.echo(f"created {faq['number']} (draft): {faq['question']}")


@tickets.command("sla")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def sla_command(state, key: str, as_json: bool) -> None:
    """SLA timers of one ticket: due times, state, working time left."""
    crm = state.crm()
    ticket = crm.records.get(TYPE, key, actor=state.actor)
    timers = sla.clock_state(ticket, policy(crm), clock.utcnow())
    if as_json:
        echo_json(timers)
        return
    click.echo(f"{ticket['number']} {ticket['title']}")
    if timers["stopped_since"]:
        click.echo(f"  clock stopped since {timers['stopped_since']:%Y-%m-%d %H:%M} UTC")
    for name in ("first_response", "resolution"):
        part = timers[name]
        due = f"due {part['due']:%Y-%m-%d %H:%M} UTC" if part["due"] else "no target"
        left = part["remaining_minutes"]
        extra = f", {left} working min left" if left is not None and left >= 0 else ""
        extra = f", {-left} working min late" if left is not None and left < 0 else extra
        took = f", took {part['minutes']} working min" if part["minutes"] is not None else ""
        click.echo(f"  {name.replace('_', ' ')}: {part['state']} ({due}{extra}{took})")


@tickets.command("dashboard")
@click.option("--days", default=dashboard.DEFAULT_DAYS, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def dashboard_command(state, days: int, as_json: bool) -> None:
    """Open tickets by status and priority, overdue, created/closed per day, medians."""
    figures = dashboard.support_dashboard(state.crm(), actor=state.actor, days=days)
    if as_json:
        echo_json(figures)
        return
    click.echo(f"open tickets: {figures['open_total']}, overdue: {figures['overdue']}")
    for title, key in (("by status", "open_by_status"), ("by priority", "open_by_priority")):
        parts = ", ".join(f"{text(row['label'])} {row['count']}" for row in figures[key])
        click.echo(f"  {title}: {parts}")
    for name in ("first_response", "resolution"):
        median = figures[f"median_{name}_minutes"]
        shown = "-" if median is None else f"{median:g} working min"
        click.echo(
            f"median {name.replace('_', ' ')} time since {figures['since']:%Y-%m-%d}: {shown}"
        )
    click.echo("day         created  closed")
    for row in figures["daily"]:
        click.echo(f"{row['date']}  {row['created']:>7}  {row['closed']:>6}")


@tickets.command("queue")
@click.argument("name", required=False)
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def queue_command(state, name: str | None, limit: int, as_json: bool) -> None:
    """The tickets of a queue (my_open, overdue, ...); without a name, the queues."""
    crm = state.crm()
    now = clock.utcnow()
    if name is None:
        for view in queues.list_views(crm, state.actor, now):
            click.echo(f"{view['name']:<16} {text(view['label'])}")
        return
    view = queues.view(crm, name, state.actor, now)
    _print_tickets(crm, view["where"], view.get("sort"), limit, state.actor, as_json)


@tickets.command("due")
@click.argument("hours", type=float)
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def due_command(state, hours: float, limit: int, as_json: bool) -> None:
    """Open tickets falling due within HOURS (a response or the resolution)."""
    crm = state.crm()
    where = queues.due_within(crm, hours, clock.utcnow())
    _print_tickets(crm, where, "resolution_due", limit, state.actor, as_json)


def _print_tickets(crm, where, sort, limit, actor, as_json: bool) -> None:
    page = crm.records.list(TYPE, where=where, sort=sort, limit=limit, actor=actor)
    rt = crm.registry.type(TYPE)
    if as_json:
        echo_json([record_to_json(crm.registry, rt, record) for record in page.records])
        return
    status = crm.registry.picklist("ticket_status")
    priority = crm.registry.picklist("ticket_priority")
    for record in page.records:
        due = record["resolution_due"]
        click.echo(
            f"{record['number']:<8} {status.label_for(record['status']):<18} "
            f"{priority.label_for(record['priority']):<8} "
            f"{f'{due:%Y-%m-%d %H:%M}' if due else '-':<16} {record['title']}"
        )
    if not page.records:
        click.echo("no tickets")
