"""crm.records.aggregate / count: numbers computed by the database equal counting by hand."""

import statistics
from decimal import Decimal

import pytest

from crm_core import ValidationError
from crm_core.query import Condition

WEIGHTS = [
    ("Phone", 1, "black"),
    ("Tablet", 2, "white"),
    ("Laptop", 5, "white"),
    ("Box", None, "black"),
]


@pytest.fixture
def gadget_rows(gadgets):
    for name, weight, colour in WEIGHTS:
        gadgets.records.create("gadget", {"name": name, "weight": weight, "colour": colour})
    return [gadgets.records.get("gadget", r["id"]) for r in gadgets.records.list("gadget").records]


def test_count_matches_the_list(gadgets, gadget_rows):
    assert gadgets.records.count("gadget") == 4
    assert gadgets.records.count("gadget", where={"colour": "white"}) == 2
    gadgets.records.delete("gadget", gadget_rows[0]["id"])
    assert gadgets.records.count("gadget") == 3  # the recycle bin is not counted


def test_group_by_with_measures(gadgets, gadget_rows):
    rows = gadgets.records.aggregate(
        "gadget",
        group_by=["colour"],
        measures={
            "n": "count",
            "total": ("sum", "weight"),
            "middle": ("median", "weight"),
            "heaviest": ("max", "weight"),
        },
    )
    assert rows == [
        {
            "colour": "black",
            "n": 2,
            "total": Decimal("1.000"),
            "middle": 1.0,
            "heaviest": Decimal("1.000"),
        },
        {
            "colour": "white",
            "n": 2,
            "total": Decimal("7.000"),
            "middle": 3.5,
            "heaviest": Decimal("5.000"),
        },
    ]
    everything = gadgets.records.aggregate("gadget", measures={"m": ("median", "weight")})
    weights = [r["weight"] for r in gadget_rows if r["weight"] is not None]
    assert everything == [{"m": float(statistics.median(weights))}]


def test_buckets_count_half_open_ranges(gadgets, gadget_rows):
    rows = gadgets.records.aggregate("gadget", bucket=("weight", ["0", "2", "10"]))
    assert rows == [{"bucket": 0, "count": 1}, {"bucket": 1, "count": 2}]
    rows = gadgets.records.aggregate(
        "gadget", where=[Condition("colour", "eq", "white")], bucket=("weight", [2, 3])
    )
    assert rows == [{"bucket": 0, "count": 1}]


def test_permission_rules_apply(gadgets, staff, gadget_rows):
    gadgets.set_setting("type:gadget", "permission_mode", "private")
    gadgets.records.update("gadget", gadget_rows[0]["id"], {"assigned_to": staff["boris"].ref})
    assert gadgets.records.count("gadget", actor=staff["boris"]) == 1
    assert gadgets.records.count("gadget", actor=staff["anna"]) == 0
    assert gadgets.records.count("gadget") == 4


def test_bad_requests_are_clear(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.records.aggregate("gadget", measures={"x": ("sum", "colour")})
    assert "needs a number field; colour is picklist" in caught.value.errors["measures"]
    with pytest.raises(ValidationError) as caught:
        gadgets.records.aggregate("gadget", group_by=["nope"])
    assert "'nope' is not a field of gadget" in caught.value.errors["group_by"]
    with pytest.raises(ValidationError) as caught:
        gadgets.records.aggregate("gadget", bucket=("weight", [5, 1]))
    assert "each greater than the one before" in caught.value.errors["bucket"]
    with pytest.raises(ValidationError) as caught:
        gadgets.records.aggregate("gadget", bucket=("assigned_to", ["user:1", "user:2"]))
    assert "has no ranges to count in" in caught.value.errors["bucket"]
    with pytest.raises(ValidationError) as caught:
        gadgets.records.aggregate("gadget", measures={"x": "mode"})
    assert "unknown measure 'mode'" in caught.value.errors["measures"]
