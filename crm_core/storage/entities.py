"""Pony entities: fixed system tables and one generated entity per record type.

A new :class:`pony.orm.Database` is built for every registry snapshot (Pony cannot add
attributes after ``generate_mapping``), so both kinds of entity are defined by functions
that take the database. Record attributes are named ``f_<field>`` and mapped to a column
named after the field, which keeps field names free of Pony's reserved attribute names.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from pony import orm
from pony.orm.core import Index

from ..fieldtypes import FieldType
from ..schema import Field, RecordType

#: The columns of a ``crm_history`` row as the records service writes them.
HISTORY_COLUMNS = ("record_type", "record_id", "kind", "actor", "at", "changes", "note")


def attr_name(field_name: str) -> str:
    return "f_" + field_name


def table_name(type_name: str) -> str:
    return "rec_" + type_name


def define_system_entities(db: orm.Database) -> SimpleNamespace:
    """The tables the core owns. Names are lower-case: PostgreSQL folds them anyway."""

    class Meta(db.Entity):
        _table_ = "crm_meta"
        key = orm.PrimaryKey(str, 100)
        value = orm.Optional(str, nullable=True)

    class Counter(db.Entity):
        _table_ = "crm_counter"
        record_type = orm.PrimaryKey(str, 64)
        prefix = orm.Required(str, 10)
        next_value = orm.Required(int, size=64)

    class History(db.Entity):
        _table_ = "crm_history"
        id = orm.PrimaryKey(int, auto=True, size=64)
        record_type = orm.Required(str, 64)
        record_id = orm.Required(int, size=64)
        kind = orm.Required(str, 20)
        actor = orm.Optional(str, 32, nullable=True)
        at = orm.Required(dt.datetime)
        changes = orm.Optional(orm.Json, nullable=True)
        note = orm.Optional(str, nullable=True)
        orm.composite_index(record_type, record_id)

    class Job(db.Entity):
        _table_ = "crm_job"
        id = orm.PrimaryKey(int, auto=True, size=64)
        name = orm.Required(str, 100)
        payload = orm.Optional(orm.Json, nullable=True)
        state = orm.Required(str, 10, index=True)  # pending, running, done, failed
        attempts = orm.Required(int, default=0)
        run_after = orm.Required(dt.datetime)
        created_at = orm.Required(dt.datetime)
        finished_at = orm.Optional(dt.datetime, nullable=True)
        last_error = orm.Optional(str, nullable=True)

    class CustomField(db.Entity):
        _table_ = "crm_custom_field"
        id = orm.PrimaryKey(int, auto=True)
        record_type = orm.Required(str, 64)
        name = orm.Required(str, 64)
        type = orm.Required(str, 32)
        label = orm.Required(orm.Json)
        help = orm.Optional(orm.Json, nullable=True)
        required = orm.Required(bool, default=False)
        default = orm.Optional(orm.Json, nullable=True)
        max_length = orm.Optional(int, nullable=True)
        precision = orm.Optional(int, nullable=True)
        picklist = orm.Optional(str, 100, nullable=True)
        target = orm.Optional(str, 200, nullable=True)
        indexed = orm.Required(bool, default=False)
        searchable = orm.Required(bool, default=False)
        hidden = orm.Required(bool, default=False)
        purged = orm.Required(bool, default=False)
        sort_order = orm.Required(int, default=0)
        created_at = orm.Required(dt.datetime)
        orm.composite_key(record_type, name)

    class PicklistValue(db.Entity):
        """Admin changes to picklists: values added at run time (``custom``) and overrides
        of values a plugin ships (label, order, active, deleted). Shipped values without a
        row here are as the plugin declares them."""

        _table_ = "crm_picklist_value"
        id = orm.PrimaryKey(int, auto=True)
        picklist = orm.Required(str, 100)
        code = orm.Required(str, 64)
        label = orm.Optional(orm.Json, nullable=True)
        sort_order = orm.Optional(int, nullable=True)
        active = orm.Optional(bool, nullable=True)
        deleted = orm.Required(bool, default=False)
        custom = orm.Required(bool, default=False)
        orm.composite_key(picklist, code)

    class Link(db.Entity):
        _table_ = "crm_link"
        id = orm.PrimaryKey(int, auto=True, size=64)
        relation = orm.Required(str, 100)
        left_id = orm.Required(int, size=64)
        right_id = orm.Required(int, size=64)
        created_at = orm.Required(dt.datetime)
        created_by = orm.Optional(str, 32, nullable=True)
        orm.composite_key(relation, left_id, right_id)
        orm.composite_index(relation, right_id)

    class Tag(db.Entity):
        _table_ = "crm_tag"
        id = orm.PrimaryKey(int, auto=True, size=64)
        record_type = orm.Required(str, 64)
        record_id = orm.Required(int, size=64)
        tag = orm.Required(str, 64)
        orm.composite_key(record_type, record_id, tag)
        orm.composite_index(record_type, tag)

    class Setting(db.Entity):
        """Settings an admin changes at run time (per record type, per plugin)."""

        _table_ = "crm_setting"
        scope = orm.Required(str, 100)
        key = orm.Required(str, 100)
        value = orm.Optional(orm.Json, nullable=True)
        orm.PrimaryKey(scope, key)

    class User(db.Entity):
        _table_ = "crm_user"
        id = orm.PrimaryKey(int, auto=True)
        login = orm.Required(str, 100, unique=True)
        full_name = orm.Required(str, 200)
        email = orm.Optional(str, 254, nullable=True)
        language = orm.Required(str, 5, default="en")
        role = orm.Required(str, 10, default="staff")
        active = orm.Required(bool, default=True)
        password_hash = orm.Optional(str, 200, nullable=True)
        created_at = orm.Required(dt.datetime)
        kind = orm.Required(str, 10, default="staff")  # staff or portal

    class Group(db.Entity):
        _table_ = "crm_group"
        id = orm.PrimaryKey(int, auto=True)
        name = orm.Required(str, 100, unique=True)
        description = orm.Optional(str, nullable=True)

    class GroupMember(db.Entity):
        _table_ = "crm_group_member"
        group_id = orm.Required(int)
        user_id = orm.Required(int, index=True)
        orm.PrimaryKey(group_id, user_id)

    class Session(db.Entity):
        _table_ = "crm_session"
        token_hash = orm.PrimaryKey(str, 64)
        user_id = orm.Required(int, index=True)
        csrf_token = orm.Required(str, 64)
        created_at = orm.Required(dt.datetime)
        last_seen = orm.Required(dt.datetime)
        address = orm.Optional(str, 64, nullable=True)

    class ApiToken(db.Entity):
        _table_ = "crm_api_token"
        id = orm.PrimaryKey(int, auto=True)
        user_id = orm.Required(int, index=True)
        name = orm.Required(str, 100)
        token_hash = orm.Required(str, 64, unique=True)
        created_at = orm.Required(dt.datetime)
        last_used = orm.Optional(dt.datetime, nullable=True)
        revoked = orm.Required(bool, default=False)

    class LoginFailure(db.Entity):
        _table_ = "crm_login_failure"
        id = orm.PrimaryKey(int, auto=True, size=64)
        key = orm.Required(str, 200, index=True)
        at = orm.Required(dt.datetime)

    class Comment(db.Entity):
        _table_ = "crm_comment"
        id = orm.PrimaryKey(int, auto=True, size=64)
        record_type = orm.Required(str, 64)
        record_id = orm.Required(int, size=64)
        parent_id = orm.Optional(int, size=64, nullable=True)
        author = orm.Optional(str, 40, nullable=True)  # user:ID or contact:ID
        internal = orm.Required(bool, default=False)
        body = orm.Required(str)
        created_at = orm.Required(dt.datetime)
        edited_at = orm.Optional(dt.datetime, nullable=True)
        deleted = orm.Required(bool, default=False)
        orm.composite_index(record_type, record_id)

    class StoredFile(db.Entity):
        _table_ = "crm_file"
        sha256 = orm.PrimaryKey(str, 64)
        size = orm.Required(int, size=64)
        content_type = orm.Required(str, 150)
        created_at = orm.Required(dt.datetime)

    class Attachment(db.Entity):
        _table_ = "crm_attachment"
        id = orm.PrimaryKey(int, auto=True, size=64)
        record_type = orm.Required(str, 64)
        record_id = orm.Required(int, size=64)
        comment_id = orm.Optional(int, size=64, nullable=True, index=True)
        sha256 = orm.Required(str, 64, index=True)
        filename = orm.Required(str, 255)
        content_type = orm.Required(str, 150)
        size = orm.Required(int, size=64)
        uploaded_by = orm.Optional(str, 40, nullable=True)
        created_at = orm.Required(dt.datetime)
        deleted = orm.Required(bool, default=False)
        orm.composite_index(record_type, record_id)

    return SimpleNamespace(
        Meta=Meta,
        Counter=Counter,
        History=History,
        Job=Job,
        CustomField=CustomField,
        PicklistValue=PicklistValue,
        Link=Link,
        Tag=Tag,
        Setting=Setting,
        User=User,
        Group=Group,
        GroupMember=GroupMember,
        Session=Session,
        ApiToken=ApiToken,
        LoginFailure=LoginFailure,
        Comment=Comment,
        StoredFile=StoredFile,
        Attachment=Attachment,
    )


def storage_type(field: Field, field_type: FieldType) -> type:
    storage = getattr(field_type, "storage_type", None)
    return storage(field) if storage else field_type.storage


def sql_default_literal(value: Any, dialect: str) -> str | None:
    """A column DEFAULT for a custom field added to a populated table, so that existing rows
    and writers still on the previous mapping get the field's default."""
    if value is None:
        return None
    if isinstance(value, bool):
        if dialect == "postgres":
            return "true" if value else "false"
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        value = value.isoformat(" ")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, list):
        value = "|" + "|".join(value) + "|"
    return "'" + str(value).replace("'", "''") + "'"


