"""Each core hook, exercised by a plugin that implements it (the others have their own
tests: crm_validate and crm_after_save in test_records, the web hooks in test_web_plugins,
permissions in test_users, jobs in test_jobs...)."""

import io

import click
import pytest
import webtest
from click.testing import CliRunner
from hookcheck import calls_hooks, named_hooks_are_called  # noqa: F401

from crm_core import Conflict, ValidationError, hookimpl
from crm_core.actors import Actor
from crm_core.fieldtypes import FieldError, TextType
from crm_core.plugins import check_settings, discover, enable, plugin_manager
from crm_core.query import Condition
from crm_core.runtime import CRM, collect_schema
from crm_web.app import create_app


class SlugType(TextType):
    """A field type of a plugin's own: lower-case words joined by hyphens."""

    name = "slug"
    label = {"en": "Slug", "ru": "Слаг"}

    def coerce(self, value, field):
        text = super().coerce(value, field)
        if text is None:
            return None
        slug = "-".join(text.lower().split())
        if not slug.replace("-", "").isalnum():
            raise FieldError("must be letters, digits and hyphens")
        return slug


BOOK = {
    "record_type": {
        "name": "book",
        "label": {"en": "Book", "ru": "Книга"},
        "plural": {"en": "Books", "ru": "Книги"},
        "number_prefix": "BK",
        "title_field": "title",
    },
    "fields": [
        {"name": "title", "type": "text", "label": {"en": "Title"}, "required": True},
        {"name": "slug", "type": "slug", "label": {"en": "Slug"}},
        {"name": "pages", "type": "integer", "label": {"en": "Pages"}},
        {"name": "locked", "type": "boolean", "label": {"en": "Locked"}},
    ],
    "relations": [{"name": "authors", "target": "author", "reverse_name": "books"}],
}
AUTHOR = {
    "record_type": {
        "name": "author",
        "label": {"en": "Author"},
        "plural": {"en": "Authors"},
        "number_prefix": "AU",
        "title_field": "name",
    },
    "fields": [{"name": "name", "type": "text", "label": {"en": "Name"}, "required": True}],
}


class Recorder:
    """Implements the hooks and writes down what it saw."""

    def __init__(self):
        self.calls: list[tuple] = []

    @hookimpl
    def crm_register_field_types(self):
        return [SlugType()]

    @hookimpl
    def crm_register_record_types(self):
        return [BOOK, AUTHOR]

    @hookimpl
    def crm_db_ready(self, crm):
        self.calls.append(("db_ready", sorted(crm.registry.types)))

    @hookimpl
    def crm_register_commands(self, cli):
        @cli.command("books-count")
        @click.pass_obj
        def count(state):
            click.echo("lots of books")

    @hookimpl
    def crm_autonumber(self, record_type, record):
        if record_type.name == "book" and record.get("slug"):
            return "BK-" + record["slug"].upper()
        return None

    @hookimpl
    def crm_before_save(self, record_type, record, old):
        if record_type.name == "book" and record.get("pages") is not None:
            record["title"] = record["title"].strip().rstrip(".") + f" ({record['pages']} p.)"
            self.calls.append(("before_save", old is None))

    @hookimpl
    def crm_find_duplicates(self, crm, record_type, record, actor):
        """One record at a time: books with the same title."""
        if record_type.name != "book" or not record.get("title"):
            return None
        same = crm.records.list(
            "book", where=[Condition("title", "eq", record["title"])], sort="id", actor=actor
        )
        return [hit(book, "same title") for book in same.records]

    @hookimpl
    def crm_before_delete(self, record_type, record):
        if record_type.name == "book" and record.get("locked"):
            raise Conflict(f"{record['number']} is locked")

    @hookimpl
    def crm_after_delete(self, record_type, record, purged):
        self.calls.append(("after_delete", record["number"], purged))

    @hookimpl
    def crm_after_restore(self, record_type, record):
        self.calls.append(("after_restore", record["number"]))

    @hookimpl
    def crm_after_link(self, relation, record_type, record, other_type, other):
        self.calls.append(
            ("link", relation.key, record["number"], other_type.name, other["number"])
        )

    @hookimpl
    def crm_after_unlink(self, relation, record, other):
        self.calls.append(("unlink", relation.key, record["number"], other["number"]))

    @hookimpl
    def crm_after_comment(self, record_type, record, comment, created):
        self.calls.append(("comment", record["number"], comment["body"], created))

    @hookimpl
    def crm_after_commit(self, events):
        self.calls.append(("commit", [(e.kind, e.record_type) for e in events]))

    @hookimpl
    def crm_actor_from_request(self, crm, request):
        login = request.get_header("X-Test-User")
        return crm.directory.actor_for(login) if login else None

    @hookimpl
    def crm_template_context(self, template):
        return {"greeting": f"Hello from the hook ({template})"}

    @hookimpl
    def crm_list_actions(self, record_type):
        if record_type.name == "book":
            return [{"label": {"en": "Import books"}, "url": "/books/import"}]
        return None

    @hookimpl
    def crm_openapi_paths(self):
        return {"/api/v1/books/stats": {"get": {"summary": "Book statistics", "responses": {}}}}


