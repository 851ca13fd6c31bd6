"""crm_core: record types, fields, picklists, custom fields, hooks, and the records service.

The public API for plugin authors::

    from crm_core import hookimpl            # mark hook implementations
    from crm_core import ValidationError     # and the other errors below
    from crm_core import msg                 # messages the web UI shows translated
    from crm_core.query import Condition     # filters as data

See docs/plugins.md for every hook and service.
"""

import pluggy

from .errors import (
    Conflict,
    CRMError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from .i18n import msg

hookimpl = pluggy.HookimplMarker("crm")

__all__ = [
    "CRMError",
    "Conflict",
    "NotFound",
    "PermissionDenied",
    "ValidationError",
    "hookimpl",
    "msg",
]
