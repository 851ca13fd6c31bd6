"""The records service: create, read, update, delete, list, history — as a plugin uses it."""

from decimal import Decimal

import pytest

from crm_core import Conflict, NotFound, ValidationError
from crm_core.query import Condition


def test_create_assigns_numbers_defaults_and_history(gadgets):
    first = gadgets.records.create("gadget", {"name": "Phone", "weight": "2.5"})
    second = gadgets.records.create("gadget", {"name": "Tablet"})
    assert (first["number"], second["number"]) == ("GAD1", "GAD2")
    assert first["colour"] == "black"  # the schema's default
    assert first["weight"] == Decimal("2.500")
    assert first["source"] == "crm" and first["deleted"] is False
    history = gadgets.records.history("gadget", first["id"])
    created = next(h for h in history if h["kind"] == "created")
    assert created["changes"]["name"] == [None, "Phone"]


def test_get_by_id_and_by_number(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone"})
    assert gadgets.records.get("gadget", record["id"])["name"] == "Phone"
    assert gadgets.records.get("gadget", "GAD1")["id"] == record["id"]
    with pytest.raises(NotFound):
        gadgets.records.get("gadget", 999)


def test_validation_errors_name_each_field_and_store_nothing(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"weight": "heavy", "colour": "purple", "nonsense": 1})
    errors = caught.value.errors
    assert errors["name"] == "is required"
    assert "must be a number" in errors["weight"]
    assert "allowed: black, white" in errors["colour"]
    assert "is not a field of gadget" in errors["nonsense"]
    assert gadgets.records.list("gadget").records == []


def test_plugin_rule_and_unique_field(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "Anvil", "weight": 80})
    assert caught.value.errors == {"weight": "must be at most 50"}
    gadgets.records.create("gadget", {"name": "A", "serial": "S-1"})
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "B", "serial": "S-1"})
    assert "must be unique; GAD1 already has" in caught.value.errors["serial"]


