"""Users, groups and roles; passwords hashed with Argon2id (memory-hard).

A deactivated user can no longer sign in, and cannot be given new records, but every
record and history entry that names them stays as it was.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import clock
from .actors import SYSTEM, Actor
from .errors import Conflict, NotFound, ValidationError
from .fieldtypes import EMAIL_RE, OWNER_RE, fits_id
from .i18n import msg
from .storage import accounts, sign_in

if TYPE_CHECKING:
    from .runtime import CRM

LOGIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{1,99}")
ROLES = ("admin", "staff")
LANGUAGES = ("en", "ru")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps a wrong login as slow as a wrong password. Made on first
    use: hashing at import would add a quarter second to every ``crm`` command."""
    return _hasher.hash("not a password of anyone")


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(
            {"password": msg("must be at least {limit} characters", limit=MIN_PASSWORD)}
        )
    if len(password) > 1024:
        raise ValidationError({"password": msg("must be at most {limit} characters", limit=1024)})


class Directory:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store

    # -- users --------------------------------------------------------------------------

    def add_user(
        self,
        login: str,
        full_name: str,
        *,
        password: str | None = None,
        email: str | None = None,
        role: str = "staff",
        language: str = "en",
        kind: str = "staff",
        actor: Actor = SYSTEM,
    ) -> dict[str, Any]:
        self._require_admin(actor)
        errors = {}
        login = (login or "").strip()
        if not LOGIN_RE.fullmatch(login):
            errors["login"] = msg(
                "must be 2-100 characters: letters, digits and . _ @ + -, starting with a "
                "letter or digit"
            )
        full_name = " ".join((full_name or "").split())
        if not full_name:
            errors["full_name"] = msg("is required")
        errors.update(self._check_profile(email, role, language))
        if password is not None:
            try:
                check_password_strength(password)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        with self.store.transaction() as tx:
            user = accounts.insert_user(
                tx,
                login=login,
                full_name=full_name,
                email=email or None,
                role=role,
                language=language,
                kind=kind,
                password_hash=_hasher.hash(password) if password else None,
                created_at=clock.utcnow(),
            )
            if user is None:
                raise Conflict(msg("a user with login {login!r} already exists", login=login))
            return self._user_dict(user)

    def _check_profile(self, email: str | None, role: str | None, language: str | None) -> dict:
        errors = {}
        if email and not EMAIL_RE.fullmatch(email):
            errors["email"] = msg("must be an email address, like name@example.com")
        if role is not None and role not in ROLES:
            errors["role"] = msg("must be one of: {choices}", choices=", ".join(ROLES))
        if language is not None and language not in LANGUAGES:
            errors["language"] = msg("must be one of: {choices}", choices=", ".join(LANGUAGES))
        return errors

    def update_user(
        self, key: int | str, *, actor: Actor = SYSTEM, **changes: Any
    ) -> dict[str, Any]:
        """Change full name, email, language (the user themself or an admin), role or
        active (admins only)."""
        allowed = {"full_name", "email", "language", "role", "active"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(dict.fromkeys(unknown, msg("cannot be changed here")))
        with self.store.transaction() as tx:
            user = self._find(tx, key, for_update=True)
            is_self = actor.kind == "user" and actor.id == user.id
            if not (is_self and not {"role", "active"} & set(changes)):
                self.crm.access.require(actor, "administer")
            errors = self._check_profile(
                changes.get("email"), changes.get("role"), changes.get("language")
            )
            if "full_name" in changes and not " ".join(str(changes["full_name"] or "").split()):
                errors["full_name"] = msg("is required")
            if errors:
                raise ValidationError(errors)
            if user.role == "admin" and (
                changes.get("role") == "staff" or changes.get("active") is False
            ):
                self._keep_one_admin(tx, user.id)
            values = dict(changes)
            if "full_name" in values:
                values["full_name"] = " ".join(values["full_name"].split())
            if "email" in values:
                values["email"] = values["email"] or None
            return self._user_dict(accounts.update_user(tx, user.id, values))

    def _keep_one_admin(self, tx, leaving_id: int) -> None:
        if not accounts.count_other_active_admins(tx, leaving_id):
            raise Conflict(
                msg("this is the last active administrator; make someone else admin first")
            )

    def deactivate(self, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        """Stop a user signing in: the flag, their sessions and API tokens go together."""
        with self.store.transaction() as tx:
            user = self.update_user(key, active=False, actor=actor)
            sign_in.delete_sessions_of(tx, user["id"])
            sign_in.revoke_api_tokens_of(tx, user["id"])
        return user

    def activate(self, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        return self.update_user(key, active=True, actor=actor)

    def set_password(
        self,
        key: int | str,
        password: str,
        *,
        actor: Actor = SYSTEM,
        current_password: str | None = None,
        keep_session_hash: str | None = None,
    ) -> None:
        """Set a password: an admin for anyone, a user for themself (with the current one).
        Every other session of the user ends (``keep_session_hash`` keeps the caller's).
        An administrator resetting someone's password (the account may be in the wrong
        hands) also revokes their API tokens; changing one's own password keeps them."""
        check_password_strength(password)
        with self.store.transaction() as tx:
            user = self._find(tx, key, for_update=True)
            is_self = actor.kind == "user" and actor.id == user.id
            if is_self:
                if current_password is None or not self._verify(
                    user.password_hash, current_password
                ):
                    raise ValidationError({"current_password": msg("is not your current password")})
            else:
                self.crm.access.require(actor, "administer")
            accounts.set_password_hash(tx, user.id, _hasher.hash(password))
            sign_in.delete_sessions_of(tx, user.id, keep=keep_session_hash)
            if not is_self:
                sign_in.delete_api_tokens_of(tx, user.id)

    def authenticate(self, login: str, password: str) -> dict[str, Any] | None:
        """The user if the login is active and the password right; ``None`` otherwise."""
        with self.store.transaction() as tx:
            user = accounts.find_user(tx, str(login or ""))
            if user is None or not user.password_hash:
                self._verify(_dummy_hash(), password or "")
                return None
            if not self._verify(user.password_hash, password or "") or not user.active:
                return None
            if _hasher.check_needs_rehash(user.password_hash):
                accounts.set_password_hash(tx, user.id, _hasher.hash(password))
            return self._user_dict(user)

    @staticmethod
    def _verify(stored: str | None, password: str) -> bool:
        if not stored:
            return False
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def get_user(self, key: int | str) -> dict[str, Any]:
        with self.store.reading() as tx:
            return self._user_dict(self._find(tx, key))

    def list_users(self, *, include_inactive: bool = True) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            users = accounts.list_users(tx)
        return [self._user_dict(u) for u in users if include_inactive or u.active]

    def actor_for(self, key: int | str) -> Actor:
        """The :class:`Actor` for a user (with their groups)."""
        with self.store.reading() as tx:
            profile = accounts.user_profile(tx, key)
        if profile is None:
            raise NotFound(msg("no user {key!r}", key=key))
        return Actor(
            kind="user",
            id=profile.id,
            login=profile.login,
            name=profile.full_name,
            role=profile.role,
            groups=profile.groups,
            language=profile.language,
        )

    def _find(self, tx, key: int | str, for_update: bool = False) -> accounts.StoredUser:
        user = accounts.find_user(tx, key, for_update=for_update)
        if user is None:
            raise NotFound(msg("no user {key!r}", key=key))
        return user

    @staticmethod
    def _user_dict(user: accounts.StoredUser) -> dict[str, Any]:
        return {
            "id": user.id,
            "login": user.login,
            "full_name": user.full_name,
            "email": user.email,
            "language": user.language,
            "role": user.role,
            "active": user.active,
            "kind": user.kind,
            "has_password": bool(user.password_hash),
            "created_at": user.created_at,
        }

    def _require_admin(self, actor: Actor) -> None:
        self.crm.access.require(actor, "administer")

    # -- groups -------------------------------------------------------------------------

    def add_group(
        self, name: str, description: str = "", *, actor: Actor = SYSTEM
    ) -> dict[str, Any]:
        self._require_admin(actor)
        name = " ".join((name or "").split())
        if not name or len(name) > 100 or ":" in name:
            raise ValidationError({"name": msg("must be 1-100 characters, without ':'")})
        with self.store.transaction() as tx:
            group = accounts.insert_group(tx, name, description or None)
        if group is None:
            raise Conflict(msg("a group named {name!r} already exists", name=name))
        return _group_dict(group)

    def list_groups(self) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            groups = accounts.list_groups(tx)
        return [_group_dict(group) for group in groups]

    def get_group(self, key: int | str) -> dict[str, Any]:
        for group in self.list_groups():
            if group["id"] == key or group["name"] == key:
                return group
        raise NotFound(msg("no group {key!r}", key=key))

    def set_members(
        self,
        group: int | str,
        *,
        add: list[str] = (),
        remove: list[str] = (),
        actor: Actor = SYSTEM,
    ) -> dict[str, Any]:
        self._require_admin(actor)
        found = self.get_group(group)
        with self.store.transaction() as tx:
            for login in add:
                accounts.add_member(tx, found["id"], self._find(tx, login).id)
            for login in remove:
                accounts.remove_member(tx, found["id"], self._find(tx, login).id)
        return self.get_group(found["id"])

    # -- display ------------------------------------------------------------------------

    def owner_names(self, refs: list[str | None]) -> dict[str, str]:
        """``{"user:3": "Anna Petrova", "group:1": "Support"}`` for showing owners."""
        parsed = [OWNER_RE.fullmatch(r) for r in refs if r]
        users = {int(m[2]) for m in parsed if m and m[1] == "user" and fits_id(int(m[2]))}
        groups = {int(m[2]) for m in parsed if m and m[1] == "group" and fits_id(int(m[2]))}
        with self.store.reading() as tx:
            user_names = accounts.user_names(tx, sorted(users))
            group_names = accounts.group_names(tx, sorted(groups))
        names = {f"user:{ident}": name for ident, name in user_names.items()}
        names.update((f"group:{ident}", name) for ident, name in group_names.items())
        return names

    def owner_choices(self) -> list[tuple[str, str]]:
        """Active users and all groups as ``(value, label)`` for assignment pickers."""
        choices = [
            (f"user:{u['id']}", u["full_name"])
            for u in self.list_users(include_inactive=False)
            if u["kind"] == "staff"
        ]
        choices += [(f"group:{g['id']}", g["name"]) for g in self.list_groups()]
        return choices


def _group_dict(group: accounts.StoredGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "members": list(group.members),
    }
