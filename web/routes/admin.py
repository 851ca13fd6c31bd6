"""Administration screens: plugins, custom fields, picklists, users and groups, numbering,
per-type permissions. Every action goes through the same core services the CLI uses."""

from __future__ import annotations

import bottle

from crm_core.builtin.permissions import PERMISSION_MODES
from crm_core.errors import ValidationError
from crm_core.i18n import msg
from crm_core.plugins import hooks_of

from .. import toolkit
from ..state import current, flash


def register(app: bottle.Bottle, web) -> None:
    crm = web.crm

    def admin_route(path: str, method: str = "GET"):
        def decorate(function):
            def guarded(*args, **kwargs):
                toolkit.require_admin()
                return function(*args, **kwargs)

            guarded.__name__ = function.__name__
            return app.route(path, method=method)(guarded)

        return decorate

    @admin_route("/admin")
    def index():
        entries = web.templates.menu_entries(current().actor, web.gettext)
        extra = sorted((e for e in entries if e["section"] == "admin"), key=lambda e: e["order"])
        return web.render("admin/index.html", extra=extra)

    # -- plugins ------------------------------------------------------------------------

    @admin_route("/admin/plugins")
    def plugins():
        enabled = {p.name: p for p in crm.plugins}
        rows = []
        for name, info in sorted(crm.available.items()):
            rows.append(
                {
                    "name": name,
                    "version": info.version,
                    "origin": info.origin,
                    "enabled": name in enabled,
                    "requires": enabled[name].requires if name in enabled else [],
                    "types": sorted(
                        rt.name for rt in crm.registry.types.values() if rt.plugin == name
                    ),
                    "hooks": hooks_of(crm.pm, name) if name in enabled else [],
                }
            )
        names = [p.name for p in crm.plugins]
        return web.render(
            "admin/plugins.html",
            rows=rows,
            config_path=str(crm.config.path),
            enabled_line=_enabled_line(names),
            with_each={
                r["name"]: _enabled_line(
                    [*names, r["name"]]
                    if not r["enabled"]
                    else [n for n in names if n != r["name"]]
                )
                for r in rows
            },
        )

    # -- custom fields ------------------------------------------------------------------

    @admin_route("/admin/fields")
    def field_types():
        return web.render(
            "admin/fields_index.html",
            types=sorted(crm.registry.types.values(), key=lambda t: t.name),
        )

    def fields_page(type_name: str, errors=None, submitted=None):
        rt = crm.registry.type(type_name)
        return toolkit.render_form(
            "admin/fields.html",
            errors=errors,
            rt=rt,
            field_types=sorted(n for n, t in crm.registry.field_types.items() if t.custom_allowed),
            types=sorted(crm.registry.types),
            submitted=submitted or {},
        )

    @admin_route("/admin/fields/<type_name>")
    def fields(type_name: str):
        return fields_page(type_name)

    @admin_route("/admin/fields/<type_name>", "POST")
    def add_field(type_name: str):
        form = bottle.request.forms.decode()
        values = _pairs(form.get("values", ""))
        try:
            field = crm.fields.add(
                type_name,
                form.get("name", ""),
                form.get("type", ""),
                label=form.get("label") or None,
                label_ru=form.get("label_ru") or None,
                help=form.get("help") or None,
                values=values,
                target=form.get("target") or None,
                required=form.get("required") == "on",
                default=form.get("default") or None,
                indexed=form.get("indexed") == "on",
                searchable=form.get("searchable") == "on",
                actor=current().actor,
            )
        except ValidationError as exc:
            return fields_page(type_name, exc.errors, dict(form))
        flash(web.gettext("The field {name} was added.", name=field.name))
        return bottle.redirect(f"/admin/fields/{type_name}")

    @admin_route("/admin/fields/<type_name>/<name>", "POST")
    def edit_field(type_name: str, name: str):
        form = bottle.request.forms.decode()
        action = form.get("action", "save")
        actor = current().actor
        if action == "hide":
            crm.fields.hide(type_name, name, actor=actor)
        elif action == "show":
            crm.fields.show(type_name, name, actor=actor)
        else:
            order = form.get("order", "").strip()
            try:
                crm.fields.update(
                    type_name,
                    name,
                    label=form.get("label") or None,
                    label_ru=form.get("label_ru") or None,
                    help=form.get("help"),
                    help_ru=form.get("help_ru"),
                    required=form.get("required") == "on",
                    default=form.get("default", ""),
                    order=int(order) if order.lstrip("-").isdigit() else None,
                    actor=actor,
                )
            except ValidationError as exc:
                return fields_page(type_name, {f"{name}.{k}": v for k, v in exc.errors.items()})
        flash(web.gettext("The field {name} was updated.", name=name))
        return bottle.redirect(f"/admin/fields/{type_name}")

    # -- picklists ----------------------------------------------------------------------

    @admin_route("/admin/picklists")
    def picklists():
        return web.render("admin/picklists_index.html", names=crm.picklists.names())

    def picklist_page(name: str, errors=None):
        return toolkit.render_form(
            "admin/picklist.html", errors=errors, picklist=crm.picklists.describe(name)
        )

    @admin_route("/admin/picklists/<name>")
    def picklist(name: str):
        return picklist_page(name)

    @admin_route("/admin/picklists/<name>", "POST")
    def change_picklist(name: str):
        form = bottle.request.forms.decode()
        actor = current().actor
        action = form.get("action")
        code = form.get("code", "")
        try:
            if action == "add":
                crm.picklists.add(
                    name,
                    form.get("label", ""),
                    label_ru=form.get("label_ru") or None,
                    code=form.get("new_code") or None,
                    actor=actor,
                )
            elif action == "rename":
                crm.picklists.rename(
                    name, code, label=form.get("label"), label_ru=form.get("label_ru"), actor=actor
                )
            elif action in ("up", "down"):
                codes = crm.picklists.get(name).codes()
                if code not in codes:
                    raise ValidationError({"code": msg("no such value")})
                index = codes.index(code)
                swap = index - 1 if action == "up" else index + 1
                if 0 <= swap < len(codes):
                    codes[index], codes[swap] = codes[swap], codes[index]
                    crm.picklists.reorder(name, codes, actor=actor)
            elif action == "deactivate":
                crm.picklists.deactivate(name, code, actor=actor)
            elif action == "activate":
                crm.picklists.activate(name, code, actor=actor)
            elif action == "delete":
                changed = crm.picklists.delete(
                    name, code, replace_with=form.get("replace_with") or None, actor=actor
                )
                flash(web.gettext("{n} record(s) were given the replacement value.", n=changed))
            else:
                raise ValidationError({"action": "unknown action"})
        except ValidationError as exc:
            return picklist_page(name, exc.errors)
        return bottle.redirect(f"/admin/picklists/{name}")

    # -- users and groups ---------------------------------------------------------------

    def users_page(errors=None, submitted=None):
        return toolkit.render_form(
            "admin/users.html",
            errors=errors,
            users=crm.directory.list_users(),
            groups=crm.directory.list_groups(),
            submitted=submitted or {},
        )

    @admin_route("/admin/users")
    def users():
        return users_page()

    @admin_route("/admin/users", "POST")
    def add_user():
        form = bottle.request.forms.decode()
        try:
            user = crm.directory.add_user(
                form.get("login", ""),
                form.get("full_name", ""),
                password=form.get("password", ""),
                email=form.get("email") or None,
                role=form.get("role", "staff"),
                language=form.get("language", "en"),
                actor=current().actor,
            )
        except ValidationError as exc:
            return users_page(exc.errors, dict(form))
        flash(web.gettext("User {login} was added.", login=user["login"]))
        return bottle.redirect("/admin/users")

    @admin_route("/admin/users/<user_id:int>", "POST")
    def change_user(user_id: int):
        form = bottle.request.forms.decode()
        actor = current().actor
        action = form.get("action")
        try:
            if action == "password":
                crm.directory.set_password(user_id, form.get("password", ""), actor=actor)
                flash(web.gettext("The password was reset; the user's sessions were signed out."))
            elif action == "deactivate":
                crm.directory.deactivate(user_id, actor=actor)
            elif action == "activate":
                crm.directory.activate(user_id, actor=actor)
            elif action == "role":
                crm.directory.update_user(user_id, role=form.get("role"), actor=actor)
            else:
                raise ValidationError({"action": "unknown action"})
        except ValidationError as exc:
            return users_page({f"user{user_id}.{k}": v for k, v in exc.errors.items()})
        return bottle.redirect("/admin/users")

    @admin_route("/admin/groups", "POST")
    def add_group():
        form = bottle.request.forms.decode()
        try:
            crm.directory.add_group(
                form.get("name", ""), form.get("description", ""), actor=current().actor
            )
        except ValidationError as exc:
            return users_page({f"group.{k}": v for k, v in exc.errors.items()})
        return bottle.redirect("/admin/users#groups")

    @admin_route("/admin/groups/<group_id:int>", "POST")
    def change_group(group_id: int):
        form = bottle.request.forms.decode()
        add = [form.get("add")] if form.get("add") else []
        remove = [form.get("remove")] if form.get("remove") else []
        crm.directory.set_members(group_id, add=add, remove=remove, actor=current().actor)
        return bottle.redirect("/admin/users#groups")

    # -- numbering and permissions ------------------------------------------------------

    @admin_route("/admin/numbering")
    def numbering(errors=None):
        return web.render(
            "admin/numbering.html", rows=crm.numbering.settings(), errors=errors or {}
        )

    @admin_route("/admin/numbering/<type_name>", "POST")
    def change_numbering(type_name: str):
        form = bottle.request.forms.decode()
        following = form.get("next", "").strip()
        try:
            crm.numbering.configure(
                type_name,
                prefix=form.get("prefix", "").strip() or None,
                next_number=int(following) if following.isdigit() else None,
                actor=current().actor,
            )
        except ValidationError as exc:
            return toolkit.render_form(
                "admin/numbering.html",
                errors={f"{type_name}.{k}": v for k, v in exc.errors.items()},
                rows=crm.numbering.settings(),
            )
        flash(web.gettext("Numbering of {type} was changed.", type=type_name))
        return bottle.redirect("/admin/numbering")

    @admin_route("/admin/permissions")
    def permissions():
        rows = [
            {"type": rt, "mode": crm.type_setting(rt.name, "permission_mode", "public")}
            for rt in sorted(crm.registry.types.values(), key=lambda t: t.name)
        ]
        return web.render("admin/permissions.html", rows=rows, modes=PERMISSION_MODES)

    @admin_route("/admin/permissions/<type_name>", "POST")
    def change_permissions(type_name: str):
        mode = bottle.request.forms.decode().get("mode")
        if mode not in PERMISSION_MODES:
            raise ValidationError(
                {"mode": msg("must be one of {choices}", choices=", ".join(PERMISSION_MODES))}
            )
        crm.registry.type(type_name)
        crm.set_setting(f"type:{type_name}", "permission_mode", mode)
        flash(web.gettext("Access to {type} was changed.", type=type_name))
        return bottle.redirect("/admin/permissions")


def _enabled_line(names: list[str]) -> str:
    return "enabled = [" + ", ".join(f'"{n}"' for n in names) + "]"


def _pairs(raw: str) -> list[tuple[str, str]] | None:
    """``code:Label`` pairs, one per line or comma separated."""
    items = [item.strip() for part in raw.splitlines() for item in part.split(",") if item.strip()]
    pairs = []
    for item in items:
        code, sep, label = item.partition(":")
        pairs.append((code.strip(), label.strip()) if sep else ("", code.strip()))
    return pairs or None
