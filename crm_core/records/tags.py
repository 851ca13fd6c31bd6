"""Tags: free words on records, kept lower-case, trimmed and sorted."""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..i18n import msg
from ..storage import activity_repo
from ..storage.store import Transaction

TAG_MAX = 64


def normalize_tags(raw: Any) -> list[str]:
    """Tags as given (a list, or text separated by commas) → sorted, distinct, folded
    words; ``None`` is no tags."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list | tuple | set):
        raise ValidationError({"tags": msg("must be a list of words, or text separated by commas")})
    tags = []
    for item in raw:
        if not isinstance(item, str):
            raise ValidationError({"tags": msg("must be a list of words")})
        tag = " ".join(item.split()).casefold()
        if len(tag) > TAG_MAX:
            raise ValidationError(
                {"tags": msg("a tag must be at most {limit} characters", limit=TAG_MAX)}
            )
        if tag and tag not in tags:
            tags.append(tag)
    return sorted(tags)


def tags_of(tx: Transaction, type_name: str, ids: list[int]) -> dict[int, list[str]]:
    """Each record's tags by id (records without tags are left out)."""
    return activity_repo.tags_of(tx, type_name, ids)


def with_tags(tx: Transaction, type_name: str, records: list[dict[str, Any]]) -> None:
    """Put each record's ``tags`` into it."""
    tags = tags_of(tx, type_name, [record["id"] for record in records])
    for record in records:
        record["tags"] = tags.get(record["id"], [])


def write_tags(
    tx: Transaction, type_name: str, record_id: int, old: list[str], new: list[str]
) -> None:
    """Change a record's tags from ``old`` to ``new``."""
    activity_repo.remove_tags(tx, type_name, record_id, set(old) - set(new))
    activity_repo.add_tags(tx, type_name, record_id, sorted(set(new) - set(old)))
