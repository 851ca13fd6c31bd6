"""Warnings about a running contract: its units are used up, or its due date is near or past.

They are shown on the contract, on each of its tickets, and as the list view "Expiring /
exhausted". A contract that is Complete or Archived gets no warnings. "Near" is
``warn_days_before_due`` of ``[plugins.contracts]`` (default 14 days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crm_core.query import Condition, Or

from . import usage

if TYPE_CHECKING:
    from crm_core.runtime import CRM

FINISHED = ("complete", "archived")


@dataclass(frozen=True)
class Alert:
    """``kind`` is ``used_up``, ``due_soon`` (``days`` left, 0 = today) or ``overdue``
    (``days`` late)."""

    kind: str
    days: int = 0


def warn_days(crm: CRM) -> int:
    return crm.settings("contracts")["warn_days_before_due"]


def alerts(contract: dict[str, Any], on: dt.date, days_ahead: int) -> list[Alert]:
    if contract.get("status") in FINISHED:
        return []
    found = []
    total = contract.get("total_units")
    if total and total > 0 and (contract.get("used_units") or 0) >= total:
        found.append(Alert("used_up"))
    due = contract.get("due_date")
    if due is not None:
        left = (due - on).days
        if left < 0:
            found.append(Alert("overdue", -left))
        elif left <= days_ahead:
            found.append(Alert("due_soon", left))
    return found


def list_view(crm: CRM) -> dict[str, Any]:
    """The saved view of running contracts that are used up or due within the warning time."""
    codes = crm.registry.picklist("service_contract_status").codes()
    horizon = usage.today(crm) + dt.timedelta(days=warn_days(crm))
    return {
        "name": "attention",
        "label": {"en": "Expiring / exhausted", "ru": "Истекают / исчерпаны"},
        "where": [
            Condition("status", "in", [code for code in codes if code not in FINISHED]),
            Or(Condition("progress", "gte", 100), Condition("due_date", "lte", horizon)),
        ],
        "sort": "due_date",
    }
