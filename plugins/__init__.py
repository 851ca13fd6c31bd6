"""The built-in modules. Each sub-package is a plugin, enabled by name in plugins.toml.

Read any of them as an example of a third-party plugin: they use only the public API of
``crm_core`` (hooks, the records service, route registration).
"""
