"""Shared fixtures: a real database per test (SQLite, or PostgreSQL with
``CRM_TEST_DATABASE_URL``), a CRM factory, and the sample third-party plugin installed as
a real package."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
import tomli_w

from crm_core.actors import SYSTEM
from crm_core.runtime import CRM

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")
ALL_BUILTIN = ["contacts", "products", "leads", "tickets", "faq", "contracts", "assets"]


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (set CRM_TEST_DATABASE_URL for PostgreSQL)'}"


@pytest.fixture(scope="session")
def sample_plugin_site(tmp_path_factory) -> Path:
    """Build and install the fixture packages as real packages into a folder of their own,
    and put that folder on the import path: tests/fixtures/sample_plugin (entry point
    ``gadgets``) and tests/fixtures/test_plugins (``gadget_extras``, ``misspelled``,
    ``exploding``). They are built from copies, so no build output lands in the tree."""
    target = tmp_path_factory.mktemp("site")
    sources = tmp_path_factory.mktemp("plugin-sources")
    packages = []
    for name in ("sample_plugin", "test_plugins"):
        copy = sources / name
        shutil.copytree(FIXTURES / name, copy, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        packages.append(str(copy))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            *packages,
        ],
        check=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))


def _pg_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote('-csearch_path=' + schema)}"


def _pg_admin(base: str):
    connection = psycopg2.connect(base)
    connection.autocommit = True
    return connection


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database: a SQLite file, or a new PostgreSQL schema."""
    if not PG_URL:
        yield "sqlite:///" + str(tmp_path / "data" / "crm.db")
        return
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = _pg_admin(PG_URL)
    admin.cursor().execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        admin.cursor().execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture
def write_config(tmp_path, database_url):
    """Write a plugins.toml in the test's folder and return its path."""

    def write(enabled=(), plugins=None, crm_extra=None, web=None, name="plugins.toml") -> Path:
        doc = {
            "crm": {
                "enabled": list(enabled),
                "data_dir": "data",
                "database": database_url,
                "jobs": "inline",
                **(crm_extra or {}),
            },
            "plugins": plugins or {},
        }
        if web:
            doc["web"] = web
        path = tmp_path / name
        path.write_text(tomli_w.dumps(doc), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_crm(write_config, monkeypatch):
    """Build and open a CRM with the given plugins; closed after the test."""
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    opened: list[CRM] = []

    def make(enabled=(), plugins=None, crm_extra=None, web=None, open_db=True) -> CRM:
        path = write_config(enabled, plugins, crm_extra, web)
        crm = CRM.load(path, jobs_mode="inline")
        if open_db:
            crm.open()
        opened.append(crm)
        return crm

    yield make
    for crm in opened:
        crm.close()


@pytest.fixture
def gadgets(make_crm, sample_plugin_site) -> CRM:
    """A CRM with only the third-party sample plugin (record type ``gadget``)."""
    return make_crm(["gadgets"], plugins={"gadgets": {"max_weight": 50}})


@pytest.fixture
def staff(gadgets):
    """Two staff users and a group on the gadgets CRM: returns their actors."""
    directory = gadgets.directory
    directory.add_user("anna", "Анна Петрова", password="anna-password", email="anna@example.com")
    directory.add_user("boris", "Boris Smith", password="boris-password")
    directory.add_group("Support")
    directory.set_members("Support", add=["anna"])
    return {
        "anna": directory.actor_for("anna"),
        "boris": directory.actor_for("boris"),
        "system": SYSTEM,
    }


def run_crm(*args, cwd, env=None, input=None):
    """Run the ``crm`` command line in a subprocess; returns the CompletedProcess."""
    environment = {**os.environ, **(env or {})}
    environment.pop("CRM_DATABASE_URL", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from crm_core.cli import main; main()", *args],
        cwd=cwd,
        env=environment,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def web_app(gadgets):
    """The web app of the gadgets CRM, as a WebTest client (not signed in)."""
    import webtest

    from crm_web.app import create_app

    gadgets.directory.add_user("admin", "Admin Istrator", password="admin-password", role="admin")
    return webtest.TestApp(create_app(gadgets, debug=True))


def sign_in(app, login="admin", password="admin-password"):
    """Sign in through the login form; returns the app for chaining."""
    page = app.get("/login")
    form = page.forms["login-form"]
    form["login"], form["password"] = login, password
    form.submit(status=302)
    return app


def csrf_of(app) -> str:
    """The CSRF token of the signed-in session, read from a page's hidden input."""
    page = app.get("/account")
    return page.html.find("input", {"name": "csrf_token"})["value"]
