"""The JSON API under ``/api/v1``, generated from the registry like the pages are.

Authentication: a personal API token as ``Authorization: Bearer TOKEN``; a browser
session cookie is accepted only together with the ``X-CSRF-Token`` header. Errors are
``{"error": {"code", "message", "fields"}}`` with 400, 401, 403, 404, 409, 413 or 422.
List filters: ``?FIELD=VALUE`` (repeat for "one of"), ``?filter=EXPR`` with the CLI's
expressions (``amount>=100``, ``title~printer``), ``sort``, ``limit``, ``cursor``, ``tag``.
"""

from __future__ import annotations

from typing import Any

import bottle

from crm_core.errors import ValidationError
from crm_core.query import Condition, every, parse_expression, with_default
from crm_core.serialize import record_to_json

from .. import toolkit
from ..openapi import openapi_document
from ..security import json_response
from ..state import current

RESERVED_PARAMS = {"sort", "limit", "cursor", "tag", "filter", "deleted", "all"}


def register(app: bottle.Bottle, web) -> None:
    crm = web.crm

    def api(path: str, method: str = "GET", **config: Any):
        return app.route("/api/v1" + path, method=method, api=True, **config)

    body = toolkit.json_body

    def as_json(type_name: str, record: dict[str, Any]) -> dict[str, Any]:
        rt = crm.registry.type(type_name)
        return record_to_json(crm.registry, rt, record)

    @api("/types")
    def types():
        return json_response(
            [
                {
                    "name": rt.name,
                    "label": rt.label,
                    "plural": rt.plural,
                    "number_prefix": rt.number_prefix,
                }
                for rt in sorted(crm.registry.types.values(), key=lambda t: t.name)
            ]
        )

    @api("/types/<type_name>")
    def describe(type_name: str):
        rt = crm.registry.type(type_name)
        registry = crm.registry
        fields = []
        for f in rt.fields:
            if f.hidden and f.name != "deleted":
                continue
            entry: dict[str, Any] = {
                "name": f.name,
                "type": f.type,
                "label": f.label,
                "required": f.required,
                "read_only": f.read_only,
                "unique": f.unique,
                "custom": f.custom,
                "help": f.help,
                "default": registry.field_types[f.type].to_json(f.default, f),
            }
            if f.picklist:
                entry["values"] = [
                    {"code": v.code, "label": v.label, "active": v.active}
                    for v in registry.picklist(f.picklist).values
                ]
            if f.target:
                entry["target"] = list(f.target)
            if f.max_length:
                entry["max_length"] = f.max_length
            fields.append(entry)
        relations = [
            {"name": e.name, "target": e.other_type, "label": e.label}
            for e in registry.relation_ends(rt.name)
        ]
        return json_response(
            {
                "name": rt.name,
                "label": rt.label,
                "plural": rt.plural,
                "title_field": rt.title_field,
                "fields": fields,
                "relations": relations,
            }
        )

    @api("/search")
    def search():
        query = bottle.request.query.decode()
        words = (query.get("q") or "").strip()
        if not words:
            raise ValidationError({"q": "is required"})
        types = query.getall("type") or None
        hits = crm.search.query(
            words, actor=current().actor, types=types, limit=min(_limit(query, 20), 100)
        )
        return json_response({"results": [hit.as_dict() for hit in hits]})

    @api("/openapi.json")
    def openapi():
        return json_response(openapi_document(crm))

    @app.get("/api/docs")
    def docs_page():
        """The OpenAPI document as a readable page (generated, so custom fields appear)."""
        return web.render("api_docs.html", doc=openapi_document(crm))

    @api("/attachments/<attachment_id:int>")
    def download(attachment_id: int):
        attachment, path = crm.attachments.open(attachment_id, actor=current().actor)
        return toolkit.send_attachment(attachment, path)

    @api("/<type_name>")
    def list_records(type_name: str):
        rt = crm.registry.type(type_name)
        query = bottle.request.query.decode()
        conditions = []
        for key in query:
            if key in RESERVED_PARAMS:
                continue
            if not rt.has_field(key):
                raise ValidationError(
                    {key: f"is not a field of {rt.name}; use ?filter=EXPR for other operators"}
                )
            values = query.getall(key)
            conditions.append(
                Condition(key, "in", values) if len(values) > 1 else Condition(key, "eq", values[0])
            )
        for expression in query.getall("filter"):
            try:
                conditions.append(parse_expression(expression))
            except ValueError as exc:
                raise ValidationError({"filter": str(exc)}) from None
        where = every(*conditions)
        if query.get("all") != "1":
            where = with_default(where, crm.records.default_filter(rt.name))
        page = crm.records.list(
            rt.name,
            where=where,
            sort=query.get("sort") or None,
            limit=_limit(query, 50),
            cursor=query.get("cursor") or None,
            tag=query.get("tag") or None,
            deleted=query.get("deleted") == "1",
            actor=current().actor,
        )
        return json_response(
            {
                "records": [as_json(rt.name, r) for r in page.records],
                "next_cursor": page.next_cursor,
                "prev_cursor": page.prev_cursor,
            }
        )

    @api("/<type_name>", "POST")
    def create(type_name: str):
        record = crm.records.create(type_name, body(), actor=current().actor, source="api")
        bottle.response.status = 201
        bottle.response.set_header("Location", f"/api/v1/{type_name}/{record['id']}")
        return json_response(as_json(type_name, record), 201)

    @api("/<type_name>/<key>")
    def get(type_name: str, key: str):
        return json_response(
            as_json(type_name, crm.records.get(type_name, key, actor=current().actor))
        )

    @api("/<type_name>/<key>", "PATCH")
    def update(type_name: str, key: str):
        record = crm.records.update(type_name, key, body(), actor=current().actor)
        return json_response(as_json(type_name, record))

    @api("/<type_name>/<key>", "DELETE")
    def delete(type_name: str, key: str):
        record = crm.records.delete(type_name, key, actor=current().actor)
        return json_response(as_json(type_name, record))

    @api("/<type_name>/<key>/restore", "POST")
    def restore(type_name: str, key: str):
        return json_response(
            as_json(type_name, crm.records.restore(type_name, key, actor=current().actor))
        )

    @api("/<type_name>/<key>/history")
    def history(type_name: str, key: str):
        record = crm.records.get(type_name, key, actor=current().actor)
        return json_response(
            {"history": crm.records.history(type_name, record["id"], actor=current().actor)}
        )

    @api("/<type_name>/<key>/related/<relation>")
    def related(type_name: str, key: str, relation: str):
        query = bottle.request.query.decode()
        record = crm.records.get(type_name, key, actor=current().actor)
        other, page = crm.records.related(
            type_name,
            record["id"],
            relation,
            actor=current().actor,
            limit=_limit(query, 50),
            cursor=query.get("cursor") or None,
            sort=query.get("sort") or None,
        )
        return json_response(
            {
                "records": [as_json(other.name, r) for r in page.records],
                "next_cursor": page.next_cursor,
                "prev_cursor": page.prev_cursor,
            }
        )

    @api("/<type_name>/<key>/related/<relation>", "POST")
    def link(type_name: str, key: str, relation: str):
        other = body().get("id")
        if other is None:
            raise ValidationError({"id": "give the id or number of the record to link"})
        crm.records.link(type_name, key, relation, other, actor=current().actor)
        return json_response({"linked": True}, 201)

    @api("/<type_name>/<key>/related/<relation>/<other>", "DELETE")
    def unlink(type_name: str, key: str, relation: str, other: str):
        crm.records.unlink(type_name, key, relation, other, actor=current().actor)
        return json_response({"unlinked": True})

    @api("/<type_name>/<key>/comments")
    def comments(type_name: str, key: str):
        record = crm.records.get(type_name, key, actor=current().actor)
        return json_response(
            {"comments": crm.comments.list(type_name, record["id"], actor=current().actor)}
        )

    @api("/<type_name>/<key>/comments", "POST")
    def add_comment(type_name: str, key: str):
        data = body()
        record = crm.records.get(type_name, key, actor=current().actor)
        comment = crm.comments.add(
            type_name,
            record["id"],
            data.get("body", ""),
            actor=current().actor,
            internal=bool(data.get("internal", False)),
            parent_id=data.get("parent_id"),
        )
        return json_response(comment, 201)

    @api("/<type_name>/<key>/attachments")
    def attachments(type_name: str, key: str):
        record = crm.records.get(type_name, key, actor=current().actor)
        return json_response(
            {"attachments": crm.attachments.list(type_name, record["id"], actor=current().actor)}
        )

    @api("/<type_name>/<key>/attachments", "POST")
    def upload(type_name: str, key: str):
        """A multipart form with a ``file`` part, or the raw file with ``?filename=NAME``."""
        record = crm.records.get(type_name, key, actor=current().actor)
        upload = bottle.request.files.get("file")
        if upload is not None and upload.filename:
            name, content = upload.raw_filename, upload.file
        else:
            name = bottle.request.query.decode().get("filename")
            if not name:
                raise ValidationError(
                    {
                        "file": "send a multipart form with a file, or the raw file with ?filename=NAME"
                    }
                )
            content = bottle.request.body
        attachment = crm.attachments.add(
            type_name, record["id"], name, content, actor=current().actor
        )
        return json_response(attachment, 201)


def _limit(query, default: int) -> int:
    raw = query.get("limit")
    if raw is None:
        return default
    if not raw.isdigit():
        raise ValidationError({"limit": "must be a whole number between 1 and 500"})
    return int(raw)
