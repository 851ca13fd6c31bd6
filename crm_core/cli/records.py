"""``crm init``, ``check``, ``db upgrade``, ``plugins``, ``types`` and ``records …``."""

from __future__ import annotations

import click

from ..errors import ValidationError
from ..plugins import hooks_of
from ..query import every, parse_expression, with_default
from ..schema import text
from ..serialize import record_to_json
from . import State, cli, echo_json, parse_assignments, pass_state, read_secret


@cli.command()
@click.option(
    "--admin",
    "admin_login",
    default="admin",
    show_default=True,
    help="Login of the first administrator.",
)
@click.option("--admin-name", default="Administrator", show_default=True)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False),
    help="File whose first line is the admin password.",
)
@click.option("--demo", is_flag=True, help="Also load demo data (as `crm demo`).")
@pass_state
def init(
    state: State, admin_login: str, admin_name: str, password_file: str | None, demo: bool
) -> None:
    """Create the data directory, the database and the first administrator.

    The password comes from --password-file, $CRM_ADMIN_PASSWORD or a prompt; never from
    the command line. Running it again is harmless: what exists is kept.
    """
    crm = state.crm()
    click.echo(f"data directory: {crm.data_dir}")
    click.echo(f"database: {_display_url(crm.config.database_url)}")
    if any(u["role"] == "admin" for u in crm.directory.list_users()):
        click.echo("an administrator exists already; nothing to create")
    else:
        password = read_secret(password_file, "CRM_ADMIN_PASSWORD", f"Password for {admin_login}")
        crm.directory.add_user(admin_login, admin_name, password=password, role="admin")
        click.echo(f"administrator {admin_login!r} created")
    if demo:
        from .serve import load_demo

        load_demo(crm)


def _display_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':')[0]}:***@{host}" if ":" in credentials else url
    return url


@cli.command()
@pass_state
def check(state: State) -> None:
    """Check plugins.toml, the plugins and every record-type definition (no database)."""
    crm = state.crm(open_db=False)
    types = crm.base.types
    click.echo(
        f"ok: {crm.config.path}: {len(crm.plugins)} plugin(s) enabled "
        f"({', '.join(p.name for p in crm.plugins) or 'none'}), {len(types)} record type(s)"
    )


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: State) -> None:
    """Bring the database schema up to the enabled plugins (additive: never drops)."""
    crm = state.crm()
    click.echo(f"database schema is up to date ({len(crm.registry.types)} record types)")


@db.command("analyze")
@pass_state
def db_analyze(state: State) -> None:
    """Refresh the statistics the database plans queries with (after loading much data)."""
    state.crm().analyze()
    click.echo("statistics refreshed")


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_plugins(state: State, as_json: bool) -> None:
    """Every plugin found: name, version, enabled, origin, record types and hooks."""
    crm = state.crm(open_db=False)
    rows = []
    for name, info in sorted(crm.available.items()):
        enabled = next((p for p in crm.plugins if p.name == name), None)
        types = sorted(rt.name for rt in crm.base.types.values() if rt.plugin == name)
        rows.append(
            {
                "name": name,
                "version": info.version,
                "enabled": enabled is not None,
                "origin": info.origin,
                "location": (enabled or info).location,
                "requires": enabled.requires if enabled else [],
                "record_types": types,
                "hooks": hooks_of(crm.pm, name) if enabled else [],
            }
        )
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        mark = "enabled " if row["enabled"] else "disabled"
        click.echo(f"{row['name']:<14} {row['version']:<10} {mark} {row['origin']}")
        if row["enabled"]:
            click.echo(f"    location: {row['location']}")
            if row["requires"]:
                click.echo(f"    requires: {', '.join(row['requires'])}")
            click.echo(f"    record types: {', '.join(row['record_types']) or '-'}")
            click.echo(f"    hooks: {', '.join(row['hooks']) or '-'}")


