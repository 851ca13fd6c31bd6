"""Rules per record type: a plugin's ``crm_record_rules`` returns ``{"ticket": TicketRules()}``
and this built-in plugin forwards each record hook to the rules of the record type at hand.

A rules object has any of the methods named in :data:`RULE_HOOKS` (``validate``,
``before_save``, ``after_save``, ``record_actions``...). Each stands for the global hook of
the same name with the ``crm_`` prefix, takes any subset of that hook's arguments, by name,
and returns what the hook's implementation would return. Because the forwarding happens in
this plugin's implementation of the global hook, the rules run inside the same pluggy call
as every other implementation (the hook's wrappers see them), and the rules of several
plugins for one type run in the order pluggy runs implementations: the plugin registered
last first. Names of other public attributes are refused at start-up, so a misspelled
method (``validat``) is an error rather than a rule that never runs; helpers start with
``_``. Rules for a type that is not registered (its plugin is not enabled) never run, so a
plugin may give rules to another plugin's type when it happens to be there.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pluggy

from crm_core import hookimpl, hookspecs
from crm_core.errors import ConfigError
from crm_core.plugins import call_by_plugin
from crm_core.query import every

#: Rule method → the global hook it stands for.
RULE_HOOKS = {
    name: f"crm_{name}"
    for name in (
        "validate",
        "before_save",
        "after_save",
        "before_delete",
        "after_delete",
        "after_restore",
        "after_link",
        "after_unlink",
        "after_comment",
        "autonumber",
        "default_filter",
        "find_duplicates",
        "find_duplicates_many",
        "permission_filter",
        "permission_check",
        "list_views",
        "list_actions",
        "record_actions",
        "record_panels",
    )
}


@dataclass(frozen=True)
class Rule:
    plugin: str
    function: Callable[..., Any]
    arguments: tuple[str, ...]

    def __call__(self, **kwargs: Any) -> Any:
        return self.function(**{name: kwargs[name] for name in self.arguments})


class RuleBook:
    """Every plugin's rules, by record type and rule method."""

    def __init__(self, rules: dict[tuple[str, str], list[Rule]]):
        self._rules = rules

    def of(self, type_name: str, method: str) -> list[Rule]:
        return self._rules.get((type_name, method), [])


def collect_rules(pm: pluggy.PluginManager) -> RuleBook:
    """Ask every plugin for its rules (``crm_record_rules``) and check their methods."""
    registered = [name for name, _ in pm.list_name_plugin()]
    answers = sorted(
        call_by_plugin(pm, "crm_record_rules"),
        key=lambda pair: registered.index(pair[0]),
        reverse=True,  # as pluggy calls implementations: the plugin registered last first
    )
    rules: dict[tuple[str, str], list[Rule]] = {}
    for plugin, by_type in answers:
        if by_type is None:
            continue
        if not isinstance(by_type, dict):
            raise ConfigError(
                f"plugin {plugin!r}: crm_record_rules must return a dict of record type "
                "name → rules object"
            )
        for type_name, rule_object in by_type.items():
            for method, rule in _rules_of(plugin, type_name, rule_object):
                rules.setdefault((type_name, method), []).append(rule)
    return RuleBook(rules)


def _rules_of(plugin: str, type_name: str, rule_object: Any) -> Iterator[tuple[str, Rule]]:
    for name in dir(rule_object):
        if name.startswith("_"):
            continue
        function = getattr(rule_object, name)
        if not callable(function):
            continue
        if name not in RULE_HOOKS:
            close = difflib.get_close_matches(name, RULE_HOOKS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"plugin {plugin!r}: the rules for {type_name!r} have an unknown method "
                f"{name!r}{hint}; rule methods: {', '.join(RULE_HOOKS)} (start helpers with _)"
            )
        hook = RULE_HOOKS[name]
        allowed = list(inspect.signature(getattr(hookspecs, hook)).parameters)
        arguments = tuple(inspect.signature(function).parameters)
        unknown = [argument for argument in arguments if argument not in allowed]
        if unknown:
            raise ConfigError(
                f"plugin {plugin!r}: rule {name!r} for {type_name!r} takes {unknown[0]!r}, "
                f"which {hook} does not give; it may take any of: {', '.join(allowed)}"
            )
        yield name, Rule(plugin, function, arguments)


def _answers(crm, record_type, method: str, **kwargs: Any) -> list[Any]:
    """What the rules of ``record_type`` answer, in order, ``None`` answers left out."""
    answers = []
    for rule in crm.record_rules.of(record_type.name, method):
        answer = rule(crm=crm, record_type=record_type, **kwargs)
        if answer is not None:
            answers.append(answer)
    return answers


