"""Every built-in plugin imports nothing but the public API, like the example a
third-party author copies: ``crm_core`` (not its storage layer or private modules),
``crm_web.toolkit`` (no ``bottle``, no other web module), its own package, other plugins'
``api`` modules, and libraries other than the web framework and the ORM."""

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"
BUILT_IN = sorted(p.name for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())
#: Only the core's web layer and storage layer may use these.
FORBIDDEN_LIBRARIES = ("bottle", "pony")


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of each module a source imports; ``from M import n`` gives
    ``M.n`` (n may be a submodule), relative imports resolved against ``package``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def refusal(name: str, plugin: str) -> str | None:
    """Why ``plugin`` may not import ``name``, or None when it may."""
    parts = name.split(".")
    if parts[0] in FORBIDDEN_LIBRARIES:
        return f"{parts[0]} is for the core only: use crm_web.toolkit or crm_core services"
    if parts[0] == "crm_core":
        if len(parts) > 1 and parts[1] == "storage":
            return "crm_core.storage is the core's own: use the crm_core services"
        if any(part.startswith("_") and not part.startswith("__") for part in parts[1:]):
            return "a private crm_core module or name"
    if parts[0] == "crm_web" and parts[:2] != ["crm_web", "toolkit"]:
        return "the web package's internals: use crm_web.toolkit"
    other_plugin = parts[0] == "crm_plugins" and len(parts) > 1 and parts[1] != plugin
    if other_plugin and parts[2:3] != ["api"]:
        return f"the {parts[1]} plugin's internals: use crm_plugins.{parts[1]}.api"
    return None


def violations(plugin: str) -> list[str]:
    found = []
    root = PLUGINS / plugin
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(PLUGINS).with_suffix("")
        module = ".".join(["crm_plugins", *relative.parts])
        package = module.removesuffix(".__init__") if path.name == "__init__.py" else module
        package = package if path.name == "__init__.py" else package.rpartition(".")[0]
        for line, name in imported_modules(path.read_text(encoding="utf-8"), package):
            why = refusal(name, plugin)
            if why:
                found.append(f"{path.relative_to(PLUGINS.parent)}:{line}: {name}: {why}")
    return found


@pytest.mark.parametrize("plugin", BUILT_IN)
def test_plugin_imports_only_the_public_api(plugin):
    assert violations(plugin) == []


def test_the_check_catches_what_a_plugin_must_not_import():
    source = "\n".join(
        [
            "import bottle",
            "from pony.orm import db_session",
            "from crm_core.storage import records",
            "from crm_web.forms import read_form",
            "from crm_web import present",
            "from crm_plugins.contacts.names import full_name",
            "from crm_plugins.contacts import duplicates",
            "from ..contacts import rules",
        ]
    )
    names = [name for _, name in imported_modules(source, "crm_plugins.leads")]
    assert len(names) == 8 and all(refusal(name, "leads") for name in names)
    allowed = "\n".join(
        [
            "import datetime",
            "from crm_core import ValidationError, hookimpl",
            "from crm_core.query import Condition",
            "from crm_web import toolkit",
            "from crm_plugins.contacts.api import full_name",
            "from crm_plugins.contacts import api",
            "from . import mapping",
            "from .conversion import plan",
        ]
    )
    names = [name for _, name in imported_modules(allowed, "crm_plugins.leads")]
    assert len(names) == 9 and not any(refusal(name, "leads") for name in names)
