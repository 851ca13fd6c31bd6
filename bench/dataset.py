"""The benchmark's data: accounts, contacts, products, FAQ entries, tickets and comments.

Generated through the CRM's own bulk path (``crm.records.create_many``,
``crm.comments.add_many``): every row validated, numbered, indexed for search and written
to history, like an import. Text mixes Russian and English; picklist values are skewed as
in a real help desk (most tickets closed, few urgent); dates spread over three years. A
data set is kept in the cache directory (SQLite) or in a schema of its own (PostgreSQL)
and reused by later runs with the same size.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2
import tomli_w

from crm_core.runtime import CRM

from .measure import Stopwatch

VERSION = 4
PLUGINS = ["contacts", "products", "tickets", "faq"]
BATCH = 5_000
SEED = 20261123
YEARS = 3

WORDS_RU = [
    "принтер",
    "не",
    "печатает",
    "сервер",
    "почта",
    "доступ",
    "пароль",
    "сайт",
    "ошибка",
    "отчёт",
    "выгрузка",
    "склад",
    "касса",
    "сканер",
    "база",
    "данных",
    "обновление",
    "договор",
    "счёт",
    "оплата",
    "доставка",
    "заказ",
    "клиент",
    "звонок",
    "сеть",
    "интернет",
    "роутер",
    "ноутбук",
    "монитор",
    "лицензия",
    "резервная",
    "копия",
    "бухгалтерия",
    "медленно",
]
WORDS_EN = [
    "printer",
    "server",
    "email",
    "access",
    "password",
    "website",
    "error",
    "report",
    "export",
    "warehouse",
    "invoice",
    "payment",
    "delivery",
    "order",
    "customer",
    "network",
    "router",
    "laptop",
    "monitor",
    "licence",
    "backup",
    "slow",
    "login",
    "portal",
    "crash",
    "timeout",
    "update",
    "sync",
    "mobile",
    "app",
    "dashboard",
]
FIRST_RU = [
    "Иван",
    "Анна",
    "Пётр",
    "Мария",
    "Сергей",
    "Ольга",
    "Дмитрий",
    "Елена",
    "Алексей",
    "Наталья",
]
LAST_RU = [
    "Петров",
    "Иванова",
    "Смирнов",
    "Кузнецова",
    "Попов",
    "Соколова",
    "Лебедев",
    "Козлова",
    "Новиков",
    "Морозова",
]
FIRST_EN = [
    "John",
    "Mary",
    "James",
    "Linda",
    "Robert",
    "Susan",
    "Michael",
    "Karen",
    "David",
    "Laura",
]
LAST_EN = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Miller",
    "Wilson",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
]
#: (code, weight): most tickets are closed (a help desk answering ~900 a day keeps some
#: tens of thousands open, mostly recent ones, not hundreds of thousands), few are urgent.
STATUSES = (("closed", 970), ("open", 15), ("in_progress", 10), ("wait_for_response", 5))
PRIORITIES = (("normal", 55), ("low", 20), ("high", 20), ("urgent", 5))


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
    rng = random.Random(SEED)
    counts = sizes(records)
    users = _users(crm, counts["user"])
    owners = [f"user:{u['id']}" for u in users]
    accounts = _bulk(crm, "account", counts["account"], lambda i: _account(rng, i), log)
    contacts = _bulk(crm, "contact", counts["contact"], lambda i: _contact(rng, i, accounts), log)
    products = _bulk(crm, "product", counts["product"], lambda i: _product(rng, i), log)
    _bulk(crm, "faq", counts["faq"], lambda i: _faq(rng, i, products), log)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    tickets = _bulk(
        crm,
        "ticket",
        records,
        lambda i: _ticket(rng, now, owners, contacts, products),
        log,
        allow_read_only=frozenset({"created_at", "closed_at", "first_response_at"}),
    )
    _comments(crm, rng, tickets, counts["comment"], users, log)
    crm.analyze()


def _bulk(
    crm: CRM, type_name: str, count: int, make, log, allow_read_only=frozenset()
) -> list[int]:
    """Create ``count`` records in batches; returns their ids."""
    ids: list[int] = []
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        rows = [(made + i, make(made + i)) for i in range(size)]
        with crm.transaction():
            created = crm.records.create_many(
                type_name,
                rows,
                source="import",
                keep_number=False,
                allow_read_only=allow_read_only,
            )
        ids.extend(created)
        made += size
        if made % (BATCH * 20) == 0 or made == count:
            log(f"  {type_name}: {made:,} / {count:,}")
    return ids


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


def _sentence(rng: random.Random, words: int) -> str:
    vocabulary = VOCABULARY_RU if rng.random() < 0.6 else VOCABULARY_EN
    chosen = rng.choices(vocabulary.words, cum_weights=vocabulary.weights, k=words)
    return " ".join(chosen).capitalize()


@dataclass(frozen=True)
class Vocabulary:
    """Words with Zipf's law frequencies, as in real text: a few function words in almost
    every ticket, the help-desk words of ``domain`` in a few per cent each, and a long
    tail of rare words (made up from syllables, the same on every run). A query then
    matches as many tickets as it would in a real help desk, not half of them."""

    words: tuple[str, ...]
    weights: tuple[float, ...]  # cumulative

    @classmethod
    def build(cls, function: list[str], domain: list[str], syllables: list[str], size: int):
        rng = random.Random(SEED)
        tail: list[str] = []
        known = set(function) | set(domain)
        while len(tail) < size:
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
            if word not in known:
                known.add(word)
                tail.append(word)
        words = list(function)
        for index, word in enumerate(domain):  # domain words spread over ranks 14 to ~150
            words += [word, *tail[index * 3 : index * 3 + 3]]
        words += tail[len(domain) * 3 :]
        return cls(
            tuple(words), tuple(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
        )


FUNCTION_RU = ["не", "и", "в", "на", "с", "что", "по", "для", "у", "при", "после", "из", "от"]
FUNCTION_EN = ["the", "to", "is", "and", "in", "of", "not", "on", "with", "after", "for", "from"]
SYLLABLES_RU = [
    "ка",
    "ро",
    "ми",
    "ле",
    "ст",
    "пр",
    "ва",
    "до",
    "ри",
    "ну",
    "ет",
    "ол",
    "за",
    "ви",
    "те",
]
SYLLABLES_EN = [
    "ka",
    "ro",
    "mi",
    "le",
    "st",
    "pr",
    "va",
    "do",
    "ri",
    "nu",
    "et",
    "ol",
    "za",
    "vi",
    "te",
]
VOCABULARY_RU = Vocabulary.build(FUNCTION_RU, WORDS_RU, SYLLABLES_RU, 15_000)
VOCABULARY_EN = Vocabulary.build(FUNCTION_EN, WORDS_EN, SYLLABLES_EN, 15_000)


def _weighted(rng: random.Random, choices) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _account(rng: random.Random, index: int) -> dict[str, Any]:
    if rng.random() < 0.6:
        name = f"ООО «{rng.choice(LAST_RU)} и партнёры {index}»"
    else:
        name = f"{rng.choice(LAST_EN)} {rng.choice(('Ltd', 'Inc', 'GmbH', 'LLC'))} {index}"
    return {
        "name": name,
        "phone": f"+7 495 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
    }


def _contact(rng: random.Random, index: int, accounts: list[int]) -> dict[str, Any]:
    russian = rng.random() < 0.6
    first = rng.choice(FIRST_RU if russian else FIRST_EN)
    last = rng.choice(LAST_RU if russian else LAST_EN)
    return {
        "first_name": first,
        "last_name": last,
        "email": f"person{index}@example.com",
        "account": rng.choice(accounts),
    }


def _product(rng: random.Random, index: int) -> dict[str, Any]:
    return {
        "name": f"{_sentence(rng, 2)} {index}",
        "code": f"P{index:05d}",
        "unit_price": rng.randint(100, 99_999),
    }


def _faq(rng: random.Random, index: int, products: list[int]) -> dict[str, Any]:
    return {
        "question": _sentence(rng, 8) + "?",
        "answer": "<p>" + _sentence(rng, 40) + ".</p>",
        "status": _weighted(rng, (("published", 70), ("draft", 20), ("obsolete", 10))),
        "product": rng.choice(products) if rng.random() < 0.5 else None,
    }


def _ticket(rng: random.Random, now: dt.datetime, owners, contacts, products) -> dict[str, Any]:
    status = _weighted(rng, STATUSES)
    if status == "closed" or rng.random() < 0.1:  # a few forgotten ones stay open for long
        age = rng.random() ** 1.5 * YEARS * 365 * 86_400
    else:  # tickets still being worked on are mostly recent
        age = min(rng.expovariate(1 / (7 * 86_400)), YEARS * 365 * 86_400)
    created = now - dt.timedelta(seconds=int(age))
    values: dict[str, Any] = {
        "title": _sentence(rng, rng.randint(3, 8)),
        "description": _sentence(rng, rng.randint(10, 40)) + ".",
        "priority": _weighted(rng, PRIORITIES),
        "status": status,
        "assigned_to": rng.choice(owners) if rng.random() < 0.9 else None,
        "contact": rng.choice(contacts),
        "product": rng.choice(products) if rng.random() < 0.4 else None,
        "created_at": created,
    }
    if status == "closed":
        closed = created + dt.timedelta(hours=rng.uniform(1, 24 * 14))
        values.update(
            closed_at=min(closed, now),
            first_response_at=created + dt.timedelta(minutes=rng.uniform(5, 600)),
            solution=_sentence(rng, 12) + ".",
            hours=str(rng.choice((0.5, 1, 2, 4, 8))),
        )
    return values


def _comments(crm: CRM, rng: random.Random, tickets: list[int], count: int, users, log) -> None:
    authors = [crm.directory.actor_for(u["id"]) for u in users]
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        rows = [
            (
                "ticket",
                rng.choice(tickets),
                _sentence(rng, rng.randint(5, 25)) + ".",
                rng.random() < 0.2,
                rng.choice(authors),
            )
            for _ in range(size)
        ]
        with crm.transaction():
            crm.comments.add_many(rows)
        made += size
        if made % (BATCH * 20) == 0 or made == count:
            log(f"  comment: {made:,} / {count:,}")


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
