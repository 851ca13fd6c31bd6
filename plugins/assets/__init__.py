"""Assets: the units of a product a customer owns, by serial number.

Registers the record type ``asset`` (schemas/asset.toml). Its references make the related
lists: an account's and a product's assets appear on their pages. When the tickets plugin
is enabled too, tickets get an ``asset`` field (so an asset's page lists its tickets), and
choosing an asset on a ticket fills the ticket's empty account, contact and product from
it. Rules: the date in service is not before the date sold; a serial number is unique per
product, letter case aside (:mod:`.serials`). The global search finds an asset by its exact
serial number in any letter case. Documentation: docs/modules/assets.md.
"""

from crm_core import hookimpl, msg
from crm_schemas import schema_file

from . import demo, serials

REQUIRES = ["contacts", "products"]
TYPE = serials.TYPE
TICKET = "ticket"
#: Fields of a ticket filled from its asset when empty.
FROM_ASSET = ("account", "contact", "product")

ASSET_FIELD = {
    "name": "asset",
    "type": "reference",
    "label": {"en": "Asset", "ru": "Актив"},
    "help": {
        "en": "The customer's unit the ticket is about; fills the account, contact and product",
        "ru": "Экземпляр оборудования клиента; заполняет организацию, контакт и товар",
    },
    "target": TYPE,
    "indexed": True,
    "order": 36,  # after the ticket's product
}


@hookimpl
def crm_register_record_types():
    return [schema_file(TYPE)]


@hookimpl
def crm_extend_record_types(types):
    if types.has(TICKET):
        types.add_field(TICKET, ASSET_FIELD)


class AssetRules:
    def validate(self, crm, record, old):
        errors = {}
        sold, in_service = record.get("date_sold"), record.get("date_in_service")
        if sold and in_service and in_service < sold:
            errors["date_in_service"] = msg(
                "must be on or after the date sold ({date}); an asset cannot be in service "
                "before it was sold",
                date=sold.isoformat(),
            )
        if serials.changed(record, old):
            problem = serials.clash(crm, record)
            if problem:
                errors["serial_number"] = problem
        return errors

    def before_save(self, crm, record, old):
        if serials.changed(record, old):
            serials.guard(crm, record)


class TicketFromAsset:
    """Choosing an asset on a ticket fills the ticket's empty account, contact and product."""

    def before_save(self, crm, record_type, record, old):
        if not record.get("asset") or (old is not None and old.get("asset") == record["asset"]):
            return
        asset = crm.records.get(TYPE, record["asset"])
        for name in FROM_ASSET:
            if record_type.has_field(name) and record.get(name) is None and asset.get(name):
                record[name] = asset[name]


@hookimpl
def crm_record_rules():
    return {TYPE: AssetRules(), TICKET: TicketFromAsset()}


@hookimpl
def crm_search(crm, text, actor, types):
    if TYPE in types:
        return serials.lookup(crm, text, actor)
    return None


@hookimpl
def crm_demo_data(crm, actor):
    demo.load(crm, actor)
