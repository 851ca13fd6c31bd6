"""Demo tickets (``crm demo``): a few hundred over the last 90 days, so the queues and the
support dashboard show something real.

Older tickets are mostly closed with a solution, recent ones open, in progress or waiting
for the customer; some are overdue, some answered late. Tickets belong to the demo contacts
(and their accounts) and, when the products plugin is on, to demo products. They are
assigned to the staff users and to a "Поддержка" (support) group, a few left unassigned.
Creation times lie in the past, so the SLA fields are given here, worked out on the same
working calendar the plugin uses. Random choices come from a fixed seed: every run loads
the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from crm_core import clock
from crm_core.actors import Actor

from . import sla
from .settings import policy

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "ticket"
TICKETS = 300
DAYS = 90
SEED = 2026
GROUP = "Поддержка"
#: Fields the demo sets although users cannot: the past creation time and the SLA record.
DEMO_FIELDS = frozenset({"created_at"}) | sla.FIELDS

# (title, description, solution, category, severity)
TOPICS = [
    (
        "Не печатает принтер в бухгалтерии",
        "HP LaserJet на втором этаже не берёт задания, в очереди висят документы.",
        "Очистили очередь печати и переустановили драйвер; печать восстановлена.",
        "small_problem",
        "minor",
    ),
    (
        "Не приходят письма с сайта",
        "Заявки с формы обратной связи перестали приходить на почту отдела продаж.",
        "На почтовом сервере истёк сертификат; сертификат продлён, очередь писем отправлена.",
        "big_problem",
        "major",
    ),
    (
        "Ошибка 500 при входе в личный кабинет",
        "Клиенты видят ошибку 500 после ввода пароля.",
        "Исправлена миграция базы данных, из-за которой не хватало столбца в таблице сессий.",
        "big_problem",
        "critical",
    ),
    (
        "Прошу добавить выгрузку отчёта в Excel",
        "Нужна кнопка выгрузки ежемесячного отчёта по продажам в формате XLSX.",
        "Выгрузка в XLSX добавлена в версии 2.4.",
        "other_problem",
        "feature",
    ),
    (
        "Медленно открывается список заказов",
        "Список заказов загружается больше минуты.",
        "Добавлен индекс по дате заказа; список открывается за секунду.",
        "small_problem",
        "major",
    ),
    (
        "Не работает сканер штрихкодов на складе",
        "Сканер на кассе 3 не считывает коды после обновления.",
        "Сканер переключён в режим эмуляции клавиатуры, настройки сохранены.",
        "small_problem",
        "minor",
    ),
    (
        "Cannot log in to the customer portal",
        "After the password reset the portal says the account is locked.",
        "Unlocked the account and extended the support period; login works.",
        "small_problem",
        "major",
    ),
    (
        "Invoice totals are rounded wrongly",
        "Invoices with many lines show a total one cent off.",
        "Totals are now rounded once per invoice instead of per line.",
        "big_problem",
        "major",
    ),
    (
        "VPN disconnects every hour",
        "Remote staff lose the VPN connection about every 60 minutes.",
        "Raised the session lifetime on the VPN gateway to 12 hours.",
        "small_problem",
        "minor",
    ),
    (
        "Please add a Russian translation of the order form",
        "Our customers in Moscow need the order form in Russian.",
        "The order form is translated; the language follows the browser.",
        "other_problem",
        "feature",
    ),
    (
        "Server room temperature alarm",
        "The monitoring system reports 35 °C in the server room.",
        "The air conditioner filter was replaced; temperature back to 22 °C.",
        "big_problem",
        "critical",
    ),
    (
        "Lost access to the shared drive",
        "Since Monday the sales team cannot open the shared drive.",
        "Group membership was restored after the directory sync removed it.",
        "small_problem",
        "minor",
    ),
]
PUBLIC_REPLIES = [
    "Здравствуйте! Заявку получили, уже разбираемся.",
    "Уточните, пожалуйста, когда проблема появилась впервые?",
    "Hello, we are looking into it and will get back to you shortly.",
    "Could you send us a screenshot of the error?",
]
INTERNAL_NOTES = [
    "Похоже на ту же причину, что и в прошлом месяце — проверить логи.",
    "Передал вопрос второй линии.",
    "Customer is on the premium plan, handle first.",
    "Checked the logs: nothing unusual before 10:00.",
]
PRIORITIES = (("low", 20), ("normal", 50), ("high", 20), ("urgent", 10))
OPEN_STATUSES = (("open", 40), ("in_progress", 35), (sla.WAITING, 25))


def load(crm: CRM, actor: Actor) -> None:
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
    now = clock.utcnow()
    rules = policy(crm)
    contacts = crm.records.list("contact", limit=200, actor=actor).records
    products = (
        crm.records.list("product", limit=200, actor=actor).records
        if crm.registry.type(TYPE).has_field("product")
        else []
    )
    owners, staff = _team(crm)
    with crm.transaction():
        for _ in range(TICKETS):
            values = _ticket(rng, now, rules, contacts, products, owners)
            ticket = crm.records.create(TYPE, values, actor=actor, allow_read_only=DEMO_FIELDS)
            _comments(crm, rng, ticket, staff)


def _team(crm: CRM) -> tuple[list[str | None], list[Actor]]:
    """Owners to assign tickets to (staff users, the support group, and ``None`` now and
    then) and the staff who write comments."""
    users = [u for u in crm.directory.list_users(include_inactive=False) if u["kind"] == "staff"]
    groups = {group["name"]: group for group in crm.directory.list_groups()}
    group = groups.get(GROUP) or crm.directory.add_group(GROUP, "Первая линия поддержки")
    if users:
        crm.directory.set_members(GROUP, add=[u["login"] for u in users])
    owners: list[str | None] = [f"user:{u['id']}" for u in users]
    owners += [f"group:{group['id']}", None]
    return owners, [crm.directory.actor_for(u["id"]) for u in users]


def _ticket(rng, now, rules, contacts, products, owners) -> dict[str, Any]:
    title, description, solution, category, severity = rng.choice(TOPICS)
    age = rng.uniform(0, DAYS)
    created = (now - dt.timedelta(days=age)).replace(microsecond=0)
    priority = _weighted(rng, PRIORITIES)
    targets = rules.targets_for(priority)
    values: dict[str, Any] = {
        "title": title,
        "description": description,
        "priority": priority,
        "severity": severity if rng.random() < 0.7 else None,
        "category": category,
        "assigned_to": rng.choice(owners),
        "created_at": created,
    }
    if contacts:
        contact = rng.choice(contacts)
        values.update(contact=contact["id"], account=contact.get("account"))
    if products and rng.random() < 0.6:
        values["product"] = rng.choice(products)["id"]
    responded = _after(rules, created, targets.first_response, rng.uniform(0.1, 1.6))
    if responded and responded <= now and rng.random() < 0.9:
        values["first_response_at"] = responded
    closed = _after(rules, created, targets.resolution, rng.uniform(0.2, 1.5))
    if closed and closed <= now and rng.random() < min(0.92, 0.1 + age / 25):
        values.update(
            status=sla.CLOSED,
            closed_at=closed,
            first_response_at=min(values.get("first_response_at") or closed, closed),
            solution=solution,
            hours=rng.choice(("0.5", "1", "2", "3", "4", "6", "8")),
        )
        return values
    values["status"] = _weighted(rng, OPEN_STATUSES)
    answered = values.get("first_response_at")
    if values["status"] == sla.WAITING and not answered:
        values["status"] = "open"  # nobody asked the customer anything yet
    elif values["status"] == sla.WAITING:
        waited_from = answered + (now - answered) * rng.uniform(0.3, 0.9)
        values["sla_paused_at"] = waited_from.replace(microsecond=0)
    return values


def _after(rules, start: dt.datetime, seconds: int | None, share: float) -> dt.datetime | None:
    """A moment ``share`` of a target's working time after ``start`` (late when > 1)."""
    if not seconds:
        return None
    return rules.calendar.add(start, round(seconds * share))


def _comments(crm: CRM, rng, ticket: dict[str, Any], staff: list[Actor]) -> None:
    if not staff:
        return
    if ticket["first_response_at"]:
        author = rng.choice(staff)
        crm.comments.add(TYPE, ticket["id"], rng.choice(PUBLIC_REPLIES), actor=author)
    if rng.random() < 0.4:
        author = rng.choice(staff)
        crm.comments.add(
            TYPE, ticket["id"], rng.choice(INTERNAL_NOTES), actor=author, internal=True
        )


def _weighted(rng, choices) -> str:
    codes, weights = zip(*choices, strict=True)
    return rng.choices(codes, weights=weights)[0]
