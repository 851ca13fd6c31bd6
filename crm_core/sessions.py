"""Sign-in state: server-side sessions, personal API tokens and login rate limits.

Only hashes of session and API tokens are stored, so a copy of the database does not let
anyone in. A session ends after ``session_idle_minutes`` without use or
``session_max_hours`` after sign-in, whichever comes first ([web] in plugins.toml).
Failed sign-ins are counted per login and per address over ``login_window_minutes``; after
``login_attempts`` failures further attempts are refused until the window passes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import clock
from .actors import Actor
from .errors import NotFound, ValidationError
from .fieldtypes import fits_id
from .i18n import msg
from .storage import sign_in

if TYPE_CHECKING:
    from .runtime import CRM

#: Don't write last_seen on every request: once a minute is precise enough for expiry.
TOUCH_EVERY = dt.timedelta(seconds=60)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token_hash: str
    user_id: int
    csrf_token: str
    actor: Actor


class Sessions:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store
        web = crm.config.web
        self.idle = dt.timedelta(minutes=web.get("session_idle_minutes", 120))
        self.lifetime = dt.timedelta(hours=web.get("session_max_hours", 24 * 7))
        self.attempts = web.get("login_attempts", 5)
        self.window = dt.timedelta(minutes=web.get("login_window_minutes", 15))

    # -- sessions -----------------------------------------------------------------------

    def start(self, user_id: int, address: str | None) -> tuple[str, Session]:
        """A new session for a user who just proved who they are; returns the cookie token."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            sign_in.insert_session(
                tx,
                token_hash=digest(token),
                user_id=user_id,
                csrf_token=csrf,
                at=clock.utcnow(),
                address=(address or "")[:64] or None,
            )
        return token, Session(digest(token), user_id, csrf, self.crm.directory.actor_for(user_id))

    def resume(self, token: str | None) -> Session | None:
        """The live session for a cookie token, or ``None`` (unknown, expired, user inactive)."""
        if not token or len(token) > 200:
            return None
        hashed = digest(token)
        now = clock.utcnow()
        with self.store.reading() as tx:
            stored = sign_in.find_session(tx, hashed)
        if stored is None:
            return None
        if (
            not stored.user_active
            or now - stored.last_seen > self.idle
            or now - stored.created_at > self.lifetime
        ):
            self.end(token)
            return None
        if now - stored.last_seen > TOUCH_EVERY:
            with self.store.transaction() as tx:
                sign_in.touch_session(tx, hashed, now)
        return Session(
            hashed, stored.user_id, stored.csrf_token, self.crm.directory.actor_for(stored.user_id)
        )

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self.store.transaction() as tx:
            sign_in.delete_session(tx, digest(token))

    # -- API tokens ---------------------------------------------------------------------

    def create_api_token(self, user_id: int, name: str) -> tuple[str, dict[str, Any]]:
        """A new personal API token; the token itself is shown once and never stored."""
        name = " ".join((name or "").split())
        if not name or len(name) > 100:
            raise ValidationError({"name": msg("give the token a name (1-100 characters)")})
        token = "crm_" + secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            stored = sign_in.insert_api_token(
                tx, user_id=user_id, name=name, token_hash=digest(token), at=clock.utcnow()
            )
        return token, stored

    def api_tokens(self, user_id: int) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            return sign_in.api_tokens_of(tx, user_id)

    def revoke_api_token(self, user_id: int, token_id: int) -> None:
        with self.store.transaction() as tx:
            if not (fits_id(token_id) and sign_in.revoke_api_token(tx, user_id, token_id)):
                raise NotFound(msg("API token {id} not found", id=token_id))

    def actor_for_api_token(self, token: str | None) -> Actor | None:
        if not token or len(token) > 200:
            return None
        with self.store.reading() as tx:
            found = sign_in.find_live_api_token(tx, digest(token))
            if found is None:
                return None
            actor = self.crm.directory.actor_for(found.user_id)  # in the same read transaction
        now = clock.utcnow()
        if found.last_used is None or now - found.last_used > TOUCH_EVERY:
            with self.store.transaction() as tx:
                sign_in.touch_api_token(tx, found.id, now)
        return actor

    # -- rate limits --------------------------------------------------------------------

    def _keys(self, login: str, address: str | None) -> list[str]:
        keys = [f"login:{(login or '').strip().casefold()[:150]}"]
        if address:
            keys.append(f"address:{address[:150]}")
        return keys

    def attempt(self, login: str, address: str | None) -> tuple[list[int], int]:
        """Count a sign-in attempt *before* its password is checked, then say whether it may
        go on: ``(attempt ids, minutes to wait)`` — wait 0 means go on. Counting first means
        many attempts at the same moment cannot all slip under the limit; a successful
        sign-in takes its attempt back with :meth:`succeeded`."""
        now = clock.utcnow()
        since = now - self.window
        keys = self._keys(login, address)
        with self.store.transaction() as tx:
            ids = [sign_in.record_attempt(tx, key, now) for key in keys]
            sign_in.forget_attempts_before(tx, now - 2 * self.window)
            waits = []
            for key in keys:
                count, oldest = sign_in.attempts_since(tx, key, since)
                if count > self.attempts:
                    waits.append(oldest + self.window - now)
        if not waits:
            return ids, 0
        return ids, max(1, int(max(waits).total_seconds() // 60) + 1)

    def succeeded(self, login: str, attempt_ids: list[int]) -> None:
        """A sign-in worked: forget this attempt and the login's earlier failures."""
        with self.store.transaction() as tx:
            sign_in.forget_attempts(tx, self._keys(login, None)[0], attempt_ids)
