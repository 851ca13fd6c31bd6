"""Rules per record type (``crm_record_rules``): a plugin's rules object runs for records of
its type only, its methods take any subset of the global hook's arguments, and the rules
run inside the global hook's pluggy call."""

import pytest
from handbuilt import NOTE, building
from hookcheck import calls_hooks, named_hooks_are_called  # noqa: F401

from crm_core import Conflict, PermissionDenied, ValidationError, hookimpl
from crm_core.errors import ConfigError
from crm_core.query import Condition

TODO = {**NOTE, "record_type": {**NOTE["record_type"], "name": "todo", "number_prefix": "TD"}}


@pytest.fixture
def build(write_config, monkeypatch):
    yield from building(write_config, monkeypatch)


class NoteRules:
    def __init__(self):
        self.seen = []

    def validate(self, record):
        return {"title": "must not shout"} if record["title"].isupper() else None

    def before_save(self, record):
        record["title"] = record["title"].capitalize()

    def after_save(self, record_type, created):
        self.seen.append((record_type.name, "saved", created))

    def before_delete(self, record):
        if record["title"] == "Keep":
            raise Conflict("this note is kept")

    def default_filter(self):
        return Condition("title", "ne", "archived")

    def permission_check(self, actor, action):
        return (
            "notes are read-only for guests"
            if actor.login == "guest" and action == "edit"
            else None
        )

    def find_duplicates(self, crm, record):
        same = crm.records.list("note", where=[Condition("title", "eq", record["title"])])
        return [
            {
                "type": "note",
                "id": n["id"],
                "number": n["number"],
                "title": n["title"],
                "reason": "same",
            }
            for n in same.records
        ]


class Rules:
    """A plugin that registers ``note`` and ``todo`` and gives rules to ``note`` only."""

    def __init__(self, rules, also=None):
        self.rules, self.also = rules, also or {}

    @hookimpl
    def crm_register_record_types(self):
        return [NOTE, TODO]

    @hookimpl
    def crm_record_rules(self):
        return {"note": self.rules, "missing_type": self.rules, **self.also}


@calls_hooks("crm_record_rules")
def test_hook_record_rules_run_for_their_type_only(build):
    rules = NoteRules()
    crm = build(Rules(rules))
    note = crm.records.create("note", {"title": "milk"})
    assert note["title"] == "Milk"
    todo = crm.records.create("todo", {"title": "LOUD"})  # no rules for todos
    assert crm.records.update("todo", todo["id"], {"title": "milk"})["title"] == "milk"
    assert rules.seen == [("note", "saved", True)]  # not for the todo
    with pytest.raises(ValidationError) as refused:
        crm.records.create("note", {"title": "LOUD"})
    assert refused.value.errors == {"title": "must not shout"}
    keep = crm.records.create("note", {"title": "keep"})
    with pytest.raises(Conflict):
        crm.records.delete("note", keep["id"])
    crm.records.create("note", {"title": "archived"})
    assert crm.records.default_filter("note") == Condition("title", "ne", "archived")
    assert crm.records.default_filter("todo") is None
    assert [h["number"] for h in crm.duplicates.of("note", {"title": "Milk"})] == [note["number"]]
    assert crm.duplicates.of("todo", {"title": "LOUD"}) == []


def test_rules_run_inside_the_global_hooks_pluggy_call(build):
    class Polite:
        @hookimpl(wrapper=True)
        def crm_validate(self):
            answers = yield
            return [
                {name: f"please: {message}" for name, message in answer.items()}
                for answer in answers
            ]

    crm = build(Rules(NoteRules()), Polite())
    with pytest.raises(ValidationError) as refused:
        crm.records.create("note", {"title": "LOUD"})
    assert refused.value.errors == {"title": "please: must not shout"}


def test_rules_of_two_plugins_for_one_type_both_answer(build):
    class Stricter:
        def validate(self, record):
            return {"title": "is too short"} if len(record["title"]) < 3 else None

        def permission_check(self, action):
            return False if action == "delete" else None

    class MoreRules:
        @hookimpl
        def crm_record_rules(self):
            return {"note": Stricter()}

    crm = build(Rules(NoteRules()), MoreRules())
    with pytest.raises(ValidationError) as refused:
        crm.records.create("note", {"title": "Hi"})
    assert refused.value.errors == {"title": "is too short"}
    crm.directory.add_user("guest", "Guest")
    guest = crm.directory.actor_for("guest")
    note = crm.records.create("note", {"title": "Milk"})
    assert not crm.access.can(guest, "edit", "note", note)
    with pytest.raises(PermissionDenied, match="read-only for guests"):
        crm.records.update("note", note["id"], {"title": "Tea"}, actor=guest)
    with pytest.raises(PermissionDenied):
        crm.records.delete("note", note["id"], actor=guest)


@pytest.mark.parametrize(
    "rules, problem",
    [
        (
            type("Typo", (), {"validat": lambda self, record: None})(),
            "unknown method 'validat' (did you mean 'validate'?)",
        ),
        (
            type("Wrong", (), {"after_save": lambda self, chnages: None})(),
            "takes 'chnages', which crm_after_save does not give",
        ),
    ],
    ids=["misspelled method", "unknown argument"],
)
def test_rules_with_a_mistake_stop_the_start_up(build, rules, problem):
    with pytest.raises(ConfigError, match="plugin 'hand0'") as refused:
        build(Rules(rules))
    assert problem in str(refused.value)
