"""The global search box (numbers and full text, grouped by type) and type-ahead look-ups."""

from __future__ import annotations

import bottle

from ..security import json_response
from ..state import current

MAX_QUERY = 200


def register(app: bottle.Bottle, web) -> None:
    crm = web.crm

    @app.get("/search")
    def search_page():
        query = bottle.request.query.decode()
        words = (query.get("q") or "").strip()[:MAX_QUERY]
        type_name = query.get("type") or None
        groups = []
        if words:
            types = [type_name] if type_name in crm.registry.types else None
            hits = crm.search.query(words, actor=current().actor, types=types, limit=60)
            by_type: dict[str, list] = {}
            for hit in hits:
                by_type.setdefault(hit.type, []).append(hit)
            groups = [
                {"type": crm.registry.type(name), "hits": found} for name, found in by_type.items()
            ]
        return web.render("search.html", q=words, groups=groups, type_name=type_name)

    @app.get("/lookup/<type_name>")
    def lookup(type_name: str):
        """Suggestions for a reference field: ``[{"id", "number", "title"}]``."""
        rt = crm.registry.type(type_name)
        words = (bottle.request.query.decode().get("q") or "").strip()[:MAX_QUERY]
        hits = (
            crm.search.query(words, actor=current().actor, types=[rt.name], limit=10)
            if words
            else []
        )
        return json_response([{"id": h.id, "number": h.number, "title": h.title} for h in hits])
