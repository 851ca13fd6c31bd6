"""The Bottle plugin every route runs through: who is asking, CSRF, and errors.

For each request it picks up registry changes made by other processes, finds the actor
(``crm_actor_from_request``: a plugin's implementation, else the built-in bearer token and
session cookie sign-in of :mod:`.signin`), refuses anonymous access to non-public routes,
checks the CSRF token of every state-changing request, and turns the errors a user can
cause into a page or JSON with the right status. Tracebacks are shown only when the
server runs with ``--debug``.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import traceback
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import bottle

from crm_core.errors import CRMError, NotFound, PermissionDenied, TooLarge, ValidationError
from crm_core.serialize import json_default

from .state import WEB_KEY, current

if TYPE_CHECKING:
    from .app import Web

log = logging.getLogger("crm.web")
LOGIN_CSRF_COOKIE = "crm_login_csrf"
LANGUAGE_COOKIE = "crm_lang"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}


class CRMPlugin:
    name = "crm"
    api = 2

    def __init__(self, web: Web):
        self.web = web

    def apply(self, callback, route):
        config = route.config
        public = config.get("public", False)
        is_api = config.get("api", False)
        csrf_exempt = config.get("csrf_exempt", False)
        plugin = config.get("plugin")
        web = self.web

        def wrapper(*args: Any, **kwargs: Any):
            state = current()
            state.api = is_api
            state.plugin = plugin
            bottle.request.environ[WEB_KEY] = web
            try:
                with web.crm.refreshed():
                    via_cookie = self._identify(state)
                if state.actor is None and not public:
                    if is_api:
                        return json_error(
                            401, "unauthorized", "sign in: send Authorization: Bearer TOKEN"
                        )
                    target = bottle.request.fullpath
                    if bottle.request.query_string:
                        target += "?" + bottle.request.query_string
                    return bottle.redirect("/login?next=" + quote(target))
                if bottle.request.method in UNSAFE_METHODS and not csrf_exempt:
                    problem = self._csrf_problem(state, via_cookie, is_api, public)
                    if problem:
                        if is_api:
                            return json_error(403, "csrf", problem)
                        return web.error_page(403, problem)
                return callback(*args, **kwargs)
            except bottle.HTTPResponse:
                raise
            except CRMError as exc:
                return self._user_error(exc, is_api)
            except Exception:
                error_id = uuid.uuid4().hex[:10]
                log.exception(
                    "error %s on %s %s", error_id, bottle.request.method, bottle.request.path
                )
                detail = traceback.format_exc() if web.debug else None
                if is_api:
                    return json_error(
                        500,
                        "internal_error",
                        f"something went wrong (error {error_id})",
                        detail=detail,
                    )
                return web.error_page(
                    500, web.gettext("Something went wrong (error {id}).", id=error_id), detail
                )

        return wrapper

    def _identify(self, state) -> bool:
        """Set the actor (``crm_actor_from_request``: a plugin's, else the built-in token
        and cookie sign-in of :mod:`.signin`); returns True when it came from the session
        cookie."""
        crm = self.web.crm
        actor = crm.hook.crm_actor_from_request(crm=crm, request=bottle.request)
        if actor is None:
            state.language = self._anonymous_language()
            return False
        state.actor = actor
        state.language = actor.language
        return state.session is not None

    def _anonymous_language(self) -> str:
        chosen = bottle.request.query.get("lang") or bottle.request.get_cookie(LANGUAGE_COOKIE)
        if chosen in ("en", "ru"):
            return chosen
        accept = bottle.request.get_header("Accept-Language", "")
        if accept.lower().startswith("ru"):
            return "ru"
        return self.web.crm.config.language

    def _csrf_problem(self, state, via_cookie: bool, is_api: bool, public: bool) -> str | None:
        gettext = self.web.gettext
        if is_api:
            if not via_cookie:
                return None  # bearer tokens are not sent by browsers on their own
            sent = bottle.request.get_header("X-CSRF-Token", "")
            if state.session and _same(sent, state.session.csrf_token):
                return None
            return "requests signed in with the session cookie must send the X-CSRF-Token header"
        sent = bottle.request.forms.get("csrf_token", "")
        if state.session is not None:
            if _same(sent, state.session.csrf_token):
                return None
        elif public:
            cookie = bottle.request.get_cookie(LOGIN_CSRF_COOKIE, "")
            if cookie and _same(sent, cookie):
                return None
        return gettext(
            "The form has expired or did not come from this site. Go back, reload the page and try again."
        )

    def _user_error(self, exc: CRMError, is_api: bool):
        gettext = self.web.gettext
        if is_api:
            fields = exc.errors if isinstance(exc, ValidationError) else None
            return json_error(exc.http_status, exc.code, exc.message, fields=fields)
        if isinstance(exc, NotFound):
            return self.web.error_page(
                404, gettext("Not found: it does not exist, or you may not see it.")
            )
        if isinstance(exc, PermissionDenied):
            return self.web.error_page(403, exc.message)
        if isinstance(exc, TooLarge):
            return self.web.error_page(413, exc.message)
        return self.web.error_page(exc.http_status, exc.message)


def _same(sent: str, expected: str) -> bool:
    """Constant-time comparison that also takes text no token could contain."""
    return hmac.compare_digest(sent.encode(), expected.encode())


def json_error(
    status: int, code: str, message: str, fields: dict | None = None, detail: str | None = None
):
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    if detail:
        body["error"]["traceback"] = detail
    return json_response(body, status)


def json_response(body: Any, status: int = 200):
    bottle.response.status = status
    bottle.response.content_type = "application/json; charset=utf-8"
    return json.dumps(body, ensure_ascii=False, default=json_default)


def safe_path(target: str | None, fallback: str = "/") -> str:
    """``target`` if it is a path on this site, else ``fallback``: a redirect after sign-in
    or a form must never lead to another site (no scheme, no host, no backslash or control
    character a browser would strip into ``//evil.example``)."""
    if (
        not target
        or not target.startswith("/")
        or "\\" in target
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("//"):
        return fallback
    return target


def login_csrf_token() -> str:
    """The token the sign-in form carries before there is a session (double-submit)."""
    token = bottle.request.get_cookie(LOGIN_CSRF_COOKIE)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(24)
        bottle.response.set_cookie(
            LOGIN_CSRF_COOKIE, token, path="/", httponly=True, samesite="lax", secure=is_secure()
        )
    return token


def is_secure() -> bool:
    """Whether cookies should carry Secure: HTTPS requests (or [web] secure_cookies)."""
    setting = current_web_setting("secure_cookies", "auto")
    if setting == "always":
        return True
    if setting == "never":
        return False
    forwarded = bottle.request.get_header("X-Forwarded-Proto", "")
    return bottle.request.urlparts.scheme == "https" or forwarded.lower() == "https"


def current_web_setting(key: str, default: Any) -> Any:
    web = bottle.request.app.config.get("crm.web")
    return web.crm.config.web.get(key, default) if web else default


def add_security_headers() -> None:
    """The site-wide headers, unless a response chose a stricter one (downloads are
    sandboxed)."""
    for name, value in SECURITY_HEADERS.items():
        if name not in bottle.response.headers:
            bottle.response.set_header(name, value)
