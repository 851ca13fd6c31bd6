"""``crm demo`` (sample data from every enabled plugin) and ``crm serve`` (the web UI)."""

from __future__ import annotations

import click

from ..actors import SYSTEM
from . import State, cli, pass_state

DEMO_MARK = ("core", "demo_loaded")


def load_demo(crm) -> None:
    """Ask every enabled plugin for its demo records, dependencies first; only once."""
    if crm.registry.settings.get(DEMO_MARK):
        click.echo("demo data is loaded already")
        return
    for plugin, _ in crm.call_in_order("crm_demo_data", crm=crm, actor=SYSTEM):
        click.echo(f"demo data: {plugin}")
    crm.set_setting(*DEMO_MARK, True)


@cli.command()
@pass_state
def demo(state: State) -> None:
    """Load realistic sample records (Russian and English) for every enabled plugin."""
    load_demo(state.crm())
