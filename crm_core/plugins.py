"""Finding, enabling and ordering plugins.

Built-in plugins are the sub-packages of ``crm_plugins`` (the repository's ``plugins/``
folder); third-party plugins are installed packages with an entry point in the group
``crm.plugins``. Listing what is installed reads package metadata only: a plugin's code is
imported when it is enabled. A plugin module may declare ``REQUIRES`` (names of plugins it
needs) and ``HOOKSPECS`` (a module or class with hook specifications of its own, for other
plugins to implement); everything else it does through hooks.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import pkgutil
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .builtin import BUILTIN_MODULES
from .config import Config, validate_plugin_settings
from .errors import ConfigError

ENTRY_POINT_GROUP = "crm.plugins"
BUILTIN_PACKAGE = "crm_plugins"


@dataclass
class PluginInfo:
    name: str
    module_name: str
    origin: str  # "built-in" or the distribution that provides it
    version: str
    enabled: bool = False
    module: ModuleType | None = None
    requires: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.module is not None and getattr(self.module, "__file__", None):
            return str(Path(self.module.__file__).parent)
        return self.module_name

    @property
    def folder(self) -> Path | None:
        """Where the plugin's ``templates/``, ``static/`` and ``locale/`` live."""
        if self.module is None or not getattr(self.module, "__file__", None):
            return None
        return Path(self.module.__file__).parent


def project_version() -> str:
    try:
        return importlib.metadata.version("crm-framework")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def discover() -> dict[str, PluginInfo]:
    """Every plugin that could be enabled, without importing any of them."""
    found: dict[str, PluginInfo] = {}
    builtin = importlib.import_module(BUILTIN_PACKAGE)
    version = project_version()
    for module in pkgutil.iter_modules(builtin.__path__):
        if module.ispkg and not module.name.startswith("_"):
            found[module.name] = PluginInfo(
                module.name, f"{BUILTIN_PACKAGE}.{module.name}", "built-in", version
            )
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist
        dist_name = dist.metadata["Name"] if dist else "unknown package"
        if entry.name in found:
            raise ConfigError(
                f"plugin name {entry.name!r} is provided twice: by {found[entry.name].origin} "
                f"and by package {dist_name}; uninstall one of them"
            )
        found[entry.name] = PluginInfo(
            entry.name, entry.value, f"package {dist_name}", dist.version if dist else "?"
        )
    return found


def enable(
    config: Config, available: dict[str, PluginInfo], debug: bool = False
) -> list[PluginInfo]:
    """Import the enabled plugins, check their requirements, and return them in dependency
    order (a plugin after everything it requires). Their settings are checked once they are
    registered (:func:`check_settings`)."""
    for name in config.enabled:
        if name not in available:
            raise ConfigError(
                f"{config.path}: [crm] enabled: unknown plugin {name!r}; available plugins: "
                f"{', '.join(sorted(available)) or '(none)'}"
            )
    for name in config.plugin_tables:
        if name not in available:
            raise ConfigError(
                f"{config.path}: [plugins.{name}]: unknown plugin {name!r}; available plugins: "
                f"{', '.join(sorted(available))}"
            )
    enabled = [available[name] for name in config.enabled]
    for info in enabled:
        info.module = _import(info, debug)
        info.enabled = True
        requires = getattr(info.module, "REQUIRES", [])
        if not isinstance(requires, list | tuple) or not all(isinstance(r, str) for r in requires):
            raise ConfigError(f"plugin {info.name!r}: REQUIRES must be a list of plugin names")
        info.requires = list(requires)
    enabled_names = {info.name for info in enabled}
    for info in enabled:
        for needed in info.requires:
            if needed not in available:
                raise ConfigError(
                    f"{config.path}: [crm] enabled: plugin {info.name!r} requires {needed!r}, "
                    "which is not installed"
                )
            if needed not in enabled_names:
                raise ConfigError(
                    f"{config.path}: [crm] enabled: plugin {info.name!r} requires {needed!r}, "
                    f"which is not enabled; add {needed!r} to [crm] enabled"
                )
    return _dependency_order(config, enabled)


def check_settings(config: Config, plugins: list[PluginInfo], pm: pluggy.PluginManager) -> None:
    """Check each enabled plugin's ``[plugins.NAME]`` table against the schema it returns
    from ``crm_config_schema`` and keep the validated values in ``PluginInfo.settings``."""
    schemas = dict(call_by_plugin(pm, "crm_config_schema"))
    for info in plugins:
        info.settings = validate_plugin_settings(
            config.path, info.name, schemas.get(info.name), config.plugin_tables.get(info.name, {})
        )


def _import(info: PluginInfo, debug: bool) -> ModuleType:
    try:
        if info.origin == "built-in":
            return importlib.import_module(info.module_name)
        module_name, _, attribute = info.module_name.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attribute) if attribute else module
    except Exception as exc:
        detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
        raise ConfigError(
            f"plugin {info.name!r} ({info.origin}) could not be loaded: {detail}"
        ) from exc


