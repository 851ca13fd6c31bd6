"""Registers the core field types through the same hook plugins use for theirs."""

from crm_core import hookimpl
from crm_core.fieldtypes import BUILTIN_TYPES


@hookimpl
def crm_register_field_types():
    return list(BUILTIN_TYPES)
