"""Reading and checking ``plugins.toml``.

The file has a ``[crm]`` table (enabled plugins, data directory, database, defaults) and a
``[plugins.NAME]`` table per plugin. Plugin tables are checked later, against the schema
each plugin declares (``crm_config_schema``), because a plugin is imported only when it is
enabled. Every problem becomes one :class:`~crm_core.errors.ConfigError` naming the file,
the key and what is allowed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cerberus

from .cerberus_messages import flatten, unknown_key_message
from .errors import ConfigError

DEFAULT_CONFIG_NAME = "plugins.toml"

CRM_TABLE_SCHEMA: dict[str, Any] = {
    "enabled": {"type": "list", "schema": {"type": "string"}, "default": []},
    "data_dir": {"type": "string", "default": "data"},
    "database": {"type": "string", "nullable": True, "default": None},
    "language": {"type": "string", "allowed": ["en", "ru"], "default": "en"},
    "timezone": {"type": "string", "default": "UTC"},
    "base_url": {"type": "string", "default": "http://127.0.0.1:8080"},
    "max_upload_mb": {"type": "number", "min": 0.001, "max": 10240, "default": 25},
    "jobs": {"type": "string", "allowed": ["inline", "thread", "external"], "default": "thread"},
}

WEB_TABLE_SCHEMA: dict[str, Any] = {
    "session_idle_minutes": {"type": "integer", "min": 1, "default": 120},
    "session_max_hours": {"type": "integer", "min": 1, "default": 24 * 7},
    "login_attempts": {"type": "integer", "min": 1, "default": 5},
    "login_window_minutes": {"type": "integer", "min": 1, "default": 15},
    "secure_cookies": {"type": "string", "allowed": ["auto", "always", "never"], "default": "auto"},
}

TOP_LEVEL_SCHEMA: dict[str, Any] = {
    "crm": {"type": "dict", "schema": CRM_TABLE_SCHEMA, "default": {}},
    "web": {"type": "dict", "schema": WEB_TABLE_SCHEMA, "default": {}},
    "plugins": {"type": "dict", "valuesrules": {"type": "dict"}, "default": {}},
}


@dataclass
class Config:
    """The validated contents of ``plugins.toml`` (plus environment overrides)."""

    path: Path
    enabled: list[str]
    data_dir: Path
    database_url: str
    language: str = "en"
    timezone: str = "UTC"
    base_url: str = "http://127.0.0.1:8080"
    max_upload_bytes: int = 25 * 1024 * 1024
    jobs_mode: str = "thread"
    web: dict[str, Any] = field(default_factory=dict)
    plugin_tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def locate(explicit: str | os.PathLike | None = None) -> Path:
    """The config file: ``--config``, else ``$CRM_CONFIG``, else ``./plugins.toml``."""
    chosen = explicit or os.environ.get("CRM_CONFIG") or DEFAULT_CONFIG_NAME
    return Path(chosen).expanduser().resolve()


def load(path: str | os.PathLike | None = None) -> Config:
    """Read, validate and normalise the configuration file."""
    config_path = locate(path)
    if not config_path.is_file():
        raise ConfigError(
            f"{config_path}: configuration file not found; create it (see README.md) "
            "or point to it with --config PATH or CRM_CONFIG"
        )
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{config_path}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from exc
    return from_dict(raw, config_path)


def from_dict(raw: dict[str, Any], config_path: Path) -> Config:
    """Validate an already parsed TOML document; ``config_path`` anchors relative paths."""
    validator = cerberus.Validator(TOP_LEVEL_SCHEMA)
    if not validator.validate(raw):
        raise ConfigError(_first_problem(config_path, validator.errors))
    doc = validator.document
    crm = doc["crm"]
    base = config_path.parent
    data_dir = (base / crm["data_dir"]).resolve()
    database_url = os.environ.get("CRM_DATABASE_URL") or crm["database"]
    if not database_url:
        database_url = "sqlite:///" + str(data_dir / "crm.db")
    database_url = _anchor_sqlite_path(database_url, base)
    if not database_url.startswith(("sqlite:", "postgresql:", "postgres:")):
        raise ConfigError(
            f"{config_path}: [crm] database: unsupported URL {database_url.split(':')[0]!r}; "
            "allowed: sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
        )
    duplicates = sorted({name for name in crm["enabled"] if crm["enabled"].count(name) > 1})
    if duplicates:
        raise ConfigError(
            f"{config_path}: [crm] enabled: {', '.join(duplicates)} listed more than once"
        )
    return Config(
        path=config_path,
        enabled=list(crm["enabled"]),
        data_dir=data_dir,
        database_url=database_url,
        language=crm["language"],
        timezone=crm["timezone"],
        base_url=crm["base_url"].rstrip("/"),
        max_upload_bytes=int(crm["max_upload_mb"] * 1024 * 1024),
        jobs_mode=crm["jobs"],
        web=doc["web"],
        plugin_tables=doc["plugins"],
    )


def _anchor_sqlite_path(url: str, base: Path) -> str:
    if not url.startswith("sqlite:///"):
        return url
    file_part = url[len("sqlite:///") :]
    if file_part == ":memory:" or Path(file_part).is_absolute():
        return url
    return "sqlite:///" + str((base / file_part).resolve())


def _first_problem(config_path: Path, errors: dict[str, Any]) -> str:
    lines = []
    for path, message in flatten(errors):
        table, *rest = path
        if not rest:
            if message == "unknown field":
                message = "unknown table; allowed tables: [crm], [web], [plugins.NAME]"
            lines.append(f"{config_path}: [{table}]: {message}")
            continue
        key = rest[0]
        allowed = list({"crm": CRM_TABLE_SCHEMA, "web": WEB_TABLE_SCHEMA}.get(table, {}))
        if table == "plugins":
            lines.append(f"{config_path}: [plugins.{key}]: {message}")
        else:
            lines.append(f"{config_path}: [{table}] {key}: {unknown_key_message(message, allowed)}")
    return "\n".join(lines)


def validate_plugin_settings(
    config_path: Path, plugin: str, schema: dict[str, Any] | None, table: dict[str, Any]
) -> dict[str, Any]:
    """Check one ``[plugins.NAME]`` table against the plugin's declared Cerberus schema."""
    schema = schema or {}
    try:
        validator = cerberus.Validator(schema)
    except cerberus.SchemaError as exc:
        raise ConfigError(f"plugin {plugin!r} declares an invalid settings schema: {exc}") from exc
    if validator.validate(table):
        return validator.document
    lines = []
    for path, message in flatten(validator.errors):
        key = ".".join(str(part) for part in path)
        rule = schema.get(path[0], {})
        if message == "unknown field":
            message = (
                "unknown setting; allowed: " + ", ".join(sorted(schema))
                if schema
                else "unknown setting; this plugin has no settings"
            )
        elif "type" in rule and "type" in message:
            message = f"{message} (expected {rule['type']})"
        lines.append(f"{config_path}: [plugins.{plugin}] {key}: {message}")
    raise ConfigError("\n".join(lines))
