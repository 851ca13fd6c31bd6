"""Comments on any record: threaded replies, internal notes, edits with history.

Internal comments are for staff only: a customer (``actor.kind == "contact"``) never sees
them, by any path. Every add, edit and delete is written to the record's change history;
comment text is searchable and leads to the record it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import clock
from .actors import SYSTEM, Actor
from .errors import NotFound, PermissionDenied, ValidationError
from .i18n import msg
from .search import words
from .storage import activity_repo, collaboration, lookups, search_index
from .storage.collaboration import StoredComment

if TYPE_CHECKING:
    from .runtime import CRM
    from .storage.store import Transaction

MAX_COMMENT = 100_000


#: History notes about internal comments start with this; customers never see those entries.
INTERNAL_NOTE = "internal comment #"


def history_note(comment_id: int, internal: bool) -> str:
    return f"{INTERNAL_NOTE}{comment_id}" if internal else f"comment #{comment_id}"


def _clean_body(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": msg("is required")})
    body = body.replace("\r\n", "\n").strip()
    if len(body) > MAX_COMMENT:
        raise ValidationError(
            {"body": msg("must be at most {limit} characters", limit=MAX_COMMENT)}
        )
    return body


class Comments:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store

    def add(
        self,
        type_name: str,
        record_id: int,
        body: str,
        *,
        actor: Actor = SYSTEM,
        internal: bool = False,
        parent_id: int | None = None,
    ) -> dict[str, Any]:
        body = _clean_body(body)
        if actor.kind == "contact" and internal:
            raise PermissionDenied(msg("customers cannot write internal comments"))
        with self.store.transaction() as tx:
            record = self.crm.records.get(type_name, record_id, actor=actor)
            rt = tx.registry.type(type_name)
            if parent_id is not None:
                parent = collaboration.get_comment(tx, parent_id)
                if (
                    parent is None
                    or parent.deleted
                    or (parent.record_type, parent.record_id)
                    != (
                        rt.name,
                        record["id"],
                    )
                ):
                    raise ValidationError({"parent_id": msg("is not a comment of this record")})
                if parent.internal and actor.kind == "contact":
                    raise ValidationError({"parent_id": msg("is not a comment of this record")})
            comment = collaboration.insert_comment(
                tx,
                rt.name,
                record["id"],
                parent_id=parent_id,
                author=actor.ref,
                internal=bool(internal),
                body=body,
                created_at=clock.utcnow(),
            )
            result = self._dict(comment)
            self._index(tx, comment, record.get("assigned_to"))
            self.crm.records.add_history(
                rt.name,
                record["id"],
                "commented",
                actor=actor,
                note=history_note(comment.id, internal),
            )
            self.crm.hook.crm_after_comment(
                crm=self.crm,
                record_type=rt,
                record=record,
                comment=result,
                actor=actor,
                created=True,
            )
            return result

    def add_many(self, rows: Iterable[tuple[str, int, str, bool, Actor]]) -> list[int]:
        """Add many comments at once (imports, moving data in): ``rows`` are
        ``(record type, record id, body, internal, author)``. Each body is checked, each
        record must exist; comments are indexed and written to history like :meth:`add`,
        in a few statements per batch. ``crm_after_comment`` does not run: these are past
        comments, not new conversation. Runs inside ``crm.transaction()``; returns the ids."""
        tx = self.store.current_transaction()
        if tx is None or not tx.write:
            raise RuntimeError("comments.add_many runs inside crm.transaction()")
        rows = [(t, int(i), _clean_body(b), bool(internal), a) for t, i, b, internal, a in rows]
        owners = self._owners_of(tx, rows)
        now = clock.utcnow()
        ids = collaboration.insert_comments(
            tx, [(t, i, a.ref, internal, body) for t, i, body, internal, a in rows], now
        )
        by_type: dict[str, list[tuple]] = {}
        history = []
        for comment_id, (type_name, record_id, body, internal, author) in zip(
            ids, rows, strict=True
        ):
            by_type.setdefault(type_name, []).append(
                (record_id, comment_id, owners[(type_name, record_id)], words.index_text(body))
            )
            history.append(
                (
                    type_name,
                    record_id,
                    "commented",
                    author.ref,
                    now,
                    None,
                    history_note(comment_id, internal),
                )
            )
        for type_name, entries in by_type.items():
            search_index.put_new(tx, type_name, entries)
        activity_repo.add_history(tx, history)
        return ids

    def _owners_of(self, tx: Transaction, rows: list[tuple]) -> dict[tuple[str, int], str | None]:
        """The assignee of every record commented on (for the search index), checking that
        each exists."""
        wanted: dict[str, set[int]] = {}
        for type_name, record_id, *_ in rows:
            wanted.setdefault(type_name, set()).add(record_id)
        owners: dict[tuple[str, int], str | None] = {}
        for type_name, ids in wanted.items():
            tx.registry.type(type_name)
            found = lookups.live_record_owners(tx, type_name, sorted(ids))
            owners.update({(type_name, ident): owner for ident, owner in found.items()})
        missing = [f"{t} {i}" for t, i, *_ in rows if (t, i) not in owners]
        if missing:
            raise NotFound(f"cannot comment on {missing[0]}: no such record")
        return owners

    def edit(self, comment_id: int, body: str, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        """Change a comment's text (its author, or an administrator); the old text is kept in
        the record's history."""
        body = _clean_body(body)
        with self.store.transaction() as tx:
            comment, record, rt = self._own(tx, comment_id, actor)
            old_body = comment.body
            if old_body == body:
                return self._dict(comment)
            comment = collaboration.set_comment_body(tx, comment.id, body, clock.utcnow())
            self._index(tx, comment, record.get("assigned_to"))
            self._history_text(tx, rt, record["id"], actor, comment, old_body, body)
            result = self._dict(comment)
            self.crm.hook.crm_after_comment(
                crm=self.crm,
                record_type=rt,
                record=record,
                comment=result,
                actor=actor,
                created=False,
            )
            return result

    def delete(self, comment_id: int, *, actor: Actor = SYSTEM) -> None:
        with self.store.transaction() as tx:
            comment, record, rt = self._own(tx, comment_id, actor)
            collaboration.mark_comment_deleted(tx, comment.id)
            search_index.remove(tx, rt.name, record["id"], comment.id)
            self._history_text(tx, rt, record["id"], actor, comment, comment.body, None)

    def _history_text(self, tx, rt, record_id, actor, comment, old, new) -> None:
        activity_repo.add_history(
            tx,
            [
                (
                    rt.name,
                    record_id,
                    "comment_deleted" if new is None else "comment_changed",
                    actor.ref,
                    clock.utcnow(),
                    json.dumps({"comment": [old, new]}),
                    history_note(comment.id, comment.internal),
                )
            ],
        )

    def _own(self, tx: Transaction, comment_id: int, actor: Actor):
        comment = collaboration.get_comment(tx, comment_id, lock=True)
        if comment is None or comment.deleted:
            raise NotFound(msg("comment {id} not found", id=comment_id))
        if comment.internal and actor.kind == "contact":
            raise NotFound(msg("comment {id} not found", id=comment_id))
        record = self.crm.records.get(comment.record_type, comment.record_id, actor=actor)
        if comment.author != actor.ref and not self.crm.access.can(actor, "administer"):
            raise PermissionDenied(
                msg("only the author of a comment (or an administrator) may change it")
            )
        return comment, record, tx.registry.type(comment.record_type)

    def list(
        self, type_name: str, record_id: int, *, actor: Actor = SYSTEM
    ) -> list[dict[str, Any]]:
        """The record's comments as a thread: each with ``depth``, replies after their parent."""
        with self.store.reading() as tx:
            record = self.crm.records.get(type_name, record_id, actor=actor)
            rows = collaboration.record_comments(tx, type_name, record["id"])
            comments = [self._dict(c) for c in rows if not (c.internal and actor.kind == "contact")]
        return thread(comments)

    def get(self, comment_id: int, *, actor: Actor = SYSTEM) -> dict[str, Any]:
        with self.store.reading() as tx:
            comment = collaboration.get_comment(tx, comment_id)
            if comment is None or comment.deleted or (comment.internal and actor.kind == "contact"):
                raise NotFound(msg("comment {id} not found", id=comment_id))
            self.crm.records.get(comment.record_type, comment.record_id, actor=actor)
            return self._dict(comment)

    def move(self, tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int) -> int:
        """Re-attach every comment (and its attachments) of one record to another."""
        count = collaboration.move_comments(tx, from_type, from_id, to_type, to_id)
        search_index.move(tx, from_type, from_id, to_type, to_id)
        return count

    def reindex_record(
        self, tx: Transaction, type_name: str, record_id: int, owner: str | None
    ) -> None:
        for comment in collaboration.record_comments(tx, type_name, record_id):
            self._index(tx, comment, owner)

    def purge_record(self, tx: Transaction, type_name: str, record_id: int) -> None:
        collaboration.purge_comments(tx, type_name, record_id)

    def _index(self, tx: Transaction, comment: StoredComment, owner: str | None) -> None:
        search_index.put(
            tx,
            comment.record_type,
            comment.record_id,
            owner,
            words.index_text(comment.body),
            comment_id=comment.id,
        )

    @staticmethod
    def _dict(comment: StoredComment) -> dict[str, Any]:
        return {
            "id": comment.id,
            "record_type": comment.record_type,
            "record_id": comment.record_id,
            "parent_id": comment.parent_id,
            "author": comment.author,
            "internal": comment.internal,
            "body": comment.body,
            "created_at": comment.created_at,
            "edited_at": comment.edited_at,
        }


def thread(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order comments so replies follow their parent, oldest first, with a ``depth``."""
    children: dict[int | None, list[dict[str, Any]]] = {}
    ids = {c["id"] for c in comments}
    for comment in comments:
        parent = comment["parent_id"] if comment["parent_id"] in ids else None
        children.setdefault(parent, []).append(comment)
    ordered: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for comment in children.get(parent, []):
            ordered.append({**comment, "depth": depth})
            walk(comment["id"], depth + 1)

    walk(None, 0)
    return ordered
