"""The public knowledge-base endpoints in the OpenAPI document (``crm_openapi_paths``)."""

from __future__ import annotations

from typing import Any

from .knowledge import SORTS

TAG = "Knowledge base (public)"
NO_SIGN_IN: list[dict[str, Any]] = []  # OpenAPI: an empty security list means public
KEY = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "entry id or number (FAQ12)",
}
FILTERS = [
    {"name": "category", "in": "query", "schema": {"type": "string"}, "description": "code"},
    {"name": "product", "in": "query", "schema": {"type": "integer"}, "description": "id"},
]
ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "string"},
        "question": {"type": "string"},
        "category": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
        },
        "product": {
            "type": ["object", "null"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "helpful_yes": {"type": "integer"},
        "helpful_no": {"type": "integer"},
        "answer": {"type": "string", "description": "Markdown, in single-entry answers"},
        "answer_html": {"type": "string", "description": "safe HTML, in single-entry answers"},
    },
}


def _get(summary: str, schema: dict[str, Any], parameters=()) -> dict[str, Any]:
    return {
        "get": {
            "tags": [TAG],
            "summary": summary,
            "security": NO_SIGN_IN,
            "parameters": list(parameters),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                "404": {"description": "No published entry with that key"},
            },
        }
    }


def _list_of(name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "array", "items": item}}}


OPENAPI_PATHS = {
    "/api/v1/kb/categories": _get(
        "Categories with the number of published entries", _list_of("categories", {})
    ),
    "/api/v1/kb/entries": _get(
        "Published entries, a page at a time",
        {
            "type": "object",
            "properties": {
                "entries": {"type": "array", "items": ENTRY},
                "next_cursor": {"type": ["string", "null"]},
                "prev_cursor": {"type": ["string", "null"]},
            },
        },
        [
            *FILTERS,
            {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS)}},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
        ],
    ),
    "/api/v1/kb/search": _get(
        "Full-text search of published entries, best first, with marked snippets",
        _list_of("results", ENTRY),
        [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}, *FILTERS],
    ),
    "/api/v1/kb/entries/{key}": {"parameters": [KEY], **_get("One published entry", ENTRY)},
    "/api/v1/kb/entries/{key}/comments": {
        "parameters": [KEY],
        **_get("Public comments of a published entry", _list_of("comments", {})),
    },
    "/api/v1/kb/entries/{key}/attachments": {
        "parameters": [KEY],
        **_get("Files of a published entry", _list_of("attachments", {})),
    },
    "/api/v1/kb/attachments/{id}": {
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        **_get("Download a file of a published entry", {"type": "string", "format": "binary"}),
    },
    "/api/v1/kb/entries/{key}/vote": {
        "parameters": [KEY],
        "post": {
            "tags": [TAG],
            "summary": '"Was this helpful?": one vote per entry and client an hour',
            "security": NO_SIGN_IN,
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["helpful"],
                            "properties": {"helpful": {"type": "boolean"}},
                        }
                    }
                }
            },
            "responses": {
                "200": {"description": "The entry's new counts: helpful_yes, helpful_no"},
                "404": {"description": "No published entry with that key"},
                "429": {"description": "Voted on this entry already, or too often"},
            },
        },
    },
}
