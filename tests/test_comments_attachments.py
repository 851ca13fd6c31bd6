"""Comments (threads, internal notes, edits with history) and attachments (stored once by
content hash, safe names, size limit, content type, kept until the record is purged)."""

from __future__ import annotations

import hashlib

import pytest

from crm_core import NotFound, PermissionDenied, ValidationError, hookimpl
from crm_core.actors import Actor
from crm_core.errors import TooLarge
from crm_core.query import Condition

CUSTOMER = Actor(kind="contact", id=7, name="Customer")
PDF = b"%PDF-1.4\n" + b"0" * 200


class CustomerAccess:
    """What a portal plugin does: a customer sees the gadgets whose serial is theirs."""

    @hookimpl
    def crm_permission_filter(self, actor):
        if actor.kind == "contact":
            return Condition("serial", "eq", f"C-{actor.id}")
        return None


@pytest.fixture
def record(gadgets):
    gadgets.pm.register(CustomerAccess(), name="customer_access")
    return gadgets.records.create("gadget", {"name": "Phone", "serial": "C-7"})


def stored_files(crm) -> list[str]:
    root = crm.data_dir / "files"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_customers_see_only_what_a_plugin_grants(gadgets, record):
    other = gadgets.records.create("gadget", {"name": "Tablet", "serial": "C-8"})
    assert [r["number"] for r in gadgets.records.list("gadget", actor=CUSTOMER).records] == ["GAD1"]
    with pytest.raises(NotFound):
        gadgets.records.get("gadget", other["id"], actor=CUSTOMER)
    gadgets.pm.unregister(name="customer_access")
    assert gadgets.records.list("gadget", actor=CUSTOMER).records == []  # nothing by default


def test_threaded_comments(gadgets, staff, record):
    first = gadgets.comments.add("gadget", record["id"], "Screen is cracked", actor=staff["anna"])
    second = gadgets.comments.add("gadget", record["id"], "Ordered a part", actor=staff["boris"])
    reply = gadgets.comments.add(
        "gadget", record["id"], "Which model?", actor=staff["boris"], parent_id=first["id"]
    )
    nested = gadgets.comments.add(
        "gadget", record["id"], "Model X", actor=staff["anna"], parent_id=reply["id"]
    )
    thread = gadgets.comments.list("gadget", record["id"])
    assert [(c["id"], c["depth"]) for c in thread] == [
        (first["id"], 0),
        (reply["id"], 1),
        (nested["id"], 2),
        (second["id"], 0),
    ]
    assert (
        thread[0]["author"] == f"user:{staff['anna'].id}"
        and thread[0]["body"] == "Screen is cracked"
    )
    other = gadgets.records.create("gadget", {"name": "Tablet"})
    with pytest.raises(ValidationError) as caught:
        gadgets.comments.add("gadget", other["id"], "Wrong thread", parent_id=first["id"])
    assert caught.value.errors == {"parent_id": "is not a comment of this record"}
    with pytest.raises(ValidationError) as caught:
        gadgets.comments.add("gadget", record["id"], "   ")
    assert caught.value.errors == {"body": "is required"}
    kinds = [
        h["note"]
        for h in gadgets.records.history("gadget", record["id"])
        if h["kind"] == "commented"
    ]
    assert kinds == [f"comment #{c['id']}" for c in (nested, reply, second, first)]