def test_update_is_partial_and_recorded(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone", "serial": "X"})
    updated = gadgets.records.update(
        "gadget", record["id"], {"colour": "White", "tags": ["VIP", "new"]}
    )
    assert updated["colour"] == "white"  # label accepted, code stored
    assert updated["serial"] == "X"
    assert updated["tags"] == ["new", "vip"]
    latest = gadgets.records.history("gadget", record["id"])[0]
    assert latest["kind"] == "updated"
    assert latest["changes"]["colour"] == ["black", "white"]
    assert latest["changes"]["tags"] == [[], ["new", "vip"]]


def test_update_with_no_change_writes_no_history(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone"})
    before = len(gadgets.records.history("gadget", record["id"]))
    gadgets.records.update("gadget", record["id"], {"name": "Phone"})
    assert len(gadgets.records.history("gadget", record["id"])) == before


def test_a_plugin_history_entry_keeps_whatever_json_can_hold(gadgets):
    """History JSON is written by a fast encoder that refuses some values (keys that are
    not text, integers past 64 bits); those entries are still written."""
    record = gadgets.records.create("gadget", {"name": "Phone"})
    gadgets.records.add_history(
        "gadget",
        record["id"],
        "synced",
        note="from the warehouse",
        changes={"stock": ({1: "old shelf"}, 2**70), "colour": (None, "чёрный")},
    )
    latest = gadgets.records.history("gadget", record["id"])[0]
    assert (latest["kind"], latest["note"]) == ("synced", "from the warehouse")
    assert latest["changes"]["stock"] == [{"1": "old shelf"}, 2**70]
    assert latest["changes"]["colour"] == [None, "чёрный"]


def test_read_only_fields_are_refused(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone"})
    with pytest.raises(ValidationError) as caught:
        gadgets.records.update(
            "gadget", record["id"], {"number": "GAD99", "created_at": "2020-01-01"}
        )
    assert caught.value.errors["number"] == "is read-only; the CRM sets it"


def test_delete_restore_and_purge(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone"})
    gadgets.records.delete("gadget", record["id"])
    assert gadgets.records.list("gadget").records == []
    assert [r["number"] for r in gadgets.records.list("gadget", deleted=True).records] == ["GAD1"]
    with pytest.raises(NotFound):
        gadgets.records.get("gadget", record["id"])
    gadgets.records.restore("gadget", record["id"])
    assert gadgets.records.get("gadget", record["id"])["name"] == "Phone"
    with pytest.raises(Conflict):
        gadgets.records.purge("gadget", record["id"])  # not in the recycle bin
    gadgets.records.delete("gadget", record["id"])
    gadgets.records.purge("gadget", record["id"])
    with pytest.raises(NotFound):
        gadgets.records.get("gadget", record["id"], include_deleted=True)


def test_list_filters_and_operators(gadgets):
    for name, weight, colour in [
        ("Phone", 1, "black"),
        ("Tablet", 2, "white"),
        ("Laptop", 5, "white"),
    ]:
        gadgets.records.create("gadget", {"name": name, "weight": weight, "colour": colour})

    def names(**kwargs):
        return sorted(r["name"] for r in gadgets.records.list("gadget", **kwargs).records)

    assert names(where={"colour": "white"}) == ["Laptop", "Tablet"]
    assert names(where=[Condition("weight", "gt", "1.5")]) == ["Laptop", "Tablet"]
    assert names(where=[Condition("weight", "between", ["1", "2"])]) == ["Phone", "Tablet"]
    assert names(where=[Condition("name", "contains", "LET")]) == ["Tablet"]
    assert names(where=[Condition("name", "startswith", "la")]) == ["Laptop"]
    assert names(where=[Condition("colour", "ne", "white")]) == ["Phone"]
    assert names(where=[Condition("serial", "empty")]) == ["Laptop", "Phone", "Tablet"]
    assert names(where=[Condition("colour", "in", ["black", "white"])]) == [
        "Laptop",
        "Phone",
        "Tablet",
    ]
    gadgets.records.create("gadget", {"name": "Watch", "colour": None})  # none of the listed
    assert names(where=[Condition("colour", "notin", ["black", "red"])]) == [
        "Laptop",
        "Tablet",
        "Watch",
    ]
    assert names(where=[Condition("name", "notin", [])]) == ["Laptop", "Phone", "Tablet", "Watch"]


def test_contains_is_case_insensitive_for_russian(gadgets):
    gadgets.records.create("gadget", {"name": "Планшет Самсунг"})
    found = gadgets.records.list("gadget", where=[Condition("name", "contains", "САМСУНГ")]).records
    assert [r["name"] for r in found] == ["Планшет Самсунг"]


def test_keyset_pages_walk_forward_and_back(gadgets):
    for index in range(7):
        gadgets.records.create("gadget", {"name": f"G{index}", "weight": index % 3})
    seen, cursor = [], None
    pages = []
    while True:
        page = gadgets.records.list("gadget", sort="weight", limit=3, cursor=cursor)
        pages.append(page)
        seen += page.records
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(pages) == 3
    assert len({r["id"] for r in seen}) == 7
    assert [r["weight"] for r in seen] == sorted(r["weight"] for r in seen)
    back = gadgets.records.list("gadget", sort="weight", limit=3, cursor=pages[1].prev_cursor)
    assert [r["name"] for r in back.records] == [r["name"] for r in pages[0].records]


def test_sort_descending_with_empty_values(gadgets):
    for index, weight in enumerate([None, 3, None, 1, 2]):
        gadgets.records.create("gadget", {"name": f"G{index}", "weight": weight})
    collected, cursor = [], None
    while True:
        page = gadgets.records.list("gadget", sort="-weight", limit=2, cursor=cursor)
        collected += [r["weight"] for r in page.records]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(collected) == 5
    present = [w for w in collected if w is not None]
    assert present == sorted(present, reverse=True)


def test_bad_sort_and_cursor_are_clear_errors(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.records.list("gadget", sort="colourz")
    assert "is not a field of gadget" in caught.value.errors["sort"]
    with pytest.raises(ValidationError) as caught:
        gadgets.records.list("gadget", cursor="garbage")
    assert "cursor" in caught.value.errors


def test_unknown_record_type_lists_known_ones(gadgets):
    with pytest.raises(NotFound) as caught:
        gadgets.records.list("gizmo")
    assert "known types: gadget" in str(caught.value)


def test_tags_filter(gadgets):
    gadgets.records.create("gadget", {"name": "A", "tags": ["vip"]})
    gadgets.records.create("gadget", {"name": "B", "tags": "vip, urgent"})
    gadgets.records.create("gadget", {"name": "C"})
    assert sorted(r["name"] for r in gadgets.records.list("gadget", tag="VIP").records) == [
        "A",
        "B",
    ]
    assert [r["name"] for r in gadgets.records.list("gadget", tag="urgent").records] == ["B"]


def test_db_analyze_leaves_planner_statistics_and_vacuumed_tables(gadgets, tmp_path):
    """After ``crm db analyze`` (and after a big import) the planner knows the tables; on
    PostgreSQL they are vacuumed as well, or index-only counts read every row again."""
    for index in range(30):
        gadgets.records.create("gadget", {"name": f"Gadget {index}"})
    gadgets.analyze()
    with gadgets.store.reading() as tx:
        if tx.snapshot.dialect.name == "postgres":
            vacuumed = tx.execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL "
                "FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ?",
                ("rec_gadget",),
            ).fetchone()
            assert tuple(vacuumed) == (True, True)
        else:
            stats = tx.execute(
                "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = ?", ("rec_gadget",)
            ).fetchone()[0]
            assert stats > 0
