"""The core's own plugins: features built on the same hooks a third-party plugin uses.

They are registered before any enabled plugin and cannot be disabled.
"""

BUILTIN_MODULES = (
    "crm_core.builtin.fieldtypes",
    "crm_core.builtin.permissions",
    "crm_core.builtin.record_rules",
)
