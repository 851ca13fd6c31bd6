"""The records service (``crm.records``): the one Python API for reading and changing records.

The CLI, the web UI, the JSON API and plugins all come through here, so validation,
numbering, history, the search index, tags, permissions and hooks happen the same way
whoever asks. Records are plain dicts of field values (``id``, ``number``, the system
fields, every plugin and custom field, and ``tags``). Errors come back as
:class:`~crm_core.errors.ValidationError` (field → message), :class:`NotFound` or
:class:`Conflict`, never as a database exception.

Each method says what it does and hands the work to the package's modules: reads to
:mod:`.reading`, saves to :mod:`.saving`, the recycle bin to :mod:`.removal`, links to
:mod:`.links`, permissions to :mod:`.access`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..actors import SYSTEM, Actor
from ..errors import NotFound, PermissionDenied, ValidationError
from ..events import Event
from ..i18n import msg
from ..query import Where
from ..schema import SOURCES, RecordType
from ..storage import activity_repo, records_repo
from ..storage.store import Transaction
from ..validation import DatabaseChecks
from . import history, indexing
from .access import RecordAccess
from .links import Links, linked_ids
from .moving import move_activity
from .reading import Filter, Page, Reader, not_found
from .removal import Removal
from .saving import Save, SavePipeline
from .tags import with_tags

if TYPE_CHECKING:
    from ..runtime import CRM


class RecordsService:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store
        self.hook = crm.hook
        self.access = RecordAccess(crm)
        self.reader = Reader(self.access)
        self.pipeline = SavePipeline(crm)
        self.removal = Removal(crm, self.access)
        self.links = Links(crm, self.access)

    # -- reading ------------------------------------------------------------------------

    def get(
        self,
        type_name: str,
        key: int | str,
        *,
        actor: Actor = SYSTEM,
        include_deleted: bool = False,
    ) -> dict[str, Any]:
        """One record by id or number. Missing, deleted or not visible: :class:`NotFound`."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            return self.reader.get(tx, rt, key, actor, include_deleted)

    def list(
        self,
        type_name: str,
        *,
        where: Filter = None,
        sort: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        actor: Actor = SYSTEM,
        tag: str | None = None,
        deleted: bool = False,
        related_to: tuple[str, int, str] | None = None,
    ) -> Page:
        """A page of records, filtered and sorted, read with keyset pagination.

        ``sort`` is a field name, ``-name`` for descending (default ``-modified_at``).
        ``related_to`` is ``(other_type, other_id, relation)``: only records linked to that
        record through its many-to-many relation of that name.
        """
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            return self.reader.page(
                tx,
                rt,
                where=where,
                sort=sort,
                limit=limit,
                cursor=cursor,
                actor=actor,
                tag=tag,
                deleted=deleted,
                related_to=related_to,
            )

    def iterate(
        self,
        type_name: str,
        *,
        where: Filter = None,
        sort: str = "id",
        actor: Actor = SYSTEM,
        tag: str | None = None,
        deleted: bool = False,
        batch: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Every matching record (of the recycle bin with ``deleted``), a page at a time
        (exports and bulk work)."""
        cursor = None
        while True:
            page = self.list(
                type_name,
                where=where,
                sort=sort,
                limit=batch,
                cursor=cursor,
                actor=actor,
                tag=tag,
                deleted=deleted,
            )
            yield from page.records
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def related(
        self,
        type_name: str,
        record_id: int,
        relation: str,
        *,
        actor: Actor = SYSTEM,
        limit: int = 50,
        cursor: str | None = None,
        sort: str | None = None,
    ) -> tuple[RecordType, Page]:
        """Records linked to one record through one of its many-to-many relations."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            end = tx.registry.relation_end(rt.name, relation)
            self.get(rt.name, record_id, actor=actor)
            other = tx.registry.type(end.other_type)
            page = self.reader.page(
                tx,
                other,
                where=None,
                sort=sort,
                limit=limit,
                cursor=cursor,
                actor=actor,
                tag=None,
                deleted=False,
                related_to=(rt.name, record_id, relation),
            )
            return other, page

    def history(
        self, type_name: str, record_id: int, *, actor: Actor = SYSTEM
    ) -> list[dict[str, Any]]:
        """Change history, newest first: kind, actor, at, changes {field: [old, new]}, note.
        A customer (an actor who is not staff) gets no entry about internal comments."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            self.get(rt.name, record_id, actor=actor, include_deleted=True)
            return history.entries_for(tx, rt, record_id, actor)

    def titles(self, refs: Iterable[str], *, actor: Actor = SYSTEM) -> dict[str, dict[str, Any]]:
        """Display data for ``type:id`` references: ``{"type:id": {"number", "title"}}``.
        One query per record type, for showing reference fields in lists."""
        wanted: dict[str, set[int]] = {}
        for ref in refs:
            kind, _, ident = ref.partition(":")
            if ident.isdigit():
                wanted.setdefault(kind, set()).add(int(ident))
        with self.store.reading() as tx:
            return self.reader.titles(tx, wanted, actor)

    def count(self, type_name: str, *, where: Filter = None, actor: Actor = SYSTEM) -> int:
        """How many records outside the recycle bin match ``where`` and ``actor`` may see
        (one ``COUNT`` query). For totals and dashboards; list pages never need it."""
        return self.aggregate(type_name, where=where, actor=actor)[0]["count"]

    def aggregate(
        self,
        type_name: str,
        *,
        where: Filter = None,
        group_by: Iterable[str] = (),
        measures: dict[str, str | tuple[str, str]] | None = None,
        bucket: tuple[str, Iterable[Any]] | None = None,
        actor: Actor = SYSTEM,
    ) -> list[dict[str, Any]]:
        """Numbers over the records ``actor`` may see, computed by the database.

        ``measures`` maps result names to ``"count"`` or ``(kind, field)`` with kind one of
        ``sum``, ``avg``, ``median`` (number fields), ``min``, ``max`` (default:
        ``{"count": "count"}``). ``group_by`` names fields: one result row per combination
        of their values that occurs. ``bucket`` is ``(field, edges)``: rows are counted
        into the half-open ranges ``[edges[i], edges[i + 1])`` (days in a time zone, price
        bands...) and each result row carries ``"bucket": i``; rows outside the edges are
        left out. Without ``group_by`` and ``bucket`` the answer is one row. Values come
        back as a record holds them (codes, owner refs, datetimes); ``avg`` and ``median``
        as floats, ``None`` when no row has a value.

            crm.records.aggregate("ticket", group_by=["status"])
            → [{"status": "open", "count": 12}, {"status": "closed", "count": 40}]
        """
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            return self.reader.aggregate(
                tx,
                rt,
                where=where,
                group_by=group_by,
                measures=measures,
                bucket=bucket,
                actor=actor,
            )

    # -- writing ------------------------------------------------------------------------

    def create(
        self,
        type_name: str,
        values: dict[str, Any],
        *,
        actor: Actor = SYSTEM,
        source: str = "crm",
        keep_number: bool = False,
        allow_read_only: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Validate and store a new record; returns it as stored.

        ``values`` may include ``tags`` (a list). With ``keep_number`` (imports), a given
        ``number`` is kept when it is free and the counter moves past it.
        ``allow_read_only`` lets a plugin's own code set fields users may not (a link the
        plugin maintains, or ``created_at`` of records carried over from elsewhere).
        """
        _check_source(source)
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            self.access.require_allowed(tx, rt, None, actor, "create")
            save = Save(
                tx,
                rt,
                actor,
                values,
                DatabaseChecks(tx),
                source=source,
                keep_number=keep_number,
                allow_read_only=allow_read_only,
            )
            return dict(self.pipeline.run(save))

    def create_many(
        self,
        type_name: str,
        rows: Iterable[tuple[int, dict[str, Any]]],
        *,
        actor: Actor = SYSTEM,
        source: str = "import",
        keep_number: bool = True,
        allow_read_only: frozenset[str] = frozenset(),
        on_error: Callable[[int, ValidationError], None] | None = None,
        on_stored: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> list[int]:
        """Create many records in the current transaction, each validated exactly like
        :meth:`create`, written in batches without keeping them in memory (imports of a
        million rows). ``rows`` yields ``(line, values)``; a row's :class:`ValidationError`
        goes to ``on_error`` (which may raise to stop) and the row is skipped;
        ``on_stored(line, record)`` is told of each row once its batch is written. Returns
        the ids of the records stored, in order.

        Each row runs the save pipeline in turn, ``crm_after_save`` included; the rows,
        with their history, tag and search entries, are queued and written a batch at a
        time (:meth:`Transaction.bulk_inserts`), and anything that reads meanwhile has the
        queue written first, so a row may refer to an earlier one by its number.
        ``crm_after_commit`` gets one ``imported`` event."""
        tx = self.store.current_transaction()
        if tx is None or not tx.write:
            raise RuntimeError("create_many runs inside crm.transaction()")
        _check_source(source)
        rt = tx.registry.type(type_name)
        self.access.require_allowed(tx, rt, None, actor, "create")
        ids = self.pipeline.run_many(
            tx,
            rt,
            rows,
            actor=actor,
            source=source,
            keep_number=keep_number,
            allow_read_only=allow_read_only,
            on_error=on_error,
            on_stored=on_stored,
        )
        tx.events.append(Event("imported", rt.name, 0, actor, detail={"count": len(ids)}))
        return ids

    def update(
        self,
        type_name: str,
        key: int | str,
        values: dict[str, Any],
        *,
        actor: Actor = SYSTEM,
        allow_read_only: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Change some fields of a record (a partial update); returns the record as stored.

        ``allow_read_only`` lets a plugin's own code set fields users may not edit (a
        computed field such as a contract's used units).
        """
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            row = records_repo.lock(tx, rt, key)
            if row is None or row.deleted:
                raise not_found(rt, key)
            old = row.record()
            self.access.require_visible(tx, rt, old, actor)
            self.access.require_allowed(tx, rt, old, actor, "edit")
            with_tags(tx, rt.name, [old])
            save = Save(
                tx,
                rt,
                actor,
                values,
                DatabaseChecks(tx, current=old),
                old=old,
                row=row,
                allow_read_only=allow_read_only,
            )
            return dict(self.pipeline.run(save))

    def delete(self, type_name: str, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        """Move a record to the recycle bin (restorable)."""
        return self.removal.delete(type_name, key, actor)

    def restore(self, type_name: str, key: int | str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        """Bring a record back from the recycle bin."""
        return self.removal.restore(type_name, key, actor)

    def purge(self, type_name: str, key: int | str, *, actor: Actor = SYSTEM) -> None:
        """Remove a deleted record for good (administrators only)."""
        self.removal.purge(type_name, key, actor)

    def link(
        self,
        type_name: str,
        key: int | str,
        relation: str,
        other_key: int | str,
        *,
        actor: Actor = SYSTEM,
    ) -> None:
        """Link two records through a many-to-many relation (from either side)."""
        self.links.change(type_name, key, relation, other_key, actor, link=True)

    def unlink(
        self,
        type_name: str,
        key: int | str,
        relation: str,
        other_key: int | str,
        *,
        actor: Actor = SYSTEM,
    ) -> None:
        """Remove the link between two records (from either side)."""
        self.links.change(type_name, key, relation, other_key, actor, link=False)

    def linked_ids(self, type_name: str, record_id: int, relation: str) -> list[int]:
        """Ids of the records linked to one record through a relation (no permission check;
        for plugin code that recomputes totals)."""
        with self.store.reading() as tx:
            return linked_ids(tx, type_name, record_id, relation)

    def lock(self, type_name: str, key: int | str) -> dict[str, Any]:
        """Lock one record's row until the current transaction ends and return it as stored
        now (no permission check; for plugin code).

        For read-modify-write of values other requests change at the same time (a
        contract's used units, a vote counter): lock, compute from what this returns, then
        :meth:`update`. A second transaction locking the same record waits until the first
        commits and then reads its result, so no update is lost. Call it inside
        ``crm.transaction()`` and before anything else in the transaction reads the record.
        """
        tx = self.store.current_transaction()
        if tx is None or not tx.write:
            raise RuntimeError("records.lock runs inside crm.transaction()")
        rt = tx.registry.type(type_name)
        row = records_repo.lock(tx, rt, key)
        if row is None or row.deleted:
            raise not_found(rt, key)
        record = row.record()
        with_tags(tx, rt.name, [record])
        return record

    # -- activity -----------------------------------------------------------------------

    def add_history(
        self,
        type_name: str,
        record_id: int,
        kind: str,
        *,
        actor: Actor = SYSTEM,
        note: str | None = None,
        changes: dict[str, tuple[Any, Any]] | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Write a history entry for something a plugin did (a merge, an email sent...);
        inside a transaction it joins it. ``at`` defaults to now."""
        with self.store.transaction() as tx:
            rt = tx.registry.type(type_name)
            history.record(tx, rt, record_id, kind, actor, changes or {}, note=note, now=at)

    def move_activity(
        self,
        from_type: str,
        from_id: int,
        to_type: str,
        to_id: int,
        *,
        history: bool = False,
        links: bool = False,
        actor: Actor = SYSTEM,
    ) -> dict[str, int]:
        """Move comments and attachments (and optionally history entries and many-to-many
        links) from one record to another, as merges and lead conversions do. Returns how
        many of each moved; both records get a history entry."""
        return move_activity(
            self.crm,
            from_type,
            from_id,
            to_type,
            to_id,
            history_too=history,
            links=links,
            actor=actor,
        )

    def search_body(self, tx: Transaction | None, rt: RecordType, record: dict) -> str:
        """The text of a record that search finds: number, title and searchable fields."""
        registry = tx.registry if tx is not None else self.crm.registry
        return indexing.search_body(registry, rt, record)

    def write_index(self, tx: Transaction, rt: RecordType, record: dict) -> None:
        """Write a record's search-index entry in the caller's transaction (the search
        service's reindexing)."""
        indexing.index(tx, rt, record)

    def all_tags(self, type_name: str | None = None) -> list[tuple[str, int]]:
        """Tags in use with their counts (for tag filters)."""
        with self.store.reading() as tx:
            return activity_repo.tag_counts(tx, type_name)

    # -- permissions --------------------------------------------------------------------

    def default_filter(self, type_name: str) -> Where | None:
        """What lists and search leave out unless asked (``crm_default_filter``), e.g.
        converted leads. Callers skip it when the user filters on the same fields."""
        return self.access.default_filter(self.crm.registry.type(type_name))

    def permission_where(self, type_name: str, actor: Actor, action: str = "view") -> Where | None:
        """The records of a type that ``actor`` may ``action``, as a restriction
        (``None``: all of them)."""
        with self.store.reading() as tx:
            return self.access.where(tx.registry.type(type_name), actor, action)

    def can(self, type_name: str, record: dict | None, actor: Actor, action: str) -> bool:
        """Whether ``actor`` may do ``action`` to ``record`` (or create, when ``None``)."""
        try:
            self.require(type_name, record, actor, action)
        except (NotFound, PermissionDenied):
            return False
        return True

    def require(self, type_name: str, record: dict | None, actor: Actor, action: str) -> None:
        """Raise :class:`NotFound` or :class:`PermissionDenied` (with the reason) unless
        ``actor`` may do ``action`` to ``record`` (or create one, when ``None``)."""
        with self.store.reading() as tx:
            rt = tx.registry.type(type_name)
            if record is not None:
                self.access.require_visible(tx, rt, record, actor, action)
            self.access.require_allowed(tx, rt, record, actor, action)


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValidationError(
            {"source": msg("must be one of {choices}", choices=", ".join(SOURCES))}
        )
