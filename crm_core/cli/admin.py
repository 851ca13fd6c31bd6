"""Administration: custom fields, picklists, users, groups, numbering, permissions, jobs."""

from __future__ import annotations

import time

import click

from ..builtin.permissions import PERMISSION_MODES
from ..schema import text
from . import State, cli, echo_json, pass_state, read_secret


@cli.group()
def fields() -> None:
    """Custom fields: add them while the CRM runs; edit, hide, show, purge."""


@fields.command("list")
@click.argument("type_name")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def fields_list(state: State, type_name: str, as_json: bool) -> None:
    """Plugin and custom fields of a record type."""
    crm = state.crm()
    listed = crm.fields.list(type_name)
    rows = [
        {
            "name": f.name,
            "type": f.type,
            "label": f.label,
            "custom": f.custom,
            "hidden": f.hidden,
            "required": f.required,
            "order": f.order,
            "system": f.system,
            "default": crm.registry.field_types[f.type].to_json(f.default, f),
        }
        for f in listed
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        origin = "custom" if row["custom"] else ("system" if row["system"] else "plugin")
        flags = " ".join(k for k in ("required", "hidden") if row[k])
        click.echo(
            f"{row['name']:<24} {row['type']:<14} {origin:<7} {text(row['label']):<26} {flags}"
        )


def _values(raw: str | None) -> list[tuple[str, str]] | None:
    if not raw:
        return None
    pairs = []
    for item in raw.split(","):
        code, sep, label = item.partition(":")
        pairs.append((code.strip(), label.strip()) if sep else ("", code.strip()))
    return pairs


@fields.command("add")
@click.argument("type_name")
@click.argument("name")
@click.option(
    "--type",
    "field_type",
    required=True,
    help="text, long_text, integer, decimal, currency, percent, date, time, datetime, boolean, email, phone, url, picklist, multipicklist, reference, owner",
)
@click.option("--label")
@click.option("--label-ru")
@click.option("--help-text", "help_text")
@click.option("--values", help="Picklist values: code:Label,code2:Label2")
@click.option("--picklist", help="Reuse an existing picklist instead of --values.")
@click.option("--target", help="Record type(s) a reference points to, comma separated.")
@click.option("--required", is_flag=True)
@click.option("--default")
@click.option("--indexed", is_flag=True)
@click.option("--searchable", is_flag=True)
@click.option("--max-length", type=int)
@click.option("--precision", type=int, help="Digits after the decimal point.")
@pass_state
def fields_add(
    state: State,
    type_name: str,
    name: str,
    field_type: str,
    label,
    label_ru,
    help_text,
    values,
    picklist,
    target,
    required,
    default,
    indexed,
    searchable,
    max_length,
    precision,
) -> None:
    """Add a custom field; running servers see it on their next request."""
    field = state.crm().fields.add(
        type_name,
        name,
        field_type,
        label=label,
        label_ru=label_ru,
        help=help_text,
        values=_values(values),
        picklist=picklist,
        target=target,
        required=required,
        default=default,
        indexed=indexed,
        searchable=searchable,
        max_length=max_length,
        precision=precision,
        actor=state.actor,
    )
    click.echo(f"added {type_name}.{field.name} ({field.type})")


@fields.command("edit")
@click.argument("type_name")
@click.argument("name")
@click.option("--label")
@click.option("--label-ru")
@click.option("--help-text", "help_text")
@click.option("--help-text-ru", "help_text_ru")
@click.option("--required/--optional", default=None)
@click.option("--default")
@click.option("--order", type=int)
@pass_state
def fields_edit(
    state: State,
    type_name,
    name,
    label,
    label_ru,
    help_text,
    help_text_ru,
    required,
    default,
    order,
) -> None:
    """Change a custom field's label, help, required, default or order (data untouched)."""
    kwargs = {"default": default} if default is not None else {}
    field = state.crm().fields.update(
        type_name,
        name,
        label=label,
        label_ru=label_ru,
        help=help_text,
        help_ru=help_text_ru,
        required=required,
        order=order,
        actor=state.actor,
        **kwargs,
    )
    click.echo(f"updated {type_name}.{field.name}")


@fields.command("hide")
@click.argument("type_name")
@click.argument("name")
@pass_state
def fields_hide(state: State, type_name: str, name: str) -> None:
    """Hide a custom field (its values are kept; `fields show` brings it back)."""
    state.crm().fields.hide(type_name, name, actor=state.actor)
    click.echo(f"hidden {type_name}.{name}")


@fields.command("show")
@click.argument("type_name")
@click.argument("name")
@pass_state
def fields_show(state: State, type_name: str, name: str) -> None:
    """Show a hidden custom field again."""
    state.crm().fields.show(type_name, name, actor=state.actor)
    click.echo(f"shown {type_name}.{name}")


@fields.command("purge")
@click.argument("type_name")
@click.argument("name")
@click.option(
    "--yes", is_flag=True, help="Confirm: the column is dropped after its values are exported."
)
@pass_state
def fields_purge(state: State, type_name: str, name: str, yes: bool) -> None:
    """Export a custom field's values to CSV in the data directory, then drop it."""
    if not yes:
        raise click.UsageError("purging drops the column; add --yes to confirm")
    path = state.crm().fields.purge(type_name, name, actor=state.actor)
    click.echo(f"values saved to {path}; field dropped")


@cli.group()
def picklist() -> None:
    """Picklist values: list, add, rename, reorder, deactivate, activate, delete."""


@picklist.command("list")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def picklist_list(state: State, name: str | None, as_json: bool) -> None:
    """All picklists, or the values of one."""
    crm = state.crm()
    if name is None:
        names = crm.picklists.names()
        if as_json:
            echo_json(names)
        else:
            for item in names:
                click.echo(item)
        return
    described = crm.picklists.describe(name)
    if as_json:
        echo_json(described)
        return
    for value in described["values"]:
        flags = " ".join(
            f
            for f, on in (
                ("inactive", not value["active"]),
                ("locked", value["locked"]),
                ("custom", value["custom"]),
            )
            if on
        )
        click.echo(
            f"{value['code']:<24} {text(value['label']):<28} {text(value['label'], 'ru'):<28} {flags}"
        )


@picklist.command("add")
@click.argument("name")
@click.argument("label")
@click.option("--label-ru")
@click.option("--code", help="Stable code (default: made from the label).")
@pass_state
def picklist_add(
    state: State, name: str, label: str, label_ru: str | None, code: str | None
) -> None:
    """Add a value to a picklist."""
    added = state.crm().picklists.add(name, label, label_ru=label_ru, code=code, actor=state.actor)
    click.echo(f"added {added['code']!r} to {name}")


@picklist.command("rename")
@click.argument("name")
@click.argument("code")
@click.option("--label")
@click.option("--label-ru")
@pass_state
def picklist_rename(
    state: State, name: str, code: str, label: str | None, label_ru: str | None
) -> None:
    """Change a value's label (records keep the code; nothing is rewritten)."""
    state.crm().picklists.rename(name, code, label=label, label_ru=label_ru, actor=state.actor)
    click.echo(f"renamed {name}.{code}")


@picklist.command("reorder")
@click.argument("name")
@click.argument("codes", nargs=-1, required=True)
@pass_state
def picklist_reorder(state: State, name: str, codes: tuple[str, ...]) -> None:
    """Put these codes first, in this order."""
    state.crm().picklists.reorder(name, list(codes), actor=state.actor)
    click.echo(f"reordered {name}")


@picklist.command("deactivate")
@click.argument("name")
@click.argument("code")
@pass_state
def picklist_deactivate(state: State, name: str, code: str) -> None:
    """Hide a value from new choices; records that have it keep it."""
    state.crm().picklists.deactivate(name, code, actor=state.actor)
    click.echo(f"deactivated {name}.{code}")


@picklist.command("activate")
@click.argument("name")
@click.argument("code")
@pass_state
def picklist_activate(state: State, name: str, code: str) -> None:
    """Offer a deactivated value again."""
    state.crm().picklists.activate(name, code, actor=state.actor)
    click.echo(f"activated {name}.{code}")


@picklist.command("delete")
@click.argument("name")
@click.argument("code")
@click.option("--replace-with", help="The value records using CODE get instead (required).")
@pass_state
def picklist_delete(state: State, name: str, code: str, replace_with: str | None) -> None:
    """Delete a value; records using it get --replace-with, in one transaction."""
    changed = state.crm().picklists.delete(name, code, replace_with=replace_with, actor=state.actor)
    click.echo(f"deleted {name}.{code}; {changed} record(s) now have {replace_with!r}")


@cli.group()
def users() -> None:
    """Staff users: add, list, set passwords, deactivate."""


@users.command("add")
@click.argument("login")
@click.option("--name", "full_name", required=True)
@click.option("--email")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True)
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False))
@pass_state
def users_add(state: State, login, full_name, email, role, language, password_file) -> None:
    """Add a user (password from --password-file, $CRM_PASSWORD or a prompt)."""
    password = read_secret(password_file, "CRM_PASSWORD", f"Password for {login}")
    user = state.crm().directory.add_user(
        login,
        full_name,
        password=password,
        email=email,
        role=role,
        language=language,
        actor=state.actor,
    )
    click.echo(f"added user {user['login']} (id {user['id']}, {user['role']})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def users_list(state: State, as_json: bool) -> None:
    """All users."""
    rows = state.crm().directory.list_users()
    if as_json:
        echo_json(rows)
        return
    for user in rows:
        status = "active" if user["active"] else "inactive"
        click.echo(
            f"{user['id']:>4} {user['login']:<20} {user['full_name']:<28} {user['role']:<6} {user['language']} {status}"
        )


@users.command("passwd")
@click.argument("login")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False))
@pass_state
def users_passwd(state: State, login: str, password_file: str | None) -> None:
    """Set a user's password (their other sessions end)."""
    password = read_secret(password_file, "CRM_PASSWORD", f"New password for {login}")
    state.crm().directory.set_password(login, password, actor=state.actor)
    click.echo(f"password of {login} changed")


