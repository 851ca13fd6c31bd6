"""Every hook is documented and tested: the core's in docs/plugins.md, a built-in plugin's
own hooks (its HOOKSPECS) in docs/modules/<plugin>.md; each hook's name appears in a test."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import crm_plugins
from crm_core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
TESTS = "\n".join(
    path.read_text(encoding="utf-8")
    for path in (ROOT / "tests").rglob("*.py")
    if path.name != "test_hook_docs.py"
)


def hook_names(module) -> list[str]:
    return sorted(
        name
        for name, value in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("crm_") and hasattr(value, "crm_spec")
    )


CORE_HOOKS = hook_names(hookspecs)
PLUGIN_HOOKS = []
for info in pkgutil.iter_modules(crm_plugins.__path__):
    module = importlib.import_module(f"crm_plugins.{info.name}")
    specs = getattr(module, "HOOKSPECS", None)
    if specs is not None:
        PLUGIN_HOOKS += [(info.name, name) for name in hook_names(specs)]


def test_the_lists_are_not_empty():
    assert "crm_after_save" in CORE_HOOKS and len(CORE_HOOKS) > 25


@pytest.mark.parametrize("name", CORE_HOOKS)
def test_core_hook_is_documented_and_tested(name):
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    if f"#### `{name}(" not in guide:
        pytest.fail(f"document {name} in docs/plugins.md")
    if name not in TESTS:
        pytest.fail(f"no test names {name}")


@pytest.mark.parametrize("plugin, name", PLUGIN_HOOKS, ids=lambda value: str(value))
def test_plugin_hook_is_documented_and_tested(plugin, name):
    page = ROOT / "docs" / "modules" / f"{plugin}.md"
    if not page.exists() or name not in page.read_text(encoding="utf-8"):
        pytest.fail(f"document {name} in {page.relative_to(ROOT)}")
    if name not in TESTS:
        pytest.fail(f"no test names {name}")
