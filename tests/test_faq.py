"""The faq plugin: safe answers, the staff knowledge-base pages, the public read API (only
published entries, anywhere), helpfulness votes, and running without products."""

from __future__ import annotations

import pytest
import webtest
from bs4 import BeautifulSoup
from conftest import sign_in

from crm_core.actors import Actor
from crm_plugins.faq import knowledge, rendering, votes
from crm_web.app import create_app

ATTACK = (
    "Restart the **router**.\n\n"
    "<script>alert('answer')</script>\n"
    '<img src="x" onerror="alert(2)">\n'
    "[click me](javascript:alert(3)) and [the manual](https://example.com/manual)"
)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def kb(make_crm):
    crm = make_crm(["contacts", "products", "faq"])
    crm.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    return crm


@pytest.fixture
def app(kb):
    return webtest.TestApp(create_app(kb, debug=True))


def entry(crm, question, status="published", **values):
    return crm.records.create(
        "faq", {"question": question, "answer": "See the manual.", "status": status, **values}
    )


# -- answers ------------------------------------------------------------------------------


def test_answer_markdown_is_rendered_and_scripts_stay_inert():
    html = str(rendering.answer_html(ATTACK))
    tree = BeautifulSoup(html, "html.parser")
    assert tree.find("strong").text == "router"
    assert not tree.find_all(["script", "img"])
    assert not [a for tag in tree.find_all(True) for a in tag.attrs if a.startswith("on")]
    assert [a["href"] for a in tree.find_all("a")] == ["https://example.com/manual"]
    assert "&lt;script&gt;alert('answer')&lt;/script&gt;" in html  # shown as text
    assert "[click me](javascript:alert(3))" in html  # not made into a link
    assert '<a href="https://example.com/manual" rel="noopener noreferrer nofollow">' in html


def test_the_answer_is_stored_as_written_and_defaults_apply(kb):
    created = kb.records.create("faq", {"question": "Q?", "answer": ATTACK})
    assert created["answer"] == ATTACK  # Markdown source, rendered safely when shown
    assert (created["status"], created["category"]) == ("draft", "general")
    assert (created["helpful_yes"], created["helpful_no"]) == (0, 0)
    assert created["number"] == "FAQ1"


def test_pages_show_user_text_as_text(kb, app):
    record = entry(kb, "<script>alert(1)</script> printer?", answer=ATTACK)
    sign_in(app)
    for url in (f"/r/faq/{record['id']}", f"/kb/{record['id']}", "/kb", "/kb?q=printer"):
        page = app.get(url)
        scripts = page.html.find_all("script")
        assert [s.get("src") for s in scripts] == ["/static/crm.js"], url
        assert "<script>alert(1)</script> printer?" in page.html.get_text(), url
        assert not page.html.select("[onerror]"), url
        assert not page.html.select('a[href^="javascript"]'), url
    detail = app.get(f"/r/faq/{record['id']}")
    rendered = detail.html.select_one(".kb-answer strong")
    assert rendered is not None and rendered.text == "router"  # the readers' view panel


# -- staff pages ---------------------------------------------------------------------------


def test_knowledge_base_page_browses_by_category_and_product(kb, app):
    printer = kb.records.create("product", {"name": "Laser printer"})
    entry(kb, "How to clear a paper jam", category="troubleshooting", product=printer["id"])
    entry(kb, "Where are my invoices", category="billing")
    entry(kb, "Draft about toner", status="draft", product=printer["id"])
    sign_in(app)
    page = app.get("/kb")
    facets = page.html.select_one(".kb-facets").get_text(" ", strip=True)
    assert "Troubleshooting 1" in facets and "Billing and documents 1" in facets
    assert "Laser printer 2" in facets
    published = app.get("/kb?status=published").html.select_one(".kb-facets")
    assert "Laser printer 1" in published.get_text(" ", strip=True)  # counts follow the status

    def questions(url):
        return [
            a.get_text(" ", strip=True) for a in app.get(url).html.select(".kb-entries a.kb-title")
        ]

    assert questions("/kb?category=billing") == ["FAQ2 Where are my invoices"]
    assert questions(f"/kb?product={printer['id']}&sort=question") == [
        "FAQ3 Draft about toner",
        "FAQ1 How to clear a paper jam",
    ]
    assert questions("/kb?status=draft") == ["FAQ3 Draft about toner"]


def test_knowledge_base_search_ranks_and_marks_words_in_both_languages(kb, app):
    entry(kb, "Принтер не печатает", answer="Проверьте кабель принтера и очередь печати.")
    entry(kb, "Как заменить картридж", answer="Выключите принтер, откройте крышку.")
    entry(kb, "Printer prints blank pages", answer="Shake the toner cartridge.")
    sign_in(app)
    page = app.get("/kb", {"q": "принтеры"})
    hits = page.html.select(".kb-hit")
    assert [h.select_one(".number").text for h in hits] == ["FAQ1", "FAQ2"]  # two matches first
    assert {m.text for m in hits[0].select("mark")} >= {"Принтер", "принтера"}
    english = app.get("/kb", {"q": "printing"}).html.select(".kb-hit .number")
    assert [n.text for n in english] == ["FAQ3"]


