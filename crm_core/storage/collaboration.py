"""Comments and attachments: the ``crm_comment``, ``crm_attachment`` and ``crm_file`` rows.

The services (:mod:`crm_core.comments`, :mod:`crm_core.attachments`) decide who may do
what; the functions here only read and write rows and hand back plain values. An id
too large for the database's 64-bit columns is no row at all (``None``), never a
database error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..fieldtypes import fits_id
from .store import Transaction


@dataclass(frozen=True)
class StoredComment:
    id: int
    record_type: str
    record_id: int
    parent_id: int | None
    author: str | None
    internal: bool
    body: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    record_type: str
    record_id: int
    comment_id: int | None
    sha256: str
    filename: str
    content_type: str
    size: int
    uploaded_by: str | None
    created_at: dt.datetime
    deleted: bool


#: A history entry: ``(record_type, record_id, kind, actor, at, changes, note)``.

# -- comments ---------------------------------------------------------------------------


def _comment(row) -> StoredComment:
    return StoredComment(
        row.id,
        row.record_type,
        row.record_id,
        row.parent_id,
        row.author,
        row.internal,
        row.body,
        row.created_at,
        row.edited_at,
        row.deleted,
    )


def get_comment(tx: Transaction, comment_id: int, *, lock: bool = False) -> StoredComment | None:
    """The comment (deleted ones too), or ``None``; ``lock`` holds it until the commit."""
    if not fits_id(comment_id):
        return None
    entity = tx.snapshot.system.Comment
    row = entity.get_for_update(id=comment_id) if lock else entity.get(id=comment_id)
    return None if row is None else _comment(row)


def insert_comment(
    tx: Transaction,
    record_type: str,
    record_id: int,
    *,
    parent_id: int | None,
    author: str | None,
    internal: bool,
    body: str,
    created_at: dt.datetime,
) -> StoredComment:
    row = tx.snapshot.system.Comment(
        record_type=record_type,
        record_id=record_id,
        parent_id=parent_id,
        author=author,
        internal=internal,
        body=body,
        created_at=created_at,
    )
    row.flush()  # the id is needed at once (search index, history note)
    return _comment(row)


def insert_comments(
    tx: Transaction,
    rows: Sequence[tuple[str, int, str | None, bool, str]],
    created_at: dt.datetime,
) -> list[int]:
    """Insert many comments in a few statements: ``rows`` are ``(record_type, record_id,
    author, internal, body)``, all written at ``created_at``; returns their ids in order."""
    dialect = tx.snapshot.dialect
    now, no = dialect.to_db(created_at), dialect.to_db(False)
    return dialect.insert_many(
        tx.connection(),
        "crm_comment",
        ("record_type", "record_id", "author", "internal", "body", "created_at", "deleted"),
        [
            (t, i, author, dialect.to_db(internal), body, now, no)
            for t, i, author, internal, body in rows
        ],
        returning="id",
    )


def set_comment_body(
    tx: Transaction, comment_id: int, body: str, edited_at: dt.datetime
) -> StoredComment:
    """Change the text of a comment read with :func:`get_comment` in this transaction."""
    row = tx.snapshot.system.Comment[comment_id]
    row.set(body=body, edited_at=edited_at)
    return _comment(row)


def mark_comment_deleted(tx: Transaction, comment_id: int) -> None:
    """Put a comment read with :func:`get_comment` in this transaction in the bin."""
    tx.snapshot.system.Comment[comment_id].deleted = True


def record_comments(tx: Transaction, record_type: str, record_id: int) -> list[StoredComment]:
    """The record's comments not deleted, oldest first."""
    rows = tx.snapshot.system.Comment.select(
        lambda c: c.record_type == record_type and c.record_id == record_id and not c.deleted
    ).order_by(lambda c: c.id)[:]
    return [_comment(row) for row in rows]


def move_comments(tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int) -> int:
    """Re-attach every comment of one record to another; returns how many moved."""
    return tx.execute(
        "UPDATE crm_comment SET record_type = ?, record_id = ? "
        "WHERE record_type = ? AND record_id = ?",
        (to_type, to_id, from_type, from_id),
    ).rowcount


def purge_comments(tx: Transaction, record_type: str, record_id: int) -> None:
    """Remove the record's comments for good (the record is being purged)."""
    tx.execute(
        "DELETE FROM crm_comment WHERE record_type = ? AND record_id = ?",
        (record_type, record_id),
    )