def test_internal_comments_are_never_shown_to_customers(gadgets, staff, record):
    public = gadgets.comments.add("gadget", record["id"], "We are on it", actor=staff["anna"])
    internal = gadgets.comments.add(
        "gadget", record["id"], "Customer is difficult", actor=staff["anna"], internal=True
    )
    attachment = gadgets.attachments.add(
        "gadget",
        record["id"],
        "notes.txt",
        b"private",
        actor=staff["anna"],
        comment_id=internal["id"],
    )
    answer = gadgets.comments.add(
        "gadget", record["id"], "Thanks!", actor=CUSTOMER, parent_id=public["id"]
    )
    assert answer["author"] == "contact:7"

    seen = gadgets.comments.list("gadget", record["id"], actor=CUSTOMER)
    assert [c["body"] for c in seen] == ["We are on it", "Thanks!"]
    assert len(gadgets.comments.list("gadget", record["id"], actor=staff["boris"])) == 3
    with pytest.raises(NotFound):
        gadgets.comments.get(internal["id"], actor=CUSTOMER)
    with pytest.raises(ValidationError):  # cannot even reply to it
        gadgets.comments.add("gadget", record["id"], "?", actor=CUSTOMER, parent_id=internal["id"])
    with pytest.raises(PermissionDenied):
        gadgets.comments.add("gadget", record["id"], "sneaky", actor=CUSTOMER, internal=True)
    assert gadgets.attachments.list("gadget", record["id"], actor=CUSTOMER) == []
    with pytest.raises(NotFound):
        gadgets.attachments.open(attachment["id"], actor=CUSTOMER)
    hits = gadgets.search.query("difficult", actor=staff["anna"])
    assert [(h.number, h.comment_id) for h in hits] == [("GAD1", internal["id"])]
    assert gadgets.search.query("difficult", actor=CUSTOMER) == []

    gadgets.comments.edit(internal["id"], "Customer is very difficult", actor=staff["anna"])
    staff_history = gadgets.records.history("gadget", record["id"], actor=staff["boris"])
    customer_history = gadgets.records.history("gadget", record["id"], actor=CUSTOMER)
    assert "difficult" in str(staff_history)
    assert "difficult" not in str(customer_history)  # not even the old or new text
    assert [h["note"] for h in customer_history if h["kind"] == "commented"] == [
        f"comment #{answer['id']}",
        f"comment #{public['id']}",
    ]


def test_edit_and_delete_by_the_author_only_with_history(gadgets, staff, record):
    comment = gadgets.comments.add("gadget", record["id"], "Frist draft", actor=staff["anna"])
    with pytest.raises(PermissionDenied) as caught:
        gadgets.comments.edit(comment["id"], "Hijacked", actor=staff["boris"])
    assert "only the author of a comment (or an administrator)" in str(caught.value)
    with pytest.raises(PermissionDenied):
        gadgets.comments.delete(comment["id"], actor=staff["boris"])

    edited = gadgets.comments.edit(comment["id"], "First draft", actor=staff["anna"])
    assert edited["body"] == "First draft" and edited["edited_at"] is not None
    gadgets.comments.delete(comment["id"], actor=staff["anna"])
    assert gadgets.comments.list("gadget", record["id"]) == []
    with pytest.raises(NotFound):
        gadgets.comments.edit(comment["id"], "again", actor=staff["anna"])

    history = gadgets.records.history("gadget", record["id"])
    anna = f"user:{staff['anna'].id}"
    assert [(h["kind"], h["actor"], h["changes"]) for h in history[:2]] == [
        ("comment_deleted", anna, {"comment": ["First draft", None]}),
        ("comment_changed", anna, {"comment": ["Frist draft", "First draft"]}),
    ]
    other = gadgets.comments.add("gadget", record["id"], "by anna", actor=staff["anna"])
    moderated = gadgets.comments.edit(other["id"], "moderated", actor=staff["system"])
    assert moderated["body"] == "moderated"  # administrators may


def test_same_content_is_stored_once(gadgets, staff, record):
    first = gadgets.attachments.add("gadget", record["id"], "invoice.pdf", PDF, actor=staff["anna"])
    other = gadgets.records.create("gadget", {"name": "Tablet"})
    second = gadgets.attachments.add("gadget", other["id"], "copy.pdf", PDF, actor=staff["boris"])
    digest = hashlib.sha256(PDF).hexdigest()
    assert first["sha256"] == second["sha256"] == digest
    assert stored_files(gadgets) == [digest]
    details, path = gadgets.attachments.open(first["id"])
    assert (details["filename"], details["content_type"]) == ("invoice.pdf", "application/pdf")
    assert path == gadgets.data_dir / "files" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == PDF


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\report.docx", "report.docx"),
        ('bad<name>:"x"|?.txt', "bad_name___x___.txt"),
        ("new\nline\x00.txt", "newline.txt"),
        ("...", "file"),
        ("Отчёт за март.pdf", "Отчёт за март.pdf"),
    ],
)
def test_file_names_are_sanitized(gadgets, record, given, kept):
    attachment = gadgets.attachments.add("gadget", record["id"], given, b"content")
    assert attachment["filename"] == kept