def test_staff_list_sorts_by_the_vote_counts(kb, app):
    low = entry(kb, "Rarely helpful")
    high = entry(kb, "Very helpful")
    for record, yes in ((low, 1), (high, 5)):
        for _ in range(yes):
            votes.vote(kb, record["id"], True)
    sign_in(app)
    page = app.get("/r/faq?sort=-helpful_yes")
    assert [c.get_text(strip=True) for c in page.html.select('td[data-label="Question"]')] == [
        "Very helpful",
        "Rarely helpful",
    ]
    view = app.get("/r/faq?view=most_helpful")
    assert "Very helpful" in view.text


def test_customers_see_published_entries_only(kb):
    entry(kb, "Public one")
    entry(kb, "Draft one", status="draft")
    customer = Actor(kind="contact", id=1, name="Customer")
    visible = kb.records.list("faq", actor=customer).records
    assert [r["question"] for r in visible] == ["Public one"]
    assert not kb.records.can("faq", visible[0], customer, "edit")
    assert not kb.records.can("faq", None, customer, "create")


# -- the public API ------------------------------------------------------------------------


def test_public_api_never_shows_an_unpublished_entry(kb, app):
    published = entry(kb, "Printer setup guide", answer="Connect the printer cable.")
    hidden = {
        status: entry(kb, f"Printer setup {status}", status=status, answer="Printer cable.")
        for status in ("draft", "reviewed", "obsolete")
    }
    body = app.get(f"/api/v1/kb/entries/{published['id']}").json
    assert body["question"] == "Printer setup guide"
    assert body["answer_html"] == "<p>Connect the printer cable.</p>\n"
    assert app.get(f"/api/v1/kb/entries/{published['number']}").json["id"] == published["id"]
    for record in hidden.values():
        for key in (record["id"], record["number"]):
            for suffix in ("", "/comments", "/attachments"):
                response = app.get(f"/api/v1/kb/entries/{key}{suffix}", status=404)
                assert response.json["error"]["code"] == "not_found"
    listed = app.get("/api/v1/kb/entries").json["entries"]
    assert [e["question"] for e in listed] == ["Printer setup guide"]
    found = app.get("/api/v1/kb/search", {"q": "printer setup"}).json["results"]
    assert [r["id"] for r in found] == [published["id"]]
    assert app.get("/api/v1/kb/search", {"q": hidden["draft"]["number"]}).json["results"] == []
    counts = {c["code"]: c["count"] for c in app.get("/api/v1/kb/categories").json["categories"]}
    assert counts["general"] == 1


def test_public_search_marks_matches_and_ignores_internal_comments(kb, app):
    record = entry(kb, "Замятие бумаги", answer="Откройте лоток и вытяните лист бумаги.")
    kb.comments.add("faq", record["id"], "секретный обходной путь", internal=True)
    results = app.get("/api/v1/kb/search", {"q": "бумагой"}).json["results"]
    assert [r["number"] for r in results] == [record["number"]]
    marked = [part["text"] for part in results[0]["snippet"] if part["match"]]
    assert marked and all(word.lower().startswith("бумаг") for word in marked)
    assert app.get("/api/v1/kb/search", {"q": "секретный"}).json["results"] == []
    assert app.get("/api/v1/kb/search", status=422).json["error"]["fields"]["q"]


def test_public_search_never_matches_or_shows_staff_only_fields(kb, app):
    kb.fields.add("faq", "internal_note", "text", searchable=True)
    record = entry(kb, "Printer setup", cf_internal_note="confidentialnote vendor contact 555")
    assert kb.search.query("confidentialnote", types=["faq"])  # staff find it
    assert app.get("/api/v1/kb/search", {"q": "confidentialnote"}).json["results"] == []
    shown = app.get("/api/v1/kb/search", {"q": "printer"}).json["results"]
    assert [r["number"] for r in shown] == [record["number"]]
    assert "confidentialnote" not in str(shown)
    missing = app.get("/api/v1/kb/attachments/999", status=404).json["error"]["message"]
    assert missing == "attachment 999 not found"


def test_public_comments_and_files_leave_internal_ones_out(kb, app):
    record = entry(kb, "Driver download")
    kb.comments.add("faq", record["id"], "Works on Windows 11 too.")
    internal = kb.comments.add("faq", record["id"], "Vendor link is private", internal=True)
    guide = kb.attachments.add("faq", record["id"], "guide.pdf", PDF)
    secret = kb.attachments.add("faq", record["id"], "secret.pdf", PDF, comment_id=internal["id"])
    draft = entry(kb, "Unreleased driver", status="draft")
    draft_file = kb.attachments.add("faq", draft["id"], "beta.pdf", PDF)

    comments = app.get(f"/api/v1/kb/entries/{record['id']}/comments").json["comments"]
    assert [c["body"] for c in comments] == ["Works on Windows 11 too."]
    files = app.get(f"/api/v1/kb/entries/{record['id']}/attachments").json["attachments"]
    assert [f["filename"] for f in files] == ["guide.pdf"]
    download = app.get(files[0]["url"])
    assert download.body == PDF and "attachment" in download.headers["Content-Disposition"]
    for attachment in (secret, draft_file):
        app.get(f"/api/v1/kb/attachments/{attachment['id']}", status=404)
    assert guide["id"] == files[0]["id"]