def _dependency_order(config: Config, enabled: list[PluginInfo]) -> list[PluginInfo]:
    by_name = {info.name: info for info in enabled}
    ordered: list[PluginInfo] = []
    state: dict[str, str] = {}

    def visit(info: PluginInfo, chain: list[str]) -> None:
        if state.get(info.name) == "done":
            return
        if state.get(info.name) == "visiting":
            cycle = " -> ".join([*chain, info.name])
            raise ConfigError(f"{config.path}: plugins require each other in a circle: {cycle}")
        state[info.name] = "visiting"
        for needed in info.requires:
            visit(by_name[needed], [*chain, info.name])
        state[info.name] = "done"
        ordered.append(info)

    for info in enabled:
        visit(info, [])
    return ordered


def plugin_manager(plugins: list[PluginInfo]) -> pluggy.PluginManager:
    """A plugin manager with the core's own plugins and the enabled ones registered."""
    pm = pluggy.PluginManager("crm")
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_MODULES:
        pm.register(
            importlib.import_module(module_name), name=f"core.{module_name.rsplit('.', 1)[1]}"
        )
    try:
        for info in plugins:
            pm.register(info.module, name=info.name)
            extra_specs = getattr(info.module, "HOOKSPECS", None)
            if extra_specs is not None:
                pm.add_hookspecs(extra_specs)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigError(_hook_problem(pm, exc)) from exc
    return pm


def _hook_problem(pm: pluggy.PluginManager, exc: pluggy.PluginValidationError) -> str:
    """Name the plugin and the hook it got wrong (a misspelled name gets a suggestion)."""
    plugin = pm.get_name(exc.plugin) or getattr(exc.plugin, "__name__", repr(exc.plugin))
    known = sorted(
        name
        for name in dir(pm.hook)
        if name.startswith("crm_") and getattr(pm.hook, name).has_spec()
    )
    unknown = sorted(
        caller.name for caller in pm.get_hookcallers(exc.plugin) or [] if not caller.has_spec()
    )
    if not unknown:
        return f"plugin {plugin!r}: {exc}"
    close = difflib.get_close_matches(unknown[0], known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"plugin {plugin!r} implements unknown hook {unknown[0]!r}{hint}; "
        f"known hooks: {', '.join(known)}"
    )


def hooks_of(pm: pluggy.PluginManager, name: str) -> list[str]:
    plugin = pm.get_plugin(name)
    if plugin is None:
        return []
    return sorted(
        caller.name for caller in pm.get_hookcallers(plugin) or [] if caller.name.startswith("crm_")
    )


@dataclass(frozen=True)
class PluginCall:
    """One plugin's share of a hook: calling it runs that plugin's implementation through
    pluggy, inside every wrapper of the hook (``hookwrapper=True`` or ``wrapper=True``)."""

    plugin: str
    caller: pluggy.HookCaller
    firstresult: bool

    def __call__(self, **kwargs: Any) -> Any:
        """The plugin's result (``None`` when it returned nothing)."""
        outcome = self.caller(**kwargs)
        if self.firstresult:
            return outcome
        return outcome[0] if outcome else None


def hook_by_plugin(
    pm: pluggy.PluginManager, hook_name: str, order: Sequence[str] = ()
) -> list[PluginCall]:
    """A hook split into one call per plugin that implements it, for a caller that must
    know whose result is whose (record types, demo data, routes) or give each plugin its
    own arguments.

    The calls go through pluggy (:meth:`pluggy.PluginManager.subset_hook_caller`), so an
    implementation may take any subset of the hook's arguments and the hook's wrappers run
    around each call. Plugins come in registration order, which is dependency order (the
    core's own plugins first, then the enabled ones as :func:`enable` orders them, then any
    registered by hand); plugins named in ``order`` come after the others, in that order.
    ``tryfirst`` puts a plugin before the rest, ``trylast`` after them.
    """
    caller: pluggy.HookCaller = getattr(pm.hook, hook_name)
    implementations = [
        impl for impl in caller.get_hookimpls() if not (impl.hookwrapper or impl.wrapper)
    ]
    registered = [name for name, _ in pm.list_name_plugin()]
    rank = {name: index for index, name in enumerate(registered)}
    rank.update({name: len(registered) + index for index, name in enumerate(order)})

    def position(impl: pluggy.HookImpl) -> tuple[int, int]:
        urgency = 0 if impl.tryfirst else 2 if impl.trylast else 1
        return urgency, rank.get(impl.plugin_name, len(rank))

    implementations.sort(key=position)
    firstresult = bool(caller.spec and caller.spec.opts.get("firstresult"))
    everyone = [impl.plugin for impl in implementations]
    return [
        PluginCall(
            impl.plugin_name,
            pm.subset_hook_caller(hook_name, [p for p in everyone if p is not impl.plugin]),
            firstresult,
        )
        for impl in implementations
    ]


def call_by_plugin(
    pm: pluggy.PluginManager, hook_name: str, order: Sequence[str] = (), **kwargs: Any
) -> list[tuple[str, Any]]:
    """Call a hook plugin by plugin (see :func:`hook_by_plugin`), returning
    ``(plugin name, result)`` pairs, a pair for every plugin that implements the hook."""
    return [(call.plugin, call(**kwargs)) for call in hook_by_plugin(pm, hook_name, order)]