def test_size_limit_comes_from_the_configuration(make_crm, sample_plugin_site):
    crm = make_crm(["gadgets"], crm_extra={"max_upload_mb": 0.01})
    record = crm.records.create("gadget", {"name": "Phone"})
    with pytest.raises(TooLarge) as caught:
        crm.attachments.add("gadget", record["id"], "big.bin", b"x" * 20_000)
    assert str(caught.value) == (
        "the file is larger than the limit of 10.2 KB (max_upload_mb in plugins.toml)"
    )
    assert crm.attachments.list("gadget", record["id"]) == []
    assert stored_files(crm) == []  # no temporary file left behind
    assert crm.attachments.add("gadget", record["id"], "small.bin", b"x" * 10_000)["size"] == 10_000
    with pytest.raises(ValidationError) as caught:
        crm.attachments.add("gadget", record["id"], "empty.txt", b"")
    assert caught.value.errors == {"file": "is empty"}


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.dat", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),  # by signature
        ("invoice", PDF, "application/pdf"),
        ("table.csv", b"a,b\n1,2\n", "text/csv"),  # by name
        ("notes", "привет".encode(), "text/plain"),  # UTF-8 text
        ("blob", b"\xff\xfe\x00\x81" * 10, "application/octet-stream"),
        ("page.html", b"<html></html>", "text/html"),
    ],
)
def test_content_type_is_detected(gadgets, record, name, content, content_type):
    attachment = gadgets.attachments.add("gadget", record["id"], name, content)
    assert attachment["content_type"] == content_type
    assert attachment["inline_safe"] is (
        content_type in {"image/png", "application/pdf", "text/plain"}
    )


def test_deleting_the_record_keeps_files_until_purge(gadgets, staff, record):
    only_here = gadgets.attachments.add("gadget", record["id"], "a.pdf", PDF)
    shared = b"shared content"
    gadgets.attachments.add("gadget", record["id"], "b.txt", shared)
    other = gadgets.records.create("gadget", {"name": "Tablet"})
    gadgets.attachments.add("gadget", other["id"], "b-copy.txt", shared)
    comment = gadgets.comments.add("gadget", record["id"], "see files", actor=staff["anna"])

    gadgets.records.delete("gadget", record["id"])
    assert len(stored_files(gadgets)) == 2
    with pytest.raises(NotFound):
        gadgets.attachments.open(only_here["id"])  # not visible while in the recycle bin
    gadgets.records.restore("gadget", record["id"])
    assert [a["filename"] for a in gadgets.attachments.list("gadget", record["id"])] == [
        "a.pdf",
        "b.txt",
    ]

    gadgets.records.delete("gadget", record["id"])
    gadgets.records.purge("gadget", record["id"])
    assert stored_files(gadgets) == [hashlib.sha256(shared).hexdigest()]  # the orphan is gone
    assert [a["filename"] for a in gadgets.attachments.list("gadget", other["id"])] == [
        "b-copy.txt"
    ]
    with pytest.raises(NotFound):
        gadgets.comments.get(comment["id"])


def test_detaching_a_file_is_recorded(gadgets, staff, record):
    attachment = gadgets.attachments.add("gadget", record["id"], "a.pdf", PDF, actor=staff["anna"])
    gadgets.attachments.delete(attachment["id"], actor=staff["anna"])
    assert gadgets.attachments.list("gadget", record["id"]) == []
    kinds = [(h["kind"], h["note"]) for h in gadgets.records.history("gadget", record["id"])[:2]]
    assert kinds == [("detached", "a.pdf"), ("attached", "a.pdf")]
