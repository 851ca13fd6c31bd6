"""Global search: record numbers, then full text over records and comments, ranked.

Results only ever include what the actor may see: candidates come from the index, then
each record type's permission restriction (the same one lists use) is applied in one
query per type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..actors import SYSTEM, Actor
from ..query import Condition, Where, every, with_default
from ..storage import collaboration, search_index
from . import words

if TYPE_CHECKING:
    from ..runtime import CRM

NUMBER_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}\d+$")
MAX_ROUNDS = 4


@dataclass
class Hit:
    type: str
    id: int
    number: str
    title: str
    score: float
    snippet: list[tuple[str, bool]] = field(default_factory=list)
    comment_id: int = 0
    record: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "score": round(self.score, 4),
            "snippet": [{"text": text, "match": match} for text, match in self.snippet],
            "in_comment": self.comment_id or None,
        }


class Search:
    def __init__(self, crm: CRM):
        self.crm = crm
        self.store = crm.store

    def query(
        self,
        text: str,
        *,
        actor: Actor = SYSTEM,
        types: list[str] | None = None,
        limit: int = 20,
        where: dict[str, Where] | None = None,
    ) -> list[Hit]:
        """Records matching ``text``, best first. ``where`` adds a restriction per type (the
        knowledge base shows only published articles, for one)."""
        text = (text or "").strip()
        registry = self.crm.refresh()
        scope = [t for t in (types or sorted(registry.types)) if t in registry.types]
        where = dict(where or {})
        for type_name in scope:
            where[type_name] = with_default(
                where.get(type_name), self.crm.records.default_filter(type_name)
            )
        hits: list[Hit] = []
        seen: set[tuple[str, int]] = set()
        for hit in self._by_number(text, scope, actor, where or {}):
            hits.append(hit)
            seen.add((hit.type, hit.id))
        for results in self.crm.hook.crm_search(crm=self.crm, text=text, actor=actor, types=scope):
            for raw in results or []:
                key = (raw["type"], raw["id"])
                if key in seen or raw["type"] not in scope:
                    continue
                hits.append(
                    Hit(
                        raw["type"],
                        raw["id"],
                        raw.get("number", ""),
                        raw.get("title", ""),
                        raw.get("score", 1000.0),
                        [(raw.get("snippet", ""), False)],
                    )
                )
                seen.add(key)
        stems = words.query_stems(text)
        if stems:
            hits.extend(self._full_text(stems, scope, actor, where or {}, limit, seen))
        return hits[:limit]

    def _by_number(
        self, text: str, scope: list[str], actor: Actor, where: dict[str, Where]
    ) -> list[Hit]:
        if not NUMBER_RE.match(text.upper()):
            return []
        found = []
        for type_name in scope:
            page = self.crm.records.list(
                type_name,
                where=every(Condition("number", "eq", text.upper()), where.get(type_name)),
                actor=actor,
                limit=1,
            )
            for record in page.records:
                rt = self.crm.registry.type(type_name)
                found.append(self._hit(rt, record, 1_000_000.0, [], 0))
        return found

    def _full_text(
        self,
        stems: list[str],
        scope: list[str],
        actor: Actor,
        where: dict[str, Where],
        limit: int,
        seen: set[tuple[str, int]],
    ) -> list[Hit]:
        """Fetch candidates in growing batches until enough visible ones are found."""
        batch = max(limit * 4, 50)
        ranked: list[tuple] = []
        for _ in range(MAX_ROUNDS):
            with self.store.reading() as tx:
                candidates = search_index.candidates(tx, stems, scope, batch)
                # Customers never find a record through an internal comment, nor see its
                # text in a snippet.
                hidden = (
                    set()
                    if actor.is_staff
                    else collaboration.internal_comment_ids(tx, (c[2] for c in candidates))
                )
            best: dict[tuple[str, int], tuple[float, int]] = {}
            for type_name, record_id, comment_id, score in candidates:
                key = (type_name, record_id)
                if key in seen or comment_id in hidden:
                    continue
                if key not in best or score > best[key][0]:
                    best[key] = (score, comment_id)
            visible = self._visible(best, actor, where)
            ranked = []
            for (type_name, record_id), (score, comment_id) in sorted(
                best.items(), key=lambda item: -item[1][0]
            ):
                record = visible.get((type_name, record_id))
                if record is not None:
                    ranked.append((type_name, record, score, comment_id))
            if len(ranked) >= limit or len(candidates) < batch:
                break
            batch *= 4
        ranked = ranked[:limit]
        bodies = self._comment_bodies([comment_id for *_, comment_id in ranked if comment_id])
        return [
            self._hit(self.crm.registry.type(type_name), record, score, stems, comment_id, bodies)
            for type_name, record, score, comment_id in ranked
        ]

    def _comment_bodies(self, ids: list[int]) -> dict[int, str]:
        """The text of the comments some hits were found in (one query)."""
        if not ids:
            return {}
        with self.store.reading() as tx:
            return collaboration.comment_bodies(tx, ids)

    def _visible(
        self, keys: dict[tuple[str, int], Any], actor: Actor, where: dict[str, Where]
    ) -> dict[tuple[str, int], dict[str, Any]]:
        by_type: dict[str, list[int]] = {}
        for type_name, record_id in keys:
            by_type.setdefault(type_name, []).append(record_id)
        visible = {}
        for type_name, ids in by_type.items():
            for start in range(0, len(ids), 400):
                chunk = ids[start : start + 400]
                page = self.crm.records.list(
                    type_name,
                    where=every(Condition("id", "in", chunk), where.get(type_name)),
                    actor=actor,
                    limit=len(chunk),
                    sort="id",
                )
                for record in page.records:
                    visible[(type_name, record["id"])] = record
        return visible

    def _hit(
        self,
        rt,
        record: dict[str, Any],
        score: float,
        stems: list[str],
        comment_id: int,
        bodies: dict[int, str] | None = None,
    ) -> Hit:
        title_field = rt.field(rt.title_field)
        title_type = self.crm.registry.field_types[title_field.type]
        title = title_type.to_text(record.get(rt.title_field), title_field) or record["number"]
        snippet: list[tuple[str, bool]] = []
        if stems:
            if comment_id:
                snippet = words.highlight((bodies or {}).get(comment_id, ""), stems)
            else:
                body = self.crm.records.search_body(None, rt, record)
                snippet = words.highlight(body.replace("\n", " · "), stems)
        return Hit(
            rt.name, record["id"], record["number"], title, score, snippet, comment_id, record
        )

    def reindex(self, type_name: str | None = None) -> int:
        """Rebuild the index of one record type (or all): after a field became searchable."""
        registry = self.crm.refresh()
        count = 0
        for name in [type_name] if type_name else sorted(registry.types):
            rt = registry.type(name)
            batch = []
            for record in self.crm.records.iterate(name):
                batch.append(record)
                if len(batch) >= 500:
                    count += self._reindex_batch(rt, batch)
                    batch = []
            count += self._reindex_batch(rt, batch)
        return count

    def _reindex_batch(self, rt, records: list[dict[str, Any]]) -> int:
        with self.store.transaction() as tx:
            for record in records:
                self.crm.records.write_index(tx, rt, record)
                self.crm.comments.reindex_record(
                    tx, rt.name, record["id"], record.get("assigned_to")
                )
        return len(records)
