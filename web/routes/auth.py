"""Sign in and sign out."""

from __future__ import annotations

import bottle

from .. import toolkit
from ..security import LANGUAGE_COOKIE, is_secure, login_csrf_token, safe_path
from ..signin import SESSION_COOKIE
from ..state import current


def register(app: bottle.Bottle, web) -> None:
    crm = web.crm

    @app.get("/login", public=True)
    def login_form():
        state = current()
        if state.actor is not None:
            return bottle.redirect(safe_path(bottle.request.query.decode().get("next")))
        lang = bottle.request.query.get("lang")
        if lang in ("en", "ru"):
            bottle.response.set_cookie(
                LANGUAGE_COOKIE, lang, path="/", samesite="lax", max_age=3600 * 24 * 365
            )
        return web.render(
            "login.html",
            login_csrf=login_csrf_token(),
            next=safe_path(bottle.request.query.decode().get("next")),
            error=None,
            login="",
        )

    @app.post("/login", public=True)
    def login_submit():
        form = bottle.request.forms.decode()
        login, password = form.get("login", "").strip(), form.get("password", "")
        target = safe_path(form.get("next"))
        address = toolkit.client_address()
        attempt, wait = crm.sessions.attempt(login, address)
        if wait:
            bottle.response.status = 429
            error = web.gettext(
                "Too many failed sign-ins. Try again in {minutes} min.", minutes=wait
            )
            return web.render(
                "login.html", login_csrf=login_csrf_token(), next=target, error=error, login=login
            )
        user = crm.directory.authenticate(login, password)
        if user is None or user["kind"] != "staff":
            bottle.response.status = 401
            error = web.gettext("Wrong login or password, or the account is deactivated.")
            return web.render(
                "login.html", login_csrf=login_csrf_token(), next=target, error=error, login=login
            )
        crm.sessions.succeeded(login, attempt)
        token, _ = crm.sessions.start(user["id"], address)
        bottle.response.set_cookie(
            SESSION_COOKIE, token, path="/", httponly=True, samesite="lax", secure=is_secure()
        )
        return bottle.redirect(target)

    @app.post("/logout")
    def logout():
        crm.sessions.end(current().session_token)
        bottle.response.delete_cookie(SESSION_COOKIE, path="/")
        return bottle.redirect("/login")
