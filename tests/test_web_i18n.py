"""A user who reads Russian gets the core's and plugins' error messages in Russian."""

import webtest
from conftest import sign_in
from test_web_admin import form_with_action

from crm_web.app import create_app


def russian_admin(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.directory.update_user("admin", language="ru")
    sign_in(web_app)
    return crm


def error_next_to(page, field):
    return page.html.find(id=f"error-{field}").get_text(strip=True)


def test_field_errors_are_in_russian(web_app):
    crm = russian_admin(web_app)
    crm.records.create("gadget", {"name": "Первый", "serial": "SN-1"})
    form = web_app.get("/r/gadget/new").forms["record-form"]
    form["name"] = ""
    form["weight"] = "тяжёлый"
    page = form.submit(status=422)
    assert error_next_to(page, "name") == "обязательное поле"
    assert error_next_to(page, "weight") == "должно быть числом, например 12,50 (указано «тяжёлый»)"
    assert "must be" not in page.text and "is required" not in page.text
    form = page.forms["record-form"]
    form["name"], form["weight"], form["serial"] = "Второй", "1,5", "SN-1"
    page = form.submit(status=422)
    assert (
        error_next_to(page, "serial") == "должно быть уникальным: значение «SN-1» уже есть у GAD1"
    )


def test_the_same_errors_stay_english_for_an_english_user(web_app):
    sign_in(web_app)
    form = web_app.get("/r/gadget/new").forms["record-form"]
    form["name"], form["weight"] = "", "heavy"
    page = form.submit(status=422)
    assert error_next_to(page, "name") == "is required"
    assert error_next_to(page, "weight") == "must be a number, like 12.50 (got 'heavy')"


def test_administration_errors_are_in_russian(web_app):
    russian_admin(web_app)
    form = form_with_action(web_app.get("/admin/fields/gadget"), "/admin/fields/gadget")
    form["name"], form["type"] = "Bad Name", "text"
    page = form.submit(status=422)
    assert "должно начинаться со строчной латинской буквы" in page.text
    assert "must start with" not in page.text


def test_a_missing_record_gives_a_russian_error_page(web_app):
    russian_admin(web_app)
    page = web_app.get("/r/gadget/999", status=404)
    assert page.html.find("h1").get_text(strip=True) == "Не найдено"
    assert "записи нет или у вас нет к ней доступа" in page.html.find(class_="message").text


def test_a_plugins_errors_are_in_russian(make_crm):
    """The tickets plugin's rule, translated by the plugin's own catalog."""
    crm = make_crm(["contacts", "tickets"])
    crm.directory.add_user("olga", "Ольга Смирнова", password="olga-password", language="ru")
    ticket = crm.records.create("ticket", {"title": "Принтер зажёвывает бумагу"})
    app = sign_in(webtest.TestApp(create_app(crm, debug=True)), "olga", "olga-password")
    form = app.get(f"/r/ticket/{ticket['id']}/edit").forms["record-form"]
    form["status"] = "closed"
    page = form.submit(status=422)
    assert error_next_to(page, "solution") == (
        "обязательно для закрытия заявки: опишите, как решена проблема, и затем закройте заявку"
    )
