"""The running CRM: configuration, plugins, registry, storage and services in one object.

Start-up, in order (docs/architecture.md tells the whole story):

1. :func:`crm_core.config.load` reads and checks ``plugins.toml``;
2. :func:`crm_core.plugins.enable` imports the enabled plugins, checks ``REQUIRES`` and
   each plugin's settings; :func:`~crm_core.plugins.plugin_manager` registers them;
3. record types are collected (``crm_register_record_types``), extended
   (``crm_extend_record_types``) and frozen into the base schema;
4. :meth:`CRM.open` overlays the administrator's layer from the database, generates the
   Pony mapping, brings the schema up with additive DDL, and calls ``crm_db_ready``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy

from . import plugins as plugin_loading
from .access import Access
from .attachments import Attachments
from .builtin.record_rules import collect_rules
from .comments import Comments
from .config import Config, load
from .duplicates import Duplicates
from .errors import ConfigError, SchemaError
from .fields import Fields
from .fieldtypes import FieldType
from .jobs import Jobs
from .numbering import Numbering
from .picklists import Picklists
from .plugins import PluginInfo, call_by_plugin, hook_by_plugin
from .records import RecordsService
from .registry import BaseSchema, Registry
from .schema import (
    Definition,
    TypeExtender,
    check_consistency,
    freeze,
    load_definition,
    source_picklist,
)
from .search import Search
from .sessions import Sessions
from .storage.settings import put_setting
from .storage.store import Store
from .transfer import Transfer
from .users import Directory


class CRM:
    """One configured CRM. Build it with :meth:`load`, then :meth:`open` it."""

    def __init__(
        self,
        config: Config,
        available: dict[str, PluginInfo],
        plugins: list[PluginInfo],
        pm: pluggy.PluginManager,
        base: BaseSchema,
        jobs_mode: str,
        debug: bool = False,
    ):
        self.config = config
        self.available = available
        self.plugins = plugins
        self.pm = pm
        self.hook = pm.hook
        self.record_rules = collect_rules(pm)
        self.base = base
        self.debug = debug
        self.store = Store(config.database_url, base)
        self.store.after_commit = self._after_commit
        self.records = RecordsService(self)
        self.access = Access(self)
        self.numbering = Numbering(self)
        self.directory = Directory(self)
        self.comments = Comments(self)
        self.attachments = Attachments(self)
        self.search = Search(self)
        self.picklists = Picklists(self)
        self.fields = Fields(self)
        self.transfer = Transfer(self)
        self.duplicates = Duplicates(self)
        self.sessions = Sessions(self)
        self.jobs = Jobs(self, jobs_mode)
        self._opened = False

    # -- building -----------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        config_path: str | Path | None = None,
        *,
        config: Config | None = None,
        jobs_mode: str | None = None,
        debug: bool = False,
    ) -> CRM:
        """Read the configuration, enable plugins and check every record type. No database
        is touched, so this is also what ``crm check`` runs."""
        config = config or load(config_path)
        available = plugin_loading.discover()
        enabled = plugin_loading.enable(config, available, debug=debug)
        pm = plugin_loading.plugin_manager(enabled)
        plugin_loading.check_settings(config, enabled, pm)
        base = collect_schema(pm, [info.name for info in enabled])
        return cls(config, available, enabled, pm, base, jobs_mode or config.jobs_mode, debug)

    def open(self) -> CRM:
        """Connect, upgrade the schema additively and make the CRM ready to serve."""
        if self._opened:
            return self
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self.store.open()
        with self.store.transaction() as tx:
            self.numbering.ensure_counters(tx)
        self._opened = True
        self.hook.crm_db_ready(crm=self)
        self.jobs.start()
        return self

    def close(self) -> None:
        self.jobs.stop()

    # -- what plugins use ---------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """The current registry snapshot (custom fields included)."""
        return self.store.snapshot.registry

    def analyze(self) -> None:
        """Refresh the database's statistics: ``crm db analyze``, and after big imports."""
        self.store.analyze()

    def refresh(self) -> Registry:
        """Pick up registry changes made by another process now."""
        return self.store.fresh_snapshot().registry

    @contextlib.contextmanager
    def refreshed(self) -> Iterator[None]:
        """Have the registry current by the end of the block. Every transaction checks the
        registry version as it starts, so only a block that ran none asks again (a web
        request that signed nobody in, say): one query fewer for the rest."""
        checks = self.store.version_checks()
        yield
        if self.store.version_checks() == checks:
            self.refresh()

    def settings(self, plugin: str) -> dict[str, Any]:
        """The validated ``[plugins.NAME]`` settings of an enabled plugin."""
        for info in self.plugins:
            if info.name == plugin:
                return info.settings
        raise ConfigError(f"plugin {plugin!r} is not enabled")

    def is_enabled(self, plugin: str) -> bool:
        return any(info.name == plugin for info in self.plugins)

    def type_setting(self, type_name: str, key: str, default: Any = None) -> Any:
        """A run-time setting of a record type (e.g. its permission mode)."""
        return self.store.snapshot.registry.settings.get((f"type:{type_name}", key), default)

    def set_setting(self, scope: str, key: str, value: Any) -> None:
        """Store a run-time setting; every process sees it from its next transaction."""
        with self.store.transaction() as tx:
            put_setting(tx, scope, key, value)
            self.store.bump_version(tx)
        self.store.rebuild()

    def transaction(self):
        """Group several service calls into one transaction (all or nothing)."""
        return self.store.transaction()

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    def plugin_order(self) -> list[str]:
        return [info.name for info in self.plugins]

    def call_in_order(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a hook plugin by plugin in dependency order (demo data, for one), through
        pluggy: ``(plugin name, result)`` for every plugin that implements it."""
        return plugin_loading.call_by_plugin(self.pm, hook_name, self.plugin_order(), **kwargs)

    # -- internals ----------------------------------------------------------------------

    def _after_commit(self, tx) -> None:
        if tx.events:
            self.hook.crm_after_commit(crm=self, events=list(tx.events))
        if tx.jobs_queued:
            self.jobs.committed()


def collect_schema(pm: pluggy.PluginManager, order: list[str]) -> BaseSchema:
    """Field types and record types from the plugins (``order``: the enabled plugins in
    dependency order), extended and checked."""
    field_types: dict[str, FieldType] = {}
    for plugin_name, returned in call_by_plugin(pm, "crm_register_field_types", order):
        for field_type in returned or []:
            if not isinstance(field_type, FieldType) or not field_type.name:
                raise SchemaError(
                    f"plugin {plugin_name!r}: crm_register_field_types must return "
                    "FieldType instances with a name"
                )
            if field_type.name in field_types:
                raise SchemaError(
                    f"plugin {plugin_name!r} registers field type {field_type.name!r}, "
                    "which another plugin registered already"
                )
            field_types[field_type.name] = field_type
    definitions: dict[str, Definition] = {}
    for plugin_name, returned in call_by_plugin(pm, "crm_register_record_types", order):
        for item in returned or []:
            definition = load_definition(item, plugin_name)
            if definition.name in definitions:
                raise SchemaError(
                    f"{definition.origin}: record type {definition.name!r} is already registered "
                    f"by plugin {definitions[definition.name].plugin!r}"
                )
            definitions[definition.name] = definition
    extender = TypeExtender(definitions)
    for call in hook_by_plugin(pm, "crm_extend_record_types", order):
        extender.plugin = call.plugin
        call(types=extender)
    types = {}
    picklists = {source_picklist().name: source_picklist()}
    for definition in definitions.values():
        rt, declared = freeze(definition, field_types)
        types[rt.name] = rt
        for picklist in declared:
            if picklist.name in picklists:
                raise SchemaError(
                    f"{definition.origin}: picklist {picklist.name!r} is already declared "
                    f"(by {picklists[picklist.name].origin or 'the core'})"
                )
            picklists[picklist.name] = picklist
    check_consistency(types, picklists, field_types)
    return BaseSchema(types, picklists, field_types)
