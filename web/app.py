"""The app factory: a new Bottle app for a CRM, with core and plugin routes.

Plugins' routes are the :class:`~crm_web.toolkit.Route` lists their ``crm_register_routes``
returns, added in the plugins' dependency order.

There is no module-level app. ``create_app(crm)`` builds one (tests build as many as they
like); ``crm serve`` and ``gunicorn 'crm_web.wsgi:create()'`` call it once per process.
"""

from __future__ import annotations

from typing import Any

import bottle

from . import routing, signin
from .i18n import Catalog
from .security import CRMPlugin, add_security_headers, json_error
from .state import current
from .templating import CORE, CORE_MESSAGES, Templates

# Form bodies up to the upload limit are read into memory or a temp file by Bottle.
bottle.BaseRequest.MEMFILE_MAX = 1024 * 1024


class Web:
    """What routes share: the CRM, templates, translations and the debug flag."""

    def __init__(self, crm, debug: bool = False):
        self.crm = crm
        self.debug = debug
        # The core's catalog is read last: a plugin cannot change the words of core pages.
        self.catalog = Catalog([p.folder for p in crm.plugins if p.folder] + [CORE_MESSAGES, CORE])
        self.templates = Templates(crm, self.catalog, debug=debug)

    def render(self, template: str, **context: Any) -> str:
        return self.templates.render(template, **context)

    def gettext(self, message: str, **values: Any) -> str:
        return self.catalog.gettext(current().language, message, **values)

    def error_page(self, status: int, message: str, detail: str | None = None) -> str:
        bottle.response.status = status
        return self.render("error.html", status=status, message=message, detail=detail)


def create_app(crm, *, debug: bool = False) -> bottle.Bottle:
    from .routes import account, admin, api, auth, pages, search

    signin.register(crm)
    web = Web(crm, debug=debug)
    app = bottle.Bottle()
    app.config["catchall"] = False
    app.config["crm.web"] = web
    app.install(CRMPlugin(web))
    app.add_hook("after_request", add_security_headers)
    for module in (auth, account, pages, search, admin, api):
        module.register(app, web)
    for plugin, routes in crm.call_in_order("crm_register_routes", crm=crm):
        routing.install(app, plugin, routes)
    _static_routes(app, crm)
    for status in (404, 405):
        app.error(status)(_plain_error(web, status))
    return app


def _static_routes(app: bottle.Bottle, crm) -> None:
    core_static = CORE / "static"
    plugin_static = {p.name: p.folder / "static" for p in crm.plugins if p.folder}

    @app.get("/static/plugins/<plugin>/<path:path>", public=True)
    def plugin_file(plugin: str, path: str):
        root = plugin_static.get(plugin)
        if root is None or not root.is_dir():
            raise bottle.HTTPError(404)
        return _cached(bottle.static_file(path, root=str(root)))

    @app.get("/static/<path:path>", public=True)
    def static(path: str):
        return _cached(bottle.static_file(path, root=str(core_static)))


def _cached(response):
    if isinstance(response, bottle.HTTPResponse) and response.status_code == 200:
        response.set_header("Cache-Control", "public, max-age=3600")
    return response


def _plain_error(web: Web, status: int):
    def handler(error):
        add_security_headers()
        message = {
            404: "This page does not exist.",
            405: "This page does not accept that kind of request.",
        }
        if bottle.request.path.startswith("/api/"):
            return json_error(
                status, "not_found" if status == 404 else "method_not_allowed", message[status]
            )
        return web.render(
            "error.html", status=status, message=web.gettext(message[status]), detail=None
        )

    return handler
