"""``crm search``, ``crm import`` and ``crm export``."""

from __future__ import annotations

import sys

import click

from ..errors import ValidationError
from ..query import parse_expression
from ..transfer import ImportFailed
from . import State, cli, echo_json, pass_state


@cli.command()
@click.argument("words")
@click.option("--type", "types", multiple=True, help="Only these record types (repeatable).")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--reindex",
    is_flag=True,
    help="Rebuild the search index first (after making a field searchable).",
)
@pass_state
def search(
    state: State, words: str, types: tuple[str, ...], limit: int, as_json: bool, reindex: bool
) -> None:
    """Find records by number or by words (Russian and English word forms match)."""
    crm = state.crm()
    if reindex:
        click.echo(f"reindexed {crm.search.reindex()} record(s)", err=True)
    hits = crm.search.query(words, actor=state.actor, types=list(types) or None, limit=limit)
    if as_json:
        echo_json([hit.as_dict() for hit in hits])
        return
    if not hits:
        click.echo("nothing found")
    for hit in hits:
        snippet = "".join(f"[{t}]" if match else t for t, match in hit.snippet)
        click.echo(f"{hit.type:<16} {hit.number:<12} {hit.title}")
        if snippet:
            click.echo(f"    {snippet}")


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep:
            raise click.UsageError(f"--map {pair!r}: write COLUMN=FIELD (COLUMN=- ignores it)")
        mapping[column.strip()] = field.strip()
    return mapping


@cli.command("import")
@click.argument("type_name")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD")
@click.option("--dry-run", is_flag=True, help="Check every row, store nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows, report the bad ones.")
@pass_state
def import_csv(
    state: State,
    type_name: str,
    path: str,
    maps: tuple[str, ...],
    dry_run: bool,
    skip_bad_rows: bool,
) -> None:
    """Import records from a UTF-8 CSV file (all or nothing unless --skip-bad-rows)."""
    crm = state.crm()
    show_bar = sys.stderr.isatty()
    with open(path, "rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0) if show_bar else 0
    bar = click.progressbar(length=total, label="importing", file=sys.stderr) if show_bar else None
    try:
        if bar is not None:
            bar.__enter__()
        report = crm.transfer.import_file(
            type_name,
            path,
            mapping=_mapping(maps),
            dry_run=dry_run,
            skip_bad_rows=skip_bad_rows,
            actor=state.actor,
            progress=bar.update if bar is not None else None,
        )
    except ImportFailed as exc:
        _print_errors(exc.errors)
        raise
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _print_errors(report.errors)
    for line, hits in report.duplicates:
        for hit in hits:
            click.echo(
                f"line {line}: warning: looks like {hit['number']} {hit['title']} ({hit['reason']})",
                err=True,
            )
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} {report.imported} record(s)"
        + (f", skipped {report.skipped} bad row(s)" if report.skipped else "")
    )


def _print_errors(errors: list[tuple[int, dict[str, str]]]) -> None:
    for line, problems in errors:
        for field, message in problems.items():
            click.echo(f"line {line}: {field}: {message}", err=True)


@cli.command("export")
@click.argument("type_name")
@click.option("--where", "where", multiple=True, metavar="EXPR")
@click.option("--tag")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="File to write (default: standard output).",
)
@pass_state
def export_csv(
    state: State, type_name: str, where: tuple[str, ...], tag: str | None, output: str | None
) -> None:
    """Export records as CSV (what `crm import` reads back)."""
    crm = state.crm()
    try:
        conditions = [parse_expression(expr) for expr in where]
    except ValueError as exc:
        raise ValidationError({"where": str(exc)}) from None
    if output:
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = crm.transfer.export(
                type_name, out, where=conditions, actor=state.actor, tag=tag
            )
        click.echo(f"exported {count} record(s) to {output}", err=True)
    else:
        stdout = click.get_text_stream("stdout", encoding="utf-8")
        count = crm.transfer.export(type_name, stdout, where=conditions, actor=state.actor, tag=tag)
        click.echo(f"exported {count} record(s)", err=True)
