"""The ``crm`` command line.

Errors a user can cause print one clear message and exit non-zero (2 for configuration and
schema problems, 1 for refused operations); a traceback appears only with ``--debug``.
Plugins add commands through ``crm_register_commands``, so the configuration is read
before the command line is parsed (when it cannot be read, the built-in commands still
work and report the problem when they need the CRM).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from ..actors import SYSTEM, Actor
from ..errors import ConfigError, CRMError, SchemaError, ValidationError
from ..serialize import json_default


class State:
    """What every command gets: the config path, the debug flag and the CRM (lazily)."""

    def __init__(self, config: str | None, debug: bool, as_login: str | None):
        self.config = config
        self.debug = debug
        self.as_login = as_login
        self._crm = None
        self._opened = False

    def crm(self, open_db: bool = True, jobs_mode: str = "inline"):
        from ..runtime import CRM

        if self._crm is None:
            self._crm = _preloaded.pop(self.config, None) or CRM.load(
                self.config, jobs_mode=jobs_mode, debug=self.debug
            )
            self._crm.jobs.mode = jobs_mode
        if open_db and not self._opened:
            self._crm.open()
            self._opened = True
        return self._crm

    @property
    def actor(self) -> Actor:
        if not self.as_login:
            return SYSTEM
        return self.crm().directory.actor_for(self.as_login)


pass_state = click.make_pass_decorator(State)
_preloaded: dict[str | None, Any] = {}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    envvar="CRM_CONFIG",
    type=click.Path(dir_okay=False),
    help="plugins.toml to use (default: ./plugins.toml; or $CRM_CONFIG).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.option(
    "--as", "as_login", metavar="LOGIN", help="Act as this user (default: the system, as an admin)."
)
@click.version_option(package_name="crm-framework", prog_name="crm")
@click.pass_context
def cli(ctx: click.Context, config: str | None, debug: bool, as_login: str | None) -> None:
    """A plugin-based CRM: contacts, leads, help desk, knowledge base, contracts, assets."""
    ctx.obj = State(config, debug, as_login)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=json_default))


def parse_assignments(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``field=value`` arguments into a dict; ``tags=a,b`` becomes a list."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"{pair!r}: write FIELD=VALUE (FIELD= clears a field)")
        name = name.strip()
        values[name] = (
            [t for t in value.split(",") if t.strip()] if name == "tags" else (value or None)
        )
    return values


def read_secret(path: str | None, env_name: str, prompt: str) -> str:
    """A password from a file, an environment variable, or a hidden prompt; never argv."""
    if path:
        return (
            Path(path).read_text(encoding="utf-8").splitlines()[0]
            if Path(path).stat().st_size
            else ""
        )
    if os.environ.get(env_name):
        return os.environ[env_name]
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    raise click.UsageError(f"give the password with --password-file FILE or ${env_name}")


def _preload_plugin_commands(argv: list[str]) -> None:
    """Let enabled plugins add commands before click parses the command line."""
    from ..runtime import CRM

    config = None
    debug = "--debug" in argv
    for index, arg in enumerate(argv):
        if arg == "--config" and index + 1 < len(argv):
            config = argv[index + 1]
        elif arg.startswith("--config="):
            config = arg.split("=", 1)[1]
    config = config or os.environ.get("CRM_CONFIG")
    try:
        crm = CRM.load(config, jobs_mode="inline", debug=debug)
    except CRMError:
        return  # reported by the command that needs the CRM
    _preloaded[config] = crm
    crm.hook.crm_register_commands(cli=cli)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    from . import admin, data, records, serve  # noqa: F401 - registers the commands

    try:
        _preload_plugin_commands(argv)
        cli.main(args=argv, prog_name="crm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        _report(debug)
        click.echo("error: " + ("; ".join(f"{k}: {v}" for k, v in exc.errors.items())), err=True)
        sys.exit(1)
    except (ConfigError, SchemaError) as exc:
        _report(debug)
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except CRMError as exc:
        _report(debug)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:
        _report(debug)
        message = _database_problem(exc) or f"internal error: {type(exc).__name__}: {exc}"
        hint = "" if debug else " (run with --debug to see the traceback)"
        click.echo(f"error: {message}{hint}", err=True)
        sys.exit(1)


def _report(debug: bool) -> None:
    if debug:
        traceback.print_exc()


def _database_problem(exc: Exception) -> str | None:
    """A readable message for a database that cannot be reached."""
    from ..storage.failures import is_database_error

    return f"database error: {exc}" if is_database_error(exc) else None
