"""The knowledge base on the web: the staff pages and the portal's public API.

Staff (signed in): ``/kb`` browses entries by category and product, or searches them
(ranked, with the matching words marked); ``/kb/<key>`` shows one entry as readers see it.

Portal (no sign-in, JSON, published entries only — see :mod:`.public`)::

    GET  /api/v1/kb/categories                   categories with their entry counts
    GET  /api/v1/kb/entries?category=&product=&sort=&cursor=&limit=
    GET  /api/v1/kb/search?q=&category=&product=
    GET  /api/v1/kb/entries/<key>                one entry (id or number), answer as HTML
    GET  /api/v1/kb/entries/<key>/comments       public comments, threaded
    GET  /api/v1/kb/entries/<key>/attachments    files
    GET  /api/v1/kb/attachments/<id>             download one file
    POST /api/v1/kb/entries/<key>/vote           {"helpful": true} or {"helpful": false}
"""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_core import ValidationError, msg
from crm_web import toolkit

from . import knowledge, public, votes
from .rendering import answer_html

MAX_QUERY = 200
PAGE_SIZE = 25
MAX_API_LIMIT = 100
#: A vote is a few bytes of JSON; anything much larger is not one.
MAX_VOTE_BODY = 4096
#: How the browsing orders of :data:`knowledge.SORTS` are named on the page.
SORT_LABELS = {
    "recent": "Recently changed",
    "helpful": "Most helpful",
    "unhelpful": "Least helpful",
    "question": "By question",
}
YES = ("true", "yes", "1")
NO = ("false", "no", "0")


def routes(crm) -> list[toolkit.Route]:
    """The staff pages and the portal's API, for ``crm_register_routes``. Votes are limited
    per client by one :class:`~.votes.VoteLimiter` for the app, sized by the settings."""
    limiter = votes.VoteLimiter(crm.settings("faq")["votes_per_hour"])

    def api(method: str, path: str, view) -> toolkit.Route:
        return toolkit.Route(method, "/api/v1/kb" + path, view, public=True, api=True)

    return [
        toolkit.Route("GET", "/kb", kb_page),
        toolkit.Route("GET", "/kb/<key>", kb_entry),
        api("GET", "/categories", api_categories),
        api("GET", "/entries", api_entries),
        api("GET", "/search", api_search),
        api("GET", "/entries/<key>", api_entry),
        api("GET", "/entries/<key>/comments", api_comments),
        api("GET", "/entries/<key>/attachments", api_attachments),
        api("GET", "/attachments/<attachment_id:int>", api_download),
        api("POST", "/entries/<key>/vote", partial(api_vote, limiter=limiter)),
    ]


# -- staff pages --------------------------------------------------------------------------


def kb_page():
    crm = toolkit.crm()
    query = toolkit.query()
    actor = toolkit.actor()
    words = (query.get("q") or "").strip()[:MAX_QUERY]
    chosen = {
        "category": query.get("category") or None,
        "product": _product_id(query.get("product")),
        "status": query.get("status") or None,
    }
    sort = query.get("sort") if query.get("sort") in knowledge.SORTS else "recent"
    where = knowledge.restriction(crm, **chosen)
    hits, page = [], None
    if words:
        hits = knowledge.search(crm, words, actor=actor, where=where)
        records = [hit.record for hit in hits]
    else:
        page = knowledge.browse(
            crm,
            actor=actor,
            where=where,
            sort=sort,
            cursor=query.get("cursor"),
            limit=PAGE_SIZE,
        )
        records = page.records
    rt = crm.registry.type(knowledge.TYPE)
    present = toolkit.presenter().prepare(rt, records)
    counted = knowledge.restriction(crm, status=chosen["status"])  # counts per status
    return toolkit.render(
        "kb.html",
        rt=rt,
        present=present,
        words=words,
        chosen=chosen,
        sort=sort,
        sorts=SORT_LABELS,
        hits=hits,
        page=page,
        categories=knowledge.category_counts(crm, actor=actor, where=counted),
        products=knowledge.product_counts(crm, actor=actor, where=counted),
        statuses=crm.registry.picklist("faq_status").values,
    )


