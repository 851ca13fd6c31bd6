"""Generic pages for every record type: list, detail, create, edit, duplicate, delete,
restore, bulk actions, CSV export, comments, attachments and links.

Nothing here knows a module: everything comes from the registry, so a record type or a
custom field appears on every page as soon as it exists.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from typing import Any
from urllib.parse import quote, urlencode

import bottle

from crm_core.errors import NotFound, ValidationError
from crm_core.fieldtypes import FieldError
from crm_core.i18n import msg
from crm_core.query import Condition

from .. import toolkit
from ..forms import PRESENT_MARK, form_fields, read_form, submitted_text
from ..security import safe_path
from ..state import current, flash
from .common import (
    default_filter,
    filterable_fields,
    list_views,
    presenter,
    read_list_request,
    record_type,
)

RELATED_ROWS = 10


def register(app: bottle.Bottle, web) -> None:
    crm = web.crm

    @app.get("/")
    def home():
        state = current()
        mine = []
        if state.actor.kind == "user":
            for rt in sorted(crm.registry.types.values(), key=lambda t: t.name):
                page = crm.records.list(
                    rt.name,
                    where=[Condition("assigned_to", "in", state.actor.owner_refs())],
                    limit=5,
                    actor=state.actor,
                )
                if page.records:
                    columns = [rt.field(c) for c in rt.list_columns if rt.has_field(c)]
                    shown = presenter(web).prepare(rt, page.records, columns)
                    mine.append(
                        {"type": rt, "records": page.records, "present": shown, "columns": columns}
                    )
        return web.render("home.html", mine=mine)

    # -- lists --------------------------------------------------------------------------

    @app.get("/r/<type_name>")
    def list_page(type_name: str):
        rt = record_type(web, type_name)
        state = current()
        views = list_views(web, rt)
        request = read_list_request(web, rt, views)
        errors = {}
        try:
            page = crm.records.list(
                rt.name,
                where=request.where(default_filter(web, rt)),
                sort=request.sort,
                cursor=request.cursor,
                limit=request.limit,
                tag=request.tag,
                deleted=request.deleted,
                actor=state.actor,
            )
        except ValidationError as exc:
            errors = exc.errors
            page = crm.records.list(
                rt.name, limit=request.limit, actor=state.actor, deleted=request.deleted
            )
        columns = [rt.field(c) for c in request.columns]
        shown = presenter(web).prepare(rt, page.records, columns)
        field_types = crm.registry.field_types
        links = []
        for result in crm.hook.crm_list_actions(crm=crm, record_type=rt, actor=state.actor):
            links.extend(result or [])
        return web.render(
            "list.html",
            links=links,
            rt=rt,
            page=page,
            columns=columns,
            present=shown,
            request_state=request,
            views=views,
            filters=[
                (f, field_types[f.type].filter_widget(f, shown)) for f in filterable_fields(web, rt)
            ],
            filter_errors=errors,
            owners=crm.directory.owner_choices(),
            tags=crm.records.all_tags(rt.name)[:50],
            default_active=default_filter(web, rt) is not None and not request.show_all,
            export_url=_export_url(rt),
        )

    @app.get("/r/<type_name>/export.csv")
    def export(type_name: str):
        rt = record_type(web, type_name)
        views = list_views(web, rt)
        request = read_list_request(web, rt, views)
        buffer = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
        text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        crm.transfer.export(
            rt.name,
            text,
            deleted=request.deleted,
            where=request.where(default_filter(web, rt)),
            actor=current().actor,
            tag=request.tag,
        )
        text.detach()
        buffer.seek(0)
        bottle.response.content_type = "text/csv; charset=utf-8"
        bottle.response.set_header("Content-Disposition", f'attachment; filename="{rt.name}.csv"')
        return buffer

    @app.post("/r/<type_name>/bulk")
    def bulk(type_name: str):
        rt = record_type(web, type_name)
        form = bottle.request.forms.decode()
        state = current()
        ids = [int(i) for i in form.getall("ids") if i.isdigit()]
        back = safe_path(form.get("back"), f"/r/{rt.name}")
        if not ids:
            flash(web.gettext("Select some records first."), "warning")
            return bottle.redirect(back)
        action = form.get("action")
        with crm.transaction():
            if action == "assign":
                owner = form.get("owner") or None
                for ident in ids:
                    crm.records.update(rt.name, ident, {"assigned_to": owner}, actor=state.actor)
                message = web.gettext("{n} record(s) assigned.", n=len(ids))
            elif action == "delete":
                for ident in ids:
                    crm.records.delete(rt.name, ident, actor=state.actor)
                message = web.gettext("{n} record(s) moved to the recycle bin.", n=len(ids))
            elif action == "restore":
                for ident in ids:
                    crm.records.restore(rt.name, ident, actor=state.actor)
                message = web.gettext("{n} record(s) restored.", n=len(ids))
            else:
                raise ValidationError({"action": msg("choose assign, delete or restore")})
        flash(message)
        return bottle.redirect(back)

    @app.get("/bin")
    def recycle_bin():
        state = current()
        types = []
        for rt in sorted(crm.registry.types.values(), key=lambda t: t.name):
            page = crm.records.list(rt.name, deleted=True, limit=1, actor=state.actor)
            types.append({"type": rt, "has_deleted": bool(page.records)})
        return web.render("bin.html", types=types)

    # -- create, edit, duplicate --------------------------------------------------------

    def render_form(
        rt, *, record=None, submitted=None, errors=None, duplicates=None, creating=True, action=""
    ):
        shown = presenter(web)
        fields = form_fields(
            crm, rt, shown, record=record, submitted=submitted, errors=errors, creating=creating
        )
        return toolkit.render_form(  # 422 when errors are shown
            "form.html",
            rt=rt,
            record=record if not creating else None,
            fields=fields,
            errors=errors,
            duplicates=duplicates or [],
            action=action,
            creating=creating,
            present_mark=PRESENT_MARK,
            tags=", ".join(
                (submitted or {}).get("tags", []) if submitted else (record or {}).get("tags", [])
            ),
        )

    @app.get("/r/<type_name>/new")
    def new_form(type_name: str):
        rt = record_type(web, type_name)
        crm.records.require(rt.name, None, current().actor, "create")
        prefill = _prefill(web, rt)
        return render_form(rt, record=prefill or None, action=f"/r/{rt.name}/new")

    @app.post("/r/<type_name>/new")
    def create(type_name: str):
        rt = record_type(web, type_name)
        form = bottle.request.forms.decode()
        state = current()
        values = read_form(rt, form, presenter(web))
        if form.get("confirm_duplicates") != "1":
            duplicates = web.crm.duplicates.of(rt.name, values, actor=state.actor)
            if duplicates:
                return render_form(
                    rt,
                    submitted=submitted_text(rt, form),
                    duplicates=duplicates,
                    action=f"/r/{rt.name}/new",
                )
        try:
            record = crm.records.create(rt.name, values, actor=state.actor)
        except ValidationError as exc:
            return render_form(
                rt,
                submitted=submitted_text(rt, form),
                errors=exc.errors,
                action=f"/r/{rt.name}/new",
            )
        flash(web.gettext("{number} was created.", number=record["number"]))
        return bottle.redirect(f"/r/{rt.name}/{record['id']}")

    @app.get("/r/<type_name>/<key>/duplicate")
    def duplicate_form(type_name: str, key: str):
        rt = record_type(web, type_name)
        original = crm.records.get(rt.name, key, actor=current().actor)
        copy = {f.name: original.get(f.name) for f in rt.fields if not f.system and not f.unique}
        copy["assigned_to"] = original.get("assigned_to")
        copy["tags"] = original.get("tags", [])
        return render_form(rt, record=copy, action=f"/r/{rt.name}/new")

    @app.get("/r/<type_name>/<key>/edit")
    def edit_form(type_name: str, key: str):
        rt = record_type(web, type_name)
        record = crm.records.get(rt.name, key, actor=current().actor)
        crm.records.require(rt.name, record, current().actor, "edit")
        return render_form(
            rt, record=record, creating=False, action=f"/r/{rt.name}/{record['id']}/edit"
        )

    @app.post("/r/<type_name>/<key>/edit")
    def update(type_name: str, key: str):
        rt = record_type(web, type_name)
        form = bottle.request.forms.decode()
        state = current()
        record = crm.records.get(rt.name, key, actor=state.actor)
        values = read_form(rt, form, presenter(web))
        try:
            crm.records.update(rt.name, record["id"], values, actor=state.actor)
        except ValidationError as exc:
            return render_form(
                rt,
                record=record,
                submitted=submitted_text(rt, form),
                errors=exc.errors,
                creating=False,
                action=f"/r/{rt.name}/{record['id']}/edit",
            )
        flash(web.gettext("{number} was saved.", number=record["number"]))
        return bottle.redirect(f"/r/{rt.name}/{record['id']}")

    # -- detail -------------------------------------------------------------------------

    @app.get("/r/<type_name>/<key>")
    def detail(type_name: str, key: str):
        rt = record_type(web, type_name)
        state = current()
        record = crm.records.get(rt.name, key, actor=state.actor, include_deleted=True)
        if record["deleted"] and not crm.records.can(rt.name, record, state.actor, "view"):
            raise NotFound("not found")
        shown = presenter(web).prepare(rt, [record])
        history = crm.records.history(rt.name, record["id"], actor=state.actor)
        shown.prepare_history(rt, history)
        comments = crm.comments.list(rt.name, record["id"], actor=state.actor)
        shown.owners.update(crm.directory.owner_names([c["author"] for c in comments]))
        attachments = crm.attachments.list(rt.name, record["id"], actor=state.actor)
        by_comment: dict[int, list[dict[str, Any]]] = {}
        for attachment in attachments:
            if attachment["comment_id"]:
                by_comment.setdefault(attachment["comment_id"], []).append(attachment)
        actions, panels = [], []
        for result in crm.hook.crm_record_actions(
            crm=crm, record_type=rt, record=record, actor=state.actor
        ):
            actions.extend(result or [])
        for result in crm.hook.crm_record_panels(
            crm=crm, record_type=rt, record=record, actor=state.actor
        ):
            panels.extend(result or [])
        return web.render(
            "detail.html",
            rt=rt,
            record=record,
            present=shown,
            blocks=_blocks(rt, shown),
            history=history,
            comments=comments,
            comment_files=by_comment,
            attachments=[a for a in attachments if not a["comment_id"]],
            related=_related_lists(web, rt, record),
            relations=_relation_panels(web, rt, record),
            actions=actions,
            panels=panels,
            can_edit=crm.records.can(rt.name, record, state.actor, "edit"),
        )

    # -- delete, restore, purge ---------------------------------------------------------

    @app.post("/r/<type_name>/<key>/delete")
    def delete(type_name: str, key: str):
        rt = record_type(web, type_name)
        record = crm.records.delete(rt.name, key, actor=current().actor)
        flash(web.gettext("{number} was moved to the recycle bin.", number=record["number"]))
        return bottle.redirect(f"/r/{rt.name}")

    @app.post("/r/<type_name>/<key>/restore")
    def restore(type_name: str, key: str):
        rt = record_type(web, type_name)
        record = crm.records.restore(rt.name, key, actor=current().actor)
        flash(web.gettext("{number} was restored.", number=record["number"]))
        return bottle.redirect(f"/r/{rt.name}/{record['id']}")

    @app.post("/r/<type_name>/<key>/purge")
    def purge(type_name: str, key: str):
        rt = record_type(web, type_name)
        crm.records.purge(rt.name, key, actor=current().actor)
        flash(web.gettext("The record was removed for good."))
        return bottle.redirect(f"/r/{rt.name}?deleted=1")

    # -- comments, attachments, links ---------------------------------------------------

    @app.post("/r/<type_name>/<key>/comments")
    def add_comment(type_name: str, key: str):
        rt = record_type(web, type_name)
        form = bottle.request.forms.decode()
        state = current()
        record = crm.records.get(rt.name, key, actor=state.actor)
        parent = form.get("parent_id")
        upload = bottle.request.files.get("file")
        with crm.transaction():
            comment = crm.comments.add(
                rt.name,
                record["id"],
                form.get("body", ""),
                actor=state.actor,
                internal=form.get("internal") == "on",
                parent_id=int(parent) if parent and parent.isdigit() else None,
            )
            if upload is not None and upload.filename:
                crm.attachments.add(
                    rt.name,
                    record["id"],
                    upload.raw_filename,
                    upload.file,
                    actor=state.actor,
                    comment_id=comment["id"],
                )
        flash(web.gettext("Your comment was added."))
        return bottle.redirect(f"/r/{rt.name}/{record['id']}#comment-{comment['id']}")

    @app.post("/comments/<comment_id:int>/edit")
    def edit_comment(comment_id: int):
        form = bottle.request.forms.decode()
        comment = crm.comments.edit(comment_id, form.get("body", ""), actor=current().actor)
        flash(web.gettext("The comment was changed."))
        return bottle.redirect(
            f"/r/{comment['record_type']}/{comment['record_id']}#comment-{comment_id}"
        )

    @app.post("/comments/<comment_id:int>/delete")
    def delete_comment(comment_id: int):
        comment = crm.comments.get(comment_id, actor=current().actor)
        crm.comments.delete(comment_id, actor=current().actor)
        flash(web.gettext("The comment was deleted."))
        return bottle.redirect(f"/r/{comment['record_type']}/{comment['record_id']}")

    @app.post("/r/<type_name>/<key>/attachments")
    def upload(type_name: str, key: str):
        rt = record_type(web, type_name)
        state = current()
        record = crm.records.get(rt.name, key, actor=state.actor)
        upload = bottle.request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationError({"file": web.gettext("Choose a file to upload.")})
        attachment = crm.attachments.add(
            rt.name, record["id"], upload.raw_filename, upload.file, actor=state.actor
        )
        flash(web.gettext("{name} was attached.", name=attachment["filename"]))
        return bottle.redirect(f"/r/{rt.name}/{record['id']}#attachments")

    @app.get("/attachments/<attachment_id:int>")
    def download(attachment_id: int):
        attachment, path = crm.attachments.open(attachment_id, actor=current().actor)
        return toolkit.send_attachment(
            attachment, path, inline=bottle.request.query.get("inline") == "1"
        )

    @app.post("/attachments/<attachment_id:int>/delete")
    def delete_attachment(attachment_id: int):
        attachment, _ = crm.attachments.open(attachment_id, actor=current().actor)
        crm.attachments.delete(attachment_id, actor=current().actor)
        flash(web.gettext("The file was removed."))
        return bottle.redirect(
            f"/r/{attachment['record_type']}/{attachment['record_id']}#attachments"
        )

    @app.post("/r/<type_name>/<key>/links/<relation>")
    def link(type_name: str, key: str, relation: str):
        rt = record_type(web, type_name)
        form = bottle.request.forms.decode()
        state = current()
        record = crm.records.get(rt.name, key, actor=state.actor)
        other = form.get("other", "").strip()
        if not other:
            raise ValidationError({"other": web.gettext("Give the number of the record to link.")})
        if form.get("unlink") == "1":
            crm.records.unlink(rt.name, record["id"], relation, other, actor=state.actor)
            flash(web.gettext("Unlinked."))
        else:
            crm.records.link(rt.name, record["id"], relation, other, actor=state.actor)
            flash(web.gettext("Linked."))
        return bottle.redirect(f"/r/{rt.name}/{record['id']}#relation-{relation}")


def _export_url(rt) -> str:
    query = bottle.request.query.decode()
    pairs = [(k, v) for k in query for v in query.getall(k) if k != "cursor"]
    return f"/r/{rt.name}/export.csv" + ("?" + urlencode(pairs) if pairs else "")


def _prefill(web, rt) -> dict[str, Any]:
    """Field values given in the URL of a "new" form (?account=12), shown, not saved: read
    like a submitted form, and kept as typed where they are not valid values."""
    query = bottle.request.query.decode()
    shown = presenter(web)
    values: dict[str, Any] = {}
    for name in query:
        field = rt.field(name)
        if field is not None and not field.read_only and not field.hidden:
            field_type = web.crm.registry.field_types[field.type]
            value = field_type.from_form(query, field, shown)
            with contextlib.suppress(FieldError):
                value = field_type.coerce(value, field)
            values[name] = value
    return values


def _blocks(rt, shown) -> list[dict[str, Any]]:
    """Fields grouped for the detail page: declared blocks in order, then custom, system."""
    names = ["main"] + [name for name, _ in rt.blocks if name != "main"] + ["custom", "system"]
    labels = dict(rt.blocks)
    grouped: dict[str, list] = {name: [] for name in names}
    for field in rt.fields:
        if field.hidden or field.name in ("id", "number"):
            continue
        grouped.setdefault(field.block, []).append(field)
    return [
        {
            "name": name,
            "label": shown.label(labels[name]) if name in labels else None,
            "fields": fields,
        }
        for name, fields in grouped.items()
        if fields
    ]


def _related_lists(web, rt, record) -> list[dict[str, Any]]:
    """Records of other types that refer to this one (an account's contacts, tickets...)."""
    state = current()
    lists = []
    for other, field in web.crm.registry.referencing(rt.name):
        value = record["id"] if len(field.target) == 1 else f"{rt.name}:{record['id']}"
        page = web.crm.records.list(
            other.name,
            where=[Condition(field.name, "eq", value)],
            limit=RELATED_ROWS,
            actor=state.actor,
        )
        columns = [
            other.field(c) for c in other.list_columns if other.has_field(c) and c != field.name
        ][:5]
        shown = presenter(web).prepare(other, page.records, columns)
        lists.append(
            {
                "type": other,
                "field": field,
                "records": page.records,
                "more": bool(page.next_cursor),
                "columns": columns,
                "present": shown,
                "filter_url": f"/r/{other.name}?f.{field.name}={quote(str(value))}",
                "new_url": f"/r/{other.name}/new?{field.name}={quote(str(value))}",
            }
        )
    return lists


def _relation_panels(web, rt, record) -> list[dict[str, Any]]:
    state = current()
    panels = []
    for end in web.crm.registry.relation_ends(rt.name):
        other, page = web.crm.records.related(
            rt.name, record["id"], end.name, actor=state.actor, limit=50
        )
        columns = [other.field(c) for c in other.list_columns if other.has_field(c)][:5]
        panels.append(
            {
                "end": end,
                "type": other,
                "records": page.records,
                "columns": columns,
                "present": presenter(web).prepare(other, page.records, columns),
            }
        )
    return panels