def hit(book, reason):
    return {
        "type": "book",
        "id": book["id"],
        "number": book["number"],
        "title": book["title"],
        "reason": reason,
    }


class PageCounts:
    """Answers for many records with one query: books with the same number of pages."""

    @hookimpl
    def crm_find_duplicates_many(self, crm, record_type, records, actor):
        if record_type.name != "book":
            return None
        counts = sorted({r["pages"] for r in records if r.get("pages")})
        where = [Condition("pages", "in", counts)]
        same = crm.records.list("book", where=where, sort="id", actor=actor) if counts else None
        return [
            [hit(b, "same pages") for b in same.records if b["pages"] == record.get("pages")]
            if same
            else []
            for record in records
        ]


class Sequels:
    """Rules that read and write while an import runs: a sequel needs its book (which may
    be an earlier row of the same file); a book of 999 pages gets a companion volume and
    is locked."""

    @hookimpl
    def crm_validate(self, crm, record_type, record):
        title = record.get("title") or ""
        if record_type.name == "book" and title.startswith("Sequel to "):
            original = title.removeprefix("Sequel to ")
            if not crm.records.list("book", where=[Condition("title", "eq", original)]).records:
                return {"title": f"{original} is not there"}
        return None

    @hookimpl
    def crm_after_save(self, crm, record_type, record, created):
        if record_type.name == "book" and created and record.get("pages") == 999:
            crm.records.update("book", record["id"], {"locked": True})
            crm.records.create("book", {"title": "Companion to " + record["title"]})


class Annotator:
    """An after-save rule that changes what search finds: a new book of 999 pages is
    retitled as annotated."""

    @hookimpl
    def crm_after_save(self, crm, record_type, record, created):
        if record_type.name == "book" and created and record.get("pages") == 999:
            annotated = "Annotated " + record["title"].split()[0]
            crm.records.update("book", record["id"], {"title": annotated, "pages": None})


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def extra_plugins():
    """More plugins for the ``books`` CRM (a test parametrizes it)."""
    return []


@pytest.fixture
def books(write_config, recorder, extra_plugins, monkeypatch):
    """A CRM whose only plugin is the recorder (registered like an installed plugin)."""
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    from crm_core.config import load

    config = load(write_config([]))
    available = discover()
    plugins = enable(config, available)
    pm = plugin_manager(plugins)
    pm.register(recorder, name="recorder")
    pm.register(PageCounts(), name="pagecounts")
    for extra in extra_plugins:
        pm.register(extra)
    check_settings(config, plugins, pm)
    base = collect_schema(pm, ["recorder"])
    crm = CRM(config, available, plugins, pm, base, "inline").open()
    yield crm
    crm.close()


@calls_hooks("crm_register_field_types")
def test_plugin_field_type_validates_and_stores(books):
    book = books.records.create("book", {"title": "Dune", "slug": "Desert Planet"})
    assert book["slug"] == "desert-planet"
    with pytest.raises(ValidationError) as caught:
        books.records.create("book", {"title": "X", "slug": "no/slashes"})
    assert caught.value.errors["slug"] == "must be letters, digits and hyphens"


@calls_hooks("crm_db_ready")
def test_db_ready_runs_once_the_schema_is_there(books, recorder):
    assert ("db_ready", ["author", "book"]) in recorder.calls


@calls_hooks("crm_autonumber")
def test_autonumber_gives_the_number(books):
    assert books.records.create("book", {"title": "Dune", "slug": "dune"})["number"] == "BK-DUNE"
    assert (
        books.records.create("book", {"title": "Untitled"})["number"] == "BK1"
    )  # counter untouched


def test_a_taken_autonumber_is_refused_with_a_clear_message(books):
    books.records.create("book", {"title": "Dune", "slug": "dune"})
    with pytest.raises(ValidationError) as refused:
        books.records.create("book", {"title": "Dune Messiah", "slug": "dune"})
    message = refused.value.errors["number"]
    assert "BK-DUNE is already used" in message and "crm_autonumber" in message
    assert books.records.count("book") == 1


