"""The OpenAPI 3.1 document of the JSON API, generated from the registry.

Every record type (custom fields included) gets a schema and its paths, so the document
changes the moment an administrator adds a field.
"""

from __future__ import annotations

from typing import Any

from crm_core.plugins import project_version
from crm_core.schema import text

ERROR = {"$ref": "#/components/schemas/Error"}


def openapi_document(crm) -> dict[str, Any]:
    registry = crm.registry
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                    "required": ["code", "message"],
                }
            },
        }
    }
    paths: dict[str, Any] = {}
    for rt in sorted(registry.types.values(), key=lambda t: t.name):
        properties: dict[str, Any] = {"type": {"type": "string", "const": rt.name}}
        writable: dict[str, Any] = {}
        required = []
        for field in rt.fields:
            if field.hidden and field.name != "deleted":
                continue
            codes = (
                [v.code for v in registry.picklist(field.picklist).values]
                if field.picklist
                else None
            )
            described = dict(registry.field_types[field.type].describe(field, codes))
            described["title"] = text(field.label)
            if field.help:
                described["description"] = text(field.help)
            properties[field.name] = {
                **described,
                "type": [described.get("type", "string"), "null"],
            }
            if not field.read_only:
                writable[field.name] = properties[field.name]
                if field.required and field.default is None:
                    required.append(field.name)
            else:
                properties[field.name]["readOnly"] = True
        properties["tags"] = writable["tags"] = {"type": "array", "items": {"type": "string"}}
        name = _schema_name(rt.name)
        schemas[name] = {"type": "object", "title": text(rt.label), "properties": properties}
        schemas[name + "Input"] = {
            "type": "object",
            "properties": writable,
            "required": required,
            "additionalProperties": False,
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        page = {
            "type": "object",
            "properties": {
                "records": {"type": "array", "items": ref},
                "next_cursor": {"type": ["string", "null"]},
                "prev_cursor": {"type": ["string", "null"]},
            },
        }
        filters = [
            {
                "name": f.name,
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": f"equals (repeat for one of); {text(f.label)}",
            }
            for f in rt.fields
            if not f.hidden and registry.field_types[f.type].filterable
        ]
        common = [
            {
                "name": "sort",
                "in": "query",
                "schema": {"type": "string"},
                "description": "field, -field for descending",
            },
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 500},
            },
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            {"name": "tag", "in": "query", "schema": {"type": "string"}},
            {
                "name": "filter",
                "in": "query",
                "schema": {"type": "string"},
                "description": "FIELD>=VALUE, FIELD~TEXT, FIELD=A,B … (repeatable)",
            },
        ]
        key = {
            "name": "key",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": "record id or number",
        }
        tag = text(rt.plural)
        paths[f"/api/v1/{rt.name}"] = {
            "get": {
                "tags": [tag],
                "summary": f"List {tag.lower()}",
                "parameters": filters + common,
                "responses": _responses({"200": page}),
            },
            "post": {
                "tags": [tag],
                "summary": f"Create a {text(rt.label).lower()}",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{name}Input"}
                        }
                    },
                },
                "responses": _responses({"201": ref}),
            },
        }
        paths[f"/api/v1/{rt.name}/{{key}}"] = {
            "parameters": [key],
            "get": {
                "tags": [tag],
                "summary": f"Get a {text(rt.label).lower()}",
                "responses": _responses({"200": ref}),
            },
            "patch": {
                "tags": [tag],
                "summary": "Change some fields",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": writable}}
                    },
                },
                "responses": _responses({"200": ref}),
            },
            "delete": {
                "tags": [tag],
                "summary": "Move to the recycle bin",
                "responses": _responses({"200": ref}),
            },
        }
        paths[f"/api/v1/{rt.name}/{{key}}/restore"] = {
            "parameters": [key],
            "post": {
                "tags": [tag],
                "summary": "Restore from the recycle bin",
                "responses": _responses({"200": ref}),
            },
        }
        for end in registry.relation_ends(rt.name):
            paths[f"/api/v1/{rt.name}/{{key}}/related/{end.name}"] = {
                "parameters": [key],
                "get": {
                    "tags": [tag],
                    "summary": f"Linked {end.other_type} records",
                    "responses": _responses({"200": {"type": "object"}}),
                },
                "post": {
                    "tags": [tag],
                    "summary": f"Link a {end.other_type}",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"id": {"type": ["integer", "string"]}},
                                }
                            }
                        }
                    },
                    "responses": _responses({"201": {"type": "object"}}),
                },
            }
        for suffix, summary in (
            ("comments", "Comments"),
            ("attachments", "Attachments"),
            ("history", "Change history"),
        ):
            paths[f"/api/v1/{rt.name}/{{key}}/{suffix}"] = {
                "parameters": [key],
                "get": {
                    "tags": [tag],
                    "summary": summary,
                    "responses": _responses({"200": {"type": "object"}}),
                },
            }
    paths["/api/v1/search"] = {
        "get": {
            "tags": ["Search"],
            "summary": "Search every record type",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "type", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": _responses({"200": {"type": "object"}}),
        },
    }
    for extra in crm.hook.crm_openapi_paths(crm=crm):
        paths.update(extra or {})
    paths["/api/v1/types"] = {
        "get": {
            "tags": ["Types"],
            "summary": "Record types",
            "responses": _responses({"200": {"type": "array"}}),
        }
    }
    paths["/api/v1/types/{name}"] = {
        "parameters": [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "get": {
            "tags": ["Types"],
            "summary": "Describe a record type",
            "responses": _responses({"200": {"type": "object"}}),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CRM API",
            "version": project_version(),
            "description": "Generated from the record types enabled on this server, custom fields included.",
        },
        "servers": [{"url": crm.config.base_url}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (create one on your account page)",
                }
            },
        },
        "paths": paths,
    }


def _schema_name(type_name: str) -> str:
    return "".join(part.title() for part in type_name.split("_"))


def _responses(success: dict[str, Any]) -> dict[str, Any]:
    responses = {
        status: {
            "description": "OK" if status == "200" else "Created",
            "content": {"application/json": {"schema": schema}},
        }
        for status, schema in success.items()
    }
    for status, description in (
        ("401", "Not signed in"),
        ("404", "Not found or not visible"),
        ("409", "Conflict"),
        ("422", "Invalid field values"),
    ):
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR}},
        }
    return responses