@users.command("deactivate")
@click.argument("login")
@pass_state
def users_deactivate(state: State, login: str) -> None:
    """Stop a user from signing in; their records and history stay."""
    state.crm().directory.deactivate(login, actor=state.actor)
    click.echo(f"{login} deactivated")


@users.command("activate")
@click.argument("login")
@pass_state
def users_activate(state: State, login: str) -> None:
    """Let a deactivated user sign in again."""
    state.crm().directory.activate(login, actor=state.actor)
    click.echo(f"{login} activated")


@cli.group()
def groups() -> None:
    """Groups of users that records can be assigned to."""


@groups.command("add")
@click.argument("name")
@click.option("--description", default="")
@pass_state
def groups_add(state: State, name: str, description: str) -> None:
    group = state.crm().directory.add_group(name, description, actor=state.actor)
    click.echo(f"added group {group['name']} (id {group['id']})")


@groups.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def groups_list(state: State, as_json: bool) -> None:
    rows = state.crm().directory.list_groups()
    if as_json:
        echo_json(rows)
        return
    for group in rows:
        click.echo(f"{group['id']:>4} {group['name']:<24} {', '.join(group['members'])}")


@groups.command("members")
@click.argument("name")
@click.option("--add", "add", multiple=True, metavar="LOGIN")
@click.option("--remove", "remove", multiple=True, metavar="LOGIN")
@pass_state
def groups_members(state: State, name: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Show a group's members, or change them with --add / --remove."""
    directory = state.crm().directory
    group = (
        directory.set_members(name, add=list(add), remove=list(remove), actor=state.actor)
        if add or remove
        else directory.get_group(name)
    )
    click.echo(f"{group['name']}: {', '.join(group['members']) or '(no members)'}")


@cli.command()
@click.argument("type_name", required=False)
@click.option("--prefix")
@click.option("--next", "next_number", type=int)
@pass_state
def numbering(
    state: State, type_name: str | None, prefix: str | None, next_number: int | None
) -> None:
    """Show record number prefixes and counters, or change one type's."""
    crm = state.crm()
    if type_name and (prefix or next_number):
        crm.numbering.configure(
            type_name, prefix=prefix, next_number=next_number, actor=state.actor
        )
    for row in crm.numbering.settings():
        if type_name in (None, row["type"]):
            click.echo(f"{row['type']:<20} {row['prefix']:<8} next {row['next']}")


@cli.command()
@click.argument("type_name", required=False)
@click.argument("mode", required=False, type=click.Choice(PERMISSION_MODES))
@pass_state
def permissions(state: State, type_name: str | None, mode: str | None) -> None:
    """Show who may see each record type, or set a type to public or private."""
    crm = state.crm()
    if type_name and mode:
        crm.access.require(state.actor, "administer")
        crm.registry.type(type_name)
        crm.set_setting(f"type:{type_name}", "permission_mode", mode)
    for name in sorted(crm.registry.types):
        if type_name in (None, name):
            click.echo(f"{name:<20} {crm.type_setting(name, 'permission_mode', 'public')}")


@cli.group()
def jobs() -> None:
    """Durable background jobs (mail, notifications)."""


@jobs.command("status")
@pass_state
def jobs_status(state: State) -> None:
    counts = state.crm().jobs.counts()
    for name in ("pending", "running", "done", "failed"):
        click.echo(f"{name:<8} {counts.get(name, 0)}")


@jobs.command("run")
@pass_state
def jobs_run(state: State) -> None:
    """Run every due job once and exit."""
    ran = state.crm().jobs.run_pending()
    click.echo(f"ran {ran} job(s)")


@jobs.command("work")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks for new jobs.")
@pass_state
def jobs_work(state: State, poll: float) -> None:
    """Run jobs until interrupted (for `jobs = "external"` deployments)."""
    crm = state.crm(open_db=False)
    crm.jobs.mode = "thread"
    state.crm()
    crm.jobs.stop()
    crm.jobs.start(poll_seconds=poll)
    click.echo("running jobs; Ctrl+C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        crm.jobs.stop()
