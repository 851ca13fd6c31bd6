"""Users, groups and group memberships as stored in ``crm_user``, ``crm_group`` and
``crm_group_member``.

The directory service decides who may change what and checks the values; these functions
only read and write rows. A user is found by id (an ``int``) or by login (a ``str``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..fieldtypes import fits_id
from .store import Transaction


@dataclass(frozen=True)
class StoredUser:
    id: int
    login: str
    full_name: str
    email: str | None
    language: str
    role: str
    active: bool
    kind: str
    password_hash: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class UserProfile:
    """What a signed-in user acts with: enough to build an actor, and their groups."""

    id: int
    login: str
    full_name: str
    role: str
    language: str
    groups: tuple[int, ...]


@dataclass(frozen=True)
class StoredGroup:
    id: int
    name: str
    description: str | None
    #: Logins of the members, in login order.
    members: tuple[str, ...] = ()


#: The columns :func:`update_user` may change.
USER_CHANGES = frozenset({"full_name", "email", "language", "role", "active"})


def _user_key(key: int | str) -> dict[str, Any] | None:
    """The lookup that finds a user by ``key``, or ``None`` for an id no row can have."""
    if isinstance(key, int):
        return {"id": key} if fits_id(key) else None
    return {"login": str(key).strip()}


def _stored_user(user) -> StoredUser:
    return StoredUser(
        id=user.id,
        login=user.login,
        full_name=user.full_name,
        email=user.email,
        language=user.language,
        role=user.role,
        active=user.active,
        kind=user.kind,
        password_hash=user.password_hash,
        created_at=user.created_at,
    )


# -- users ------------------------------------------------------------------------------


def find_user(tx: Transaction, key: int | str, *, for_update: bool = False) -> StoredUser | None:
    """The user with this id or login; ``for_update`` locks the row until the commit."""
    lookup = _user_key(key)
    if lookup is None:
        return None
    User = tx.snapshot.system.User
    user = (User.get_for_update if for_update else User.get)(**lookup)
    return None if user is None else _stored_user(user)


def insert_user(
    tx: Transaction,
    *,
    login: str,
    full_name: str,
    email: str | None,
    role: str,
    language: str,
    kind: str,
    password_hash: str | None,
    created_at: dt.datetime,
) -> StoredUser | None:
    """Add a user; ``None`` when the login is taken."""
    User = tx.snapshot.system.User
    if User.get(login=login) is not None:
        return None
    user = User(
        login=login,
        full_name=full_name,
        email=email,
        role=role,
        language=language,
        kind=kind,
        password_hash=password_hash,
        created_at=created_at,
    )
    user.flush()
    return _stored_user(user)


def update_user(tx: Transaction, user_id: int, changes: dict[str, Any]) -> StoredUser:
    """Write ``changes`` (columns of :data:`USER_CHANGES`) to an existing user."""
    unknown = set(changes) - USER_CHANGES
    if unknown:
        raise ValueError(f"crm_user columns that cannot be changed: {sorted(unknown)}")
    user = tx.snapshot.system.User[user_id]
    user.set(**changes)
    return _stored_user(user)


def set_password_hash(tx: Transaction, user_id: int, password_hash: str) -> None:
    tx.snapshot.system.User[user_id].password_hash = password_hash


def count_other_active_admins(tx: Transaction, user_id: int) -> int:
    """How many active administrators there are besides ``user_id``."""
    return tx.execute(
        "SELECT COUNT(*) FROM crm_user WHERE role = 'admin' AND active = ? AND id <> ?",
        (True, user_id),
    ).fetchone()[0]


def list_users(tx: Transaction) -> list[StoredUser]:
    """Every user, active or not, in login order."""
    users = tx.snapshot.system.User.select().order_by(lambda u: u.login)[:]
    return [_stored_user(user) for user in users]


def user_profile(tx: Transaction, key: int | str) -> UserProfile | None:
    """The user and their groups, for acting as them. Plain SQL and no entities: every
    request of a signed-in user or API client comes through here."""
    lookup = _user_key(key)
    if lookup is None:
        return None
    ((column, value),) = lookup.items()
    row = tx.execute(
        f"SELECT id, login, full_name, role, language FROM crm_user WHERE {column} = ?",
        (value,),
    ).fetchone()
    if row is None:
        return None
    user_id, login, full_name, role, language = row
    groups = tuple(
        group
        for (group,) in tx.execute(
            "SELECT group_id FROM crm_group_member WHERE user_id = ? ORDER BY group_id",
            (user_id,),
        ).fetchall()
    )
    return UserProfile(user_id, login, full_name, role, language, groups)


def user_names(tx: Transaction, ids: list[int]) -> dict[int, str]:
    """``{id: full name}`` of the users among ``ids`` that exist."""
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    return dict(
        tx.execute(
            f"SELECT id, full_name FROM crm_user WHERE id IN ({placeholders})", list(ids)
        ).fetchall()
    )


# -- groups -----------------------------------------------------------------------------


def insert_group(tx: Transaction, name: str, description: str | None) -> StoredGroup | None:
    """Add a group; ``None`` when the name is taken."""
    Group = tx.snapshot.system.Group
    if Group.get(name=name) is not None:
        return None
    group = Group(name=name, description=description)
    group.flush()
    return StoredGroup(group.id, group.name, group.description)


def list_groups(tx: Transaction) -> list[StoredGroup]:
    """Every group with its members, in name order."""
    groups = tx.snapshot.system.Group.select().order_by(lambda g: g.name)[:]
    members: dict[int, list[str]] = {}
    for group_id, login in tx.execute(
        "SELECT m.group_id, u.login FROM crm_group_member m "
        "JOIN crm_user u ON u.id = m.user_id ORDER BY u.login"
    ).fetchall():
        members.setdefault(group_id, []).append(login)
    return [StoredGroup(g.id, g.name, g.description, tuple(members.get(g.id, ()))) for g in groups]


def group_names(tx: Transaction, ids: list[int]) -> dict[int, str]:
    """``{id: name}`` of the groups among ``ids`` that exist."""
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    return dict(
        tx.execute(
            f"SELECT id, name FROM crm_group WHERE id IN ({placeholders})", list(ids)
        ).fetchall()
    )


def add_member(tx: Transaction, group_id: int, user_id: int) -> None:
    """Make the user a member of the group (nothing happens if they are one)."""
    Member = tx.snapshot.system.GroupMember
    if Member.get(group_id=group_id, user_id=user_id) is None:
        Member(group_id=group_id, user_id=user_id)


def remove_member(tx: Transaction, group_id: int, user_id: int) -> None:
    """End the user's membership of the group (nothing happens if they are no member)."""
    member = tx.snapshot.system.GroupMember.get(group_id=group_id, user_id=user_id)
    if member is not None:
        member.delete()
