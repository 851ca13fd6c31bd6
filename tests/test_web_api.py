"""The JSON API: tokens, CRUD, filters, errors, CSRF with cookies, OpenAPI."""

from conftest import csrf_of, sign_in


def token_for(app, login="admin"):
    crm = app.app.config["crm.web"].crm
    token, _ = crm.sessions.create_api_token(crm.directory.get_user(login)["id"], "tests")
    return {"Authorization": f"Bearer {token}"}


def test_create_get_update_delete_restore(web_app):
    auth = token_for(web_app)
    created = web_app.post_json(
        "/api/v1/gadget",
        {"name": "Phone", "colour": "white", "tags": ["vip"]},
        headers=auth,
        status=201,
    )
    body = created.json
    assert body["number"] == "GAD1" and body["source"] == "api" and body["tags"] == ["vip"]
    assert created.headers["Location"] == f"/api/v1/gadget/{body['id']}"
    assert web_app.get("/api/v1/gadget/GAD1", headers=auth).json["name"] == "Phone"
    patched = web_app.patch_json(
        f"/api/v1/gadget/{body['id']}", {"weight": "1.25"}, headers=auth
    ).json
    assert patched["weight"] == "1.250" and patched["colour"] == "white"
    web_app.delete(f"/api/v1/gadget/{body['id']}", headers=auth)
    assert (
        web_app.get(f"/api/v1/gadget/{body['id']}", headers=auth, status=404).json["error"]["code"]
        == "not_found"
    )
    web_app.post(f"/api/v1/gadget/{body['id']}/restore", headers=auth)
    history = web_app.get(f"/api/v1/gadget/{body['id']}/history", headers=auth).json["history"]
    assert [h["kind"] for h in history][:3] == ["restored", "deleted", "updated"]


def test_validation_errors_are_422_with_fields(web_app):
    auth = token_for(web_app)
    error = web_app.post_json("/api/v1/gadget", {"weight": "lots"}, headers=auth, status=422).json[
        "error"
    ]
    assert error["code"] == "validation_error"
    assert error["fields"]["name"] == "is required"
    assert "must be a number" in error["fields"]["weight"]
    bad_json = web_app.post(
        "/api/v1/gadget", "{nope", headers={**auth, "Content-Type": "application/json"}, status=422
    ).json
    assert bad_json["error"]["fields"]["body"] == "is not valid JSON"
    unknown = web_app.get("/api/v1/gizmo", headers=auth, status=404).json
    assert "known types: gadget" in unknown["error"]["message"]


def test_unique_clash_and_bad_token(web_app):
    auth = token_for(web_app)
    web_app.post_json("/api/v1/gadget", {"name": "A", "serial": "S1"}, headers=auth, status=201)
    clash = web_app.post_json(
        "/api/v1/gadget", {"name": "B", "serial": "S1"}, headers=auth, status=422
    ).json
    assert "must be unique" in clash["error"]["fields"]["serial"]
    web_app.get("/api/v1/gadget", headers={"Authorization": "Bearer nonsense"}, status=401)


def test_list_filters_sort_and_cursor(web_app):
    auth = token_for(web_app)
    for index in range(7):
        web_app.post_json(
            "/api/v1/gadget", {"name": f"G{index}", "weight": index}, headers=auth, status=201
        )
    page = web_app.get("/api/v1/gadget?sort=weight&limit=3&filter=weight>=1", headers=auth).json
    assert [r["name"] for r in page["records"]] == ["G1", "G2", "G3"]
    following = web_app.get(
        f"/api/v1/gadget?sort=weight&limit=3&filter=weight>=1&cursor={page['next_cursor']}",
        headers=auth,
    ).json
    assert [r["name"] for r in following["records"]] == ["G4", "G5", "G6"]
    assert following["next_cursor"] is None
    only = web_app.get("/api/v1/gadget?name=G2&name=G5", headers=auth).json
    assert sorted(r["name"] for r in only["records"]) == ["G2", "G5"]
    others = web_app.get("/api/v1/gadget?filter=name!=G0,G1,G2,G3", headers=auth).json
    assert sorted(r["name"] for r in others["records"]) == ["G4", "G5", "G6"]


def test_session_cookie_needs_the_csrf_header(web_app):
    sign_in(web_app)
    refused = web_app.post_json("/api/v1/gadget", {"name": "X"}, status=403).json
    assert refused["error"]["code"] == "csrf"
    accepted = web_app.post_json(
        "/api/v1/gadget", {"name": "X"}, headers={"X-CSRF-Token": csrf_of(web_app)}, status=201
    )
    assert accepted.json["name"] == "X"
    assert (
        web_app.get("/api/v1/gadget").json["records"][0]["name"] == "X"
    )  # reading needs no header


