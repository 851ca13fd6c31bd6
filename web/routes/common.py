"""Helpers shared by the page routes: the current type, filters from the URL, presenters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import bottle

from crm_core.errors import ValidationError
from crm_core.i18n import msg
from crm_core.query import OPERATORS, Condition, Where, every, with_default
from crm_core.schema import Field, RecordType

from ..present import Presenter
from ..state import current

#: Filter parameters in list URLs: f.FIELD=VALUE (equals; repeat for "one of") and
#: f.FIELD.OP=VALUE for the other operators (gte, lte, contains, empty...).
FILTER_PREFIX = "f."
PAGE_SIZES = (25, 50, 100, 200)


def presenter(web) -> Presenter:
    state = current()
    return Presenter(web.crm, web.crm.registry, state.language, state.actor, web.gettext)


def record_type(web, name: str) -> RecordType:
    return web.crm.registry.type(name)


@dataclass
class ListRequest:
    """A list page's state, read from (and written back to) its URL."""

    conditions: list[Condition] = field(default_factory=list)
    filter_values: dict[str, list[str]] = field(default_factory=dict)
    sort: str | None = None
    cursor: str | None = None
    tag: str | None = None
    view: dict[str, Any] | None = None
    deleted: bool = False
    show_all: bool = False
    columns: list[str] = field(default_factory=list)
    limit: int = 50

    def where(self, default: Where | None) -> Where | None:
        parts: list[Where | None] = list(self.conditions)
        if self.view:
            parts.extend(self.view.get("where") or [])
        chosen = every(*parts)
        return chosen if self.show_all else with_default(chosen, default)


def read_list_request(web, rt: RecordType, views: list[dict[str, Any]]) -> ListRequest:
    query = bottle.request.query.decode()
    request = ListRequest()
    for key in query:
        if not key.startswith(FILTER_PREFIX):
            continue
        name, _, op = key[len(FILTER_PREFIX) :].partition(".")
        values = [v for v in query.getall(key) if v != ""]
        field = rt.field(name)
        if field is None:
            raise ValidationError(
                {key: msg("{name!r} is not a field of {type}", name=name, type=rt.name)}
            )
        op = op or ("in" if len(values) > 1 else "eq")
        if op not in OPERATORS:
            raise ValidationError(
                {
                    key: msg(
                        "unknown operator {op!r}; allowed: {allowed}",
                        op=op,
                        allowed=", ".join(OPERATORS),
                    )
                }
            )
        values = web.crm.registry.field_types[field.type].filter_values(op, values, field)
        if op in ("empty", "notempty"):
            request.conditions.append(Condition(name, op))
        elif values:
            request.conditions.append(
                Condition(name, op, values if op in ("in", "notin") else values[0])
            )
        request.filter_values[key] = values
    request.sort = query.get("sort") or None
    request.cursor = query.get("cursor") or None
    request.tag = query.get("tag") or None
    request.deleted = query.get("deleted") == "1"
    request.show_all = query.get("all") == "1"
    wanted = query.get("view")
    request.view = next((v for v in views if v["name"] == wanted), None) if wanted else None
    if request.view and not request.sort:
        request.sort = request.view.get("sort")
    columns = [c for c in (query.get("cols") or "").split(",") if rt.has_field(c)]
    request.columns = columns or [c for c in rt.list_columns if rt.has_field(c)]
    try:
        limit = int(query.get("limit") or 50)
    except ValueError:
        limit = 50
    request.limit = limit if limit in PAGE_SIZES else 50
    return request


def list_views(web, rt: RecordType) -> list[dict[str, Any]]:
    state = current()
    views = []
    for result in web.crm.hook.crm_list_views(crm=web.crm, record_type=rt, actor=state.actor):
        views.extend(result or [])
    return views


def default_filter(web, rt: RecordType) -> Where | None:
    return web.crm.records.default_filter(rt.name)


def filterable_fields(web, rt: RecordType) -> list[Field]:
    """Fields offered in a list's filter form."""
    field_types = web.crm.registry.field_types
    return [
        f
        for f in rt.fields
        if not f.hidden and field_types[f.type].filterable and f.name not in ("id", "deleted")
    ]
