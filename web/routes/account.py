"""The signed-in user's own page: profile, language, password and API tokens."""

from __future__ import annotations

import bottle

from crm_core.errors import ValidationError

from .. import toolkit
from ..state import current, flash


def register(app: bottle.Bottle, web) -> None:
    crm = web.crm

    def page(refused: str | None = None, errors=None, **extra):
        """The account page; ``refused`` names the form whose ``errors`` are shown
        (``profile``, ``password``, ``token``)."""
        state = current()
        user = crm.directory.get_user(state.actor.id)
        context = {
            "user": user,
            "tokens": crm.sessions.api_tokens(user["id"]),
            "profile_errors": {},
            "password_errors": {},
            "new_token": None,
        }
        context.update(extra)
        if refused:
            context[f"{refused}_errors"] = errors
        return toolkit.render_form("account.html", errors=errors, **context)

    @app.get("/account")
    def account():
        return page()

    @app.post("/account/profile")
    def profile():
        form = bottle.request.forms.decode()
        state = current()
        try:
            crm.directory.update_user(
                state.actor.id,
                full_name=form.get("full_name", ""),
                email=form.get("email", "").strip() or None,
                language=form.get("language", "en"),
                actor=state.actor,
            )
        except ValidationError as exc:
            return page("profile", exc.errors)
        state.language = form.get("language", state.language)
        flash(web.gettext("Your profile was saved."))
        return bottle.redirect("/account")

    @app.post("/account/password")
    def password():
        form = bottle.request.forms.decode()
        state = current()
        new = form.get("new_password", "")
        if new != form.get("confirm_password", ""):
            differ = {"confirm_password": web.gettext("The two new passwords differ.")}
            return page("password", differ)
        try:
            crm.directory.set_password(
                state.actor.id,
                new,
                actor=state.actor,
                current_password=form.get("current_password", ""),
                keep_session_hash=state.session.token_hash if state.session else None,
            )
        except ValidationError as exc:
            return page("password", exc.errors)
        flash(web.gettext("Your password was changed; your other sessions were signed out."))
        return bottle.redirect("/account")

    @app.post("/account/tokens")
    def create_token():
        form = bottle.request.forms.decode()
        state = current()
        try:
            token, _ = crm.sessions.create_api_token(state.actor.id, form.get("name", ""))
        except ValidationError as exc:
            return page("token", exc.errors)
        return page(new_token=token)

    @app.post("/account/tokens/<token_id:int>/revoke")
    def revoke_token(token_id: int):
        crm.sessions.revoke_api_token(current().actor.id, token_id)
        flash(web.gettext("The API token was revoked."))
        return bottle.redirect("/account")