@calls_hooks("crm_before_save")
def test_before_save_changes_are_stored_and_checked(books, recorder):
    book = books.records.create("book", {"title": "Dune.", "pages": 412})
    assert book["title"] == "Dune (412 p.)"
    assert books.records.get("book", book["id"])["title"] == "Dune (412 p.)"
    assert ("before_save", True) in recorder.calls


@calls_hooks("crm_find_duplicates", "crm_find_duplicates_many")
def test_duplicates_come_from_single_and_batch_hooks(books):
    dune = books.records.create("book", {"title": "Dune", "pages": 412})
    other = books.records.create("book", {"title": "Emma", "pages": 412})
    assert dune["title"] == "Dune (412 p.)"  # the recorder's crm_before_save
    found = books.duplicates.of("book", {"title": "Dune (412 p.)", "pages": 412})
    assert sorted((h["number"], h["reason"]) for h in found) == [
        (dune["number"], "same pages"),
        (dune["number"], "same title"),
        (other["number"], "same pages"),
    ]
    # a saved record is never its own duplicate; the batch answers stay in order
    assert books.duplicates.of_many("book", [dune, {"title": "Persuasion"}]) == [
        [hit(other, "same pages")],
        [],
    ]


def test_import_reports_duplicates_of_earlier_rows_only(books):
    dune = books.records.create("book", {"title": "Dune"})
    report = books.transfer.import_file("book", io.StringIO("title\nDune\nEmma\nDune\n"))
    assert report.imported == 3
    second = books.records.list("book", where=[Condition("title", "eq", "Dune")], sort="id")
    first_row = second.records[1]
    assert [(line, [h["number"] for h in hits]) for line, hits in report.duplicates] == [
        (2, [dune["number"]]),
        (4, [dune["number"], first_row["number"]]),
    ]


@calls_hooks("crm_validate", "crm_after_save")
@pytest.mark.parametrize("extra_plugins", [[Sequels()]])
def test_rules_reading_and_writing_during_an_import_see_the_rows_before_them(books):
    """An import writes its rows a batch at a time; a rule that reads finds the earlier
    rows of the same file, a record a rule creates meanwhile gets its own id, and a later
    row like it is reported as its duplicate."""
    rows = ["title,pages", "Dune,"]
    rows += [f"Filler {n}," for n in range(700)]  # past the first batch
    rows += ["Sequel to Dune,", "Emma,", "Sequel to Emma,", "Sequel to Nothing,", "Ulysses,999"]
    rows += ["Companion to Ulysses (999 p.),"]  # what the rule made a row before
    rows += [f"Filler {n}," for n in range(700, 900)]
    report = books.transfer.import_file("book", io.StringIO("\n".join(rows)), skip_bad_rows=True)
    assert report.errors == [(706, {"title": "Nothing is not there"})]
    assert report.imported == 906
    everything = list(books.records.iterate("book"))
    titles = {book["title"] for book in everything}
    assert {"Sequel to Dune", "Sequel to Emma", "Companion to Ulysses (999 p.)"} <= titles
    assert len(everything) == 907 == len({book["id"] for book in everything})
    companion = min(
        (b for b in everything if b["title"].startswith("Companion")), key=lambda b: b["id"]
    )
    assert (708, [companion["number"]]) in [
        (line, [hit["number"] for hit in hits]) for line, hits in report.duplicates
    ]
    ulysses = next(b for b in everything if b["title"].startswith("Ulysses"))
    assert ulysses["locked"] is True  # changed by its own after-save rule, before written
    assert [entry["kind"] for entry in books.records.history("book", companion["id"])] == [
        "created"
    ]
    found = books.search.query("Ulysses")
    assert ulysses["number"] in {hit.number for hit in found}
    assert companion["number"] in {hit.number for hit in found}


@pytest.mark.parametrize("extra_plugins", [[Annotator()]])
def test_an_after_save_rule_may_change_what_search_finds_of_a_new_record(books):
    """The new record's search entry is written before crm_after_save runs, so the
    rule's update replaces it (it used to collide with it: a unique-key error)."""
    book = books.records.create("book", {"title": "Ulysses", "pages": 999})
    books.transfer.import_file("book", io.StringIO("title,pages\nDubliners,999\n"))
    for word in ("Ulysses", "Dubliners"):
        assert [hit.title for hit in books.search.query(word)] == [f"Annotated {word}"]
    assert len(books.search.query("annotated")) == 2
    assert books.search.query("999") == []  # the first titles' entries were replaced
    kinds = [entry["kind"] for entry in books.records.history("book", book["id"])]
    assert kinds == ["updated", "created"]  # newest first


