"""Products and services.

Registers the record type ``product`` (schemas/product.toml): goods and services alike, told
apart by the ``kind`` picklist. Tickets, FAQ entries and assets refer to products. When the
contacts or leads plugin is enabled too, accounts, contacts and leads get a "Products"
related list (a many-to-many relation added through ``crm_extend_record_types``), so this
plugin needs neither of them. Documentation: docs/modules/products.md.
"""

from crm_core import hookimpl, msg
from crm_schemas import schema_file

from . import demo

#: Related lists this plugin adds to other plugins' record types, when they are enabled:
#: type → (the relation's name seen from a product, its label there).
RELATED_LISTS = {
    "account": ("accounts", {"en": "Accounts", "ru": "Организации"}),
    "contact": ("contacts", {"en": "Contacts", "ru": "Контакты"}),
    "lead": ("leads", {"en": "Leads", "ru": "Лиды"}),
}


@hookimpl
def crm_register_record_types():
    return [schema_file("product")]


@hookimpl
def crm_extend_record_types(types):
    for type_name, (reverse_name, reverse_label) in RELATED_LISTS.items():
        if types.has(type_name):
            types.add_relation(
                type_name,
                {
                    "name": "products",
                    "target": "product",
                    "label": {"en": "Products", "ru": "Товары и услуги"},
                    "reverse_name": reverse_name,
                    "reverse_label": reverse_label,
                },
            )


class ProductRules:
    def validate(self, record):
        price = record.get("unit_price")
        if price is not None and price < 0:
            return {"unit_price": msg("cannot be negative")}
        return None


@hookimpl
def crm_record_rules():
    return {"product": ProductRules()}


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
