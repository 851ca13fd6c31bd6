"""Who may see and do what: the permission hooks asked, and their rules applied.

``crm_permission_filter`` answers which records an actor may see (a restriction that
lists add to their SQL and that :func:`matches` evaluates on one record),
``crm_permission_check`` whether an action is allowed (``False`` or a reason refuses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..actors import Actor
from ..errors import NotFound, PermissionDenied, ValidationError
from ..i18n import msg
from ..query import And, Nothing, Or, Where, every
from ..schema import RecordType
from ..storage.store import Transaction
from .conditions import condition_values

if TYPE_CHECKING:
    from ..runtime import CRM


class RecordAccess:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.hook = crm.hook

    def default_filter(self, rt: RecordType) -> Where | None:
        """What lists and search leave out unless asked (``crm_default_filter``)."""
        results = self.hook.crm_default_filter(crm=self.crm, record_type=rt)
        return every(*[result for result in results if result is not None])

    def where(self, rt: RecordType, actor: Actor, action: str) -> Where | None:
        """The records of ``rt`` that ``actor`` may ``action`` (``None``: all of them)."""
        if actor.is_system:
            return None
        results = self.hook.crm_permission_filter(
            crm=self.crm, record_type=rt, actor=actor, action=action
        )
        if not actor.is_staff and not results:
            return Nothing()  # customers see only what a plugin grants them explicitly
        return every(*results)

    def require_visible(
        self, tx: Transaction, rt: RecordType, record: dict, actor: Actor, action: str = "view"
    ) -> None:
        """:class:`NotFound` unless the record is among those ``actor`` may ``action``."""
        where = self.where(rt, actor, action)
        if where is not None and not matches(condition_values(tx), rt, where, record):
            raise NotFound(msg("{type} {key} not found", type=rt.name, key=record["id"]))

    def require_allowed(
        self, tx: Transaction, rt: RecordType, record: dict | None, actor: Actor, action: str
    ) -> None:
        """:class:`PermissionDenied` (or :class:`NotFound`) unless ``actor`` may do
        ``action`` to ``record`` (or create one, when ``None``)."""
        if actor.is_system:
            return
        if record is not None and action != "view":
            self.require_visible(tx, rt, record, actor, action)
        answers = self.hook.crm_permission_check(
            crm=self.crm, record_type=rt, record=record, actor=actor, action=action
        )
        for answer in answers:
            if isinstance(answer, str):
                raise PermissionDenied(answer)
            if answer is False:
                raise PermissionDenied(_refusal(action, rt))


def matches(read, rt: RecordType, where: Where, record: dict[str, Any]) -> bool:
    """Evaluate a permission restriction on one record in Python, with the rules its SQL
    form follows (``read`` is :func:`~crm_core.records.conditions.condition_values`)."""
    if isinstance(where, Nothing):
        return False
    if isinstance(where, Or):
        return any(matches(read, rt, part, record) for part in where.parts)
    if isinstance(where, And):
        return all(matches(read, rt, part, record) for part in where.parts)
    value = record.get(where.field)
    if where.op == "empty":
        return value in (None, [])
    if where.op == "notempty":
        return value not in (None, [])
    if where.op in ("in", "notin"):
        found = value in [read(rt, where.field, v) for v in where.value]
        return found if where.op == "in" else not found
    wanted = read(rt, where.field, where.value)
    if where.op == "eq":
        return value == wanted
    if where.op == "ne":
        return value != wanted
    if value is None or wanted is None:
        return False
    comparisons = {
        "lt": value < wanted,
        "gt": value > wanted,
        "lte": value <= wanted,
        "gte": value >= wanted,
    }
    if where.op in comparisons:
        return comparisons[where.op]
    raise ValidationError(
        {where.field: msg("operator {op!r} cannot be used in a permission rule", op=where.op)}
    )


def _refusal(action: str, rt: RecordType) -> str:
    kind = rt.label["en"].lower()
    if action == "create":
        return msg("you may not create this {type}", type=kind)
    if action == "delete":
        return msg("you may not delete this {type}", type=kind)
    return msg("you may not edit this {type}", type=kind)