def test_public_api_reads_labels_in_the_asked_language(kb, app):
    entry(kb, "Где счета?", category="billing")
    listed = app.get("/api/v1/kb/entries?lang=ru").json["entries"]
    assert listed[0]["category"] == {"code": "billing", "label": "Оплата и документы"}


# -- votes ---------------------------------------------------------------------------------


def test_votes_are_counted_once_per_client_and_entry(kb, app):
    record = entry(kb, "Reset a password")
    url = f"/api/v1/kb/entries/{record['id']}/vote"
    first = {"REMOTE_ADDR": "10.0.0.1"}
    assert app.post_json(url, {"helpful": True}, extra_environ=first).json == {
        "helpful_no": 0,
        "helpful_yes": 1,
    }
    again = app.post_json(url, {"helpful": True}, extra_environ=first, status=429)
    assert again.json["error"]["code"] == "too_many_votes"
    app.post(url, {"helpful": "no"}, extra_environ={"REMOTE_ADDR": "10.0.0.2"})
    stored = kb.records.get("faq", record["id"])
    assert (stored["helpful_yes"], stored["helpful_no"]) == (1, 1)
    assert kb.records.history("faq", record["id"])[0]["changes"] == {"helpful_no": [0, 1]}
    problem = app.post_json(url, {"helpful": "maybe"}, status=422).json["error"]
    assert "must be true" in problem["fields"]["helpful"]


def test_votes_on_unpublished_entries_are_refused(kb, app):
    draft = entry(kb, "Draft", status="draft")
    app.post_json(f"/api/v1/kb/entries/{draft['id']}/vote", {"helpful": True}, status=404)
    assert kb.records.get("faq", draft["id"])["helpful_yes"] == 0


def test_vote_limiter_bounds_each_client_per_hour():
    now = [0.0]
    limiter = votes.VoteLimiter(per_hour=3, clock=lambda: now[0])
    assert [limiter.allow("a", entry_id) for entry_id in (1, 2, 3, 4)] == [True] * 3 + [False]
    assert limiter.allow("a", 1) is False and limiter.allow("b", 1) is True
    now[0] = 3600.0
    assert limiter.allow("a", 1) is True  # an hour later


def test_votes_per_hour_is_a_setting(make_crm):
    crm = make_crm(["faq"], plugins={"faq": {"votes_per_hour": 1}})
    app = webtest.TestApp(create_app(crm, debug=True))
    first, second = entry(crm, "One"), entry(crm, "Two")
    app.post_json(f"/api/v1/kb/entries/{first['id']}/vote", {"helpful": True})
    app.post_json(f"/api/v1/kb/entries/{second['id']}/vote", {"helpful": True}, status=429)


# -- without products, and converted tickets ---------------------------------------------


def test_runs_without_the_products_plugin(make_crm):
    crm = make_crm(["faq"])
    assert not crm.registry.type("faq").has_field("product")
    record = entry(crm, "Standalone")
    app = webtest.TestApp(create_app(crm, debug=True))
    assert app.get(f"/api/v1/kb/entries/{record['id']}").json["product"] is None


def test_product_is_named_in_the_public_entry(kb, app):
    printer = kb.records.create("product", {"name": "Laser printer"})
    record = entry(kb, "Toner", product=printer["id"])
    body = app.get(f"/api/v1/kb/entries/{record['id']}").json
    assert body["product"] == {"id": printer["id"], "name": "Laser printer"}
    counts = knowledge.product_counts(kb, actor=kb.directory.actor_for("admin"), where=None)
    assert counts == [{"id": printer["id"], "title": "Laser printer", "count": 1}]


def test_a_ticket_converted_to_faq_is_a_draft_the_portal_does_not_see(make_crm):
    from crm_plugins.tickets import actions

    crm = make_crm(["contacts", "products", "tickets", "faq"])
    ticket = crm.records.create("ticket", {"title": "Printer jams"})
    crm.records.update("ticket", ticket["id"], {"status": "closed", "solution": "Open tray 2."})
    faq = actions.to_faq(crm, ticket["id"])
    app = webtest.TestApp(create_app(crm, debug=True))
    app.get(f"/api/v1/kb/entries/{faq['id']}", status=404)
    crm.records.update("faq", faq["id"], {"status": "published"})
    body = app.get(f"/api/v1/kb/entries/{faq['id']}").json
    assert body["answer_html"] == "<p>Solution: Open tray 2.</p>\n"


def test_public_endpoints_are_in_the_openapi_document_and_the_list_links_the_kb(kb, app):
    """The plugin's crm_openapi_paths and crm_list_actions."""
    sign_in(app)
    paths = app.get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/kb/entries/{key}"]["get"]["security"] == []  # no sign-in
    assert "post" in paths["/api/v1/kb/entries/{key}/vote"]
    assert app.get("/r/faq").html.select_one('main a[href="/kb"]').text == "Knowledge base"
