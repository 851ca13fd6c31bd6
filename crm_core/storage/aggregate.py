"""Aggregate queries: counts, sums, medians and histograms computed by the database.

Dashboards need numbers over many records ("open tickets by status", "created per day")
without reading the records. :func:`aggregate_query` compiles such a question into one
``SELECT … GROUP BY`` over a record table, with every value as a parameter; the records
service adds the same filters and permission rules a list uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..fieldtypes import FieldType
from ..i18n import msg
from ..query import Where
from ..schema import Field, RecordType
from .listing import SQLBuilder

#: Measures and what they need: "field" measures take a field, "numeric" a number field.
MEASURE_KINDS = ("count", "sum", "avg", "min", "max", "median")
NUMERIC_KINDS = ("sum", "avg", "median")


@dataclass(frozen=True)
class Measure:
    kind: str
    field: Field | None = None


@dataclass(frozen=True)
class Bucket:
    """Histogram over half-open intervals ``[edges[i], edges[i + 1])`` of one field."""

    field: Field
    edges: tuple[Any, ...]  # field values (or their text), ascending


def parse_measures(
    rt: RecordType, field_types: dict[str, Any], measures: dict[str, Any] | None
) -> dict[str, Measure]:
    """``{"open": "count", "hours": ("sum", "hours")}`` → checked :class:`Measure` objects."""
    if not measures:
        return {"count": Measure("count")}
    parsed = {}
    for name, spec in measures.items():
        kind, field_name = (spec, None) if isinstance(spec, str) else tuple(spec)
        if kind not in MEASURE_KINDS:
            raise ValidationError(
                {
                    "measures": msg(
                        "{name}: unknown measure {kind!r}; allowed: {allowed}",
                        name=name,
                        kind=kind,
                        allowed=", ".join(MEASURE_KINDS),
                    )
                }
            )
        if kind == "count":
            parsed[name] = Measure("count")
            continue
        field = rt.field(field_name) if field_name else None
        if field is None:
            raise ValidationError(
                {
                    "measures": msg(
                        "{name}: {kind} needs a field of {type}; got {field!r}",
                        name=name,
                        kind=kind,
                        type=rt.name,
                        field=field_name,
                    )
                }
            )
        ftype = field_types[field.type]
        if kind in NUMERIC_KINDS and not ftype.numeric:
            raise ValidationError(
                {
                    "measures": msg(
                        "{name}: {kind} needs a number field; {field} is {field_type}",
                        name=name,
                        kind=kind,
                        field=field.name,
                        field_type=field.type,
                    )
                }
            )
        if not ftype.sortable:
            raise ValidationError(
                {
                    "measures": msg(
                        "{name}: {field} ({field_type}) has no order for {kind}",
                        name=name,
                        field=field.name,
                        field_type=field.type,
                        kind=kind,
                    )
                }
            )
        parsed[name] = Measure(kind, field)
    return parsed


def check_group_by(
    rt: RecordType, field_types: dict[str, FieldType], names: Sequence[str]
) -> list[Field]:
    fields = []
    for name in names:
        field = rt.field(name)
        if field is None:
            raise ValidationError({"group_by": _not_a_field(rt, name)})
        if not field_types[field.type].groupable:
            raise ValidationError(
                {
                    "group_by": msg(
                        "{name} ({field_type}) cannot be grouped by",
                        name=name,
                        field_type=field.type,
                    )
                }
            )
        fields.append(field)
    return fields


def check_bucket(
    rt: RecordType, field_types: dict[str, FieldType], name: str, edges: Sequence[Any]
) -> Bucket:
    field = rt.field(name)
    if field is None:
        raise ValidationError({"bucket": _not_a_field(rt, name)})
    if not field_types[field.type].rangeable:
        raise ValidationError(
            {
                "bucket": msg(
                    "{name} ({field_type}) has no ranges to count in",
                    name=name,
                    field_type=field.type,
                )
            }
        )
    return Bucket(field, tuple(edges))


def _not_a_field(rt: RecordType, name: str) -> str:
    return msg(
        "{name!r} is not a field of {type}; fields: {fields}",
        name=name,
        type=rt.name,
        fields=", ".join(rt.field_names),
    )


def aggregate_query(
    builder: SQLBuilder,
    group_by: list[Field],
    measures: dict[str, Measure],
    bucket: Bucket | None,
    restrictions: list[Where],
) -> str:
    """The SELECT: grouping keys first, then the bucket number, then the measures in the
    order given; only rows matching every restriction (and inside the bucket edges)."""
    q, dialect = builder.q, builder.dialect
    keys = [q(field.column) for field in group_by]
    source, conditions = builder.table(), []
    if bucket is not None:
        source, in_range = _bucket_join(builder, bucket)
        keys.append("crm_bucket.crm_bucket_n")
        conditions.append(in_range)
    columns = list(keys)
    for measure in measures.values():
        if measure.kind == "count":
            columns.append("COUNT(*)")
            continue
        column = q(measure.field.column)
        if measure.kind == "median":
            columns.append(dialect.median(column))
        else:
            columns.append(f"{measure.kind.upper()}({column})")
    # The bucket edges' parameters (in FROM) were added first, as the SQL reads.
    conditions += [builder.where(part) for part in restrictions]
    where = " AND ".join(conditions) or "1=1"
    sql = f"SELECT {', '.join(columns)} FROM {source} WHERE {where}"
    if keys:
        positions = ", ".join(str(position + 1) for position in range(len(keys)))
        sql += f" GROUP BY {positions} ORDER BY {positions}"
    return sql


def _bucket_join(builder: SQLBuilder, bucket: Bucket) -> tuple[str, str]:
    """FROM and WHERE parts that number each row by the interval its value falls in.

    The intervals are a little table of their own (one row per interval) joined to the
    records by range, so each interval is one index range scan: the database never
    compares every row with every edge, as a CASE over the intervals would."""
    edges = [builder.read_value(builder.rt, bucket.field.name, edge) for edge in bucket.edges]
    if len(edges) < 2 or None in edges or any(a >= b for a, b in itertools.pairwise(edges)):
        raise ValidationError(
            {"bucket": msg("needs at least two edges, each greater than the one before")}
        )
    rows = []
    for index, (low, high) in enumerate(itertools.pairwise(edges)):
        builder.params.extend((low, high))
        rows.append(f"SELECT {index} AS crm_bucket_n, ? AS crm_bucket_lo, ? AS crm_bucket_hi")
    column = f"{builder.table()}.{builder.q(bucket.field.column)}"
    source = f"({' UNION ALL '.join(rows)}) AS crm_bucket CROSS JOIN {builder.table()}"
    where = f"{column} >= crm_bucket.crm_bucket_lo AND {column} < crm_bucket.crm_bucket_hi"
    return source, where
