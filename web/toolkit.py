"""What a plugin's web code uses: its routes, the signed-in actor, form and query data,
messages, JSON answers, pages and forms, and a presenter for showing field values. Import
from here, not from the web package's other modules, which may change.

    from crm_web import toolkit

    def merge(key):
        form = toolkit.form()
        ...
        toolkit.flash("Merged.")
        return toolkit.redirect(f"/r/ticket/{key}")

    ROUTES = [toolkit.Route("POST", "/tickets/<key>/merge", merge)]  # crm_register_routes
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import bottle

from crm_core.access import ADMINISTER, administrators_only
from crm_core.actors import Actor
from crm_core.errors import NotFound, PermissionDenied, TooLarge, ValidationError
from crm_core.i18n import msg

from .forms import FormField, editable_fields, form_fields, read_form, submitted_text
from .present import Presenter
from .routing import Route
from .security import json_error, json_response
from .state import WEB_KEY, current, flash
from .subforms import sub_form

if TYPE_CHECKING:
    from crm_core.runtime import CRM

__all__ = [
    "FormField",
    "Presenter",
    "Route",
    "actor",
    "client_address",
    "content_type",
    "crm",
    "editable_fields",
    "flash",
    "form",
    "form_fields",
    "gettext",
    "json_body",
    "json_error",
    "json_response",
    "language",
    "ngettext",
    "presenter",
    "query",
    "read_form",
    "redirect",
    "render",
    "render_form",
    "require_admin",
    "send_attachment",
    "status",
    "sub_form",
    "submitted_text",
]


def crm() -> CRM:
    """The CRM this request is served by (its services: ``records``, ``directory``…)."""
    return _web().crm


def actor() -> Actor:
    """Who is signed in (routes that are not ``public`` always have one)."""
    return current().actor


def require_admin() -> None:
    """Refuse (403, the one "administrators only" message) unless the signed-in actor may
    administer: ``crm.access.require(actor, "administer")``, answered by the permission
    hooks."""
    signed_in = current().actor
    if signed_in is None:
        raise PermissionDenied(administrators_only())
    crm().access.require(signed_in, ADMINISTER)


def language() -> str:
    """``en`` or ``ru``: the language the page is rendered in."""
    return current().language


def form() -> bottle.FormsDict:
    """The submitted form, decoded as UTF-8 (``get``, ``getall``)."""
    return bottle.request.forms.decode()


def query() -> bottle.FormsDict:
    """The URL's query parameters, decoded as UTF-8."""
    return bottle.request.query.decode()


def content_type() -> str:
    """The request body's media type, lower case, without parameters (``application/json``)."""
    return bottle.request.content_type.partition(";")[0].strip().lower()


def client_address() -> str | None:
    """The address the request came from, as the server saw it. ``X-Forwarded-For`` is not
    believed: anyone can send it. Behind a proxy, let the server take the address from the
    proxy (waitress ``trusted_proxy``, gunicorn ``forwarded_allow_ips``)."""
    return bottle.request.environ.get("REMOTE_ADDR")


def gettext(message: str, **values: Any) -> str:
    """``message`` in the page's language (from the core's and the plugins' catalogs)."""
    return _web().gettext(message, **values)


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n`` in the page's language (three forms in Russian)."""
    return _web().catalog.ngettext(current().language, singular, plural, n, **values)


def render(template: str, **context: Any) -> str:
    """A page from ``template`` (which extends ``layout.html``) with ``context``; templates
    also get ``_``, ``_n``, ``actor``, ``lang``, ``crm``, ``request`` and ``csrf_field()``."""
    return _web().render(template, **context)


def render_form(
    template: str,
    *,
    errors: dict[str, Any] | None = None,
    error: str | None = None,
    **context: Any,
) -> str:
    """A form's page, first shown or shown again after a refusal.

    ``errors`` (per field, as :class:`~crm_core.errors.ValidationError` has them) and
    ``error`` (about the whole form) go to the template with ``context``; when either is
    given, the answer's status is 422, so a browser, a test or a proxy sees that nothing
    was saved::

        except ValidationError as exc:
            return toolkit.render_form("split.html", errors=exc.errors, values=typed)
    """
    if errors or error:
        status(422)
    return render(template, errors=errors or {}, error=error, **context)


def status(code: int) -> None:
    """Set the HTTP status of the page being rendered."""
    bottle.response.status = code


def json_body(*, limit: int | None = None, example: str | None = None) -> dict[str, Any]:
    """The request's JSON object. A body larger than ``limit`` bytes (default: the upload
    limit) is refused with 413; one that is not JSON or not an object with 422, whose
    message shows ``example`` when given (``'{"helpful": true}'``)."""
    limit = _web().crm.config.max_upload_bytes if limit is None else limit
    if (bottle.request.content_length or 0) > limit:
        raise TooLarge(msg("the request body is larger than {limit} bytes", limit=limit))
    try:
        data = json.loads(bottle.request.body.read() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"body": msg("is not valid JSON")}) from None
    if not isinstance(data, dict):
        if example:
            raise ValidationError(
                {"body": msg("must be a JSON object like {example}", example=example)}
            )
        raise ValidationError({"body": msg("must be a JSON object")})
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
    web = _web()
    return Presenter(web.crm, web.crm.registry, state.language, state.actor, web.gettext)


def _web():
    """What the app shares with every route (the security plugin puts it in the request)."""
    return bottle.request.environ[WEB_KEY]
