"""What a plugin's web code uses: the signed-in actor, form and query data, messages,
JSON answers, and a presenter for showing field values. Import from here, not from the
web package's other modules, which may change.

    from crm_web import toolkit

    @app.post("/tickets/<key>/merge")
    def merge(key):
        form = toolkit.form()
        ...
        toolkit.flash("Merged.")
        return toolkit.redirect(f"/r/ticket/{key}")
"""

from __future__ import annotations

from typing import Any

import bottle

from crm_core.actors import Actor

from .present import Presenter
from .security import json_error, json_response
from .state import WEB_KEY, current, flash

__all__ = [
    "Presenter",
    "actor",
    "flash",
    "form",
    "json_error",
    "json_response",
    "language",
    "presenter",
    "query",
    "redirect",
]


def actor() -> Actor:
    """Who is signed in (routes that are not ``public`` always have one)."""
    return current().actor


def language() -> str:
    """``en`` or ``ru``: the language the page is rendered in."""
    return current().language


def form() -> bottle.FormsDict:
    """The submitted form, decoded as UTF-8 (``get``, ``getall``)."""
    return bottle.request.forms.decode()


def query() -> bottle.FormsDict:
    """The URL's query parameters, decoded as UTF-8."""
    return bottle.request.query.decode()


def redirect(url: str) -> Any:
    """Answer with a redirect (after a successful POST)."""
    return bottle.redirect(url)


def presenter() -> Presenter:
    """Shows field values as the core pages do (labels, links, local dates)."""
    state = current()
    web = bottle.request.environ[WEB_KEY]
    return Presenter(web.crm, web.crm.registry, state.language, state.actor, web.gettext)
