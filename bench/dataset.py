"""The benchmark's data: accounts, contacts, products, FAQ entries, tickets and comments.

Generated through the CRM's own bulk path (``crm.records.create_many``,
``crm.comments.add_many``): every row validated, numbered, indexed for search and written
to history, like an import. The rows themselves come from :mod:`.fake_rows`, made in a
second process while this one saves. A data set is kept in the cache directory (SQLite) or
in a schema of its own (PostgreSQL) and reused by later runs with the same size.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2
import tomli_w

from crm_core import clock
from crm_core.runtime import CRM

from . import fake_rows, floors
from .fake_rows import FIRST_RU, LAST_RU
from .measure import Stopwatch

VERSION = 5
PLUGINS = ["contacts", "products", "tickets", "faq"]
BATCH = 5_000


@dataclass
class Dataset:
    crm: CRM
    records: int
    database_url: str
    generated_seconds: float | None  # None: reused from the cache

    @property
    def counts(self) -> dict[str, int]:
        return sizes(self.records)


def sizes(records: int) -> dict[str, int]:
    """How many of each for ``records`` tickets (1M tickets: 20k accounts, 50k contacts,
    100k FAQ entries, 500k comments)."""
    return {
        "ticket": records,
        "account": max(20, records // 50),
        "contact": max(50, records // 20),
        "product": max(10, min(500, records // 200)),
        "faq": max(20, records // 10),
        "comment": records // 2,
        "user": 20,
    }


def config_for(folder: Path, database_url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plugins.toml"
    doc = {
        "crm": {"enabled": PLUGINS, "data_dir": "data", "database": database_url, "jobs": "inline"},
        "plugins": {"tickets": {"timezone": "Europe/Moscow"}},
    }
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def postgres_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote('-csearch_path=' + schema)}"


def ensure_schema(base: str, schema: str, *, fresh: bool = False) -> None:
    connection = psycopg2.connect(base)
    connection.autocommit = True
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    connection.close()


def database_for(
    cache: Path, records: int, database: str | None, name: str = "data"
) -> tuple[Path, str]:
    """A folder and database URL for a data set of ``records`` tickets."""
    folder = cache / ("pg" if database else "sqlite") / f"{name}-{records}-v{VERSION}"
    if database:
        schema = f"bench_{name}_{records}_v{VERSION}"
        ensure_schema(database, schema)
        return folder, postgres_schema_url(database, schema)
    return folder, "sqlite:///" + str(folder / "data" / "crm.db")


def open_dataset(cache: Path, records: int, database: str | None, log) -> Dataset:
    folder, url = database_for(cache, records, database)
    crm = CRM.load(config_for(folder, url), jobs_mode="inline").open()
    marker = crm.registry.settings.get(("bench", "dataset"))
    if marker == {"records": records, "version": VERSION}:
        log(f"data set of {records:,} tickets reused from {folder}")
        return Dataset(crm, records, url, None)
    if crm.records.count("ticket"):
        raise SystemExit(f"{folder}: an unfinished data set is there; delete it and run again")
    log(f"generating a data set of {records:,} tickets (once; it is cached in {folder})")
    with Stopwatch() as watch:
        generate(crm, records, log)
    crm.set_setting("bench", "dataset", {"records": records, "version": VERSION})
    log(f"generated in {watch.seconds:.0f} s")
    return Dataset(crm, records, url, watch.seconds)


def generate(crm: CRM, records: int, log) -> None:
    counts = sizes(records)
    users = _users(crm, counts["user"])
    accounts = _bulk(crm, "account", counts["account"], {}, log)
    contacts = _bulk(crm, "contact", counts["contact"], {"accounts": accounts}, log)
    products = _bulk(crm, "product", counts["product"], {}, log)
    _bulk(crm, "faq", counts["faq"], {"products": products}, log)
    context = {
        "now": clock.utcnow(),
        "owners": [f"user:{u['id']}" for u in users],
        "contacts": contacts,
        "products": products,
    }
    with _indexes_built_after(crm, ("rec_ticket", "crm_comment"), log):
        tickets = _bulk(
            crm,
            "ticket",
            records,
            context,
            log,
            allow_read_only=frozenset({"created_at", "closed_at", "first_response_at"}),
        )
        _comments(crm, tickets, counts["comment"], users, log)
    crm.analyze()


def _bulk(
    crm: CRM, type_name: str, count: int, context: dict, log, allow_read_only=frozenset()
) -> list[int]:
    """Create ``count`` records in batches; returns their ids."""
    ids: list[int] = []
    made = 0
    for rows in _made_ahead(type_name, count, context):
        with crm.transaction():
            created = crm.records.create_many(
                type_name,
                rows,
                source="import",
                keep_number=False,
                allow_read_only=allow_read_only,
            )
        ids.extend(created)
        made = _progress(log, type_name, made + len(rows), count)
    return ids


def _comments(crm: CRM, tickets: list[int], count: int, users, log) -> None:
    authors = [crm.directory.actor_for(u["id"]) for u in users]
    made = 0
    for rows in _made_ahead("comment", count, {"tickets": tickets, "agents": len(authors)}):
        with crm.transaction():
            crm.comments.add_many(
                [
                    ("ticket", ticket, text, internal, authors[author])
                    for _, (ticket, text, internal, author) in rows
                ]
            )
        made = _progress(log, "comment", made + len(rows), count)


@contextmanager
def _indexes_built_after(crm: CRM, tables: tuple[str, ...], log) -> Iterator[None]:
    """The secondary indexes of ``tables`` dropped while they are loaded and built again
    after, as a database restore does. A ticket's row has 17 of them, most on values in
    no order (contact, dates, due times): kept up to date row by row at a million rows,
    they were more than half of each save's time (2,400 tickets a second against 4,300
    without them, which then take some 40 s to build). Unique indexes stay: saves check
    them. A data set whose load fails is left unfinished and is not reused (opening it
    builds the missing indexes again, like any other database)."""
    raw = floors.Raw(crm.config.database_url)
    try:
        dropped = [index for table in tables for index in raw.secondary_indexes(table)]
        for name, _create in dropped:
            raw.execute(f"DROP INDEX {raw.dialect.quote(name)}")
        yield
        with Stopwatch() as watch:
            for _name, create in dropped:
                raw.execute(create)
    finally:
        raw.close()
    log(f"  {len(dropped)} indexes built in {watch.seconds:.0f} s")


def _made_ahead(kind: str, count: int, context: dict) -> Iterator[list]:
    """Batches of fake rows of ``kind``, made in a second process (forked, so it has
    ``context`` without pickling) while this one saves the batch before: making the
    text is about a sixth of the work, and the machine has two cores."""
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, fork, fake_rows.remember, (context,)) as maker:
        ahead: deque[Future] = deque()
        for first in range(0, count, BATCH):
            ahead.append(maker.submit(fake_rows.batch, kind, first, min(BATCH, count - first)))
            if len(ahead) > 2:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _progress(log, kind: str, made: int, count: int) -> int:
    if made % (BATCH * 20) == 0 or made == count:
        log(f"  {kind}: {made:,} / {count:,}")
    return made


def _users(crm: CRM, count: int) -> list[dict[str, Any]]:
    users = []
    for index in range(count):
        first, last = FIRST_RU[index % 10], LAST_RU[(index * 3) % 10]
        users.append(
            crm.directory.add_user(
                f"agent{index}", f"{first} {last}", password=f"agent{index}-password"
            )
        )
    return users


def fresh_database(cache: Path, database: str | None, name: str) -> str:
    """An empty database (SQLite file or PostgreSQL schema) for scenarios that need one."""
    folder = cache / ("pg" if database else "sqlite") / f"{name}-scratch"
    if database:
        schema = f"bench_{name}_scratch"
        ensure_schema(database, schema, fresh=True)
        return postgres_schema_url(database, schema)
    for path in (folder / "data").glob("crm.db*"):
        path.unlink()
    return "sqlite:///" + str(folder / "data" / "crm.db")
