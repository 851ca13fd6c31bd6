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

import json
from typing import Any
from urllib.parse import quote

import bottle

from crm_core.actors import Actor
from crm_core.errors import NotFound, TooLarge, ValidationError
from crm_core.i18n import msg

from .present import Presenter
from .security import json_error, json_response
from .state import WEB_KEY, current, flash

__all__ = [
    "Presenter",
    "actor",
    "client_address",
    "flash",
    "form",
    "gettext",
    "json_body",
    "json_error",
    "json_response",
    "language",
    "ngettext",
    "presenter",
    "query",
    "redirect",
    "send_attachment",
    "status",
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


def client_address() -> str | None:
    """The address the request came from, as the server saw it. ``X-Forwarded-For`` is not
    believed: anyone can send it. Behind a proxy, let the server take the address from the
    proxy (waitress ``trusted_proxy``, gunicorn ``forwarded_allow_ips``)."""
    return bottle.request.environ.get("REMOTE_ADDR")


def gettext(message: str, **values: Any) -> str:
    """``message`` in the page's language (from the core's and the plugins' catalogs)."""
    return bottle.request.environ[WEB_KEY].gettext(message, **values)


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n`` in the page's language (three forms in Russian)."""
    web = bottle.request.environ[WEB_KEY]
    return web.catalog.ngettext(current().language, singular, plural, n, **values)


def status(code: int) -> None:
    """Set the HTTP status of the page being rendered (e.g. 422 when a form has errors)."""
    bottle.response.status = code


def json_body() -> dict[str, Any]:
    """The request's JSON object; a body that is too large, not JSON or not an object is
    refused with the API's usual errors (413, 422)."""
    web = bottle.request.environ[WEB_KEY]
    limit = web.crm.config.max_upload_bytes
    if (bottle.request.content_length or 0) > limit:
        raise TooLarge(f"the request body is larger than {limit} bytes")
    try:
        data = json.loads(bottle.request.body.read() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"body": "is not valid JSON"}) from None
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"})
    return data


def send_attachment(attachment: dict[str, Any], path, *, inline: bool = False) -> Any:
    """The response for downloading an attachment (from ``crm.attachments.open``).

    Only types a browser shows harmlessly (images, PDF, plain text) may be shown inline;
    everything else goes out as ``application/octet-stream``, so an uploaded HTML, SVG,
    XML or script file can never run in the page's origin. A sandbox policy covers the
    rest.
    """
    shown_inline = inline and attachment["inline_safe"]
    mimetype = attachment["content_type"] if shown_inline else "application/octet-stream"
    response = bottle.static_file(path.name, root=str(path.parent), mimetype=mimetype)
    if isinstance(response, bottle.HTTPError):
        raise NotFound(msg("the file is missing from the file store"))
    disposition = "inline" if shown_inline else "attachment"
    response.set_header(
        "Content-Disposition", f"{disposition}; filename*=UTF-8''{quote(attachment['filename'])}"
    )
    response.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
    response.set_header("X-Content-Type-Options", "nosniff")
    return response


def redirect(url: str) -> Any:
    """Answer with a redirect (after a successful POST)."""
    return bottle.redirect(url)


def presenter() -> Presenter:
    """Shows field values as the core pages do (labels, links, local dates)."""
    state = current()
    web = bottle.request.environ[WEB_KEY]
    return Presenter(web.crm, web.crm.registry, state.language, state.actor, web.gettext)