def _joined(answers: list[Any]) -> list[Any] | None:
    return [item for answer in answers for item in answer] or None


# -- records -----------------------------------------------------------------------------


@hookimpl
def crm_validate(crm, record_type, record, old, actor):
    errors: dict[str, Any] = {}
    for answer in _answers(crm, record_type, "validate", record=record, old=old, actor=actor):
        for name, message in answer.items():
            errors.setdefault(name, message)
    return errors or None


@hookimpl
def crm_before_save(crm, record_type, record, old, actor):
    _answers(crm, record_type, "before_save", record=record, old=old, actor=actor)


@hookimpl
def crm_after_save(crm, record_type, record, old, changes, actor, created):
    _answers(
        crm,
        record_type,
        "after_save",
        record=record,
        old=old,
        changes=changes,
        actor=actor,
        created=created,
    )


@hookimpl
def crm_before_delete(crm, record_type, record, actor):
    _answers(crm, record_type, "before_delete", record=record, actor=actor)


@hookimpl
def crm_after_delete(crm, record_type, record, actor, purged):
    _answers(crm, record_type, "after_delete", record=record, actor=actor, purged=purged)


@hookimpl
def crm_after_restore(crm, record_type, record, actor):
    _answers(crm, record_type, "after_restore", record=record, actor=actor)


@hookimpl
def crm_after_link(crm, relation, record_type, record, other_type, other, actor):
    _answers(
        crm,
        record_type,
        "after_link",
        relation=relation,
        record=record,
        other_type=other_type,
        other=other,
        actor=actor,
    )


@hookimpl
def crm_after_unlink(crm, relation, record_type, record, other_type, other, actor):
    _answers(
        crm,
        record_type,
        "after_unlink",
        relation=relation,
        record=record,
        other_type=other_type,
        other=other,
        actor=actor,
    )


@hookimpl
def crm_after_comment(crm, record_type, record, comment, actor, created):
    _answers(
        crm,
        record_type,
        "after_comment",
        record=record,
        comment=comment,
        actor=actor,
        created=created,
    )


@hookimpl
def crm_autonumber(crm, record_type, record):
    for answer in _answers(crm, record_type, "autonumber", record=record):
        return answer
    return None


@hookimpl
def crm_default_filter(crm, record_type):
    return every(*_answers(crm, record_type, "default_filter"))


@hookimpl
def crm_find_duplicates_many(crm, record_type, records, actor):
    """Rules answer with ``find_duplicates_many``, or else ``find_duplicates`` per record."""
    batch = crm.record_rules.of(record_type.name, "find_duplicates_many")
    single = {
        rule.plugin: rule for rule in crm.record_rules.of(record_type.name, "find_duplicates")
    }
    for rule in batch:
        single.pop(rule.plugin, None)  # a plugin that answers for many is not asked again
    if not batch and not single:
        return None
    found: list[list[Any]] = [[] for _ in records]
    for rule in batch:
        answer = rule(crm=crm, record_type=record_type, records=records, actor=actor)
        for hits, more in zip(found, answer or [[] for _ in records], strict=True):
            hits.extend(more or [])
    for rule in single.values():
        for record, hits in zip(records, found, strict=True):
            hits.extend(rule(crm=crm, record_type=record_type, record=record, actor=actor) or [])
    return found


# -- access ------------------------------------------------------------------------------


@hookimpl
def crm_permission_filter(crm, record_type, actor, action):
    return every(*_answers(crm, record_type, "permission_filter", actor=actor, action=action))


@hookimpl
def crm_permission_check(crm, record_type, record, actor, action):
    for answer in _answers(
        crm, record_type, "permission_check", record=record, actor=actor, action=action
    ):
        if answer is False or isinstance(answer, str):
            return answer
    return None


# -- web ---------------------------------------------------------------------------------


@hookimpl
def crm_list_views(crm, record_type, actor):
    return _joined(_answers(crm, record_type, "list_views", actor=actor))


@hookimpl
def crm_list_actions(crm, record_type, actor):
    return _joined(_answers(crm, record_type, "list_actions", actor=actor))


@hookimpl
def crm_record_actions(crm, record_type, record, actor):
    return _joined(_answers(crm, record_type, "record_actions", record=record, actor=actor))


@hookimpl
def crm_record_panels(crm, record_type, record, actor):
    return _joined(_answers(crm, record_type, "record_panels", record=record, actor=actor))