@calls_hooks("crm_before_delete", "crm_after_delete", "crm_after_restore")
def test_before_delete_can_refuse_and_delete_restore_purge_are_told(books, recorder):
    locked = books.records.create("book", {"title": "Kept", "locked": True})
    with pytest.raises(Conflict):
        books.records.delete("book", locked["id"])
    assert books.records.get("book", locked["id"])["deleted"] is False
    book = books.records.create("book", {"title": "Gone"})
    books.records.delete("book", book["id"])
    books.records.restore("book", book["id"])
    books.records.delete("book", book["id"])
    books.records.purge("book", book["id"])
    number = book["number"]
    assert [c for c in recorder.calls if c[0] in ("after_delete", "after_restore")] == [
        ("after_delete", number, False),
        ("after_restore", number),
        ("after_delete", number, False),
        ("after_delete", number, True),
    ]


@calls_hooks("crm_after_link", "crm_after_unlink")
def test_link_and_unlink_are_told_from_the_declaring_side(books, recorder):
    book = books.records.create("book", {"title": "Dune"})
    author = books.records.create("author", {"name": "Frank Herbert"})
    books.records.link("author", author["id"], "books", book["id"])  # from the other side
    books.records.unlink("book", book["id"], "authors", author["id"])
    assert ("link", "book.authors", book["number"], "author", author["number"]) in recorder.calls
    assert ("unlink", "book.authors", book["number"], author["number"]) in recorder.calls


@calls_hooks("crm_after_comment")
def test_comments_are_told_on_add_and_edit(books, recorder):
    book = books.records.create("book", {"title": "Dune"})
    comment = books.comments.add("book", book["id"], "Great")
    books.comments.edit(comment["id"], "Great book")
    assert ("comment", book["number"], "Great", True) in recorder.calls
    assert ("comment", book["number"], "Great book", False) in recorder.calls


@calls_hooks("crm_after_commit")
def test_after_commit_sees_the_transaction_and_nothing_of_a_rollback(books, recorder):
    with books.transaction():
        books.records.create("book", {"title": "One"})
        books.records.create("author", {"name": "Someone"})
    assert ("commit", [("created", "book"), ("created", "author")]) in recorder.calls
    recorder.calls.clear()
    with pytest.raises(RuntimeError), books.transaction():
        books.records.create("book", {"title": "Two"})
        raise RuntimeError("changed my mind")
    assert not [c for c in recorder.calls if c[0] == "commit"]
    assert [b["title"] for b in books.records.list("book").records] == ["One"]


@calls_hooks("crm_register_commands")
def test_register_commands_adds_to_the_command_line(books):
    group = click.Group()
    books.hook.crm_register_commands(cli=group)
    assert CliRunner().invoke(group, ["books-count"]).output == "lots of books\n"


@calls_hooks("crm_actor_from_request")
def test_actor_from_request_signs_in_without_a_session(books):
    books.directory.add_user("librarian", "Librarian", password="librarian-password")
    app = webtest.TestApp(create_app(books, debug=True))
    app.get("/r/book", status=302)  # nobody
    page = app.get("/r/book", headers={"X-Test-User": "librarian"})
    assert "Librarian" in page.text


@calls_hooks("crm_template_context")
def test_template_context_and_site_templates(books):
    (books.data_dir / "templates").mkdir(parents=True, exist_ok=True)
    (books.data_dir / "templates" / "home.html").write_text(
        '{% extends "layout.html" %}{% block content %}<p id="greeting">{{ greeting }}</p>{% endblock %}'
    )
    books.directory.add_user("librarian", "Librarian", password="librarian-password")
    app = webtest.TestApp(create_app(books, debug=True))
    page = app.get("/", headers={"X-Test-User": "librarian"})
    assert page.html.find(id="greeting").text == "Hello from the hook (home.html)"


@calls_hooks("crm_list_actions", "crm_openapi_paths")
def test_list_actions_and_openapi_paths(books):
    books.directory.add_user("librarian", "Librarian", password="librarian-password")
    app = webtest.TestApp(create_app(books, debug=True))
    headers = {"X-Test-User": "librarian"}
    page = app.get("/r/book", headers=headers)
    assert page.html.find("a", href="/books/import").text == "Import books"
    assert app.get("/r/author", headers=headers).html.find("a", href="/books/import") is None
    doc = app.get("/api/v1/openapi.json", headers=headers).json
    assert doc["paths"]["/api/v1/books/stats"]["get"]["summary"] == "Book statistics"


@calls_hooks("crm_permission_filter")
def test_records_can_reject_a_contact_actor_without_a_portal_plugin(books):
    books.records.create("book", {"title": "Dune"})
    customer = Actor(kind="contact", id=1)
    assert books.records.list("book", actor=customer).records == []
    assert books.records.list("book", where=[Condition("title", "eq", "Dune")]).records