def kb_entry(key: str):
    crm = toolkit.crm()
    record = crm.records.get(knowledge.TYPE, key, actor=toolkit.actor())
    rt = crm.registry.type(knowledge.TYPE)
    present = toolkit.presenter().prepare(rt, [record])
    return toolkit.render(
        "kb_entry.html",
        rt=rt,
        record=record,
        present=present,
        answer=answer_html(record["answer"]),
    )


# -- public API ---------------------------------------------------------------------------


def api_categories():
    return toolkit.json_response(
        {"categories": public.categories(toolkit.crm(), toolkit.language())}
    )


def api_entries():
    crm = toolkit.crm()
    query = toolkit.query()
    page = public.entries(
        crm,
        category=query.get("category") or None,
        product=_product_id(query.get("product")),
        sort=query.get("sort") if query.get("sort") in knowledge.SORTS else "recent",
        cursor=query.get("cursor") or None,
        limit=_limit(query.get("limit")),
    )
    language = toolkit.language()
    return toolkit.json_response(
        {
            "entries": [
                public.entry_json(crm, record, language, full=False) for record in page.records
            ],
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
        }
    )


def api_search():
    crm = toolkit.crm()
    query = toolkit.query()
    words = (query.get("q") or "").strip()[:MAX_QUERY]
    if not words:
        raise ValidationError({"q": msg("is required: the words to look for")})
    hits = public.search(
        crm,
        words,
        category=query.get("category") or None,
        product=_product_id(query.get("product")),
    )
    language = toolkit.language()
    return toolkit.json_response(
        {
            "results": [
                {
                    **public.entry_json(crm, hit.record, language, full=False),
                    "score": round(hit.score, 4),
                    "snippet": [{"text": part, "match": match} for part, match in hit.snippet],
                }
                for hit in hits
            ]
        }
    )


def api_entry(key: str):
    crm = toolkit.crm()
    record = public.entry(crm, key)
    return toolkit.json_response(public.entry_json(crm, record, toolkit.language()))


def api_comments(key: str):
    return toolkit.json_response({"comments": public.comments(toolkit.crm(), key)})


def api_attachments(key: str):
    return toolkit.json_response({"attachments": public.attachments(toolkit.crm(), key)})


def api_download(attachment_id: int):
    attachment, path = public.attachment_file(toolkit.crm(), attachment_id)
    return toolkit.send_attachment(attachment, path)


def api_vote(key: str, *, limiter: votes.VoteLimiter):
    crm = toolkit.crm()
    helpful = _helpful(_vote_body())
    record = public.entry(crm, key)
    if not limiter.allow(toolkit.client_address() or "unknown", record["id"]):
        return toolkit.json_error(
            429,
            "too_many_votes",
            "this entry already has your vote, or you voted too often; try again in an hour",
        )
    return toolkit.json_response(votes.vote(crm, record["id"], helpful))


def _vote_body() -> dict[str, Any]:
    """The vote as JSON (``{"helpful": true}``) or as a form (``helpful=yes``)."""
    if toolkit.content_type() == "application/json":
        return toolkit.json_body(limit=MAX_VOTE_BODY, example='{"helpful": true}')
    return dict(toolkit.form())


def _helpful(data: dict[str, Any]) -> bool:
    value = data.get("helpful")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in YES + NO:
        return value.strip().lower() in YES
    raise ValidationError({"helpful": msg("must be true (it helped) or false (it did not)")})


def _product_id(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(
            {"product": msg("must be a product id, like 12 (got {value!r})", value=raw)}
        )
    return int(raw)


def _limit(raw: str | None) -> int:
    if not raw:
        return 20
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_API_LIMIT:
        raise ValidationError(
            {"limit": msg("must be a whole number from 1 to {limit}", limit=MAX_API_LIMIT)}
        )
    return int(raw)
