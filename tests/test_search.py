"""Full-text search: Russian and English word forms, ranking, record numbers, comments,
and only what the user may see."""

from __future__ import annotations

import json

import pytest
from conftest import run_crm


def numbers(crm, text, **kwargs) -> list[str]:
    return [hit.number for hit in crm.search.query(text, **kwargs)]


@pytest.fixture
def catalogue(gadgets):
    for name in [
        "Заявка на ремонт телефона",  # GAD1
        "Support tickets for the printer",  # GAD2
        "Ticket about a ticket: printer ticket",  # GAD3
        "Printer",  # GAD4
        "Watch",  # GAD5
    ]:
        gadgets.records.create("gadget", {"name": name})
    return gadgets


def test_russian_and_english_word_forms(catalogue):
    assert numbers(catalogue, "заявки") == ["GAD1"]
    assert numbers(catalogue, "ремонту телефонов") == ["GAD1"]
    assert set(numbers(catalogue, "tickets")) == {"GAD2", "GAD3"}
    assert set(numbers(catalogue, "ticket")) == {"GAD2", "GAD3"}
    assert set(numbers(catalogue, "printers")) == {"GAD2", "GAD3", "GAD4"}
    assert numbers(catalogue, "tickets printing watches") == []  # every word must match
    assert numbers(catalogue, "") == [] and numbers(catalogue, "  ?! ") == []


def test_words_too_common_to_narrow_a_search_are_left_out(catalogue):
    catalogue.records.create("gadget", {"name": "Телефон не включается"})  # GAD6
    assert numbers(catalogue, "заявка на ремонт") == ["GAD1"]  # "на" is not required...
    assert numbers(catalogue, "ремонт не телефона") == ["GAD1"]  # ...nor "не"
    assert set(numbers(catalogue, "the printer")) == {"GAD2", "GAD3", "GAD4"}
    assert numbers(catalogue, "не") == ["GAD6"]  # a query of stop words alone still works


def test_the_last_word_matches_as_a_prefix(catalogue):
    assert set(numbers(catalogue, "prin")) == {"GAD2", "GAD3", "GAD4"}
    assert numbers(catalogue, "support tick") == ["GAD2"]


def test_ranking_puts_the_better_match_first(catalogue):
    assert numbers(catalogue, "ticket") == ["GAD3", "GAD2"]
    hits = catalogue.search.query("ticket")
    assert hits[0].score > hits[1].score


def test_search_by_record_number(catalogue):
    hits = catalogue.search.query("gad4")
    assert [(h.number, h.title) for h in hits] == [("GAD4", "Printer")]
    assert numbers(catalogue, "GAD99") == []


def test_model_names_and_codes_with_digits_are_found_whole(catalogue):
    catalogue.records.create("gadget", {"name": "Принтеры HP2055 и Ёлка3, printers LX300"})
    assert numbers(catalogue, "hp2055") == ["GAD6"]
    assert numbers(catalogue, "ЕЛКА3 lx300") == ["GAD6"]
    assert numbers(catalogue, "принтер hp2055") == ["GAD6"]  # the words around are stemmed
    assert numbers(catalogue, "hp205") == ["GAD6"]  # the last word is a prefix
    assert numbers(catalogue, "lx3000") == []


def test_snippet_marks_the_matching_words(catalogue):
    (hit,) = catalogue.search.query("ремонта")
    assert hit.title == "Заявка на ремонт телефона"
    assert ("ремонт", True) in hit.snippet
    assert "".join(text for text, _ in hit.snippet) == "GAD1 · Заявка на ремонт телефона"


def test_comments_are_searchable_and_lead_to_their_record(catalogue, staff):
    watch = catalogue.records.get("gadget", "GAD5")
    comment = catalogue.comments.add(
        "gadget", watch["id"], "Клиент прислал новые заявки про принтеры", actor=staff["anna"]
    )
    hits = catalogue.search.query("принтер")
    assert [(h.number, h.comment_id) for h in hits] == [("GAD5", comment["id"])]
    assert ("принтеры", True) in hits[0].snippet
    assert set(numbers(catalogue, "заявка")) == {"GAD1", "GAD5"}
    catalogue.comments.delete(comment["id"], actor=staff["anna"])
    assert numbers(catalogue, "принтер") == []


def test_changes_deletion_and_restore_keep_the_index_in_step(catalogue):
    watch = catalogue.records.get("gadget", "GAD5")
    catalogue.records.update("gadget", watch["id"], {"name": "Smart watch"})
    assert numbers(catalogue, "smart") == ["GAD5"]
    assert numbers(catalogue, "smart watches") == ["GAD5"]
    catalogue.records.delete("gadget", watch["id"])
    assert numbers(catalogue, "smart") == []
    assert numbers(catalogue, "GAD5") == []
    catalogue.records.restore("gadget", watch["id"])
    assert numbers(catalogue, "smart") == ["GAD5"]


def test_results_only_show_what_the_user_may_see(catalogue, staff):
    anna, boris = staff["anna"], staff["boris"]
    support = catalogue.directory.get_group("Support")
    mine = catalogue.records.create("gadget", {"name": "Printer for Anna"}, actor=anna)
    theirs = catalogue.records.create("gadget", {"name": "Printer for Boris"}, actor=boris)
    grouped = catalogue.records.create(
        "gadget", {"name": "Printer for support", "assigned_to": f"group:{support['id']}"}
    )
    everything = {"GAD2", "GAD3", "GAD4", mine["number"], theirs["number"], grouped["number"]}
    assert set(numbers(catalogue, "printer", actor=boris)) == everything  # public by default

    catalogue.set_setting("type:gadget", "permission_mode", "private")
    assert set(numbers(catalogue, "printer", actor=anna)) == {mine["number"], grouped["number"]}
    assert numbers(catalogue, "printer", actor=boris) == [theirs["number"]]
    assert numbers(catalogue, theirs["number"], actor=anna) == []  # not even by number
    assert set(numbers(catalogue, "printer")) == everything  # the system (admins) see all

    comment = catalogue.comments.add("gadget", theirs["id"], "уникальное слово", actor=boris)
    assert numbers(catalogue, "уникальное", actor=anna) == []
    assert [h.comment_id for h in catalogue.search.query("уникальное", actor=boris)] == [
        comment["id"]
    ]


def test_limit_and_types(catalogue):
    assert len(catalogue.search.query("printer", limit=2)) == 2
    assert catalogue.search.query("printer", types=["accessory"]) == []


def test_crm_search_command(catalogue, tmp_path, sample_plugin_site):
    env = {"PYTHONPATH": str(sample_plugin_site), "CRM_CONFIG": str(catalogue.config.path)}
    result = run_crm("search", "заявки", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "gadget           GAD1         Заявка на ремонт телефона",
        "    GAD1 · [Заявка] на ремонт телефона",
    ]
    found = json.loads(
        run_crm("search", "tickets", "--type", "gadget", "--json", cwd=tmp_path, env=env).stdout
    )
    assert [hit["number"] for hit in found] == ["GAD3", "GAD2"]
    assert found[0]["type"] == "gadget" and found[0]["in_comment"] is None
    nothing = run_crm("search", "nothing-like-this", cwd=tmp_path, env=env)
    assert nothing.stdout.strip() == "nothing found"
