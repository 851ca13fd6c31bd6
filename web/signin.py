"""The built-in sign-in: a bearer API token, else the session cookie.

This module is the core's implementation of ``crm_actor_from_request``, registered as a
plugin when the app is built. It runs last (``trylast``), so a plugin that signs people
in another way (a portal, single sign-on) answers first; when every plugin answers
``None``, the token or the cookie decides. A session found here is kept in the request's
state: the CSRF check needs it, and sign-out ends it.
"""

from __future__ import annotations

import sys

from crm_core import hookimpl
from crm_core.actors import Actor

from .state import current

SESSION_COOKIE = "crm_session"
PLUGIN_NAME = "web-signin"


@hookimpl(trylast=True)
def crm_actor_from_request(crm, request) -> Actor | None:
    """The actor of an ``Authorization: Bearer TOKEN`` header (a request that sends one is
    never signed in by its cookie), else of the ``crm_session`` cookie; ``None`` for
    neither."""
    authorization = request.get_header("Authorization", "")
    if authorization.lower().startswith("bearer "):
        return crm.sessions.actor_for_api_token(authorization[7:].strip())
    token = request.get_cookie(SESSION_COOKIE)
    session = crm.sessions.resume(token) if token else None
    if session is None:
        return None
    state = current()
    state.session, state.session_token = session, token
    return session.actor


def register(crm) -> None:
    """Add this module to ``crm``'s plugins (once, however many apps are built)."""
    module = sys.modules[__name__]
    if not crm.pm.is_registered(module):
        crm.pm.register(module, name=PLUGIN_NAME)
