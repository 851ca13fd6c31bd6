"""The recycle bin: deleting a record (restorable), restoring it, purging it for good."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import clock
from ..access import ADMINISTER
from ..actors import Actor
from ..errors import Conflict
from ..events import Event
from ..i18n import msg
from ..storage import activity_repo, records_repo, search_index
from . import history, indexing
from .access import RecordAccess
from .links import purge_links
from .reading import not_found

if TYPE_CHECKING:
    from ..runtime import CRM


class Removal:
    def __init__(self, crm: CRM, access: RecordAccess):
        self.crm = crm
        self.hook = crm.hook
        self.access = access

    def delete(self, type_name: str, key: int | str, actor: Actor) -> dict[str, Any]:
        with self.crm.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            row = records_repo.lock(tx, rt, key)
            if row is None or row.deleted:
                raise not_found(rt, key)
            record = row.record()
            self.access.require_visible(tx, rt, record, actor)
            self.access.require_allowed(tx, rt, record, actor, "delete")
            self.hook.crm_before_delete(crm=self.crm, record_type=rt, record=record, actor=actor)
            now = clock.utcnow()
            row.write({"deleted": True, "modified_at": now, "modified_by": actor.ref})
            search_index.remove(tx, rt.name, record["id"])
            history.record(tx, rt, record["id"], "deleted", actor, {}, now=now)
            record["deleted"] = True
            self.hook.crm_after_delete(
                crm=self.crm, record_type=rt, record=record, actor=actor, purged=False
            )
            tx.events.append(Event("deleted", rt.name, record["id"], actor))
            return record

    def restore(self, type_name: str, key: int | str, actor: Actor) -> dict[str, Any]:
        with self.crm.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            row = records_repo.lock(tx, rt, key)
            if row is None:
                raise not_found(rt, key)
            record = row.record()
            self.access.require_visible(tx, rt, record, actor)
            if not row.deleted:
                raise Conflict(msg("{number} is not in the recycle bin", number=record["number"]))
            self.access.require_allowed(tx, rt, record, actor, "delete")  # undoing a delete
            now = clock.utcnow()
            row.write({"deleted": False, "modified_at": now, "modified_by": actor.ref})
            record.update(deleted=False, modified_at=now, modified_by=actor.ref)
            indexing.index(tx, rt, record)
            self.crm.comments.reindex_record(tx, rt.name, record["id"], record["assigned_to"])
            history.record(tx, rt, record["id"], "restored", actor, {}, now=now)
            self.hook.crm_after_restore(crm=self.crm, record_type=rt, record=record, actor=actor)
            tx.events.append(Event("restored", rt.name, record["id"], actor))
            return record

    def purge(self, type_name: str, key: int | str, actor: Actor) -> None:
        self.crm.access.require(actor, ADMINISTER)
        with self.crm.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            row = records_repo.lock(tx, rt, key)
            if row is None:
                raise not_found(rt, key)
            if not row.deleted:
                raise Conflict(
                    msg("only records in the recycle bin can be purged; delete it first")
                )
            record = row.record()
            row.purge()
            ident = record["id"]
            activity_repo.purge_tags(tx, rt.name, ident)
            purge_links(tx, rt.name, ident)
            search_index.remove(tx, rt.name, ident)
            self.crm.comments.purge_record(tx, rt.name, ident)
            self.crm.attachments.purge_record(tx, rt.name, ident)
            history.record(tx, rt, ident, "purged", actor, {}, note=f"{record['number']} purged")
            self.hook.crm_after_delete(
                crm=self.crm, record_type=rt, record=record, actor=actor, purged=True
            )
            tx.events.append(Event("purged", rt.name, ident, actor))