def internal_comment_ids(tx: Transaction, comment_ids: Iterable[int | None]) -> set[int]:
    """Which of the given comments are internal (empty ids are skipped): customers never
    see those, nor files attached to them, nor search hits found in them."""
    ids = sorted({comment_id for comment_id in comment_ids if comment_id})
    if not ids:
        return set()
    rows = tx.execute(
        f"SELECT id FROM crm_comment WHERE internal = ? AND id IN ({', '.join('?' for _ in ids)})",
        (True, *ids),
    ).fetchall()
    return {row[0] for row in rows}


def comment_bodies(tx: Transaction, comment_ids: Sequence[int]) -> dict[int, str]:
    """The text of each of the given comments, by id (one query)."""
    if not comment_ids:
        return {}
    rows = tx.execute(
        f"SELECT id, body FROM crm_comment WHERE id IN ({', '.join('?' for _ in comment_ids)})",
        list(comment_ids),
    ).fetchall()
    return dict(rows)


# -- attachments ------------------------------------------------------------------------


def _attachment(row) -> StoredAttachment:
    return StoredAttachment(
        row.id,
        row.record_type,
        row.record_id,
        row.comment_id,
        row.sha256,
        row.filename,
        row.content_type,
        row.size,
        row.uploaded_by,
        row.created_at,
        row.deleted,
    )


def add_file(
    tx: Transaction, sha256: str, size: int, content_type: str, created_at: dt.datetime
) -> None:
    """Record stored content once per hash: two uploads of the same content at once both
    insert, and one row results."""
    tx.execute(
        "INSERT INTO crm_file (sha256, size, content_type, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        (sha256, size, content_type, created_at),
    )


def insert_attachment(
    tx: Transaction,
    record_type: str,
    record_id: int,
    *,
    comment_id: int | None,
    sha256: str,
    filename: str,
    content_type: str,
    size: int,
    uploaded_by: str | None,
    created_at: dt.datetime,
) -> StoredAttachment:
    row = tx.snapshot.system.Attachment(
        record_type=record_type,
        record_id=record_id,
        comment_id=comment_id,
        sha256=sha256,
        filename=filename,
        content_type=content_type,
        size=size,
        uploaded_by=uploaded_by,
        created_at=created_at,
    )
    row.flush()
    return _attachment(row)


def get_attachment(
    tx: Transaction, attachment_id: int, *, lock: bool = False
) -> StoredAttachment | None:
    """The attachment (deleted ones too), or ``None``; ``lock`` holds it until the commit."""
    if not fits_id(attachment_id):
        return None
    entity = tx.snapshot.system.Attachment
    row = entity.get_for_update(id=attachment_id) if lock else entity.get(id=attachment_id)
    return None if row is None else _attachment(row)


def record_attachments(tx: Transaction, record_type: str, record_id: int) -> list[StoredAttachment]:
    """The record's attachments not deleted, oldest first."""
    rows = tx.snapshot.system.Attachment.select(
        lambda a: a.record_type == record_type and a.record_id == record_id and not a.deleted
    ).order_by(lambda a: a.id)[:]
    return [_attachment(row) for row in rows]


def mark_attachment_deleted(tx: Transaction, attachment_id: int) -> None:
    """Put an attachment read with :func:`get_attachment` in this transaction in the bin
    (its content stays until the record is purged)."""
    tx.snapshot.system.Attachment[attachment_id].deleted = True


def move_attachments(
    tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int
) -> int:
    """Re-attach every file of one record to another; returns how many moved."""
    return tx.execute(
        "UPDATE crm_attachment SET record_type = ?, record_id = ? "
        "WHERE record_type = ? AND record_id = ?",
        (to_type, to_id, from_type, from_id),
    ).rowcount


def purge_attachments(tx: Transaction, record_type: str, record_id: int) -> list[str]:
    """Remove the record's attachments for good, and the file rows no attachment refers
    to any more; returns the hashes of those files (their content may go from disk once
    the transaction commits)."""
    hashes = [
        row[0]
        for row in tx.execute(
            "SELECT DISTINCT sha256 FROM crm_attachment WHERE record_type = ? AND record_id = ?",
            (record_type, record_id),
        ).fetchall()
    ]
    tx.execute(
        "DELETE FROM crm_attachment WHERE record_type = ? AND record_id = ?",
        (record_type, record_id),
    )
    orphans = []
    for sha256 in hashes:
        if (
            tx.execute("SELECT 1 FROM crm_attachment WHERE sha256 = ?", (sha256,)).fetchone()
            is None
        ):
            tx.execute("DELETE FROM crm_file WHERE sha256 = ?", (sha256,))
            orphans.append(sha256)
    return orphans
