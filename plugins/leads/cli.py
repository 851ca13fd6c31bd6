"""``crm leads convert`` and ``crm leads mapping``: the conversion and its field mapping
from the command line (thin wrappers around :mod:`.conversion` and :mod:`.mapping`)."""

from __future__ import annotations

import click

from crm_core.cli import echo_json, pass_state

from . import conversion, mapping


@click.group()
def leads() -> None:
    """Convert leads; view and edit the conversion's field mapping."""


@leads.command("convert")
@click.argument("lead")
@click.option("--no-account", is_flag=True, help="Do not create (or reuse) an account.")
@click.option("--no-contact", is_flag=True, help="Do not create a contact.")
@click.option("--deal", "create_deal", is_flag=True, help="Also create a deal.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="TYPE.FIELD=VALUE",
    help="A value for a created record, e.g. --set deal.amount=50000 (a deal.* value "
    "implies --deal). Repeatable.",
)
@click.option(
    "--move-to",
    type=click.Choice(conversion.MOVE_TARGETS),
    help="Where the lead's comments, attachments and links go (default: the contact).",
)
@click.option(
    "--assign-to", metavar="OWNER", help="Owner of the new records (default: the lead's)."
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def convert(
    state,
    lead: str,
    no_account: bool,
    no_contact: bool,
    create_deal: bool,
    assignments: tuple[str, ...],
    move_to: str | None,
    assign_to: str | None,
    as_json: bool,
) -> None:
    """Convert LEAD (number or id) into an account, a contact and optionally a deal."""
    values = _target_values(assignments)
    result = conversion.convert(
        state.crm(),
        lead,
        create_account=not no_account,
        create_contact=not no_contact,
        create_deal=create_deal or "deal" in values,
        values=values,
        move_to=move_to,
        assigned_to=assign_to,
        actor=state.actor,
    )
    if as_json:
        echo_json(result.as_dict())
        return
    made = []
    if result.account:
        reused = " (existing account, reused)" if result.account_reused else ""
        made.append(f"account {result.account['number']}{reused}")
    if result.contact:
        made.append(f"contact {result.contact['number']}")
    if result.deal:
        made.append(f"deal {result.deal['number']}")
    click.echo(f"converted {result.lead['number']} into {', '.join(made)}")
    moved = ", ".join(f"{count} {name}" for name, count in result.moved.items() if count)
    if moved:
        click.echo(f"moved to {result.moved_to}: {moved}")


def _target_values(assignments: tuple[str, ...]) -> dict[str, dict[str, str | None]]:
    values: dict[str, dict[str, str | None]] = {}
    for assignment in assignments:
        target, sep, value = assignment.partition("=")
        if not sep:
            raise click.UsageError(f"--set {assignment!r}: write TYPE.FIELD=VALUE")
        target_type, target_field = mapping.parse_target(target)
        values.setdefault(target_type, {})[target_field] = value or None
    return values


@leads.group("mapping", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def mapping_group(ctx: click.Context, as_json: bool) -> None:
    """Show the conversion's field mapping (target field ← lead field).

    Change it with `set`, `unset` and `reset`; changes apply to later conversions.
    """
    if ctx.invoked_subcommand is not None:
        return
    crm = ctx.obj.crm()
    rows = [mapping.describe(crm, entry) for entry in mapping.entries(crm)]
    if as_json:
        echo_json(rows)
        return
    origin = "default" if mapping.is_default(crm) else "changed by an administrator"
    click.echo(f"lead conversion mapping ({origin}):")
    width = max((len(row["target"]) for row in rows), default=10)
    for row in rows:
        line = f"  {row['target']:<{width}}  ← {row['lead_field']}"
        line += f"  ({row['target_label']} ← {row['lead_label']})"
        if row["problem"]:
            line += f"  SKIPPED: {row['problem']}"
        click.echo(line)


@mapping_group.command("set")
@click.argument("lead_field")
@click.argument("target")
@pass_state
def mapping_set(state, lead_field: str, target: str) -> None:
    """Fill TARGET (TYPE.FIELD, e.g. deal.cf_budget) from LEAD_FIELD (e.g. cf_budget)."""
    entry = mapping.set_entry(state.crm(), lead_field, target, actor=state.actor)
    click.echo(f"{entry.target} ← {entry.lead_field}")


@mapping_group.command("unset")
@click.argument("target")
@pass_state
def mapping_unset(state, target: str) -> None:
    """Stop filling TARGET (TYPE.FIELD) from the lead."""
    mapping.unset_entry(state.crm(), target, actor=state.actor)
    click.echo(f"{target} is no longer filled from the lead")


@mapping_group.command("reset")
@pass_state
def mapping_reset(state) -> None:
    """Go back to the default mapping."""
    mapping.reset(state.crm(), actor=state.actor)
    click.echo("the default mapping applies again")
