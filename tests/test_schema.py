"""Record-type definitions are checked on start: every mistake names the file (or plugin),
the record type, the field and the problem. Plugins may extend each other's types."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import tomli_w

from crm_core import hookimpl
from crm_core.errors import SchemaError
from crm_core.plugins import PluginInfo, plugin_manager
from crm_core.registry import BaseSchema
from crm_core.runtime import collect_schema

TICKET = {
    "record_type": {
        "name": "ticket",
        "label": {"en": "Ticket", "ru": "Заявка"},
        "plural": {"en": "Tickets", "ru": "Заявки"},
        "number_prefix": "TT",
        "title_field": "title",
        "list_columns": ["number", "title", "status"],
    },
    "fields": [
        {
            "name": "title",
            "type": "text",
            "label": {"en": "Title", "ru": "Тема"},
            "required": True,
        },
        {
            "name": "status",
            "type": "picklist",
            "label": {"en": "Status", "ru": "Статус"},
            "picklist": "ticket_status",
            "default": "open",
        },
    ],
    "picklists": {
        "ticket_status": {
            "values": [
                {"code": "open", "label": {"en": "Open", "ru": "Открыта"}},
                {"code": "closed", "label": {"en": "Closed", "ru": "Закрыта"}, "locked": True},
            ]
        }
    },
}


class Plugin:
    """A plugin object registering the given definitions (dicts or TOML paths) and,
    optionally, extending other types."""

    def __init__(self, definitions, extend=None):
        self.definitions = definitions
        self.extend = extend

    @hookimpl
    def crm_register_record_types(self):
        return self.definitions

    @hookimpl
    def crm_extend_record_types(self, types):
        if self.extend:
            self.extend(types)


def build(**plugins: Plugin) -> BaseSchema:
    """collect_schema over a plugin manager with these plugins, in this order."""
    infos = [
        PluginInfo(name, name, "test", "1", enabled=True, module=plugin)
        for name, plugin in plugins.items()
    ]
    return collect_schema(plugin_manager(infos), list(plugins))


def ticket(**changes) -> dict:
    """A copy of the valid ticket definition with parts replaced."""
    definition = copy.deepcopy(TICKET)
    for key, value in changes.items():
        if key == "record_type":
            definition["record_type"].update(value)
        else:
            definition[key] = value
    return definition


def field(name: str, type_: str = "text", **options) -> dict:
    return {"name": name, "type": type_, "label": {"en": name.title()}, **options}


def write(tmp_path: Path, definition: dict, name: str = "ticket.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(definition), encoding="utf-8")
    return path


def schema_error(tmp_path: Path, definition: dict) -> tuple[str, Path]:
    """Register ``definition`` from a TOML file; return the error message and the file."""
    path = write(tmp_path, definition)
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([path]))
    return str(caught.value), path


def test_a_valid_definition_from_a_file_builds(tmp_path):
    schema = build(helpdesk=Plugin([write(tmp_path, TICKET)]))
    rt = schema.types["ticket"]
    assert rt.source == str(tmp_path / "ticket.toml") and rt.plugin == "helpdesk"
    assert rt.field("status").default == "open"
    assert [v.code for v in schema.picklists["ticket_status"].values] == ["open", "closed"]
    assert schema.picklists["ticket_status"].value("closed").locked


def test_unknown_field_type(tmp_path):
    message, path = schema_error(tmp_path, ticket(fields=[*TICKET["fields"], field("due", "when")]))
    assert message.startswith(f"{path}: record type 'ticket', field 'due': unknown type 'when'")
    assert "allowed: boolean, currency, date, datetime" in message


def test_picklist_field_naming_an_undeclared_picklist(tmp_path):
    definition = ticket(
        fields=[*TICKET["fields"], field("priority", "picklist", picklist="ticket_priority")]
    )
    message, path = schema_error(tmp_path, definition)
    assert message.startswith(
        f"{path}: record type 'ticket', field 'priority': picklist 'ticket_priority' is not declared"
    )
    assert "declared: record_source, ticket_status" in message


def test_picklist_field_without_a_picklist(tmp_path):
    message, path = schema_error(
        tmp_path, ticket(fields=[*TICKET["fields"], field("kind", "picklist")])
    )
    assert message == (
        f"{path}: record type 'ticket', field 'kind': a picklist field needs `picklist = NAME`"
    )


def test_reference_to_an_unknown_type(tmp_path):
    definition = ticket(fields=[*TICKET["fields"], field("contact", "reference", target="contact")])
    message, path = schema_error(tmp_path, definition)
    assert message == (
        f"{path}: record type 'ticket', field 'contact': target 'contact' is not a registered "
        "record type; registered: ticket"
    )


def test_relation_to_an_unknown_type(tmp_path):
    definition = ticket(relations=[{"name": "contracts", "target": "service_contract"}])
    message, path = schema_error(tmp_path, definition)
    assert message.startswith(
        f"{path}: record type 'ticket', relation 'contracts': target 'service_contract' is not "
        "a registered record type"
    )


def test_duplicate_field_name(tmp_path):
    message, path = schema_error(tmp_path, ticket(fields=[*TICKET["fields"], field("title")]))
    assert message == f"{path}: record type 'ticket', field 'title': declared twice"


@pytest.mark.parametrize("name", ["number", "assigned_to", "tags", "delete"])
def test_reserved_name(tmp_path, name):
    message, path = schema_error(tmp_path, ticket(fields=[*TICKET["fields"], field(name)]))
    assert message.startswith(f"{path}: record type 'ticket', field '{name}': the name is reserved")
    assert "reserved: assigned_to, created_at" in message


def test_custom_field_prefix_is_kept_for_administrators(tmp_path):
    message, path = schema_error(tmp_path, ticket(fields=[*TICKET["fields"], field("cf_budget")]))
    assert message == (
        f"{path}: record type 'ticket', field 'cf_budget': names starting with 'cf_' are kept "
        "for custom fields"
    )


def test_bad_field_name(tmp_path):
    message, path = schema_error(tmp_path, ticket(fields=[*TICKET["fields"], field("Due-Date")]))
    assert message.startswith(f"{path}: record type 'ticket', field 'Due-Date': name: ")
    assert "lower-case letter" in message


@pytest.mark.parametrize("prefix", ["tt", "1T", "TOOLONGPREFIX", "T-T"])
def test_bad_number_prefix(tmp_path, prefix):
    message, path = schema_error(tmp_path, ticket(record_type={"number_prefix": prefix}))
    assert message.startswith(f"{path}: record type 'ticket': record_type.number_prefix: ")
    assert "1 to 10 capital letters or digits, starting with a letter" in message


def test_title_field_missing(tmp_path):
    message, path = schema_error(tmp_path, ticket(record_type={"title_field": "subject"}))
    assert message == (
        f"{path}: record type 'ticket': title_field 'subject' is not a field of the type; "
        "fields: status, title"
    )


def test_list_columns_naming_unknown_fields(tmp_path):
    message, path = schema_error(
        tmp_path, ticket(record_type={"list_columns": ["number", "title", "priority"]})
    )
    assert message == (
        f"{path}: record type 'ticket': list_columns: 'priority' is not a field of the type"
    )


def test_duplicate_number_prefix_across_types(tmp_path):
    task = ticket(record_type={"name": "task", "label": {"en": "Task"}, "plural": {"en": "Tasks"}})
    first = write(tmp_path, TICKET)
    second = write(tmp_path, task, "task.toml")
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([first]), todo=Plugin([second]))
    # the second type also declares picklist ticket_status; give it its own to reach the prefix
    assert "ticket_status" in str(caught.value)
    task["picklists"] = {"task_status": task["picklists"].pop("ticket_status")}
    task["fields"][1]["picklist"] = "task_status"
    second = write(tmp_path, task, "task.toml")
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([first]), todo=Plugin([second]))
    assert str(caught.value) == (
        f"{second}: record type 'task': number_prefix 'TT' is already used by 'ticket'"
    )


def test_default_not_in_picklist(tmp_path):
    fields = copy.deepcopy(TICKET["fields"])
    fields[1]["default"] = "new"
    message, path = schema_error(tmp_path, ticket(fields=fields))
    assert message == (
        f"{path}: record type 'ticket', field 'status': default 'new' is not a code of picklist "
        "'ticket_status'; codes: open, closed"
    )


def test_default_of_the_wrong_type(tmp_path):
    fields = [*TICKET["fields"], field("hours", "integer", default="many")]
    message, path = schema_error(tmp_path, ticket(fields=fields))
    assert message.startswith(f"{path}: record type 'ticket', field 'hours': default 'many' ")
    assert "must be a whole number" in message


def test_unknown_key_in_a_field_lists_the_allowed_keys(tmp_path):
    fields = [*TICKET["fields"], field("hours", "integer", requird=True)]
    message, path = schema_error(tmp_path, ticket(fields=fields))
    assert message.startswith(f"{path}: record type 'ticket', field 'hours': requird: unknown key")
    assert "allowed keys: name, type, label, required, default" in message


def test_missing_label_and_plural(tmp_path):
    definition = ticket()
    del definition["record_type"]["plural"]
    message, path = schema_error(tmp_path, definition)
    assert message == f"{path}: record type 'ticket': record_type.plural: required field"


def test_repeated_picklist_code(tmp_path):
    definition = ticket()
    definition["picklists"]["ticket_status"]["values"].append(
        {"code": "open", "label": {"en": "Open again"}}
    )
    message, path = schema_error(tmp_path, definition)
    assert (
        message == f"{path}: record type 'ticket': picklist 'ticket_status': code(s) open repeated"
    )


def test_definition_as_dict_names_the_plugin():
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([ticket(fields=[*TICKET["fields"], field("due", "when")])]))
    assert str(caught.value).startswith(
        "plugin 'helpdesk': record type 'ticket', field 'due': unknown type 'when'"
    )


def test_missing_schema_file(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([missing]))
    assert str(caught.value) == f"{missing}: schema file not found (plugin 'helpdesk')"


def test_invalid_toml_in_a_schema_file(tmp_path):
    path = tmp_path / "ticket.toml"
    path.write_text("[record_type\nname = 'ticket'\n", encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([path]))
    assert str(caught.value).startswith(f"{path}: not valid TOML")


def test_same_type_registered_by_two_plugins(tmp_path):
    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([TICKET]), other=Plugin([copy.deepcopy(TICKET)]))
    assert str(caught.value) == (
        "plugin 'other': record type 'ticket' is already registered by plugin 'helpdesk'"
    )


# -- extensions --------------------------------------------------------------------------

CONTRACT = {
    "record_type": {
        "name": "contract",
        "label": {"en": "Contract"},
        "plural": {"en": "Contracts"},
        "number_prefix": "CON",
        "title_field": "subject",
    },
    "fields": [{"name": "subject", "type": "text", "label": {"en": "Subject"}, "required": True}],
}


def test_a_plugin_adds_a_field_and_a_relation_to_another_plugins_type():
    def extend(types):
        assert types.has("ticket") and not types.has("invoice")
        types.add_field("ticket", field("contract", "reference", target="contract"))
        types.add_relation(
            "ticket",
            {"name": "contracts", "target": "contract", "reverse_name": "tickets"},
        )
        types.add_picklist(
            "ticket", "ticket_channel", {"values": [{"code": "phone", "label": {"en": "Phone"}}]}
        )
        types.add_field("ticket", field("channel", "picklist", picklist="ticket_channel"))

    schema = build(helpdesk=Plugin([TICKET]), contracts=Plugin([CONTRACT], extend))
    rt = schema.types["ticket"]
    assert rt.field("contract").target == ("contract",)
    assert schema.picklists["ticket_channel"].codes() == ["phone"]
    assert rt.field("channel").picklist == "ticket_channel"
    assert rt.plugin == "helpdesk"  # the type still belongs to its plugin
    (relation,) = rt.relations
    assert (relation.name, relation.target, relation.reverse_name) == (
        "contracts",
        "contract",
        "tickets",
    )
    assert TICKET["fields"][-1]["name"] == "status"  # the plugin's own definition is untouched


def test_extension_of_an_unknown_type_names_the_plugin():
    def extend(types):
        types.add_field("invoice", field("paid", "boolean"))

    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([TICKET]), billing=Plugin([], extend))
    assert str(caught.value) == (
        "plugin 'billing' extends record type 'invoice', which is not registered; "
        "registered: ticket"
    )


def test_bad_extension_field_names_the_plugin_and_the_problem():
    def extend(types):
        types.add_field("ticket", {"name": "due", "type": "date"})  # no label

    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([TICKET]), planner=Plugin([], extend))
    assert str(caught.value) == "plugin 'planner': field added to 'ticket': label: required field"


def test_extension_field_clashing_with_an_existing_one_names_the_extending_plugin():
    def extend(types):
        types.add_field("ticket", field("title"))

    with pytest.raises(SchemaError) as caught:
        build(helpdesk=Plugin([TICKET]), planner=Plugin([], extend))
    assert str(caught.value) == (
        "plugin 'planner': field added to 'ticket': 'title' is already declared "
        "(by plugin 'helpdesk')"
    )


def test_extension_through_an_installed_plugin_works_end_to_end(make_crm, sample_plugin_site):
    crm = make_crm(["gadgets", "gadget_extras"])
    gadget = crm.records.create("gadget", {"name": "Phone"})
    assert gadget["warranty_months"] == 12  # the added field, with its default
    accessory = crm.records.create("accessory", {"name": "Case"})
    crm.records.link("gadget", gadget["id"], "accessories", accessory["id"])
    _, page = crm.records.related("accessory", accessory["id"], "gadgets")
    assert [r["number"] for r in page.records] == ["GAD1"]
    assert crm.registry.type("gadget").plugin == "gadgets"
