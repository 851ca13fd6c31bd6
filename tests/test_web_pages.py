"""The staff UI through WSGI: sign-in, forms, lists, detail pages, comments, files."""

from urllib.parse import urlsplit

import pytest
from conftest import csrf_of, sign_in


def column(page, label):
    """The texts of one column of the records table on a page."""
    return [
        cell.get_text(strip=True)
        for cell in page.html.select(f'table.records td[data-label="{label}"]')
    ]


def test_pages_need_sign_in(web_app):
    response = web_app.get("/r/gadget", status=302)
    assert response.location.endswith("/login?next=/r/gadget")
    assert web_app.get("/api/v1/gadget", status=401).json["error"]["code"] == "unauthorized"


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(web_app):
    page = web_app.get("/login")
    form = page.forms["login-form"]
    form["login"], form["password"] = "admin", "admin-password"
    response = form.submit(status=302)
    cookie = response.headers["Set-Cookie"]
    assert (
        "crm_session=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    assert web_app.get("/").status_code == 200
    web_app.post("/logout", {"csrf_token": csrf_of(web_app)}, status=302)
    assert web_app.get("/", status=302).location.endswith("/login?next=/")


def test_wrong_password_is_refused_and_rate_limited(web_app):
    for _ in range(5):
        page = web_app.get("/login")
        form = page.forms["login-form"]
        form["login"], form["password"] = "admin", "wrong"
        assert "Wrong login or password" in form.submit(status=401).text
    page = web_app.get("/login")
    form = page.forms["login-form"]
    form["login"], form["password"] = "admin", "admin-password"
    assert "Too many failed sign-ins" in form.submit(status=429).text


def test_forms_without_csrf_token_are_refused(web_app):
    sign_in(web_app)
    response = web_app.post("/r/gadget/new", {"_fields": "name", "name": "X"}, status=403)
    assert "did not come from this site" in response.text
    assert web_app.app.config["crm.web"].crm.records.list("gadget").records == []


def test_create_shows_errors_next_to_fields_and_keeps_input(web_app):
    sign_in(web_app)
    form = web_app.get("/r/gadget/new").forms["record-form"]
    form["name"] = ""
    form["weight"] = "heavy"
    form["serial"] = "KEEP-ME"
    response = form.submit(status=422)
    assert "is required" in response.text
    assert "must be a number" in response.text
    assert response.forms["record-form"]["serial"].value == "KEEP-ME"
    assert response.forms["record-form"]["weight"].value == "heavy"


def test_create_edit_and_view_a_record(web_app):
    sign_in(web_app)
    form = web_app.get("/r/gadget/new").forms["record-form"]
    form["name"] = "Телефон"
    form["colour"] = "white"
    form["weight"] = "1,5"
    response = form.submit(status=302).follow()
    assert "GAD1" in response.text and "Телефон" in response.text and "White" in response.text
    edit = web_app.get("/r/gadget/1/edit").forms["record-form"]
    edit["colour"] = "black"
    page = edit.submit(status=302).follow()
    history = page.html.find(id="history").text
    assert "White" in history and "Black" in history  # old → new in words


def test_list_filters_sort_and_pages(web_app):
    crm = web_app.app.config["crm.web"].crm
    for index in range(60):
        crm.records.create(
            "gadget", {"name": f"G{index:02d}", "colour": "white" if index % 3 else "black"}
        )
    sign_in(web_app)
    page = web_app.get("/r/gadget?f.colour=black&sort=name")
    names = column(page, "Name")
    assert names == sorted(names) and len(names) == 20
    first = web_app.get("/r/gadget?sort=name")
    assert column(first, "Name") == [f"G{i:02d}" for i in range(50)]
    second = first.click(href="cursor=", index=0)
    assert column(second, "Name") == [f"G{i}" for i in range(50, 60)]
    back = second.click(href="cursor=", index=0)
    assert column(back, "Name") == [f"G{i:02d}" for i in range(50)]


def test_bulk_assign_and_delete_then_restore(web_app):
    crm = web_app.app.config["crm.web"].crm
    a = crm.records.create("gadget", {"name": "A"})
    b = crm.records.create("gadget", {"name": "B"})
    sign_in(web_app)
    token = csrf_of(web_app)
    admin = crm.directory.get_user("admin")
    web_app.post(
        "/r/gadget/bulk",
        {
            "csrf_token": token,
            "ids": [a["id"], b["id"]],
            "action": "assign",
            "owner": f"user:{admin['id']}",
        },
        status=302,
    )
    assert crm.records.get("gadget", a["id"])["assigned_to"] == f"user:{admin['id']}"
    web_app.post(
        "/r/gadget/bulk", {"csrf_token": token, "ids": [a["id"]], "action": "delete"}, status=302
    )
    assert [r["name"] for r in crm.records.list("gadget").records] == ["B"]
    assert "GAD1" in web_app.get("/r/gadget?deleted=1").text
    web_app.post(f"/r/gadget/{a['id']}/restore", {"csrf_token": token}, status=302)
    assert len(crm.records.list("gadget").records) == 2


def test_comments_attachments_and_download(web_app):
    crm = web_app.app.config["crm.web"].crm
    record = crm.records.create("gadget", {"name": "A"})
    sign_in(web_app)
    page = web_app.get(f"/r/gadget/{record['id']}")
    form = page.forms[
        [f.action for f in page.forms.values()].index(f"/r/gadget/{record['id']}/attachments")
    ]
    form["file"] = ("отчёт.txt", b"hello")
    form.submit(status=302)
    token = csrf_of(web_app)
    web_app.post(
        f"/r/gadget/{record['id']}/comments",
        {"csrf_token": token, "body": "Internal note", "internal": "on"},
        status=302,
    )
    detail = web_app.get(f"/r/gadget/{record['id']}")
    assert "Internal note" in detail.text and "internal" in detail.text
    link = detail.html.find("a", string="отчёт.txt")
    download = web_app.get(link["href"])
    assert download.body == b"hello"
    assert (
        "filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt"
        in download.headers["Content-Disposition"]
    )


def test_user_typed_html_is_shown_as_text_everywhere(web_app):
    crm = web_app.app.config["crm.web"].crm
    evil = "<script>alert(1)</script>"
    record = crm.records.create("gadget", {"name": evil, "serial": evil})
    crm.comments.add("gadget", record["id"], evil)
    crm.records.update("gadget", record["id"], {"serial": evil + "2"})
    sign_in(web_app)
    for url in (
        "/r/gadget",
        f"/r/gadget/{record['id']}",
        "/search?q=script",
        f"/r/gadget/{record['id']}/edit",
        "/",
    ):
        text = web_app.get(url).text
        assert evil not in text, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in web_app.get(f"/r/gadget/{record['id']}").text


def test_security_headers(web_app):
    sign_in(web_app)
    headers = web_app.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_global_search_groups_results_by_type(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.records.create("gadget", {"name": "Принтер HP"})
    sign_in(web_app)
    page = web_app.get("/search", {"q": "принтеры"})
    assert "Принтер" in page.html.find("mark").text
    assert "GAD1" in web_app.get("/search?q=GAD1").text


def test_private_records_are_not_found_for_others(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.directory.add_user("boris", "Boris", password="boris-password")
    crm.directory.add_user("anna", "Anna", password="anna-password")
    crm.set_setting("type:gadget", "permission_mode", "private")
    anna = crm.directory.get_user("anna")
    secret = crm.records.create(
        "gadget", {"name": "Secret plan", "assigned_to": f"user:{anna['id']}"}
    )
    sign_in(web_app, "boris", "boris-password")
    page = web_app.get(f"/r/gadget/{secret['id']}", status=404)
    assert "Secret plan" not in page.text
    assert "Secret plan" not in web_app.get("/r/gadget").text
    assert "Secret plan" not in web_app.get("/search?q=secret").text
    assert "Secret plan" not in web_app.get("/r/gadget/export.csv").text


def test_russian_interface(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.directory.update_user("admin", language="ru")
    sign_in(web_app)
    page = web_app.get("/r/gadget")
    assert "Устройства" in page.text  # the record type's Russian label
    assert "Фильтр" in page.text  # a UI string from the catalog
    assert web_app.get("/login?lang=ru").status_code == 302  # signed in already


def test_uploaded_active_content_is_never_served_to_run(web_app):
    """HTML, SVG, XML and scripts go out as downloads of opaque bytes; only harmless types
    may be shown inline."""
    crm = web_app.app.config["crm.web"].crm
    record = crm.records.create("gadget", {"name": "A"})
    files = {
        "evil.js": b"alert(document.cookie)",
        "evil.xml": b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
        "evil.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "evil.html": b"<script>alert(1)</script>",
    }
    sign_in(web_app)
    for name, content in files.items():
        attachment = crm.attachments.add("gadget", record["id"], name, content)
        response = web_app.get(f"/attachments/{attachment['id']}?inline=1")
        assert response.content_type == "application/octet-stream", name
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response.headers["Content-Security-Policy"]
    text = crm.attachments.add("gadget", record["id"], "notes.txt", "привет".encode())
    shown = web_app.get(f"/attachments/{text['id']}?inline=1")
    assert shown.content_type == "text/plain"
    assert shown.headers["Content-Disposition"].startswith("inline;")


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example", "/%0a/evil"],
)
def test_sign_in_never_redirects_to_another_site(web_app, target):
    page = web_app.get("/login", {"next": target})
    form = page.forms["login-form"]
    form["login"], form["password"] = "admin", "admin-password"
    location = urlsplit(form.submit(status=302).location)
    assert location.hostname == "localhost" and not location.path.startswith("//")


def test_a_forged_forwarded_address_does_not_escape_the_limit(web_app):
    for index in range(6):
        page = web_app.get("/login")
        form = page.forms["login-form"]
        form["login"], form["password"] = f"nobody{index}", "wrong"
        status = form.submit(
            headers={"X-Forwarded-For": f"10.0.0.{index}"},
            extra_environ={"REMOTE_ADDR": "192.0.2.7"},
            expect_errors=True,
        ).status_int
    assert status == 429  # six attempts from one real address, whatever the header said


def test_another_users_private_record_is_not_found_by_any_route(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.directory.add_user("boris", "Boris", password="boris-password")
    crm.directory.add_user("anna", "Anna", password="anna-password")
    crm.set_setting("type:gadget", "permission_mode", "private")
    anna = crm.directory.actor_for("anna")
    secret = crm.records.create("gadget", {"name": "Secret plan"}, actor=anna)
    comment = crm.comments.add("gadget", secret["id"], "hidden words", actor=anna)
    file = crm.attachments.add("gadget", secret["id"], "plan.txt", b"plan", actor=anna)
    sign_in(web_app, "boris", "boris-password")
    token, _ = crm.sessions.create_api_token(crm.directory.get_user("boris")["id"], "t")
    auth = {"Authorization": f"Bearer {token}"}
    ident = secret["id"]
    for url in (
        f"/r/gadget/{ident}",
        f"/r/gadget/{secret['number']}",
        f"/r/gadget/{ident}/edit",
        f"/r/gadget/{ident}/duplicate",
        f"/attachments/{file['id']}",
    ):
        assert "Secret plan" not in web_app.get(url, status=404).text, url
    for url in (
        f"/api/v1/gadget/{ident}",
        f"/api/v1/gadget/{ident}/history",
        f"/api/v1/gadget/{ident}/comments",
        f"/api/v1/gadget/{ident}/attachments",
        f"/api/v1/attachments/{file['id']}",
    ):
        web_app.get(url, headers=auth, status=404)
    assert web_app.get("/lookup/gadget", {"q": "secret"}).json == []
    assert web_app.get("/api/v1/search", {"q": "hidden"}, headers=auth).json["results"] == []
    token_csrf = csrf_of(web_app)
    web_app.post(
        f"/comments/{comment['id']}/edit", {"csrf_token": token_csrf, "body": "x"}, status=404
    )
    web_app.post(f"/r/gadget/{ident}/delete", {"csrf_token": token_csrf}, status=404)
    assert crm.records.get("gadget", ident)["deleted"] is False
