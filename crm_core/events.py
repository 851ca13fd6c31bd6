"""What a transaction did, handed to ``crm_after_commit`` once it is committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .actors import Actor


@dataclass(frozen=True)
class Event:
    kind: str  # created, updated, deleted, restored, purged, linked, unlinked, ...
    record_type: str
    record_id: int
    actor: Actor
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
