"""Cookie and bearer-token sign-in are the built-in ``crm_actor_from_request``: a plugin's
implementation answers first, and the built-in one decides when every plugin says None."""

import webtest
from conftest import sign_in

from crm_core import hookimpl
from crm_web import signin
from crm_web.app import create_app


class HeaderSignIn:
    """A plugin signing people in by a header (as a portal or single sign-on would)."""

    @hookimpl
    def crm_actor_from_request(self, crm, request):
        login = request.get_header("X-Signed-In-As")
        return crm.directory.actor_for(login) if login else None


def test_the_built_in_sign_in_is_a_plugin_that_runs_last(web_app):
    crm = web_app.app.config["crm.web"].crm
    impls = crm.hook.crm_actor_from_request.get_hookimpls()
    built_in = [impl for impl in impls if impl.plugin_name == signin.PLUGIN_NAME]
    assert len(built_in) == 1 and built_in[0].trylast
    create_app(crm)  # a second app for the same CRM registers it once
    assert len(crm.hook.crm_actor_from_request.get_hookimpls()) == len(impls)


def test_a_plugins_sign_in_wins_over_the_session_cookie(web_app):
    crm = web_app.app.config["crm.web"].crm
    crm.directory.add_user("boris", "Boris Smith", password="boris-password")
    sign_in(web_app)  # the cookie is the administrator's
    crm.pm.register(HeaderSignIn(), name="header-sign-in")
    page = web_app.get("/account", headers={"X-Signed-In-As": "boris"})
    assert "Boris Smith" in page.text
    assert "Admin Istrator" in web_app.get("/account").text  # no header: the cookie decides


def test_bearer_token_and_cookie_sign_in_still_work(web_app):
    crm = web_app.app.config["crm.web"].crm
    admin = crm.directory.actor_for("admin")
    token, _ = crm.sessions.create_api_token(admin.id, "script")
    anonymous = webtest.TestApp(web_app.app)
    anonymous.get("/api/v1/gadget", status=401)
    assert anonymous.get("/api/v1/gadget", headers={"Authorization": f"Bearer {token}"}).json
    # a request that sends a wrong token is not signed in by its cookie either
    sign_in(web_app)
    web_app.get("/api/v1/gadget", headers={"Authorization": "Bearer wrong"}, status=401)
    assert web_app.get("/api/v1/gadget").json