@cli.command("types")
@click.argument("type_name", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_types(state: State, type_name: str | None, as_json: bool) -> None:
    """Record types, or the fields of one type."""
    crm = state.crm()
    registry = crm.registry
    if type_name is None:
        rows = [
            {
                "name": rt.name,
                "label": rt.label,
                "prefix": rt.number_prefix,
                "plugin": rt.plugin,
                "fields": len(rt.fields),
            }
            for rt in sorted(registry.types.values(), key=lambda t: t.name)
        ]
        if as_json:
            echo_json(rows)
            return
        for row in rows:
            click.echo(
                f"{row['name']:<18} {row['prefix']:<8} {text(row['label']):<22} plugin {row['plugin']}"
            )
        return
    rt = registry.type(type_name)
    fields = [_field_row(registry, f) for f in rt.fields]
    if as_json:
        echo_json(
            {
                "name": rt.name,
                "label": rt.label,
                "plural": rt.plural,
                "prefix": rt.number_prefix,
                "title_field": rt.title_field,
                "fields": fields,
                "relations": [
                    {"name": e.name, "target": e.other_type}
                    for e in registry.relation_ends(rt.name)
                ],
            }
        )
        return
    click.echo(
        f"{rt.name} ({text(rt.label)} / {text(rt.label, 'ru')}), numbers {rt.number_prefix}…"
    )
    for row in fields:
        flags = [
            k
            for k in (
                "required",
                "unique",
                "indexed",
                "searchable",
                "read_only",
                "hidden",
                "custom",
            )
            if row[k]
        ]
        extra = f" picklist={row['picklist']}" if row["picklist"] else ""
        extra += f" target={','.join(row['target'])}" if row["target"] else ""
        click.echo(
            f"  {row['name']:<22} {row['type']:<14} {text(row['label']):<24} {' '.join(flags)}{extra}"
        )
    for end in registry.relation_ends(rt.name):
        click.echo(f"  relation {end.name} -> {end.other_type}")


def _field_row(registry, f) -> dict:
    return {
        "name": f.name,
        "type": f.type,
        "label": f.label,
        "required": f.required,
        "unique": f.unique,
        "indexed": f.indexed,
        "searchable": f.searchable,
        "read_only": f.read_only,
        "hidden": f.hidden,
        "custom": f.custom,
        "picklist": f.picklist,
        "target": list(f.target),
        "default": registry.field_types[f.type].to_json(f.default, f),
    }


@cli.group()
def records() -> None:
    """Create, read, change and delete records of any type."""


def _print_record(state: State, type_name: str, record: dict, as_json: bool) -> None:
    crm = state.crm()
    rt = crm.registry.type(type_name)
    data = record_to_json(crm.registry, rt, record)
    if as_json:
        echo_json(data)
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        if value not in (None, [], ""):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            click.echo(f"{key:<{width}}  {shown}")


@records.command("create")
@click.argument("type_name")
@click.argument("values", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def records_create(state: State, type_name: str, values: tuple[str, ...], as_json: bool) -> None:
    """Create a record: crm records create ticket title="Printer jams" priority=high"""
    crm = state.crm()
    record = crm.records.create(type_name, parse_assignments(values), actor=state.actor)
    if as_json:
        _print_record(state, type_name, record, True)
    else:
        click.echo(f"created {record['number']} (id {record['id']})")


@records.command("get")
@click.argument("type_name")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def records_get(state: State, type_name: str, key: str, as_json: bool) -> None:
    """Show one record, by id or number."""
    record = state.crm().records.get(type_name, key, actor=state.actor)
    _print_record(state, type_name, record, as_json)


@records.command("list")
@click.argument("type_name")
@click.option(
    "--where",
    "where",
    multiple=True,
    metavar="EXPR",
    help="FIELD=VALUE, FIELD>VALUE, FIELD~TEXT … (repeatable)",
)
@click.option(
    "--sort", default=None, help="Field to sort by; -field for descending (default -modified_at)."
)
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--cursor", default=None, help="Continue from a previous page's cursor.")
@click.option("--tag", default=None)
@click.option("--deleted", is_flag=True, help="List the recycle bin.")
@click.option(
    "--all", "show_all", is_flag=True, help="Include records hidden by default (converted leads)."
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def records_list(
    state: State,
    type_name: str,
    where: tuple[str, ...],
    sort: str | None,
    limit: int,
    cursor: str | None,
    tag: str | None,
    deleted: bool,
    show_all: bool,
    as_json: bool,
) -> None:
    """List records with filters; prints the cursor of the next page when there is one."""
    crm = state.crm()
    try:
        conditions = every(*(parse_expression(expr) for expr in where))
    except ValueError as exc:
        raise ValidationError({"where": str(exc)}) from None
    if not show_all:
        conditions = with_default(conditions, crm.records.default_filter(type_name))
    page = crm.records.list(
        type_name,
        where=conditions,
        sort=sort,
        limit=limit,
        cursor=cursor,
        actor=state.actor,
        tag=tag,
        deleted=deleted,
    )
    rt = crm.registry.type(type_name)
    if as_json:
        echo_json(
            {
                "records": [record_to_json(crm.registry, rt, r) for r in page.records],
                "next_cursor": page.next_cursor,
                "prev_cursor": page.prev_cursor,
            }
        )
        return
    columns = [c for c in rt.list_columns if rt.has_field(c)]
    rows = [[_cell(crm, rt, c, r) for c in columns] for r in page.records]
    widths = [min(40, max([len(c)] + [len(row[i]) for row in rows])) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)))
    if page.next_cursor:
        click.echo(f"next page: --cursor {page.next_cursor}")


def _cell(crm, rt, name: str, record: dict) -> str:
    field = rt.field(name)
    value = record.get(name)
    if field.picklist and isinstance(value, str):  # a picklist's code shown by its label
        return crm.registry.picklist(field.picklist).label_for(value)
    return crm.registry.field_types[field.type].to_text(value, field).replace("\n", " ")


@records.command("update")
@click.argument("type_name")
@click.argument("key")
@click.argument("values", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def records_update(
    state: State, type_name: str, key: str, values: tuple[str, ...], as_json: bool
) -> None:
    """Change fields of a record: crm records update ticket TT5 status=closed"""
    record = state.crm().records.update(
        type_name, key, parse_assignments(values), actor=state.actor
    )
    if as_json:
        _print_record(state, type_name, record, True)
    else:
        click.echo(f"updated {record['number']}")


@records.command("delete")
@click.argument("type_name")
@click.argument("key")
@pass_state
def records_delete(state: State, type_name: str, key: str) -> None:
    """Move a record to the recycle bin."""
    record = state.crm().records.delete(type_name, key, actor=state.actor)
    click.echo(
        f"deleted {record['number']} (restore with: crm records restore {type_name} {record['id']})"
    )


@records.command("restore")
@click.argument("type_name")
@click.argument("key")
@pass_state
def records_restore(state: State, type_name: str, key: str) -> None:
    """Bring a record back from the recycle bin."""
    record = state.crm().records.restore(type_name, key, actor=state.actor)
    click.echo(f"restored {record['number']}")


@records.command("purge")
@click.argument("type_name")
@click.argument("key")
@click.option("--yes", is_flag=True, help="Confirm: the record is removed for good.")
@pass_state
def records_purge(state: State, type_name: str, key: str, yes: bool) -> None:
    """Remove a deleted record for good (administrators)."""
    if not yes:
        raise click.UsageError("purging cannot be undone; add --yes to confirm")
    state.crm().records.purge(type_name, key, actor=state.actor)
    click.echo("purged")


@records.command("history")
@click.argument("type_name")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def records_history(state: State, type_name: str, key: str, as_json: bool) -> None:
    """Change history of a record (newest first)."""
    crm = state.crm()
    record = crm.records.get(type_name, key, actor=state.actor, include_deleted=True)
    entries = crm.records.history(type_name, record["id"], actor=state.actor)
    if as_json:
        echo_json(entries)
        return
    names = crm.directory.owner_names([e["actor"] for e in entries])
    for entry in entries:
        who = names.get(entry["actor"], "system")
        note = f" ({entry['note']})" if entry["note"] else ""
        click.echo(f"{entry['at']:%Y-%m-%d %H:%M} {who}: {entry['kind']}{note}")
        for name, (old, new) in entry["changes"].items():
            click.echo(f"    {name}: {old!r} -> {new!r}")


@records.command("link")
@click.argument("type_name")
@click.argument("key")
@click.argument("relation")
@click.argument("other")
@pass_state
def records_link(state: State, type_name: str, key: str, relation: str, other: str) -> None:
    """Link two records: crm records link service_contract SERCON1 tickets TT5"""
    state.crm().records.link(type_name, key, relation, other, actor=state.actor)
    click.echo("linked")


@records.command("unlink")
@click.argument("type_name")
@click.argument("key")
@click.argument("relation")
@click.argument("other")
@pass_state
def records_unlink(state: State, type_name: str, key: str, relation: str, other: str) -> None:
    """Unlink two records."""
    state.crm().records.unlink(type_name, key, relation, other, actor=state.actor)
    click.echo("unlinked")
