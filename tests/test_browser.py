"""The staff UI in a real headless Chromium, driven by Playwright, against a real server.

Needs Debian's ``chromium`` (``/usr/bin/chromium``); skipped without it, except on CI
(``CI=true``), where a missing browser is a failure.
"""

import os
import shutil
import threading

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def server(gadgets):
    """The CRM on a real multi-threaded WSGI server (waitress) on 127.0.0.1."""
    import waitress

    from crm_web.app import create_app

    gadgets.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    app = create_app(gadgets)
    wsgi = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()
    thread.join(timeout=10)


@pytest.fixture
def page(server):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required on CI (apt-get install chromium chromium-driver)")
        pytest.skip("chromium is not installed (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(base_url=server)
        context.set_default_timeout(15_000)
        tab = context.new_page()
        yield tab
        browser.close()


def sign_in(page):
    page.goto("/login")
    page.fill("#login", "admin")
    page.fill("#password", "admin-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/")


def test_staff_day_in_the_browser(page, gadgets, tmp_path):
    sign_in(page)

    # An administrator adds a reference field; it appears on the form at once.
    page.goto("/admin/fields/gadget")
    page.fill("#new-name", "parent")
    page.select_option("#new-type", "reference")
    page.fill("#new-label", "Parent gadget")
    page.select_option("#new-target", "gadget")
    page.click("text=Add field")
    page.wait_for_selector("text=cf_parent")

    # The first record, with a picklist value.
    page.goto("/r/gadget/new")
    page.fill("#f-name", "Router")
    page.select_option("#f-colour", "white")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("h1:has-text('GAD1')")

    # A second one referring to the first; a bad weight is refused with the input kept.
    page.goto("/r/gadget/new")
    assert page.is_visible("#f-cf_parent")
    page.fill("#f-name", "Switch")
    page.fill("#f-weight", "very heavy")
    page.fill("#f-cf_parent", "GAD1")
    page.click("#record-form button[type=submit]")
    assert "must be a number" in page.inner_text("#error-weight")
    assert page.input_value("#f-name") == "Switch"
    page.fill("#f-weight", "2,5")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("h1:has-text('GAD2')")
    assert "GAD1" in page.inner_text(".block-custom")

    # Filter the list by the picklist.
    page.goto("/r/gadget")
    page.click("summary:has-text('Filter')")
    page.select_option("#filter-colour", "white")
    page.click(".filter-form button[type=submit]")
    page.wait_for_url("**f.colour=white**")
    rows = page.locator("table.records tbody tr")
    assert rows.count() == 1 and "Router" in rows.first.inner_text()

    # A comment and an attachment on the record.
    page.goto("/r/gadget/1")
    page.fill("#comment-body", "Checked the firmware")
    attachment = tmp_path / "firmware.txt"
    attachment.write_text("v1.2.3")
    page.set_input_files("#upload", str(attachment))
    page.click("#attachments button[type=submit]")
    page.wait_for_selector("#attachments a:has-text('firmware.txt')")
    page.fill("#comment-body", "Checked the firmware")
    page.click(".comment-form button[type=submit]")
    page.wait_for_selector(".comment:has-text('Checked the firmware')")

    # Switch the interface to Russian.
    page.goto("/account")
    page.select_option("#language", "ru")
    page.click("form[action='/account/profile'] button[type=submit]")
    page.goto("/r/gadget")
    assert "Устройства" in page.inner_text("h1")
    assert page.is_visible("summary:has-text('Фильтр')")
