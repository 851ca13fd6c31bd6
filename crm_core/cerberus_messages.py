"""Turn Cerberus error trees into flat, readable ``path: message`` lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def flatten(errors: dict[Any, Any], path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Yield ``(path, message)`` for every leaf of a Cerberus ``validator.errors`` tree."""
    for key, entries in errors.items():
        for entry in entries:
            if isinstance(entry, dict):
                yield from flatten(entry, (*path, key))
            else:
                yield (*path, key), entry


def unknown_key_message(message: str, allowed: list[str]) -> str:
    """Cerberus says "unknown field"; we say what is allowed instead."""
    if message == "unknown field":
        return "unknown key; allowed keys: " + ", ".join(sorted(allowed))
    return message
