"""Every hook is documented and tested: the core's in docs/plugins.md under a heading that
shows its signature, a built-in plugin's own hooks (its HOOKSPECS) in
docs/modules/<plugin>.md; and for each hook some test is marked ``@calls_hooks(name)``,
which fails unless pluggy is asked to call that hook while the test runs
(tests/hookcheck.py). A mention of the name in a test does not count."""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import crm_plugins
from crm_core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")


def hook_specs(module) -> dict:
    return {
        name: value
        for name, value in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("crm_") and hasattr(value, "crm_spec")
    }


def signature(name: str, spec) -> str:
    return f"{name}({', '.join(inspect.signature(spec).parameters)})"


def marked_tests_by_hook() -> tuple[dict[str, list[str]], list[str]]:
    """Hook name → the tests marked as calling it; and the modules that mark tests without
    importing the fixture that checks the mark."""
    found: dict[str, list[str]] = {}
    unchecked = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        checked = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "hookcheck"
            and "named_hooks_are_called" in {alias.name for alias in node.names}
            for node in tree.body
        )
        marked = False
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test"):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "id", None) == "calls_hooks"
                ):
                    marked = True
                    for argument in decorator.args:
                        found.setdefault(argument.value, []).append(f"{path.name}::{node.name}")
        if marked and not checked:
            unchecked.append(path.name)
    return found, unchecked


CORE_HOOKS = hook_specs(hookspecs)
PLUGIN_HOOKS = []
for info in pkgutil.iter_modules(crm_plugins.__path__):
    module = importlib.import_module(f"crm_plugins.{info.name}")
    specs = getattr(module, "HOOKSPECS", None)
    if specs is not None:
        PLUGIN_HOOKS += [(info.name, name) for name in hook_specs(specs)]
TESTED, UNCHECKED = marked_tests_by_hook()
HEADING = re.compile(r"^#### `(crm_\w+)\(([^)]*)\)`", re.MULTILINE)


def test_the_lists_are_not_empty():
    assert "crm_after_save" in CORE_HOOKS and len(CORE_HOOKS) > 25
    assert ("tickets", "crm_ticket_closed") in PLUGIN_HOOKS


def test_every_module_that_marks_tests_checks_the_marks():
    assert not UNCHECKED, f"import named_hooks_are_called from hookcheck in {UNCHECKED}"


def test_the_guide_documents_no_hook_that_does_not_exist():
    documented = {name for name, _ in HEADING.findall(GUIDE)}
    assert documented - set(CORE_HOOKS) == set()


@pytest.mark.parametrize("name", sorted(CORE_HOOKS))
def test_core_hook_is_documented_with_its_signature_and_tested(name):
    expected = signature(name, CORE_HOOKS[name])
    documented = [
        f"{hook}({arguments})" for hook, arguments in HEADING.findall(GUIDE) if hook == name
    ]
    if not documented:
        pytest.fail(f"document {name} in docs/plugins.md under a heading #### `{expected}`")
    assert documented == [expected], (
        f"docs/plugins.md shows {documented[0]}, the hook is {expected}"
    )
    if name not in TESTED:
        pytest.fail(f'no test is marked @calls_hooks("{name}") (tests/hookcheck.py)')


@pytest.mark.parametrize("plugin, name", PLUGIN_HOOKS, ids=lambda value: str(value))
def test_plugin_hook_is_documented_and_tested(plugin, name):
    page = ROOT / "docs" / "modules" / f"{plugin}.md"
    if not page.exists() or name not in page.read_text(encoding="utf-8"):
        pytest.fail(f"document {name} in {page.relative_to(ROOT)}")
    if name not in TESTED:
        pytest.fail(f'no test is marked @calls_hooks("{name}") (tests/hookcheck.py)')
