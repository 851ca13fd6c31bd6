"""Records as JSON: what the CLI's ``--json`` and the JSON API print."""

from __future__ import annotations

from typing import Any

from .registry import Registry
from .schema import RecordType


def record_to_json(registry: Registry, rt: RecordType, record: dict[str, Any]) -> dict[str, Any]:
    """Field values in JSON form (dates as ISO text, decimals as strings), plus ``type``
    and ``tags``; hidden fields are left out."""
    result: dict[str, Any] = {"type": rt.name}
    for field in rt.fields:
        if field.hidden and field.name != "deleted":
            continue
        value = record.get(field.name)
        result[field.name] = registry.field_types[field.type].to_json(value, field)
    result["tags"] = list(record.get("tags") or [])
    return result


def json_default(value: Any) -> Any:
    """``json.dumps(default=...)`` for values outside records (history times, users)."""
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return (
            text + "Z" if hasattr(value, "hour") and value.tzinfo is None and "T" in text else text
        )
    return str(value)
