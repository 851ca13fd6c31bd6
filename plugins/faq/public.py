"""What anyone may read without signing in (the customer portal's knowledge base).

Only published entries, everywhere: lists, search, single entries (by number or id), their
comments and their files. Everything is read as :data:`READER`, an anonymous customer, so
the core's rules for customers apply on top of the explicit :data:`PUBLISHED` filter used
here: the plugin's permission filter shows customers published entries only, internal
comments are never returned or searched, and files attached to internal comments stay
hidden. A draft, reviewed or obsolete entry answers "not found", exactly like a missing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_core import NotFound, msg
from crm_core.actors import Actor
from crm_core.query import every
from crm_core.schema import text
from crm_core.search import words as search_words

from . import knowledge
from .rendering import answer_html

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = knowledge.TYPE
PUBLISHED = knowledge.PUBLISHED
READER = Actor(kind="contact", name="Knowledge-base reader")


def entry(crm: CRM, key: int | str) -> dict[str, Any]:
    """A published entry by id or number; any other is :class:`NotFound`."""
    record = crm.records.get(TYPE, key, actor=READER)
    if record["status"] != PUBLISHED.value:
        raise NotFound(msg("{type} {key} not found", type=TYPE, key=key))
    return record


def entries(
    crm: CRM,
    *,
    category: str | None,
    product: int | None,
    sort: str,
    cursor: str | None,
    limit: int,
):
    where = every(PUBLISHED, knowledge.restriction(crm, category=category, product=product))
    return knowledge.browse(crm, actor=READER, where=where, sort=sort, cursor=cursor, limit=limit)


def search(crm: CRM, words: str, *, category: str | None, product: int | None):
    """Published entries whose question, answer or public comments match ``words``. An
    entry found only through another searchable field (one an administrator added for
    staff) is left out, and snippets are cut from the public text only."""
    where = every(PUBLISHED, knowledge.restriction(crm, category=category, product=product))
    stems = search_words.query_stems(words)
    found = []
    for hit in knowledge.search(crm, words, actor=READER, where=where):
        if hit.comment_id:
            found.append(hit)
            continue
        public_text = f"{hit.record['question']} · {hit.record['answer']}"
        if search_words.mentions(public_text, stems):
            hit.snippet = search_words.highlight(public_text, stems)
            found.append(hit)
    return found


def categories(crm: CRM, language: str) -> list[dict[str, Any]]:
    """Categories with the number of published entries in each."""
    return [
        {"code": item["code"], "label": text(item["label"], language), "count": item["count"]}
        for item in knowledge.category_counts(crm, actor=READER, where=PUBLISHED)
    ]


def comments(crm: CRM, key: int | str) -> list[dict[str, Any]]:
    """The public comments of a published entry, as a thread."""
    record = entry(crm, key)
    return [
        {
            "id": comment["id"],
            "parent_id": comment["parent_id"],
            "depth": comment["depth"],
            "body": comment["body"],
            "created_at": comment["created_at"],
            "by_staff": (comment["author"] or "").startswith("user:"),
        }
        for comment in crm.comments.list(TYPE, record["id"], actor=READER)
        if not comment["internal"]
    ]


def attachments(crm: CRM, key: int | str) -> list[dict[str, Any]]:
    """The files of a published entry and of its public comments."""
    record = entry(crm, key)
    return [
        attachment_json(attachment)
        for attachment in crm.attachments.list(TYPE, record["id"], actor=READER)
    ]


def attachment_file(crm: CRM, attachment_id: int) -> tuple[dict[str, Any], Path]:
    """A file for download, if it belongs to a published entry (not an internal comment)."""
    try:
        attachment, path = crm.attachments.open(attachment_id, actor=READER)
        if attachment["record_type"] != TYPE:
            raise NotFound(msg("attachment {id} not found", id=attachment_id))
        entry(crm, attachment["record_id"])
    except NotFound:  # the same answer whatever the file belongs to
        raise NotFound(msg("attachment {id} not found", id=attachment_id)) from None
    return attachment, path


def attachment_json(attachment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": attachment["id"],
        "filename": attachment["filename"],
        "content_type": attachment["content_type"],
        "size": attachment["size"],
        "url": f"/api/v1/kb/attachments/{attachment['id']}",
    }


def entry_json(
    crm: CRM, record: dict[str, Any], language: str, *, full: bool = True
) -> dict[str, Any]:
    """An entry as the portal reads it; ``full`` adds the answer (Markdown and HTML)."""
    category = crm.registry.picklist("faq_category")
    result: dict[str, Any] = {
        "id": record["id"],
        "number": record["number"],
        "question": record["question"],
        "category": {
            "code": record["category"],
            "label": category.label_for(record["category"], language),
        },
        "product": None,
        "helpful_yes": record["helpful_yes"],
        "helpful_no": record["helpful_no"],
    }
    product = record.get("product")
    if product is not None:
        titles = crm.records.titles([f"product:{product}"])
        found = titles.get(f"product:{product}")
        result["product"] = {"id": product, "name": found["title"]} if found else None
    if full:
        result["answer"] = record["answer"]
        result["answer_html"] = str(answer_html(record["answer"]))
    return result
