"""Demo knowledge-base entries (``crm demo``), in Russian and English.

Most are published (with votes, so the "most helpful" orders mean something), a few are
drafts, reviewed or obsolete. When the products plugin is on, entries about the demo
products point to them (found by product code); a few carry public and internal comments.
"""

from __future__ import annotations

from typing import Any

from crm_core.query import Condition

from . import votes

TYPE = "faq"

# (question, answer, category, status, product code, helpful yes, helpful no)
ENTRIES = [
    (
        "Принтер LP-2000 зажёвывает бумагу. Что делать?",
        "1. Выключите принтер и откройте **лоток 2**.\n"
        "2. Аккуратно вытяните застрявший лист двумя руками.\n"
        "3. Проверьте, что бумага плотностью не больше 120 г/м².\n\n"
        "Если замятия повторяются, оставьте заявку — инженер заменит ролик подачи.",
        "troubleshooting",
        "published",
        "LP-2000",
        41,
        3,
    ),
    (
        "Как заменить картридж в LP-2000?",
        "Откройте переднюю крышку, потяните картридж на себя и вставьте новый до щелчка.\n\n"
        "Подходит оригинальный картридж **LP-2000-TB**; совместимые картриджи снимают "
        "принтер с гарантии.",
        "how_to",
        "published",
        "LP-2000-TB",
        28,
        1,
    ),
    (
        "Ноутбук Business 14 не заряжается",
        "- Проверьте, что горит индикатор на блоке питания.\n"
        "- Подключите блок питания напрямую в розетку, без удлинителя.\n"
        "- Удерживайте кнопку питания 30 секунд, чтобы сбросить контроллер батареи.",
        "troubleshooting",
        "published",
        "NB-14",
        17,
        6,
    ),
    (
        "Как продлить лицензию Office Suite?",
        "Продление оформляется за 30 дней до окончания лицензии. Напишите менеджеру или "
        "оставьте заявку в личном кабинете — мы выставим счёт на следующий год.",
        "billing",
        "published",
        "OS-LIC-1Y",
        9,
        0,
    ),
    (
        "Где скачать закрывающие документы?",
        "Акты и счета-фактуры доступны в личном кабинете в разделе «Документы». "
        "Оригиналы отправляем по ЭДО или почтой раз в месяц.",
        "billing",
        "published",
        None,
        22,
        2,
    ),
    (
        "Что входит в техническую поддержку 24/7?",
        "Круглосуточный приём заявок по телефону и почте, время реакции на срочные заявки — "
        "1 час, выезд инженера в пределах города.",
        "general",
        "published",
        "SRV-247",
        12,
        4,
    ),
    (
        "How do I reset my Helpdesk Cloud password?",
        "Open the sign-in page, choose **Forgot password** and follow the link in the email.\n\n"
        "The link is valid for one hour. If no email arrives, check the spam folder or "
        "[contact support](mailto:support@example.com).",
        "how_to",
        "published",
        "HD-CLOUD",
        35,
        5,
    ),
    (
        "Which browsers does Helpdesk Cloud support?",
        "The two latest versions of Chrome, Firefox, Edge and Safari.",
        "general",
        "published",
        "HD-CLOUD",
        8,
        0,
    ),
    (
        "How long does an onsite training day last?",
        "Six hours of training with a lunch break, for up to twelve people.",
        "general",
        "reviewed",
        "TRN-DAY",
        0,
        0,
    ),
    (
        "Можно ли подключить LP-2000 по Wi-Fi?",
        "Черновик: уточнить у производителя, есть ли модуль Wi-Fi для ревизии B.",
        "how_to",
        "draft",
        "LP-2000",
        0,
        0,
    ),
    (
        "Где купить ленту для MX-80?",
        "Принтер MX-80 снят с продажи; ленты больше не поставляются.",
        "general",
        "obsolete",
        "MX-80",
        3,
        7,
    ),
]

COMMENTS = {
    "Принтер LP-2000 зажёвывает бумагу. Что делать?": [
        ("Помогло, спасибо! Лист застрял именно во втором лотке.", False),
        ("Проверить, не нужна ли отдельная статья про ролики подачи.", True),
    ],
    "How do I reset my Helpdesk Cloud password?": [
        ("The reset email now comes from no-reply@example.com.", False),
    ],
}


def load(crm, actor) -> None:
    products = _product_ids(crm)
    for question, answer, category, status, code, yes, no in ENTRIES:
        values: dict[str, Any] = {
            "question": question,
            "answer": answer,
            "category": category,
            "status": status,
            "helpful_yes": yes,
            "helpful_no": no,
        }
        if code in products:
            values["product"] = products[code]
        entry = crm.records.create(TYPE, values, actor=actor, allow_read_only=votes.FIELDS)
        for body, internal in COMMENTS.get(question, []):
            crm.comments.add(TYPE, entry["id"], body, actor=actor, internal=internal)


def _product_ids(crm) -> dict[str, int]:
    """Demo product ids by product code (empty without the products plugin)."""
    if not crm.registry.type(TYPE).has_field("product"):
        return {}
    codes = sorted({entry[4] for entry in ENTRIES if entry[4]})
    page = crm.records.list(
        "product", where=[Condition("code", "in", codes)], limit=len(codes), sort="id"
    )
    return {record["code"]: record["id"] for record in page.records}
