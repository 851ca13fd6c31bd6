"""The save pipeline as users meet it: a value given but invalid reports what is wrong with
it, on create, update, import and the JSON API alike, never "is required"."""

import io

import pytest
from test_web_api import token_for

from crm_core import ValidationError
from crm_core.transfer import ImportFailed

TOO_LONG = "x" * 300


@pytest.fixture
def gadgets_with_phone(gadgets):
    """Gadgets with a required phone field (``cf_hotline``)."""
    gadgets.fields.add("gadget", "hotline", "phone", required=True)
    return gadgets


def test_a_too_long_required_text_says_how_long_it_may_be(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": TOO_LONG})
    assert caught.value.errors == {"name": "must be at most 255 characters (got 300)"}
    assert gadgets.records.list("gadget").records == []


def test_an_invalid_required_phone_says_what_a_phone_number_is(gadgets_with_phone):
    with pytest.raises(ValidationError) as caught:
        gadgets_with_phone.records.create("gadget", {"name": "Phone", "cf_hotline": "zzz"})
    assert caught.value.errors["cf_hotline"].startswith("must be a phone number")


def test_an_empty_required_value_is_still_required(gadgets):
    with pytest.raises(ValidationError) as caught:
        gadgets.records.create("gadget", {"name": "", "weight": "heavy"})
    assert caught.value.errors["name"] == "is required"
    assert "must be a number" in caught.value.errors["weight"]


def test_an_update_with_an_invalid_required_value_reports_the_value(gadgets):
    record = gadgets.records.create("gadget", {"name": "Phone"})
    with pytest.raises(ValidationError) as caught:
        gadgets.records.update("gadget", record["id"], {"name": TOO_LONG})
    assert caught.value.errors == {"name": "must be at most 255 characters (got 300)"}
    assert gadgets.records.get("gadget", record["id"])["name"] == "Phone"


def test_an_import_row_with_an_invalid_required_value_reports_the_value(gadgets):
    text = f"name,weight\nGood,1\n{TOO_LONG},2\n,3\n"
    with pytest.raises(ImportFailed) as caught:
        gadgets.transfer.import_file("gadget", io.StringIO(text))
    assert caught.value.errors == [
        (3, {"name": "must be at most 255 characters (got 300)"}),
        (4, {"name": "is required"}),
    ]


def test_the_api_reports_an_invalid_required_value_as_itself(web_app):
    auth = token_for(web_app)
    error = web_app.post_json("/api/v1/gadget", {"name": TOO_LONG}, headers=auth, status=422).json[
        "error"
    ]
    assert error["fields"] == {"name": "must be at most 255 characters (got 300)"}
