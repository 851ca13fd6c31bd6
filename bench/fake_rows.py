"""Fake help-desk rows for the benchmark's data set, made without the CRM.

Text mixes Russian and English with Zipf's law word frequencies; picklist values are
skewed as in a real help desk (most tickets closed, few urgent); dates spread over three
years, counted back from the time of generation. Each batch has a random generator seeded
by its kind and first row, so the rows are the same whichever process makes which batch:
:mod:`.dataset` has them made in a second process while it saves the previous batch
through the CRM.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Any

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


def sentence(rng: random.Random, words: int) -> str:
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


def weighted(rng: random.Random, choices) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def account(rng: random.Random, index: int, context: dict) -> dict[str, Any]:
    if rng.random() < 0.6:
        name = f"ООО «{rng.choice(LAST_RU)} и партнёры {index}»"
    else:
        name = f"{rng.choice(LAST_EN)} {rng.choice(('Ltd', 'Inc', 'GmbH', 'LLC'))} {index}"
    return {
        "name": name,
        "phone": f"+7 495 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
    }


def contact(rng: random.Random, index: int, context: dict) -> dict[str, Any]:
    russian = rng.random() < 0.6
    first = rng.choice(FIRST_RU if russian else FIRST_EN)
    last = rng.choice(LAST_RU if russian else LAST_EN)
    return {
        "first_name": first,
        "last_name": last,
        "email": f"person{index}@example.com",
        "account": rng.choice(context["accounts"]),
    }


def product(rng: random.Random, index: int, context: dict) -> dict[str, Any]:
    return {
        "name": f"{sentence(rng, 2)} {index}",
        "code": f"P{index:05d}",
        "unit_price": rng.randint(100, 99_999),
    }


def faq(rng: random.Random, index: int, context: dict) -> dict[str, Any]:
    return {
        "question": sentence(rng, 8) + "?",
        "answer": "<p>" + sentence(rng, 40) + ".</p>",
        "status": weighted(rng, (("published", 70), ("draft", 20), ("obsolete", 10))),
        "product": rng.choice(context["products"]) if rng.random() < 0.5 else None,
    }


def ticket(rng: random.Random, index: int, context: dict) -> dict[str, Any]:
    now, owners, products = context["now"], context["owners"], context["products"]
    status = weighted(rng, STATUSES)
    if status == "closed" or rng.random() < 0.1:  # a few forgotten ones stay open for long
        age = rng.random() ** 1.5 * YEARS * 365 * 86_400
    else:  # tickets still being worked on are mostly recent
        age = min(rng.expovariate(1 / (7 * 86_400)), YEARS * 365 * 86_400)
    created = now - dt.timedelta(seconds=int(age))
    values: dict[str, Any] = {
        "title": sentence(rng, rng.randint(3, 8)),
        "description": sentence(rng, rng.randint(10, 40)) + ".",
        "priority": weighted(rng, PRIORITIES),
        "status": status,
        "assigned_to": rng.choice(owners) if rng.random() < 0.9 else None,
        "contact": rng.choice(context["contacts"]),
        "product": rng.choice(products) if rng.random() < 0.4 else None,
        "created_at": created,
    }
    if status == "closed":
        closed = created + dt.timedelta(hours=rng.uniform(1, 24 * 14))
        values.update(
            closed_at=min(closed, now),
            first_response_at=created + dt.timedelta(minutes=rng.uniform(5, 600)),
            solution=sentence(rng, 12) + ".",
            hours=str(rng.choice((0.5, 1, 2, 4, 8))),
        )
    return values


def comment(rng: random.Random, index: int, context: dict) -> tuple:
    """(ticket id, text, internal?, author's position in the list of agents)."""
    return (
        rng.choice(context["tickets"]),
        sentence(rng, rng.randint(5, 25)) + ".",
        rng.random() < 0.2,
        rng.randrange(context["agents"]),
    )


MAKERS = {
    "account": account,
    "contact": contact,
    "product": product,
    "faq": faq,
    "ticket": ticket,
    "comment": comment,
}
_context: dict[str, Any] = {}


def remember(context: dict[str, Any]) -> None:
    """Keep what the rows refer to (ids, the time) for the batches this process makes."""
    _context.clear()
    _context.update(context)


def batch(kind: str, first: int, size: int) -> list[tuple[int, Any]]:
    """Rows ``first`` to ``first + size - 1`` of ``kind``, each with its position."""
    rng = random.Random(f"{SEED}:{kind}:{first}")
    make = MAKERS[kind]
    return [(index, make(rng, index, _context)) for index in range(first, first + size)]
