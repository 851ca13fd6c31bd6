"""A plugin adds a field type of its own (``rating``, in tests/fixtures/test_plugins) and a
record type that uses it: the type is edited in the HTML form, shown on list and detail
pages, filtered on, exported and imported as CSV, read and written through the JSON API and
described in the OpenAPI document, with nothing about it in the core."""

import csv
import io

import pytest
import webtest
from conftest import sign_in

from crm_web.app import create_app


@pytest.fixture
def reviews(make_crm, sample_plugin_site):
    crm = make_crm(["ratings"])
    crm.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    return crm


@pytest.fixture
def app(reviews):
    return sign_in(webtest.TestApp(create_app(reviews, debug=True)))


def api_auth(crm):
    token, _ = crm.sessions.create_api_token(crm.directory.get_user("admin")["id"], "tests")
    return {"Authorization": f"Bearer {token}"}


def cells(page, label):
    return [td.get_text(strip=True) for td in page.html.select(f'td[data-label="{label}"]')]


def test_the_html_form_offers_the_types_widget_and_saves_what_it_reads(app, reviews):
    form = app.get("/r/review/new").forms["record-form"]
    options = [
        (o["value"], o.text) for o in app.get("/r/review/new").html.select("#f-rating option")
    ]
    assert options == [
        ("", "—"),
        ("1", "★"),
        ("2", "★★"),
        ("3", "★★★"),
        ("4", "★★★★"),
        ("5", "★★★★★"),
    ]
    form["title"], form["rating"] = "Good", "4"
    saved = form.submit(status=302).follow()
    record = reviews.records.get("review", "REV1")
    assert record["rating"] == 4
    assert saved.html.find("span", {"class": "rating"}).text == "★★★★☆"  # the detail page

    edit = app.get(f"/r/review/{record['id']}/edit")
    assert edit.html.select_one("#f-rating option[selected]")["value"] == "4"
    form = edit.forms["record-form"]
    form["rating"].force_value("9")
    refused = form.submit(status=422)
    assert "must be a whole number of stars from 1 to 5" in refused.text
    assert reviews.records.get("review", "REV1")["rating"] == 4
    form = refused.forms["record-form"]
    form["rating"] = "2"
    form.submit(status=302)
    assert reviews.records.get("review", "REV1")["rating"] == 2


def test_list_page_shows_and_filters_the_type(app, reviews):
    for title, rating in (("Poor", 1), ("Fine", 3), ("Great", 5), ("Unrated", None)):
        reviews.records.create("review", {"title": title, "rating": rating})
    page = app.get("/r/review?sort=number")
    assert cells(page, "Title") == ["Poor", "Fine", "Great", "Unrated"]
    assert cells(page, "Rating") == ["★☆☆☆☆", "★★★☆☆", "★★★★★", ""]
    assert page.html.select_one('td[data-label="Rating"] span')["title"] == "1 of 5 stars"
    choices = [o["value"] for o in page.html.select("#filter-rating option")]
    assert choices == ["1", "2", "3", "4", "5"]  # the type's filter: a choice of stars
    assert cells(app.get("/r/review?f.rating=3&f.rating=5&sort=number"), "Title") == [
        "Fine",
        "Great",
    ]
    assert cells(app.get("/r/review?f.rating.gte=2&sort=-rating"), "Title") == ["Great", "Fine"]
    assert cells(app.get("/r/review?f.rating.empty"), "Title") == ["Unrated"]
    detail = app.get(f"/r/review/{reviews.records.get('review', 'REV3')['id']}")
    assert detail.html.find("span", {"class": "rating"}).text == "★★★★★"


def test_csv_export_writes_the_types_form_and_import_reads_it_back(app, reviews):
    reviews.records.create("review", {"title": "Fine", "rating": 3})
    rows = list(csv.DictReader(io.StringIO(app.get("/r/review/export.csv").text)))
    assert [(r["title"], r["rating"]) for r in rows] == [("Fine", "★★★")]

    report = reviews.transfer.import_file(
        "review", io.StringIO("title,rating\nTwo stars,★★\nFour,4\nNone,\n")
    )
    assert report.imported == 3
    imported = {r["title"]: r["rating"] for r in reviews.records.iterate("review")}
    assert imported == {"Fine": 3, "Two stars": 2, "Four": 4, "None": None}
    bad = reviews.transfer.import_file(
        "review", io.StringIO("title,rating\nToo many,★★★★★★\n"), skip_bad_rows=True
    )
    assert bad.imported == 0
    assert bad.errors == [(2, {"rating": "must be a whole number of stars from 1 to 5"})]


def test_json_api_reads_writes_and_filters_the_type(app, reviews):
    auth = api_auth(reviews)
    created = app.post_json("/api/v1/review", {"title": "API", "rating": 5}, headers=auth).json
    assert created["rating"] == 5
    app.post_json("/api/v1/review", {"title": "Low", "rating": 1}, headers=auth)
    error = app.post_json(
        "/api/v1/review", {"title": "Bad", "rating": 0}, headers=auth, status=422
    ).json
    assert "stars from 1 to 5" in str(error)
    listed = app.get("/api/v1/review?filter=rating>=3", headers=auth).json["records"]
    assert [r["title"] for r in listed] == ["API"]


def test_openapi_document_describes_the_type(app, reviews):
    schemas = app.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["Review"]["properties"]["rating"] == {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": 5,
        "title": "Rating",
    }
    assert schemas["ReviewInput"]["properties"]["rating"]["maximum"] == 5
