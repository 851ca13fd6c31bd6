"""Errors a user can cause. Each carries a message fit to show as it is.

The CLI prints them without a traceback (exit status 2 for configuration and schema
errors, 1 for a refused operation); the web layer turns them into pages or JSON with a
status code. Anything else that escapes is a bug and is shown only with ``--debug``.
"""

from __future__ import annotations

from .i18n import msg


class CRMError(Exception):
    """Base class: an error whose message is meant for the person who caused it."""

    http_status = 400
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(CRMError):
    """`plugins.toml`, a plugin's settings or the plugin set is wrong."""

    code = "config_error"


class SchemaError(CRMError):
    """A record-type definition is wrong (names the file, type, field and problem)."""

    code = "schema_error"


class ValidationError(CRMError):
    """Values failed validation; ``errors`` maps a field name (or ``_record``) to a message."""

    http_status = 422
    code = "validation_error"

    def __init__(self, errors: dict[str, str], message: str | None = None):
        self.errors = dict(errors)
        if message is None:
            message = _joined(self.errors)
        super().__init__(message)


def _joined(errors: dict[str, str]) -> str:
    """``field: problem; field: problem``, built so each problem stays translatable."""
    joined = ""
    for field, problem in errors.items():
        part = msg("{field}: {problem}", field=field, problem=problem)
        joined = msg("{earlier}; {next}", earlier=joined, next=part) if joined else part
    return joined


class NotFound(CRMError):
    """The record (or other object) does not exist, or the actor may not see it."""

    http_status = 404
    code = "not_found"


class Conflict(CRMError):
    """The operation is not possible in the current state (e.g. converting twice)."""

    http_status = 409
    code = "conflict"


class PermissionDenied(CRMError):
    """The actor may see the object but may not do this to it."""

    http_status = 403
    code = "forbidden"


class TooLarge(CRMError):
    """An upload is larger than the configured limit."""

    http_status = 413
    code = "too_large"