def without_prefixes(indexes: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The indexes worth building: each once, and none whose columns begin another one
    (an index on status and priority answers every question one on status alone would,
    and each index more slows every insert)."""
    unique = list(dict.fromkeys(indexes))
    return [
        columns
        for columns in unique
        if not any(
            len(other) > len(columns) and other[: len(columns)] == columns for other in unique
        )
    ]


def define_record_entity(
    db: orm.Database, record_type: RecordType, field_types: dict[str, FieldType], dialect: str
) -> type:
    """Generate the Pony entity of one record type from its fields.

    Every index ends with ``deleted``: lists, counts and aggregates always ask for records
    not in the recycle bin, and with the flag in the index they are answered from the
    index alone (a dashboard counting 300,000 open tickets reads no table row). ``deleted``
    has no index of its own: nearly every row has the same value, and such an index only
    misleads the query planner into scanning the whole table."""
    single_indexes = {columns[0] for columns in record_type.indexes if len(columns) == 1}
    indexed: list[tuple[str, ...]] = []
    attrs: dict[str, Any] = {
        "_table_": table_name(record_type.name),
        "id": orm.PrimaryKey(int, auto=True, size=64),
    }
    for field in record_type.fields:
        if field.name == "id":
            continue
        field_type = field_types[field.type]
        py_type = storage_type(field, field_type)
        options: dict[str, Any] = {"column": field.column, "nullable": True}
        options.update(field_type.column_options(field))
        if py_type is bool and field.name == "deleted":
            options = {"column": "deleted", "default": False}
            attrs[attr_name(field.name)] = orm.Required(bool, **options)
            continue
        if py_type is not str:
            options.pop("max_len", None)
        if py_type not in (int,):
            options.pop("size", None)
        if py_type is not Decimal:
            options.pop("precision", None)
            options.pop("scale", None)
        if field.unique:
            options["unique"] = True
        elif field.indexed or field.name in single_indexes:
            indexed.append((field.name,))
        if field.custom and field.default is not None:
            options["sql_default"] = sql_default_literal(
                field_type.to_storage(field.default), dialect
            )
        max_len = options.pop("max_len", None)
        args = (py_type, max_len) if max_len else (py_type,)
        attrs[attr_name(field.name)] = orm.Optional(*args, **options)
    indexed += [tuple(columns) for columns in record_type.indexes if len(columns) > 1]
    indexes = [
        Index(
            *(attrs["id" if name == "id" else attr_name(name)] for name in columns),
            *(() if "deleted" in columns else (attrs[attr_name("deleted")],)),
            is_pk=False,
            is_unique=False,
        )
        for columns in without_prefixes(indexed)
    ]
    if indexes:
        attrs["_indexes_"] = indexes
    class_name = "".join(part.title() for part in record_type.name.split("_")) + "Record"
    return type(class_name, (db.Entity,), attrs)
