"""Sign-in state as stored: sessions (``crm_session``), personal API tokens
(``crm_api_token``) and sign-in attempts (``crm_login_failure``).

Tokens arrive here already hashed; the sessions service makes and checks them. Times are
naive UTC datetimes, as everywhere in the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .store import Transaction


@dataclass(frozen=True)
class StoredSession:
    user_id: int
    csrf_token: str
    created_at: dt.datetime
    last_seen: dt.datetime
    #: Whether the session's user may still sign in.
    user_active: bool


@dataclass(frozen=True)
class LiveApiToken:
    """An unrevoked token of an active user."""

    id: int
    user_id: int
    last_used: dt.datetime | None


def _read_time(tx: Transaction, value: Any) -> dt.datetime | None:
    return tx.snapshot.dialect.reader(dt.datetime)(value)


# -- sessions ---------------------------------------------------------------------------


def insert_session(
    tx: Transaction,
    *,
    token_hash: str,
    user_id: int,
    csrf_token: str,
    at: dt.datetime,
    address: str | None,
) -> None:
    tx.snapshot.system.Session(
        token_hash=token_hash,
        user_id=user_id,
        csrf_token=csrf_token,
        created_at=at,
        last_seen=at,
        address=address,
    )


def find_session(tx: Transaction, token_hash: str) -> StoredSession | None:
    row = tx.execute(
        "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen, u.active "
        "FROM crm_session s JOIN crm_user u ON u.id = s.user_id WHERE s.token_hash = ?",
        (token_hash,),
    ).fetchone()
    if row is None:
        return None
    user_id, csrf, created, last_seen, active = row
    return StoredSession(
        user_id, csrf, _read_time(tx, created), _read_time(tx, last_seen), bool(active)
    )


def touch_session(tx: Transaction, token_hash: str, at: dt.datetime) -> None:
    """Note that the session was used at ``at`` (its idle time counts from here)."""
    tx.execute("UPDATE crm_session SET last_seen = ? WHERE token_hash = ?", (at, token_hash))


def delete_session(tx: Transaction, token_hash: str) -> None:
    tx.execute("DELETE FROM crm_session WHERE token_hash = ?", (token_hash,))


def delete_sessions_of(tx: Transaction, user_id: int, *, keep: str | None = None) -> None:
    """End every session of a user, but the one whose token hash is ``keep``."""
    if keep is None:
        tx.execute("DELETE FROM crm_session WHERE user_id = ?", (user_id,))
    else:
        tx.execute("DELETE FROM crm_session WHERE user_id = ? AND token_hash <> ?", (user_id, keep))


# -- API tokens -------------------------------------------------------------------------


def _token_dict(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "last_used": row.last_used,
    }


def insert_api_token(
    tx: Transaction, *, user_id: int, name: str, token_hash: str, at: dt.datetime
) -> dict[str, Any]:
    """Add a token; returns its ``id``, ``name``, ``created_at`` and ``last_used``."""
    row = tx.snapshot.system.ApiToken(
        user_id=user_id, name=name, token_hash=token_hash, created_at=at
    )
    row.flush()
    return _token_dict(row)


def api_tokens_of(tx: Transaction, user_id: int) -> list[dict[str, Any]]:
    """The user's unrevoked tokens, oldest first, as :func:`insert_api_token` gives them."""
    rows = tx.snapshot.system.ApiToken.select(
        lambda t: t.user_id == user_id and not t.revoked
    ).order_by(lambda t: t.id)[:]
    return [_token_dict(row) for row in rows]


def revoke_api_token(tx: Transaction, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; ``False`` when they have no such unrevoked token."""
    row = tx.snapshot.system.ApiToken.get_for_update(id=token_id)
    if row is None or row.user_id != user_id or row.revoked:
        return False
    row.revoked = True
    return True


def revoke_api_tokens_of(tx: Transaction, user_id: int) -> None:
    """Revoke every token of a user (kept as rows, none of them works any more)."""
    tx.execute("UPDATE crm_api_token SET revoked = ? WHERE user_id = ?", (True, user_id))


def delete_api_tokens_of(tx: Transaction, user_id: int) -> None:
    tx.execute("DELETE FROM crm_api_token WHERE user_id = ?", (user_id,))


def find_live_api_token(tx: Transaction, token_hash: str) -> LiveApiToken | None:
    """The unrevoked token with this hash, if its user is active."""
    row = tx.execute(
        "SELECT t.id, t.user_id, t.last_used FROM crm_api_token t "
        "JOIN crm_user u ON u.id = t.user_id "
        "WHERE t.token_hash = ? AND t.revoked = ? AND u.active = ?",
        (token_hash, False, True),
    ).fetchone()
    if row is None:
        return None
    token_id, user_id, last_used = row
    return LiveApiToken(token_id, user_id, _read_time(tx, last_used))


def touch_api_token(tx: Transaction, token_id: int, at: dt.datetime) -> None:
    tx.execute("UPDATE crm_api_token SET last_used = ? WHERE id = ?", (at, token_id))


# -- sign-in attempts -------------------------------------------------------------------


def record_attempt(tx: Transaction, key: str, at: dt.datetime) -> int:
    """Count one sign-in attempt under ``key`` (a login or an address); returns its id."""
    return tx.execute(
        "INSERT INTO crm_login_failure (key, at) VALUES (?, ?) RETURNING id", (key, at)
    ).fetchone()[0]


def forget_attempts_before(tx: Transaction, before: dt.datetime) -> None:
    tx.execute("DELETE FROM crm_login_failure WHERE at < ?", (before,))


def attempts_since(tx: Transaction, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many attempts ``key`` made after ``since``, and when the oldest of them was."""
    count, oldest = tx.execute(
        "SELECT COUNT(*), MIN(at) FROM crm_login_failure WHERE key = ? AND at > ?",
        (key, since),
    ).fetchone()
    return count, _read_time(tx, oldest)


def forget_attempts(tx: Transaction, key: str, ids: list[int]) -> None:
    """Forget every attempt under ``key`` and the attempts ``ids`` (under other keys)."""
    tx.execute("DELETE FROM crm_login_failure WHERE key = ?", (key,))
    for ident in ids:
        tx.execute("DELETE FROM crm_login_failure WHERE id = ?", (ident,))
