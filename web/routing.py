"""Routes as data: what ``crm_register_routes`` returns, and how the app installs it.

A plugin describes each page or endpoint as a :class:`Route` (method, path, view function
and a few options); the app factory adds them to the Bottle app, so a plugin never sees
the app object and its views live at module level, where a reader finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crm_core.errors import ConfigError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    """One page or endpoint of a plugin.

    ``method`` is ``"GET"``, ``"POST"``, ``"PUT"``, ``"PATCH"`` or ``"DELETE"``; ``path`` is a
    Bottle path (``/gadgets/<key>``, ``/files/<id:int>``); ``view`` is called with the
    path's parameters as keyword arguments and reads the request through
    :mod:`crm_web.toolkit`. Options:

    - ``public=True``: anyone may open it, signed in or not (default: staff who signed in);
    - ``api=True``: a JSON endpoint (errors as JSON; bearer tokens; cookie sign-ins send
      ``X-CSRF-Token``);
    - ``csrf_exempt=True``: a state-changing request without a CSRF token (a webhook that
      checks its own signature);
    - ``name``: a name for the route, unique in the app.
    """

    method: str
    path: str
    view: Callable[..., Any]
    public: bool = False
    api: bool = False
    csrf_exempt: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(
                f"route {self.path!r}: method {self.method!r} is not one of {', '.join(METHODS)}"
            )
        if not self.path.startswith("/"):
            raise ConfigError(f"route {self.path!r}: the path must start with '/'")
        if not callable(self.view):
            raise ConfigError(f"route {self.method} {self.path}: the view must be a function")


def install(app, plugin: str, routes: Iterable[Route] | None) -> None:
    """Add ``plugin``'s routes to the Bottle ``app``; each route remembers its plugin."""
    for route in routes or ():
        if not isinstance(route, Route):
            raise ConfigError(
                f"plugin {plugin!r}: crm_register_routes must return a list of "
                f"crm_web.toolkit.Route, not {type(route).__name__}"
            )
        app.route(
            route.path,
            route.method,
            route.view,
            name=route.name,
            public=route.public,
            api=route.api,
            csrf_exempt=route.csrf_exempt,
            plugin=plugin,
        )
