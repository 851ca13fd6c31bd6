"""Files attached to records and comments.

Content is stored once per SHA-256 under ``DATA_DIR/files/ab/cd/<hash>`` (outside anything
the web server serves as static files); the original name is kept, made safe, for
downloads. Deleting a record keeps its files until the record is purged; a file is removed
from disk only when no attachment refers to it any more, after the commit.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import filetype

from . import clock
from .actors import SYSTEM, Actor
from .errors import NotFound, PermissionDenied, TooLarge, ValidationError
from .i18n import msg
from .storage import collaboration
from .storage.collaboration import StoredAttachment

if TYPE_CHECKING:
    from .runtime import CRM
    from .storage.store import Transaction

CHUNK = 1 << 16
#: Types a browser may show inline (an image, a PDF, plain text). Everything else is only
#: ever downloaded, as ``application/octet-stream``: HTML, SVG, XML and scripts uploaded by
#: one user must never run in another user's session.
INLINE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


def safe_filename(name: str) -> str:
    """Keep the name a person recognises, without paths, control characters or tricks."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip(" .")
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (
            (stem[: 200 - len(suffix) - 1] + "." + suffix)
            if dot and len(suffix) < 16
            else name[:200]
        )
    return name or "file"


def _size_text(size: int) -> str:
    """``25 MB``, ``512 KB`` or ``100 bytes``, for messages."""
    if size >= 1024 * 1024:
        return msg("{size:.3g} MB", size=size / (1024 * 1024))
    if size >= 1024:
        return msg("{size:.3g} KB", size=size / 1024)
    return msg("{size} bytes", size=size)


def _no_attachment(attachment_id: int) -> str:
    return msg("attachment {id} not found", id=attachment_id)


