"""Which hooks a test exercises, checked: ``@calls_hooks("crm_after_save", ...)`` on a test
makes it fail unless pluggy was asked to call each named hook while it ran (fixtures
included). tests/test_hook_docs.py counts these tests, not mentions of a hook's name.

A module that marks tests imports the checking fixture with the marker::

    from hookcheck import calls_hooks, named_hooks_are_called  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy
import pytest


def calls_hooks(*names: str) -> Callable:
    """Mark a test as exercising these hooks (checked by :func:`named_hooks_are_called`)."""

    def mark(test: Callable) -> Callable:
        test.calls_hooks = names
        return test

    return mark


@pytest.fixture(autouse=True)
def named_hooks_are_called(request, monkeypatch):
    """Watch every plugin manager made during a marked test; after it, every hook it names
    must have been called through pluggy. A test expected to fail (xfail) is not checked."""
    names = getattr(request.function, "calls_hooks", ())
    if not names or request.node.get_closest_marker("xfail"):
        yield
        return
    called: set[str] = set()
    original = pluggy.PluginManager.__init__

    def watched(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.add_hookcall_monitoring(
            lambda hook_name, implementations, kwargs: called.add(hook_name),
            lambda outcome, hook_name, implementations, kwargs: None,
        )

    monkeypatch.setattr(pluggy.PluginManager, "__init__", watched)
    yield
    missing = [name for name in names if name not in called]
    assert not missing, f"{request.node.name} never calls {', '.join(missing)} through pluggy"
