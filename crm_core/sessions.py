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
        now = clock.utcnow()
        with self.store.transaction() as tx:
            tx.snapshot.system.Session(
                token_hash=digest(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                last_seen=now,
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
            row = tx.execute(
                "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen, u.active "
                "FROM crm_session s JOIN crm_user u ON u.id = s.user_id WHERE s.token_hash = ?",
                (hashed,),
            ).fetchone()
            read_time = tx.snapshot.dialect.reader(dt.datetime)
        if row is None:
            return None
        user_id, csrf, created, last_seen, active = row
        created, last_seen = read_time(created), read_time(last_seen)
        if not active or now - last_seen > self.idle or now - created > self.lifetime:
            self.end(token)
            return None
        if now - last_seen > TOUCH_EVERY:
            with self.store.transaction() as tx:
                tx.execute(
                    "UPDATE crm_session SET last_seen = ? WHERE token_hash = ?", (now, hashed)
                )
        return Session(hashed, user_id, csrf, self.crm.directory.actor_for(user_id))

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM crm_session WHERE token_hash = ?", (digest(token),))

    # -- API tokens ---------------------------------------------------------------------

    def create_api_token(self, user_id: int, name: str) -> tuple[str, dict[str, Any]]:
        """A new personal API token; the token itself is shown once and never stored."""
        name = " ".join((name or "").split())
        if not name or len(name) > 100:
            raise ValidationError({"name": msg("give the token a name (1-100 characters)")})
        token = "crm_" + secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            row = tx.snapshot.system.ApiToken(
                user_id=user_id, name=name, token_hash=digest(token), created_at=clock.utcnow()
            )
            row.flush()
            return token, self._token_dict(row)

    def api_tokens(self, user_id: int) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            rows = tx.snapshot.system.ApiToken.select(
                lambda t: t.user_id == user_id and not t.revoked
            ).order_by(lambda t: t.id)[:]
            return [self._token_dict(row) for row in rows]

    def revoke_api_token(self, user_id: int, token_id: int) -> None:
        with self.store.transaction() as tx:
            row = (
                tx.snapshot.system.ApiToken.get_for_update(id=token_id)
                if fits_id(token_id)
                else None
            )
            if row is None or row.user_id != user_id or row.revoked:
                raise NotFound(msg("API token {id} not found", id=token_id))
            row.revoked = True

    def actor_for_api_token(self, token: str | None) -> Actor | None:
        if not token or len(token) > 200:
            return None
        with self.store.reading() as tx:
            row = tx.execute(
                "SELECT t.id, t.user_id, t.last_used FROM crm_api_token t "
                "JOIN crm_user u ON u.id = t.user_id "
                "WHERE t.token_hash = ? AND t.revoked = ? AND u.active = ?",
                (digest(token), False, True),
            ).fetchone()
            if row is None:
                return None
            token_id, user_id, last_used = row
            last_used = tx.snapshot.dialect.reader(dt.datetime)(last_used)
            actor = self.crm.directory.actor_for(user_id)  # in the same read transaction
        now = clock.utcnow()
        if last_used is None or now - last_used > TOUCH_EVERY:
            with self.store.transaction() as tx:
                tx.execute("UPDATE crm_api_token SET last_used = ? WHERE id = ?", (now, token_id))
        return actor

    @staticmethod
    def _token_dict(row) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "created_at": row.created_at,
            "last_used": row.last_used,
        }

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
        with self.store.transaction() as tx:
            ids = [
                tx.execute(
                    "INSERT INTO crm_login_failure (key, at) VALUES (?, ?) RETURNING id", (key, now)
                ).fetchone()[0]
                for key in self._keys(login, address)
            ]
            tx.execute("DELETE FROM crm_login_failure WHERE at < ?", (now - 2 * self.window,))
            read_time = tx.snapshot.dialect.reader(dt.datetime)
            waits = []
            for key in self._keys(login, address):
                count, oldest = tx.execute(
                    "SELECT COUNT(*), MIN(at) FROM crm_login_failure WHERE key = ? AND at > ?",
                    (key, since),
                ).fetchone()
                if count > self.attempts:
                    waits.append(read_time(oldest) + self.window - now)
        if not waits:
            return ids, 0
        return ids, max(1, int(max(waits).total_seconds() // 60) + 1)

    def succeeded(self, login: str, attempt_ids: list[int]) -> None:
        """A sign-in worked: forget this attempt and the login's earlier failures."""
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM crm_login_failure WHERE key = ?", (self._keys(login, None)[0],))
            for ident in attempt_ids:
                tx.execute("DELETE FROM crm_login_failure WHERE id = ?", (ident,))
