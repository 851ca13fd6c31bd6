"""Per-request state (who is asking, in which language, with which CSRF token).

The security plugin fills it in before a route runs; routes, templates and plugin pages
read it through :func:`current`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import bottle

from crm_core.actors import Actor
from crm_core.sessions import Session

ENVIRON_KEY = "crm.request"
WEB_KEY = "crm.web"
FLASH_COOKIE = "crm_flash"


@dataclass
class RequestState:
    actor: Actor | None = None
    session: Session | None = None
    session_token: str | None = None
    language: str = "en"
    api: bool = False
    plugin: str | None = None  # the plugin whose route answers (None: a core page)
    flashes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""


def current() -> RequestState:
    state = bottle.request.environ.get(ENVIRON_KEY)
    if state is None:
        state = RequestState()
        bottle.request.environ[ENVIRON_KEY] = state
    return state


def flash(message: str, kind: str = "info") -> None:
    """Show ``message`` on the next page (after a redirect)."""
    pending = bottle.request.environ.setdefault("crm.flash_out", [])
    pending.append((kind, message))
    bottle.response.set_cookie(
        FLASH_COOKIE,
        quote("\x1f".join(f"{k}\x1e{m}" for k, m in pending)),
        path="/",
        httponly=True,
        samesite="lax",
        max_age=60,
    )


def take_flashes() -> list[tuple[str, str]]:
    raw = bottle.request.get_cookie(FLASH_COOKIE)
    if not raw:
        return []
    bottle.response.delete_cookie(FLASH_COOKIE, path="/")
    messages = []
    for item in unquote(raw).split("\x1f")[:5]:
        kind, _, message = item.partition("\x1e")
        if kind in ("info", "error", "warning") and message:
            messages.append((kind, message[:500]))
    return messages
