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


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Processes (more than 1 runs gunicorn).",
)
@pass_state
def serve(state: State, host: str, port: int, threads: int, workers: int) -> None:
    """Run the web UI and JSON API on a multi-threaded WSGI server (waitress)."""
    if workers > 1:
        _serve_gunicorn(state, host, port, threads, workers)
        return
    import waitress

    from crm_web.app import create_app

    crm = state.crm(open_db=False)
    crm.jobs.mode = crm.config.jobs_mode
    state.crm()
    app = create_app(crm, debug=state.debug)
    click.echo(f"CRM on http://{host}:{port}/ ({threads} threads); Ctrl+C stops it")
    try:
        waitress.serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="crm",
            max_request_body_size=crm.config.max_upload_bytes + 1024 * 1024,
        )
    finally:
        crm.close()


def _serve_gunicorn(state: State, host: str, port: int, threads: int, workers: int) -> None:
    """Several worker processes; each builds its own CRM after the fork."""
    import os

    from gunicorn.app.base import BaseApplication

    crm = state.crm()  # checks the configuration and upgrades the schema once, up front
    config_path = str(crm.config.path)
    crm.close()
    debug = state.debug

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")

        def load(self):
            from crm_web.wsgi import create

            if debug:
                os.environ["CRM_DEBUG"] = "1"
            return create(config_path)

    click.echo(f"CRM on http://{host}:{port}/ ({workers} workers x {threads} threads)")
    Server().run()
