"""A third-party plugin's pages: routes, templates in the core layout, static files,
translations, menu entries, record actions and saved list views."""

import bottle
import pytest
from conftest import sign_in

from crm_core.errors import ConfigError
from crm_web import routing, toolkit


def test_plugin_page_extends_the_layout_with_csrf_and_user(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.records.create("gadget", {"name": "Anvil", "weight": 40})
    sign_in(web_app)
    page = web_app.get("/gadgets/stats")
    assert page.html.find("h1", {"class": "gadget-stats"}).text == "Gadget statistics"
    assert "1 heavy gadget" in page.text
    assert page.html.find("input", {"name": "csrf_token"})["value"]
    assert "Admin Istrator" in page.text  # the layout's user menu
    assert page.html.find("link", href="/static/plugins/gadgets/style.css")  # on every page
    assert web_app.get("/static/plugins/gadgets/style.css").text.startswith(".gadget-stats")


def test_a_plugin_page_links_its_own_static_files(web_app):
    sign_in(web_app)
    page = web_app.get("/gadgets/stats")
    assert page.html.find("link", href="/static/plugins/gadgets/stats.css")  # static_url()
    assert web_app.get("/static/plugins/gadgets/stats.css").text.startswith(".gadget-stats")


def test_routes_are_checked_when_the_app_is_built():
    def view():
        return "ok"

    with pytest.raises(ConfigError, match="must start with '/'"):
        toolkit.Route("GET", "gadgets", view)
    with pytest.raises(ConfigError, match="method 'FETCH' is not one of"):
        toolkit.Route("FETCH", "/gadgets", view)
    with pytest.raises(ConfigError, match="plugin 'gadgets': crm_register_routes must return"):
        routing.install(bottle.Bottle(), "gadgets", [("GET", "/gadgets", view)])


def test_plugin_pages_need_sign_in_like_core_pages(web_app):
    assert web_app.get("/gadgets/stats", status=302).location.endswith("/login?next=/gadgets/stats")


def test_plugin_translations_and_russian_plurals(web_app):
    crm = web_app.app.config["crm.web"].crm
    for name in ("A", "B", "C"):
        crm.records.create("gadget", {"name": name, "weight": 20})
    crm.directory.update_user("admin", language="ru")
    sign_in(web_app)
    page = web_app.get("/gadgets/stats")
    assert "Статистика устройств" in page.text
    assert "3 тяжёлых устройства" in page.text


def test_menu_entry_action_button_and_saved_view(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.records.create("gadget", {"name": "Black one"})
    white = crm.records.create("gadget", {"name": "White one", "colour": "white"})
    sign_in(web_app)
    home = web_app.get("/")
    assert home.html.find("a", href="/gadgets/stats").text == "Gadget statistics"
    detail = web_app.get(f"/r/gadget/{white['id']}")
    assert detail.html.find("a", string="Weigh")["href"] == f"/gadgets/stats#{white['number']}"
    view = web_app.get("/r/gadget?view=white")
    names = [c.get_text(strip=True) for c in view.html.select('td[data-label="Name"]')]
    assert names == ["White one"]
