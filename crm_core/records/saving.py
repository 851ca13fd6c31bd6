"""The save pipeline: every create, update and import runs the same steps, in this order.

:attr:`SavePipeline.steps` lists them; each is a method below, in the same order:

1. ``resolve_coerce_check``: each given value through its field type (look a value up
   by its text, turn it into the canonical value, check it); unknown and read-only
   fields refused. Problems are kept by field.
2. ``defaults``: the record to save: on create the type's defaults and the system fields,
   on update the stored record, with the given values over them.
3. ``required``: required fields without a value, unless their value was refused in
   step 1 (a value given but invalid reports its own error, not "is required"). The
   problems so far are raised here; an update that changes nothing ends here.
4. ``number``: a new record's number.
5. ``unique``: unique fields whose value another record has.
6. ``validate``: the plugins' rules (``crm_validate``).
7. ``before_save``: plugins may change the record (``crm_before_save``).
8. ``recheck``: values ``crm_before_save`` changed are checked like user input.
9. ``write``: the row, its history, tags and search entry (queued, in an import).
10. ``after_save``: ``crm_after_save``, which finds every entry of the record in place.

Imports run the pipeline for each row, so nothing here is worked out per row that can
be worked out once: the field types' input steps are bound once per snapshot
(``Registry.field_steps``, run by :func:`~crm_core.validation.check_values`), and so is
each record type's insert plan (``storage.store.InsertPlan``); an import's rows are
queued and written a batch at a time (``storage.bulk.BulkInserts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import clock
from ..actors import Actor
from ..errors import ValidationError
from ..events import Event
from ..i18n import msg
from ..schema import RecordType
from ..storage import activity_repo, records_repo, search_index
from ..storage.bulk import BulkInserts
from ..storage.records_repo import StoredRow
from ..storage.store import Transaction
from ..validation import (
    DatabaseChecks,
    check_values,
    missing_required,
    unique_clashes,
    unknown_fields,
)
from . import history, indexing
from .numbers import number_for
from .tags import normalize_tags, write_tags

if TYPE_CHECKING:
    from ..runtime import CRM

#: How many new records an import queues before it writes them (with their history, tag
#: and search rows) and tells ``on_stored`` of them.
BULK_BATCH = 500


@dataclass(slots=True)
class Save:
    """One record on its way through the pipeline: what was asked and what is found."""

    tx: Transaction
    rt: RecordType
    actor: Actor
    #: The values as given (``tags`` and, with ``keep_number``, ``number`` among them).
    values: dict[str, Any]
    checks: DatabaseChecks
    #: The record as stored and its locked row (an update); ``None`` on create.
    old: dict[str, Any] | None = None
    row: StoredRow | None = None
    source: str = "crm"
    keep_number: bool = False
    allow_read_only: frozenset[str] = frozenset()
    #: Where an import queues the rows (``None``: written at once).
    bulk: BulkInserts | None = None
    # Found on the way:
    given_number: Any = None
    tags: list[str] = field(default_factory=list)
    clean: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    #: Fields whose value is new (all of them on create).
    changed: set[str] = field(default_factory=set)
    #: The record as ``crm_before_save`` got it.
    before: dict[str, Any] = field(default_factory=dict)
    #: ``{field: (old, new)}`` for the history and the hooks.
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    finished: bool = False

    @property
    def created(self) -> bool:
        return self.old is None


class SavePipeline:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.hook = crm.hook
        self.steps = (
            self.resolve_coerce_check,
            self.defaults,
            self.required,
            self.number,
            self.unique,
            self.validate,
            self.before_save,
            self.recheck,
            self.write,
            self.after_save,
        )

    def run(self, save: Save) -> dict[str, Any]:
        """Save the record (or raise :class:`ValidationError`, writing nothing); returns
        it as stored."""
        for step in self.steps:
            step(save)
            if save.finished:
                break
        return save.record

    def run_many(
        self,
        tx: Transaction,
        rt: RecordType,
        rows: Iterable[tuple[int, dict[str, Any]]],
        *,
        actor: Actor,
        source: str,
        keep_number: bool,
        allow_read_only: frozenset[str],
        on_error: Callable[[int, ValidationError], None] | None,
        on_stored: Callable[[int, dict[str, Any]], None] | None,
    ) -> list[int]:
        """Create each of ``rows`` (``(line, values)``) with its rows queued in the
        transaction's bulk inserts; see :meth:`RecordsService.create_many`."""
        checks = DatabaseChecks(tx)
        run = self.run
        ids: list[int] = []
        batch: list[tuple[int, dict[str, Any]]] = []  # rows queued, for on_stored
        with tx.bulk_inserts() as bulk:
            for line, values in rows:
                save = Save(
                    tx,
                    rt,
                    actor,
                    values,
                    checks,
                    source=source,
                    keep_number=keep_number,
                    allow_read_only=allow_read_only,
                    bulk=bulk,
                )
                try:
                    record = run(save)
                except ValidationError as exc:
                    if on_error is None:
                        raise
                    on_error(line, exc)
                    continue
                ids.append(record["id"])
                batch.append((line, record))
                if len(batch) == BULK_BATCH:
                    bulk.flush()
                    _tell(on_stored, batch)
                    batch = []
            bulk.flush()  # the queue may be an outer call's, which writes it later
        _tell(on_stored, batch)
        return ids

    # -- the steps, in order --------------------------------------------------------------

    def resolve_coerce_check(self, save: Save) -> None:
        rt, values = save.rt, dict(save.values)
        if save.created or "tags" in values:
            save.tags = normalize_tags(values.pop("tags", None))
        else:
            save.tags = save.old["tags"]
        if save.keep_number:
            save.given_number = values.pop("number", None)
        errors = unknown_fields(rt, values, allow_read_only=save.allow_read_only)
        if errors:
            values = {k: v for k, v in values.items() if k not in errors}
        save.clean = check_values(save.tx, rt, values, errors, save.checks)
        save.errors = errors

    def defaults(self, save: Save) -> None:
        if not save.created:
            old = save.old
            save.record = {**old, **save.clean}
            save.changed = {name for name, value in save.clean.items() if value != old.get(name)}
            return
        now, actor = clock.utcnow(), save.actor
        record = save.rt.defaults()
        record.update(
            id=None,
            number=None,
            assigned_to=actor.ref if actor.kind == "user" else None,
            created_at=now,
            created_by=actor.ref,
            modified_at=now,
            modified_by=actor.ref,
            source=save.source,
            deleted=False,
        )
        record.update(save.clean)
        save.record = record
        save.changed = set(record)

    def required(self, save: Save) -> None:
        rt, errors = save.rt, save.errors
        fields = rt.required_fields if save.created else [rt.field(n) for n in save.clean]
        for name, message in missing_required(rt, save.record, fields).items():
            errors.setdefault(name, message)  # a refused value keeps its own message
        if errors:
            raise ValidationError(errors)
        if not save.created and not save.changed and save.tags == save.old["tags"]:
            save.record = save.old
            save.finished = True

    def number(self, save: Save) -> None:
        if save.created:
            save.record["number"] = number_for(
                self.crm, save.tx, save.rt, save.record, save.given_number
            )

    def unique(self, save: Save) -> None:
        save.errors = unique_clashes(save.tx, save.rt, save.record, save.changed)

    def validate(self, save: Save) -> None:
        errors = save.errors
        for result in self.hook.crm_validate(
            crm=self.crm,
            record_type=save.rt,
            record=dict(save.record),
            old=save.old,
            actor=save.actor,
        ):
            for name, message in (result or {}).items():
                errors.setdefault(name, message)
        if errors:
            raise ValidationError(errors)

    def before_save(self, save: Save) -> None:
        save.before = dict(save.record)
        self.hook.crm_before_save(
            crm=self.crm, record_type=save.rt, record=save.record, old=save.old, actor=save.actor
        )

    def recheck(self, save: Save) -> None:
        was, record = save.before.get, save.record
        touched = {
            name: value
            for name, value in record.items()
            if value is not was(name) and value != was(name)  # the same object: unchanged
        }
        touched.pop("tags", None)
        if not touched:
            return
        unknown = [name for name in touched if not save.rt.has_field(name)]
        if unknown:
            raise ValidationError(dict.fromkeys(unknown, msg("is not a field")))
        problems: dict[str, str] = {}
        record.update(check_values(save.tx, save.rt, touched, problems, save.checks))
        if problems:
            raise ValidationError(problems)

    def write(self, save: Save) -> None:
        if save.created:
            self._insert(save)
        else:
            self._update(save)
        save.record["tags"] = save.tags

    def after_save(self, save: Save) -> None:
        rt, record = save.rt, save.record
        self.hook.crm_after_save(
            crm=self.crm,
            record_type=rt,
            record=record,
            old=save.old,
            changes=save.changes,
            actor=save.actor,
            created=save.created,
        )
        if save.bulk is None:  # an import tells of all its rows in one event
            kind = "created" if save.created else "updated"
            save.tx.events.append(Event(kind, rt.name, record["id"], save.actor, save.changes))

    # -- writing ----------------------------------------------------------------------------

    def _insert(self, save: Save) -> None:
        """A new record's row, history, tags and search entry, written or queued."""
        tx, rt, record, bulk = save.tx, save.rt, save.record, save.bulk
        data_names = rt.data_names
        save.changes = changes = {
            name: (None, value)
            for name, value in record.items()
            # A new record's history lists the values it has: not None, False or 0 (which
            # equals False). Most values are None, so that cheap test goes first.
            if value is not None and name in data_names and value != False  # noqa: E712
        }
        if save.tags:
            changes["tags"] = ([], save.tags)
        if bulk is None:
            ident = record["id"] = records_repo.insert(tx, rt, record)
        else:
            ident = record["id"] = records_repo.queue_insert(tx, bulk, rt, record)
        entry = history.entry(
            tx, rt, ident, "created", save.actor, changes, now=record["created_at"]
        )
        search = indexing.entry(tx, rt, record)
        if bulk is None:
            activity_repo.add_history(tx, [entry])
            activity_repo.add_tags(tx, rt.name, ident, save.tags)
            search_index.put_new(tx, rt.name, [search])
        else:
            activity_repo.queue_history(bulk, entry)
            activity_repo.queue_tags(bulk, rt.name, ident, save.tags)
            search_index.queue_new(bulk, rt.name, search)

    def _update(self, save: Save) -> None:
        """The changed fields of a stored record, its tags, history and search entry."""
        tx, rt, record, old = save.tx, save.rt, save.record, save.old
        changed = {name for name in record if name != "tags" and record[name] != old.get(name)}
        now = clock.utcnow()
        record.update(modified_at=now, modified_by=save.actor.ref)
        save.changes = changes = {name: (old.get(name), record[name]) for name in sorted(changed)}
        save.row.write({name: record[name] for name in changed | {"modified_at", "modified_by"}})
        if save.tags != old["tags"]:
            changes["tags"] = (old["tags"], save.tags)
            write_tags(tx, rt.name, old["id"], old["tags"], save.tags)
        history.record(tx, rt, old["id"], "updated", save.actor, changes, now=now)
        if indexing.affected(rt, changed):
            indexing.index(tx, rt, record)


def _tell(on_stored: Callable[[int, dict[str, Any]], None] | None, rows) -> None:
    if on_stored is not None:
        for line, record in rows:
            on_stored(line, record)