class Attachments:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store

    @property
    def root(self) -> Path:
        return self.crm.data_dir / "files"

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def add(
        self,
        type_name: str,
        record_id: int,
        filename: str,
        content: bytes | IO[bytes],
        *,
        actor: Actor = SYSTEM,
        comment_id: int | None = None,
    ) -> dict[str, Any]:
        """Store a file and attach it; refuses files over the configured size limit."""
        self.crm.records.get(type_name, record_id, actor=actor)
        sha256, size, head, temporary = self._spool(content)
        try:
            content_type = self._content_type(head, filename)
            with self.store.transaction() as tx:
                record = self.crm.records.get(type_name, record_id, actor=actor)
                if (
                    not self.crm.records.can(type_name, record, actor, "edit")
                    and actor.kind != "contact"
                ):
                    raise PermissionDenied(msg("you may not attach files to this record"))
                if comment_id is not None:
                    comment = collaboration.get_comment(tx, comment_id)
                    if comment is None or (comment.record_type, comment.record_id) != (
                        type_name,
                        record["id"],
                    ):
                        raise ValidationError(
                            {"comment_id": msg("is not a comment of this record")}
                        )
                collaboration.add_file(tx, sha256, size, content_type, clock.utcnow())
                # Always put the content in place: a purge of the same content that
                # commits meanwhile must not leave this attachment without its file.
                target = self.path_for(sha256)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temporary, target)
                temporary = None
                attachment = collaboration.insert_attachment(
                    tx,
                    type_name,
                    record["id"],
                    comment_id=comment_id,
                    sha256=sha256,
                    filename=safe_filename(filename),
                    content_type=content_type,
                    size=size,
                    uploaded_by=actor.ref,
                    created_at=clock.utcnow(),
                )
                rt = tx.registry.type(type_name)
                self.crm.records.add_history(
                    rt.name, record["id"], "attached", actor=actor, note=attachment.filename
                )
                return self._dict(attachment)
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)

    def _spool(self, content: bytes | IO[bytes]) -> tuple[str, int, bytes, str]:
        """Copy the upload to a temporary file next to the store, hashing as it goes."""
        limit = self.crm.config.max_upload_bytes
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                chunks = (
                    [content]
                    if isinstance(content, bytes)
                    else iter(lambda: content.read(CHUNK), b"")
                )
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(
                            msg(
                                "the file is larger than the limit of {limit} "
                                "(max_upload_mb in plugins.toml)",
                                limit=_size_text(limit),
                            )
                        )
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if size == 0:
            Path(temporary).unlink(missing_ok=True)
            raise ValidationError({"file": msg("is empty")})
        return digest.hexdigest(), size, head, temporary

    @staticmethod
    def _content_type(head: bytes, filename: str) -> str:
        """From the content's own signature when it has one, else from the name."""
        kind = filetype.guess(head)
        if kind is not None:
            return kind.mime
        guessed, _ = mimetypes.guess_type(filename or "")
        if guessed:
            return guessed
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            return "application/octet-stream"

    def list(
        self, type_name: str, record_id: int, *, actor: Actor = SYSTEM
    ) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            record = self.crm.records.get(type_name, record_id, actor=actor)
            rows = collaboration.record_attachments(tx, type_name, record["id"])
            hidden = (
                collaboration.internal_comment_ids(tx, (a.comment_id for a in rows))
                if actor.kind == "contact"
                else set()
            )
            return [self._dict(a) for a in rows if a.comment_id not in hidden]

    def open(self, attachment_id: int, *, actor: Actor = SYSTEM) -> tuple[dict[str, Any], Path]:
        """The attachment's details and the path of its content, if ``actor`` may see it."""
        with self.store.reading() as tx:
            attachment = collaboration.get_attachment(tx, attachment_id)
            if attachment is None or attachment.deleted:
                raise NotFound(_no_attachment(attachment_id))
            self.crm.records.get(attachment.record_type, attachment.record_id, actor=actor)
            if actor.kind == "contact" and collaboration.internal_comment_ids(
                tx, [attachment.comment_id]
            ):
                raise NotFound(_no_attachment(attachment_id))
            return self._dict(attachment), self.path_for(attachment.sha256)

    def delete(self, attachment_id: int, *, actor: Actor = SYSTEM) -> None:
        with self.store.transaction() as tx:
            attachment = collaboration.get_attachment(tx, attachment_id, lock=True)
            if attachment is None or attachment.deleted:
                raise NotFound(_no_attachment(attachment_id))
            record = self.crm.records.get(attachment.record_type, attachment.record_id, actor=actor)
            if attachment.uploaded_by != actor.ref and not self.crm.records.can(
                attachment.record_type, record, actor, "edit"
            ):
                raise PermissionDenied(msg("you may not remove this file"))
            collaboration.mark_attachment_deleted(tx, attachment.id)
            rt = tx.registry.type(attachment.record_type)
            self.crm.records.add_history(
                rt.name, record["id"], "detached", actor=actor, note=attachment.filename
            )

    def move(self, tx: Transaction, from_type: str, from_id: int, to_type: str, to_id: int) -> int:
        return collaboration.move_attachments(tx, from_type, from_id, to_type, to_id)

    def purge_record(self, tx: Transaction, type_name: str, record_id: int) -> None:
        """Remove the record's attachments; content no other attachment refers to leaves
        the disk after the commit."""
        orphans = collaboration.purge_attachments(tx, type_name, record_id)
        tx.on_commit.extend(
            lambda sha=sha: self.path_for(sha).unlink(missing_ok=True) for sha in orphans
        )

    @staticmethod
    def _dict(attachment: StoredAttachment) -> dict[str, Any]:
        return {
            "id": attachment.id,
            "record_type": attachment.record_type,
            "record_id": attachment.record_id,
            "comment_id": attachment.comment_id,
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "uploaded_by": attachment.uploaded_by,
            "created_at": attachment.created_at,
            "sha256": attachment.sha256,
            "inline_safe": attachment.content_type in INLINE_TYPES,
        }
