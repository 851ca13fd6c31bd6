"""Who is doing something: a staff user, a customer (portal contact) or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    kind: str  # "system", "user" or "contact"
    id: int | None = None
    login: str = ""
    name: str = ""
    role: str = "staff"  # "admin" or "staff" for users
    groups: tuple[int, ...] = field(default_factory=tuple)
    language: str = "en"

    @property
    def ref(self) -> str | None:
        """The owner-style reference stored in created_by / modified_by / history."""
        if self.kind == "system" or self.id is None:
            return None
        return f"{self.kind}:{self.id}"

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_admin(self) -> bool:
        return self.kind == "system" or (self.kind == "user" and self.role == "admin")

    @property
    def is_staff(self) -> bool:
        return self.kind == "system" or self.kind == "user"

    def owner_refs(self) -> list[str]:
        """Owner values that make a record "mine": the user and each of their groups."""
        if self.kind != "user":
            return []
        return [f"user:{self.id}", *(f"group:{group}" for group in self.groups)]


SYSTEM = Actor(kind="system", name="System")
