"""One way to ask "may this actor do that?", for record actions and administration alike.

``crm.access.can(actor, action, record_type=None, record=None)`` answers, and
``crm.access.require(...)`` raises :class:`~crm_core.errors.PermissionDenied` (or
:class:`~crm_core.errors.NotFound` for a record the actor may not see) instead of answering
no. With a record type the question is about records: ``"view"``, ``"create"``, ``"edit"``,
``"delete"``, answered by ``crm_permission_filter`` and ``crm_permission_check`` through
the records service. Without one it is administrative (``"administer"``: picklists, custom
fields, numbering, users and groups, access settings, a plugin's admin screens), answered by
``crm_admin_check``: allowed when some plugin grants it and none refuses. The built-in rule
"administrators administer" lives in :mod:`crm_core.builtin.permissions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .actors import Actor
from .errors import NotFound, PermissionDenied
from .i18n import msg

if TYPE_CHECKING:
    from .runtime import CRM
    from .schema import RecordType

#: The action of administration: what the built-in rule lets administrators do.
ADMINISTER = "administer"


def administrators_only() -> str:
    """The one refusal of an administrative action nobody granted."""
    return msg("only administrators may do this; ask an administrator to do it for you")


class Access:
    def __init__(self, crm: CRM):
        self.crm = crm

    def can(
        self,
        actor: Actor,
        action: str,
        record_type: str | RecordType | None = None,
        record: dict | None = None,
    ) -> bool:
        """Whether ``actor`` may do ``action``: to ``record`` of ``record_type`` (or create
        one, ``record`` ``None``), or, without a record type, as administration."""
        try:
            self.require(actor, action, record_type, record)
        except (NotFound, PermissionDenied):
            return False
        return True

    def require(
        self,
        actor: Actor,
        action: str,
        record_type: str | RecordType | None = None,
        record: dict | None = None,
    ) -> None:
        """Raise :class:`PermissionDenied` (saying why) unless :meth:`can` would answer yes."""
        if record_type is not None:
            type_name = record_type if isinstance(record_type, str) else record_type.name
            self.crm.records.require(type_name, record, actor, action)
            return
        granted = False
        for answer in self.crm.hook.crm_admin_check(crm=self.crm, actor=actor, action=action):
            if isinstance(answer, str):
                raise PermissionDenied(answer)
            if answer is False:
                raise PermissionDenied(administrators_only())
            granted = granted or answer is True
        if not granted:
            raise PermissionDenied(administrators_only())
