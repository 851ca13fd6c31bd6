"""Many-to-many links between records: linking, unlinking, and moving them on a merge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import clock
from ..actors import Actor
from ..errors import Conflict, NotFound
from ..events import Event
from ..i18n import msg
from ..registry import RelationEnd
from ..storage import activity_repo
from ..storage.store import Transaction
from . import history
from .access import RecordAccess

if TYPE_CHECKING:
    from ..runtime import CRM


class Links:
    def __init__(self, crm: CRM, access: RecordAccess):
        self.crm = crm
        self.hook = crm.hook
        self.access = access

    def change(self, type_name, key, relation, other_key, actor: Actor, link: bool) -> None:
        """Link (or unlink) two records; both get a history entry, then
        ``crm_after_link`` (``crm_after_unlink``) runs."""
        records = self.crm.records
        with self.crm.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            end = tx.registry.relation_end(rt.name, relation)
            other_rt = tx.registry.type(end.other_type)
            this = records.get(rt.name, key, actor=actor)
            other = records.get(other_rt.name, other_key, actor=actor)
            self.access.require_allowed(tx, rt, this, actor, "edit")
            left, right = (this, other) if end.owner_side else (other, this)
            relation_key = end.relation.key
            existing = activity_repo.link_id(tx, relation_key, left["id"], right["id"])
            number, other_number = this["number"], other["number"]
            if link and existing is not None:
                raise Conflict(
                    msg(
                        "{number} and {other} are already linked", number=number, other=other_number
                    )
                )
            if not link and existing is None:
                raise NotFound(
                    msg("{number} and {other} are not linked", number=number, other=other_number)
                )
            now = clock.utcnow()
            if link:
                activity_repo.add_link(tx, relation_key, left["id"], right["id"], now, actor.ref)
            else:
                activity_repo.remove_link(tx, existing)
            kind = "linked" if link else "unlinked"
            for record, record_rt, partner in ((this, rt, other), (other, other_rt, this)):
                history.record(
                    tx, record_rt, record["id"], kind, actor, {}, note=partner["number"], now=now
                )
            owner_rt, owner = (rt, this) if end.owner_side else (other_rt, other)
            partner_rt, partner = (other_rt, other) if end.owner_side else (rt, this)
            hook = self.hook.crm_after_link if link else self.hook.crm_after_unlink
            hook(
                crm=self.crm,
                relation=end.relation,
                record_type=owner_rt,
                record=owner,
                other_type=partner_rt,
                other=partner,
                actor=actor,
            )
            detail = {"relation": end.relation.key, "other": partner["id"]}
            tx.events.append(Event(kind, owner_rt.name, owner["id"], actor, detail=detail))


def linked_ids(tx: Transaction, type_name: str, record_id: int, relation: str) -> list[int]:
    end = tx.registry.relation_end(type_name, relation)
    return activity_repo.linked_ids(tx, end.relation.key, end.owner_side, record_id)


def purge_links(tx: Transaction, type_name: str, record_id: int) -> None:
    """Remove every link of a record that is purged."""
    for end in tx.registry.relation_ends(type_name):
        activity_repo.purge_links(tx, end.relation.key, end.owner_side, record_id)


def move_links(tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int) -> int:
    """Re-point many-to-many links to the target record. Between records of one type (a
    merge) each link keeps its relation; between types (a lead becoming a contact) a
    link moves to the target type's relation with the same partner type (see
    :func:`_matching_end`). Links with no such relation stay where they are; a link the
    target already has is dropped. Returns how many moved."""
    count = 0
    to_ends = tx.registry.relation_ends(to_type)
    for end in tx.registry.relation_ends(from_type):
        target_end = _matching_end(end, to_ends)
        if target_end is None:
            continue
        key = target_end.relation.key
        for link, partner in activity_repo.links_from(
            tx, end.relation.key, end.owner_side, from_id
        ):
            left, right = (to_id, partner) if target_end.owner_side else (partner, to_id)
            if activity_repo.link_id(tx, key, left, right) is not None:
                activity_repo.remove_link(tx, link)
            else:
                activity_repo.repoint_link(tx, link, key, left, right)
                count += 1
    return count


def _matching_end(end: RelationEnd, candidates: list[RelationEnd]) -> RelationEnd | None:
    """Where links of ``end`` go on another record: the same relation seen from the same
    side, else the one relation to the same partner type, else the one of those with the
    same name (a lead's "products" become a contact's "products"); ``None`` if unclear."""
    for candidate in candidates:
        if (candidate.relation.key, candidate.owner_side) == (end.relation.key, end.owner_side):
            return candidate
    same_partner = [c for c in candidates if c.other_type == end.other_type]
    if len(same_partner) == 1:
        return same_partner[0]
    same_name = [c for c in same_partner if c.name == end.name]
    return same_name[0] if len(same_name) == 1 else None
