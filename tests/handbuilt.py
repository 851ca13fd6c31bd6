"""A CRM built by hand for hook tests: the enabled plugins plus plugin objects registered
before the schema is collected (as enabled plugins are), and a record type ``note``."""

from crm_core import hookimpl
from crm_core.config import load
from crm_core.plugins import check_settings, discover, enable, plugin_manager
from crm_core.runtime import CRM, collect_schema

NOTE = {
    "record_type": {
        "name": "note",
        "label": {"en": "Note"},
        "plural": {"en": "Notes"},
        "number_prefix": "NO",
        "title_field": "title",
    },
    "fields": [{"name": "title", "type": "text", "label": {"en": "Title"}, "required": True}],
}


class Notes:
    """Registers the ``note`` type with a hook that takes none of its arguments."""

    @hookimpl
    def crm_register_record_types(self):
        return [NOTE]


def building(write_config, monkeypatch):
    """For a test module's ``build`` fixture (``yield from building(...)``): a function that
    builds and opens a CRM of the enabled plugins plus plugin objects registered by hand
    (before the schema is collected, as enabled plugins are); closed after the test."""
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    opened = []

    def make(*objects, enabled=(), settings=None):
        config = load(write_config(enabled, settings))
        available = discover()
        plugins = enable(config, available)
        pm = plugin_manager(plugins)
        for index, plugin in enumerate(objects):
            pm.register(plugin, name=f"hand{index}")
        check_settings(config, plugins, pm)
        base = collect_schema(pm, [info.name for info in plugins])
        crm = CRM(config, available, plugins, pm, base, "inline").open()
        opened.append(crm)
        return crm

    yield make
    for crm in opened:
        crm.close()