def test_comments_attachments_and_search(web_app):
    auth = token_for(web_app)
    record = web_app.post_json(
        "/api/v1/gadget", {"name": "Сервер Dell"}, headers=auth, status=201
    ).json
    web_app.post_json(
        f"/api/v1/gadget/{record['id']}/comments",
        {"body": "Заменили диски"},
        headers=auth,
        status=201,
    )
    comments = web_app.get(f"/api/v1/gadget/{record['id']}/comments", headers=auth).json["comments"]
    assert comments[0]["body"] == "Заменили диски"
    uploaded = web_app.post(
        f"/api/v1/gadget/{record['id']}/attachments?filename=log.txt",
        b"line 1",
        headers=auth,
        status=201,
    ).json
    download = web_app.get(f"/api/v1/attachments/{uploaded['id']}", headers=auth)
    assert download.body == b"line 1"
    results = web_app.get("/api/v1/search", {"q": "диск"}, headers=auth).json["results"]
    assert results[0]["number"] == record["number"] and results[0]["in_comment"]


def test_too_large_upload_is_413(make_crm, sample_plugin_site):
    import webtest

    from crm_web.app import create_app

    crm = make_crm(["gadgets"], crm_extra={"max_upload_mb": 0.001})
    crm.directory.add_user("admin", "A", password="admin-password", role="admin")
    app = webtest.TestApp(create_app(crm))
    auth = token_for(app)
    record = crm.records.create("gadget", {"name": "A"})
    error = app.post(
        f"/api/v1/gadget/{record['id']}/attachments?filename=big.bin",
        b"x" * 5000,
        headers=auth,
        status=413,
    ).json["error"]
    assert error["code"] == "too_large"
    assert crm.attachments.list("gadget", record["id"]) == []


def test_openapi_document_follows_the_registry(web_app):
    crm = web_app.app.config["crm.web"].crm
    auth = token_for(web_app)
    crm.fields.add("gadget", "warranty_until", "date", label="Warranty until")
    doc = web_app.get("/api/v1/openapi.json", headers=auth).json
    assert doc["openapi"] == "3.1.0"
    gadget = doc["components"]["schemas"]["Gadget"]["properties"]
    assert gadget["cf_warranty_until"]["format"] == "date"
    assert gadget["colour"]["enum"][:2] == ["black", "white"]
    assert "/api/v1/gadget/{key}" in doc["paths"]
    described = web_app.get("/api/v1/types/gadget", headers=auth).json
    assert any(f["name"] == "cf_warranty_until" for f in described["fields"])


def test_api_docs_page_escapes_labels(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.fields.add("gadget", "evil", "text", label="<script>alert(1)</script>")
    sign_in(web_app)
    page = web_app.get("/api/docs")
    assert "<script>alert(1)</script>" not in page.text
    assert "cf_evil" in page.text


def test_api_token_lifecycle_in_the_account_page(web_app):
    sign_in(web_app)
    page = web_app.get("/account")
    form = page.forms[[f.action for f in page.forms.values()].index("/account/tokens")]
    form["name"] = "integration"
    shown = form.submit()
    token = shown.html.find("code", {"class": "token"}).text
    assert (
        web_app.get("/api/v1/types", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    token_id = web_app.app.config["crm.web"].crm.sessions.api_tokens(1)[0]["id"]
    web_app.post(f"/account/tokens/{token_id}/revoke", {"csrf_token": csrf_of(web_app)}, status=302)
    web_app.get("/api/v1/types", headers={"Authorization": f"Bearer {token}"}, status=401)


def test_out_of_range_ids_and_operators_are_clear_errors(web_app):
    auth = token_for(web_app)
    huge = "99999999999999999999"
    assert (
        web_app.get(f"/api/v1/gadget/{huge}", headers=auth, status=404).json["error"]["code"]
        == "not_found"
    )
    web_app.get(f"/api/v1/attachments/{huge}", headers=auth, status=404)
    bad_weight = web_app.post_json(
        "/api/v1/gadget", {"name": "X", "weight": "1e400"}, headers=auth, status=422
    )
    assert bad_weight.json["error"]["fields"]["weight"] == "is too large"
    owner = web_app.post_json(
        "/api/v1/gadget", {"name": "X", "assigned_to": f"user:{huge}"}, headers=auth, status=422
    )
    assert "not an id any record can have" in owner.json["error"]["fields"]["assigned_to"]
    wrong_op = web_app.get("/api/v1/gadget?filter=weight~1", headers=auth, status=422).json
    assert "does not apply to a decimal field" in wrong_op["error"]["fields"]["weight"]
