"""Administration screens: each change goes through the core and shows up at once."""

from conftest import csrf_of, sign_in


def form_with_action(page, action):
    for form in page.forms.values():
        if form.action == action:
            return form
    raise AssertionError(f"no form posting to {action}")


def test_only_admins_open_administration(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.directory.add_user("boris", "Boris", password="boris-password")
    sign_in(web_app, "boris", "boris-password")
    assert web_app.get("/admin/fields/gadget", status=403)
    web_app.post(
        "/admin/permissions/gadget", {"csrf_token": csrf_of(web_app), "mode": "private"}, status=403
    )
    assert crm.type_setting("gadget", "permission_mode", "public") == "public"


def test_add_a_custom_field_and_see_it_on_the_form(web_app):
    sign_in(web_app)
    page = web_app.get("/admin/fields/gadget")
    form = form_with_action(page, "/admin/fields/gadget")
    form["name"], form["type"], form["label"], form["label_ru"] = (
        "level",
        "picklist",
        "Level",
        "Уровень",
    )
    form["values"] = "lo:Low\nhi:High"
    form.submit(status=302)
    new = web_app.get("/r/gadget/new").forms["record-form"]
    assert [option[0] for option in new["cf_level"].options] == ["", "lo", "hi"]
    new["name"], new["cf_level"] = "With level", "hi"
    detail = new.submit(status=302).follow()
    assert "High" in detail.text


def test_invalid_custom_field_shows_the_problem(web_app):
    sign_in(web_app)
    form = form_with_action(web_app.get("/admin/fields/gadget"), "/admin/fields/gadget")
    form["name"], form["type"] = "Bad Name", "text"
    response = form.submit(status=422)
    assert "must start with a lower-case letter" in response.text


def test_hide_a_custom_field(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.fields.add("gadget", "note", "text")
    sign_in(web_app)
    form = form_with_action(web_app.get("/admin/fields/gadget"), "/admin/fields/gadget/cf_note")
    form.submit("action", value="hide", status=302)
    assert "cf_note" not in web_app.get("/r/gadget/new").forms["record-form"].fields
    assert crm.registry.type("gadget").field("cf_note").hidden


def test_picklist_screen_adds_renames_and_deletes_with_replacement(web_app):
    crm = web_app.app.config["crm.web"].crm
    record = crm.records.create("gadget", {"name": "A", "colour": "white"})
    sign_in(web_app)
    token = csrf_of(web_app)
    web_app.post(
        "/admin/picklists/gadget_colour",
        {"csrf_token": token, "action": "add", "label": "Red", "label_ru": "Красный"},
        status=302,
    )
    web_app.post(
        "/admin/picklists/gadget_colour",
        {"csrf_token": token, "action": "rename", "code": "white", "label": "Snow white"},
        status=302,
    )
    assert "Snow white" in web_app.get(f"/r/gadget/{record['id']}").text
    refused = web_app.post(
        "/admin/picklists/gadget_colour",
        {"csrf_token": token, "action": "delete", "code": "black", "replace_with": "red"},
        status=409,
    )
    assert "locked" in refused.text
    web_app.post(
        "/admin/picklists/gadget_colour",
        {"csrf_token": token, "action": "delete", "code": "white", "replace_with": "red"},
        status=302,
    )
    assert crm.records.get("gadget", record["id"])["colour"] == "red"


def test_users_groups_numbering_and_permissions(web_app):
    crm = web_app.app.config["crm.web"].crm
    sign_in(web_app)
    token = csrf_of(web_app)
    web_app.post(
        "/admin/users",
        {
            "csrf_token": token,
            "login": "vera",
            "full_name": "Вера Соколова",
            "password": "vera-password",
            "role": "staff",
            "language": "ru",
        },
        status=302,
    )
    assert crm.directory.get_user("vera")["language"] == "ru"
    web_app.post("/admin/groups", {"csrf_token": token, "name": "Поддержка"}, status=302)
    group = crm.directory.get_group("Поддержка")
    web_app.post(f"/admin/groups/{group['id']}", {"csrf_token": token, "add": "vera"}, status=302)
    assert crm.directory.get_group("Поддержка")["members"] == ["vera"]
    web_app.post(
        "/admin/numbering/gadget", {"csrf_token": token, "prefix": "DEV", "next": "100"}, status=302
    )
    assert crm.records.create("gadget", {"name": "X"})["number"] == "DEV100"
    lowered = web_app.post(
        "/admin/numbering/gadget", {"csrf_token": token, "prefix": "DEV", "next": "5"}, status=422
    )
    assert "must be at least 101" in lowered.text
    web_app.post("/admin/permissions/gadget", {"csrf_token": token, "mode": "private"}, status=302)
    assert crm.type_setting("gadget", "permission_mode") == "private"


def test_plugins_screen_explains_how_to_enable(web_app):
    sign_in(web_app)
    page = web_app.get("/admin/plugins")
    assert "gadgets" in page.text and "enabled" in page.text
    assert "enabled = [&#34;gadgets&#34;]" in page.text or 'enabled = ["gadgets"]' in page.text
