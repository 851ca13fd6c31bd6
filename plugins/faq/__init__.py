"""Knowledge base: FAQ entries with a staff page, a public read API and helpfulness votes.

Registers the record type ``faq`` (schemas/faq.toml; a ``product`` field is added when the
products plugin is enabled, so this plugin needs no other). Answers are Markdown rendered
to safe HTML (:mod:`.rendering`). Staff browse and search the knowledge base at ``/kb``
(:mod:`.web`, :mod:`.knowledge`); the customer portal reads published entries, their public
comments and files through ``/api/v1/kb/…`` without signing in (:mod:`.public`) and sends
"Was this helpful?" votes (:mod:`.votes`). Customers (portal contacts) see published entries
only, by any path, and change none. The tickets plugin's "convert to FAQ" action creates
draft entries here. Documentation: docs/modules/faq.md.
"""

from crm_core import hookimpl
from crm_core.query import Condition
from crm_schemas import schema_file

from . import demo, knowledge, openapi, web
from .rendering import answer_html

TYPE = knowledge.TYPE

PRODUCT_FIELD = {
    "name": "product",
    "type": "reference",
    "label": {"en": "Product", "ru": "Товар или услуга"},
    "target": "product",
    "indexed": True,
    "order": 15,  # after the question
}


@hookimpl
def crm_config_schema():
    return {"votes_per_hour": {"type": "integer", "min": 1, "max": 10_000, "default": 30}}


@hookimpl
def crm_register_record_types():
    return [schema_file(TYPE)]


@hookimpl
def crm_extend_record_types(types):
    if types.has("product"):
        types.add_field(TYPE, PRODUCT_FIELD)


class FaqRules:
    """Who reads what, the knowledge-base links, the rendered answer and the review queues."""

    def permission_filter(self, actor):
        """Customers (and the anonymous portal reader) see published entries only."""
        return None if actor.is_staff else knowledge.PUBLISHED

    def permission_check(self, actor, action):
        """Customers read the knowledge base (and may comment); they never change it."""
        return False if not actor.is_staff and action != "view" else None

    def list_actions(self):
        return [{"label": {"en": "Knowledge base", "ru": "База знаний"}, "url": "/kb"}]

    def record_actions(self, record):
        return [
            {
                "label": {"en": "Open in the knowledge base", "ru": "Открыть в базе знаний"},
                "url": f"/kb/{record['id']}",
            }
        ]

    def record_panels(self, record):
        return [
            {
                "title": {"en": "Answer as readers see it", "ru": "Ответ, как его видят читатели"},
                "template": "faq_answer_panel.html",
                "answer_html": answer_html(record.get("answer")),
            }
        ]

    def list_views(self):
        return [
            {
                "name": "to_review",
                "label": {"en": "To review", "ru": "На проверку"},
                "where": [Condition("status", "in", ["draft", "reviewed"])],
                "sort": "-modified_at",
            },
            {
                "name": "most_helpful",
                "label": {"en": "Most helpful", "ru": "Самые полезные"},
                "where": [knowledge.PUBLISHED],
                "sort": "-helpful_yes",
            },
            {
                "name": "unhelpful",
                "label": {"en": "Often not helpful", "ru": "Часто не помогают"},
                "where": [Condition("helpful_no", "gt", 0)],
                "sort": "-helpful_no",
            },
        ]


@hookimpl
def crm_record_rules():
    return {TYPE: FaqRules()}


@hookimpl
def crm_register_routes(crm):
    return web.routes(crm)


@hookimpl
def crm_menu_items():
    return [
        {
            "label": {"en": "Browse and search", "ru": "Поиск по базе знаний"},
            "url": "/kb",
            "section": TYPE,
        }
    ]


@hookimpl
def crm_openapi_paths():
    return openapi.OPENAPI_PATHS


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
