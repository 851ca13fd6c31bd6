"""Jinja2 for every page, with autoescaping on and a loader chain for overrides.

Templates are looked up, in order, in ``DATA_DIR/templates`` (the site's own overrides),
then each enabled plugin's ``templates/`` folder (later plugins first), then the core's
``web/templates``. So a plugin or a site overrides a core page by shipping a template of
the same name, and a plugin page extends ``layout.html`` like a core page does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import bottle
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

import crm_core
from crm_core.access import ADMINISTER

from .i18n import Catalog
from .state import current, take_flashes

CORE = Path(__file__).parent
#: The core's own catalog (crm_core/locale/ru.toml): its error messages in Russian.
CORE_MESSAGES = Path(crm_core.__file__).parent


class Templates:
    def __init__(self, crm, catalog: Catalog, debug: bool = False):
        self.crm = crm
        self.catalog = catalog
        folders = [crm.data_dir / "templates"]
        folders += [p.folder / "templates" for p in reversed(crm.plugins) if p.folder]
        folders.append(CORE / "templates")
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders if f.is_dir()]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined if debug else ChainableUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(
            csrf_field=self.csrf_field,
            url_with=url_with,
            static_url=static_url,
            plugin_styles=[
                f"/static/plugins/{p.name}/style.css"
                for p in crm.plugins
                if p.folder and (p.folder / "static" / "style.css").is_file()
            ],
        )

    def menu_entries(self, actor, gettext) -> list[dict[str, Any]]:
        """Every ``crm_menu_items`` entry with its label in the page's language."""
        language = current().language
        entries = []
        for items in self.crm.hook.crm_menu_items(crm=self.crm, actor=actor):
            for item in items or []:
                label = item["label"]
                entries.append(
                    {
                        "label": label.get(language) or label.get("en")
                        if isinstance(label, dict)
                        else gettext(label),
                        "url": item["url"],
                        "order": item.get("order", 100),
                        "section": item.get("section"),
                    }
                )
        return entries

    def csrf_field(self) -> Markup:
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
            current().csrf_token
        )

    def render(self, template: str, **context: Any) -> str:
        state = current()
        language = state.language

        def gettext(message: str, **values: Any) -> str:
            return self.catalog.gettext(language, message, **values)

        def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
            return self.catalog.ngettext(language, singular, plural, n, **values)

        base = {
            "_": gettext,
            "_n": ngettext,
            "lang": language,
            "actor": state.actor,
            "request": bottle.request,
            "flashes": take_flashes() if not state.api else [],
            "crm": self.crm,
            "menu": self.menu(state.actor, gettext) if state.actor else [],
            # what pages offer administrators follows crm.access, as the screens do
            "can_administer": bool(state.actor) and self.crm.access.can(state.actor, ADMINISTER),
        }
        for extra in self.crm.hook.crm_template_context(
            crm=self.crm, request=bottle.request, actor=state.actor, template=template
        ):
            base.update(extra or {})
        base.update(context)
        return self.env.get_template(template).render(**base)

    def menu(self, actor, gettext) -> list[dict[str, Any]]:
        """Record types of the enabled plugins, plus the entries plugins add by hook
        (entries of the ``admin`` section go to the administration page instead)."""
        registry = self.crm.registry
        language = current().language
        sections: dict[str, dict[str, Any]] = {}
        for rt in sorted(registry.types.values(), key=lambda t: (t.plugin, t.name)):
            sections[rt.name] = {
                "label": rt.plural.get(language) or rt.plural["en"],
                "url": f"/r/{rt.name}",
                "key": rt.name,
                "items": [],
            }
        loose = []
        for entry in self.menu_entries(actor, gettext):
            if entry["section"] == "admin":
                continue
            if entry["section"] in sections:
                sections[entry["section"]]["items"].append(entry)
            else:
                loose.append({**entry, "items": []})
        for section in sections.values():
            section["items"].sort(key=lambda e: e["order"])
        return [*sorted(loose, key=lambda e: e["order"]), *sections.values()]


def static_url(path: str) -> str:
    """The address of a file in the ``static/`` folder of the plugin whose route renders the
    page (``/static/plugins/NAME/PATH``), or of the core's for a core page."""
    plugin = current().plugin
    return f"/static/plugins/{plugin}/{path}" if plugin else f"/static/{path}"


def url_with(**changes: Any) -> str:
    """The current URL with some query parameters changed (``None`` removes one)."""
    query = bottle.request.query.decode()
    pairs = [(k, v) for k in query for v in query.getall(k) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    encoded = urlencode([(k, v) for k, v in pairs])
    return bottle.request.path + ("?" + encoded if encoded else "")
