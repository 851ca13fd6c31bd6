"""Reading the knowledge base: filters, browsing, counts per category and product, search.

The staff page and the public API both come through here; they differ only in the actor
(a staff user, or :data:`crm_plugins.faq.public.READER`) and in the restriction they pass
(the public side always adds :data:`PUBLISHED`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_core.actors import Actor
from crm_core.query import Condition, Where, every

if TYPE_CHECKING:
    from crm_core.records import Page
    from crm_core.runtime import CRM
    from crm_core.search import Hit

TYPE = "faq"
PUBLISHED = Condition("status", "eq", "published")
#: Sort orders offered for browsing: URL value → record field sort.
SORTS = {
    "recent": "-modified_at",
    "helpful": "-helpful_yes",
    "unhelpful": "-helpful_no",
    "question": "question",
}
MAX_HITS = 50


def has_products(crm: CRM) -> bool:
    """Entries have a product field only when the products plugin is enabled."""
    return crm.registry.type(TYPE).has_field("product")


def restriction(
    crm: CRM,
    *,
    category: str | None = None,
    product: int | None = None,
    status: str | None = None,
) -> Where | None:
    """The filters of a browse or search request (``None`` values are left out)."""
    parts = []
    if category:
        parts.append(Condition("category", "eq", category))
    if product is not None and has_products(crm):
        parts.append(Condition("product", "eq", product))
    if status:
        parts.append(Condition("status", "eq", status))
    return every(*parts)


def browse(
    crm: CRM,
    *,
    actor: Actor,
    where: Where | None,
    sort: str = "recent",
    cursor: str | None = None,
    limit: int = 25,
) -> Page:
    """A page of entries; ``sort`` is a key of :data:`SORTS`."""
    return crm.records.list(
        TYPE,
        where=where,
        sort=SORTS.get(sort, SORTS["recent"]),
        cursor=cursor,
        limit=limit,
        actor=actor,
    )


def search(crm: CRM, text: str, *, actor: Actor, where: Where | None) -> list[Hit]:
    """Entries matching ``text`` (Russian and English word forms), best first, each with a
    snippet whose matching words are marked. Only hits read through ``where`` and the
    actor's permissions count (extra hits of other plugins' ``crm_search`` are not)."""
    hits = crm.search.query(
        text, actor=actor, types=[TYPE], where={TYPE: where} if where else None, limit=MAX_HITS
    )
    return [hit for hit in hits if hit.record is not None]


def category_counts(crm: CRM, *, actor: Actor, where: Where | None) -> list[dict[str, Any]]:
    """``[{"code", "label", "count"}]`` for every category, in the picklist's order."""
    counts = {
        row["category"]: row["count"]
        for row in crm.records.aggregate(TYPE, where=where, group_by=["category"], actor=actor)
    }
    picklist = crm.registry.picklist("faq_category")
    return [
        {"code": value.code, "label": value.label, "count": counts.get(value.code, 0)}
        for value in picklist.values
        if value.active or counts.get(value.code)
    ]


def product_counts(crm: CRM, *, actor: Actor, where: Where | None) -> list[dict[str, Any]]:
    """``[{"id", "title", "count"}]`` for the products entries are about, most entries first."""
    if not has_products(crm):
        return []
    rows = [
        row
        for row in crm.records.aggregate(TYPE, where=where, group_by=["product"], actor=actor)
        if row["product"] is not None
    ]
    titles = crm.records.titles([f"product:{row['product']}" for row in rows])
    found = [
        {
            "id": row["product"],
            "title": titles[f"product:{row['product']}"]["title"],
            "count": row["count"],
        }
        for row in rows
        if f"product:{row['product']}" in titles
    ]
    return sorted(found, key=lambda item: (-item["count"], item["title"].casefold()))
