"""The scenarios, each measured next to its raw-SQL floor.

Targets (2-core machine, SQLite, 1M tickets) are from the benchmark issue; the suite
reports whether each was met and never fails because of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crm_core.actors import Actor
from crm_core.query import Condition
from crm_core.search import words

from . import dataset as datasets
from . import fake_rows, floors
from .measure import Figure, Scenario, Stopwatch, latencies, latency_figure, rate_figure

ROOT = Path(__file__).resolve().parent.parent
LIST_WHERE = [
    Condition("status", "eq", floors.LIST_STATUS),
    Condition("priority", "eq", floors.LIST_PRIORITY),
]


@dataclass
class Run:
    records: int
    cache: Path
    database: str | None
    log: Callable[[str], None]
    quick: bool  # the smoke mode of the test suite: small counts, short loads

    @functools.cached_property
    def data(self) -> datasets.Dataset:
        """The data set, generated or reused the first time a scenario needs it (the import
        scenario does not: ``--only import`` generates nothing)."""
        return datasets.open_dataset(self.cache, self.records, self.database, self.log)

    @property
    def opened(self) -> datasets.Dataset | None:
        return self.__dict__.get("data")

    @property
    def crm(self):
        return self.data.crm

    def count(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def raw(self) -> floors.Raw:
        return floors.Raw(self.data.database_url)

    def agent(self) -> Actor:
        return self.crm.directory.actor_for("agent0")


# -- records service ----------------------------------------------------------------------


def create_ticket(run: Run) -> Scenario:
    scenario = Scenario(
        "create", "Create one ticket through the records service (one transaction each)"
    )
    crm, actor = run.crm, run.agent()
    count = run.count(2000, 100)
    contacts = [r["id"] for r in crm.records.list("contact", limit=50).records]
    rng = random.Random(1)
    with Stopwatch() as watch:
        for index in range(count):
            crm.records.create(
                "ticket",
                {
                    "title": f"Не работает VPN у клиента {index}",
                    "priority": "high",
                    "description": "Users cannot connect since this morning",
                    "contact": rng.choice(contacts),
                },
                actor=actor,
            )
    raw = run.raw()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stamp = int(time.time())
    with Stopwatch() as floor:
        for index in range(count):
            floors.insert_ticket(raw, stamp * 100_000 + index, now)
    raw.close()
    scenario.figures.append(
        rate_figure(
            "tickets created",
            count,
            watch.seconds,
            count / floor.seconds,
            target_rate=1500,
            note="validation, numbering, history, search index, hooks",
        )
    )
    return scenario


def list_page(run: Run) -> Scenario:
    scenario = Scenario(
        "list", "List page: status + priority filter, newest first; page 1 and a deep page"
    )
    crm = run.crm
    depth = run.count(2000, 5)
    cursor, pages = None, 1
    while pages < depth:
        page = crm.records.list(
            "ticket", where=LIST_WHERE, sort="-modified_at", limit=50, cursor=cursor
        )
        if not page.next_cursor:
            break
        cursor, pages = page.next_cursor, pages + 1
    repeats = run.count(200, 20)
    first = latencies(
        lambda: crm.records.list("ticket", where=LIST_WHERE, sort="-modified_at", limit=50),
        repeats=repeats,
    )
    deep = latencies(
        lambda: crm.records.list(
            "ticket", where=LIST_WHERE, sort="-modified_at", limit=50, cursor=cursor
        ),
        repeats=repeats,
    )
    raw = run.raw()
    edge = raw.rows(
        "SELECT modified_at, id FROM rec_ticket WHERE deleted = ? AND status = ? AND priority = ? "
        f"ORDER BY modified_at DESC, id DESC LIMIT 1 OFFSET {max(0, pages * 50 - 51)}",
        (False, floors.LIST_STATUS, floors.LIST_PRIORITY),
    )
    after = tuple(edge[0]) if edge else None
    floor_first = latencies(lambda: floors.list_page(raw, None), repeats=repeats)
    floor_deep = latencies(lambda: floors.list_page(raw, after), repeats=repeats)
    raw.close()
    scenario.figures += [
        latency_figure("page 1", first, floor_first, target_p95_ms=10),
        latency_figure(f"page {pages}", deep, floor_deep, target_p95_ms=10),
    ]
    return scenario


def search(run: Run) -> Scenario:
    scenario = Scenario("search", "Full-text search over tickets and FAQ entries (ranked, stemmed)")
    crm = run.crm
    queries = [
        "принтеры не печатают",
        "server error",
        "ошибка доступа",
        "backup",
        "оплата счёт",
        "portal login",
    ]
    repeats = run.count(100, 12)
    rotation = iter(queries * (repeats + 10))
    samples = latencies(
        lambda: crm.search.query(next(rotation), types=["ticket", "faq"], limit=20), repeats=repeats
    )
    raw = run.raw()
    stems = iter([words.query_stems(q) for q in queries] * (repeats + 10))
    floor = latencies(lambda: floors.search(raw, next(stems)), repeats=repeats)
    raw.close()
    scenario.figures.append(
        latency_figure(
            "search",
            samples,
            floor,
            target_p95_ms=30,
            note="snippets with highlights included; floor: index only",
        )
    )
    return scenario


def dashboard(run: Run) -> Scenario:
    from crm_plugins.tickets.dashboard import support_dashboard

    scenario = Scenario("dashboard", "Support dashboard aggregates")
    crm = run.crm
    repeats = run.count(20, 5)
    samples = latencies(lambda: support_dashboard(crm), repeats=repeats, warmup=1)
    raw = run.raw()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    edges = [now - dt.timedelta(days=30 - day) for day in range(31)]
    floor = latencies(lambda: floors.dashboard(raw, edges, now), repeats=repeats, warmup=1)
    raw.close()
    figure = latency_figure("dashboard", samples, floor)
    figure.target, figure.met = "median <= 200 ms", figure.median <= 200
    scenario.figures.append(figure)
    return scenario


# -- import -------------------------------------------------------------------------------


def import_contacts(run: Run) -> Scenario:
    scenario = Scenario(
        "import", "CSV import of contacts with full validation (into an empty database)"
    )
    rows = run.count(run.records, 2000)
    folder = run.cache / "import"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"contacts-{rows}.csv"
    if not source.exists():
        write_contacts_csv(source, rows)
    url = datasets.fresh_database(run.cache, run.database, "import")
    config = datasets.config_for(
        run.cache / ("pg" if run.database else "sqlite") / "import-scratch", url
    )
    result = subprocess.run(
        [sys.executable, "-m", "bench.importer", str(config), str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"import failed: {result.stderr[-2000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    floor_rate = raw_import_rate(run, source)
    figure = rate_figure(
        "rows imported", measured["rows"], measured["seconds"], floor_rate, target_rate=15_000
    )
    memory = Figure(
        "peak memory", "MB", measured["peak_mb"], target="<= 250 MB", met=measured["peak_mb"] <= 250
    )
    scenario.figures += [figure, memory]
    return scenario


def write_contacts_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["first_name", "last_name", "email", "phone", "title", "description"])
        for index in range(rows):
            russian = rng.random() < 0.6
            writer.writerow(
                [
                    rng.choice(fake_rows.FIRST_RU if russian else fake_rows.FIRST_EN),
                    rng.choice(fake_rows.LAST_RU if russian else fake_rows.LAST_EN),
                    f"imported{index}@example.org",
                    f"+7 812 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                    rng.choice(("Менеджер", "Director", "Бухгалтер", "Engineer")),
                    "Imported contact\nwith a second line",
                ]
            )


def raw_import_rate(run: Run, source: Path) -> float:
    """Rows a second that plain INSERTs in 1,000-row transactions reach, same columns."""
    url = datasets.fresh_database(run.cache, run.database, "import_floor")
    folder = run.cache / ("pg" if run.database else "sqlite") / "import_floor-scratch"
    from crm_core.runtime import CRM

    CRM.load(
        datasets.config_for(folder, url), jobs_mode="inline"
    ).open().close()  # same tables and indexes
    raw = floors.Raw(url)
    insert = (
        "INSERT INTO rec_contact (number, first_name, last_name, email, phone, title, description, "
        "source, deleted, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    count = 0
    with Stopwatch() as watch, source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        raw.begin()
        for row in reader:
            raw.execute(insert, (f"C{count}", *row, "import", False, now, now))
            count += 1
            if count % 1000 == 0:
                raw.commit()
                raw.begin()
        raw.commit()
    raw.close()
    return count / watch.seconds


# -- HTTP ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60, headers: dict | None = None) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Server:
    """A server process on a free loopback port, for one scenario; ``command(port)`` gives
    the command line."""

    def __init__(self, command, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            command(self.port),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def crm_serve(run: Run, *args: str):
    return lambda port: [
        *crm_command(run, "serve", "--host", "127.0.0.1", "--port", str(port)),
        *args,
    ]


def crm_command(run: Run, *args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from crm_core.cli import main; main()",
        "--config",
        str(run.crm.config.path),
        *args,
    ]


def load(url: str, run: Run, headers: list[str], seconds: float | None = None) -> dict:
    seconds = seconds or run.count(10, 2)
    command = [
        sys.executable,
        "-m",
        "bench.load",
        url,
        "--requests",
        str(run.count(200_000, 300)),
        "--seconds",
        str(seconds),
    ]
    for header in headers:
        command += ["--header", header]
    if run.quick:
        command.append("--python")
    output = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    return json.loads(output.stdout)


def http_scenarios(run: Run) -> list[Scenario]:
    """List pages and single-ticket reads over HTTP, gunicorn with 2 workers."""
    crm = run.crm
    agent = crm.directory.get_user("agent0")
    token, _ = crm.sessions.create_api_token(agent["id"], f"bench {time.time()}")
    session, _ = crm.sessions.start(agent["id"], "127.0.0.1")
    server = Server(crm_serve(run, "--workers", "2", "--threads", "8"))
    bearer = {"Authorization": f"Bearer {token}"}
    cookie = {"Cookie": f"crm_session={session}"}
    try:
        wait_for(server.base + "/login")
        lists = Scenario("http_list", "List pages over HTTP (gunicorn, 2 workers)")
        repeats = run.count(200, 10)
        api_url = server.base + "/api/v1/ticket?status=open&priority=high&sort=-modified_at"
        page_url = server.base + "/r/ticket?f.status=open&f.priority=high&sort=-modified_at"
        lists.figures += [
            latency_figure(
                "API list page",
                latencies(lambda: fetch(api_url, bearer), repeats=repeats),
                target_p95_ms=20,
            ),
            latency_figure(
                "staff list page",
                latencies(lambda: fetch(page_url, cookie), repeats=repeats),
                target_p95_ms=20,
            ),
        ]
        ticket_id = crm.records.list("ticket", limit=1, sort="id").records[0]["id"]
        result = warm_load(
            f"{server.base}/api/v1/ticket/{ticket_id}", run, [f"Authorization: Bearer {token}"]
        )
    finally:
        server.stop()
    floor = Server(
        lambda port: [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "bench.floor_app:create()",
        ],
        env={"BENCH_DATABASE_URL": run.data.database_url},
    )
    try:
        wait_for(f"{floor.base}/ticket/{ticket_id}")
        floor_result = warm_load(f"{floor.base}/ticket/{ticket_id}", run, [])
    finally:
        floor.stop()
    gets = Scenario(
        "http_get",
        "Get one ticket over HTTP under load (gunicorn, 2 workers, load from a second process)",
    )
    gets.figures.append(
        rate_figure(
            "requests",
            result["requests"],
            result["requests"] / result["rate"] if result["rate"] else 1,
            floor_result["rate"],
            target_rate=3000,
            note=f"{result['tool']}, {result['errors']} errors; floor: bare WSGI + raw SELECT",
        )
    )
    return [lists, gets]


def warm_load(url: str, run: Run, headers: list[str]) -> dict:
    """``load`` after a short warm-up load. A server answers its first request while its
    second worker may still be starting; wrk opens its connections at once and keeps
    them, so without the warm-up all of them can land on one worker (measured: a quarter
    of the throughput)."""
    load(url, run, headers, seconds=run.count(3, 1))
    return load(url, run, headers)


def fetch(url: str, headers: dict) -> None:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def cold_start(run: Run) -> Scenario:
    scenario = Scenario(
        "cold_start",
        "Cold start of `crm serve` (all enabled plugins) to the first answered request",
    )
    samples, floor_samples = [], []
    for _ in range(run.count(5, 1)):
        started = time.perf_counter()
        server = Server(crm_serve(run))
        try:
            wait_for(server.base + "/login")
            samples.append((time.perf_counter() - started) * 1000)
        finally:
            server.stop()
        started = time.perf_counter()
        floor = Server(lambda port: [sys.executable, "-c", HELLO_SERVER, str(port)])
        try:
            wait_for(floor.base + "/")
            floor_samples.append((time.perf_counter() - started) * 1000)
        finally:
            floor.stop()
    figure = latency_figure(
        "to first response", samples, floor_samples, note="floor: a bare waitress hello world"
    )
    figure.target, figure.met = "<= 1,500 ms", figure.median <= 1500
    scenario.figures.append(figure)
    return scenario


HELLO_SERVER = (
    "import sys, waitress\n"
    "port = int(sys.argv[-1])\n"
    "app = lambda e, s: (s('200 OK', [('Content-Type', 'text/plain')]), [b'hi'])[1]\n"
    "waitress.serve(app, host='127.0.0.1', port=port)\n"
)


# -- schema change under load -------------------------------------------------------------


def custom_field(run: Run) -> Scenario:
    scenario = Scenario(
        "custom_field",
        "Add custom fields to the ticket table while another process writes every 10 ms",
    )
    crm = run.crm
    stamp = int(time.time())
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.writer",
            str(crm.config.path),
            "--interval",
            "0.01",
            "--seconds",
            str(run.count(8, 3)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(run.count(1.5, 0.5))
    with Stopwatch() as optional:
        crm.fields.add("ticket", f"bench_note_{stamp}", "text", label="Bench note")
    time.sleep(run.count(1.5, 0.5))
    with Stopwatch() as required:
        crm.fields.add(
            "ticket",
            f"bench_level_{stamp}",
            "picklist",
            values=[("lo", "Low"), ("hi", "High")],
            required=True,
            default="lo",
        )
    output, _ = writer.communicate(timeout=120)
    writes = json.loads(output.strip().splitlines()[-1])
    raw = run.raw()
    with Stopwatch() as floor:
        raw.execute(
            f"ALTER TABLE rec_ticket ADD COLUMN \"bench_raw_{stamp}\" VARCHAR(100) DEFAULT 'lo'"
        )
    raw.close()
    note = (
        f"{writes['writes']} writes, {writes['failed']} failed, slowest {writes['max_ms']:.0f} ms"
    )
    scenario.figures += [
        Figure(
            "add optional field",
            "ms",
            optional.seconds * 1000,
            floor=floor.seconds * 1000,
            target="<= 500 ms",
            met=optional.seconds <= 0.5,
        ),
        Figure(
            "add required field with default",
            "ms",
            required.seconds * 1000,
            floor=floor.seconds * 1000,
            target="<= 500 ms",
            met=required.seconds <= 0.5,
        ),
        Figure(
            "failed writes meanwhile",
            "count",
            writes["failed"],
            target="0",
            met=writes["failed"] == 0,
            note="; ".join(writes["errors"]),
        ),
        Figure(
            "slowest write meanwhile",
            "ms",
            writes["max_ms"],
            target="<= 500 ms",
            met=writes["max_ms"] <= 500,
            note=note,
        ),
    ]
    return scenario


SCENARIOS = {
    "create": create_ticket,
    "list": list_page,
    "search": search,
    "dashboard": dashboard,
    "import": import_contacts,
    "http": http_scenarios,
    "custom_field": custom_field,
    "cold_start": cold_start,
}
