"""The ``[plugins.tickets]`` settings: their schema, their checks, and the SLA policy they
describe.

    [plugins.tickets]
    require_solution_to_close = true
    timezone = "Europe/Moscow"          # default: [crm] timezone
    working_days = ["mon", "tue", "wed", "thu", "fri"]
    working_hours = "09:00-18:00"
    holidays = [2027-01-01, 2027-01-07]

    [plugins.tickets.sla.urgent]        # one table per priority code
    first_response_hours = 1
    resolution_hours = 8

Targets are working hours. A priority without a table has no SLA; writing any
``[plugins.tickets.sla.*]`` table replaces the defaults below as a whole.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from crm_core.errors import ConfigError

from .sla import Policy, Targets
from .working_time import WorkingCalendar, parse_days, parse_shift, parse_zone

if TYPE_CHECKING:
    from crm_core.runtime import CRM

PLUGIN = "tickets"
DEFAULT_TARGETS = {
    "low": {"first_response_hours": 16, "resolution_hours": 80},
    "normal": {"first_response_hours": 8, "resolution_hours": 40},
    "high": {"first_response_hours": 4, "resolution_hours": 16},
    "urgent": {"first_response_hours": 1, "resolution_hours": 8},
}


def _check_zone(field: str, value: Any, error) -> None:
    if value is not None:
        try:
            parse_zone(value)
        except ValueError as exc:
            error(field, str(exc))


def _check_shift(field: str, value: Any, error) -> None:
    try:
        parse_shift(value)
    except ValueError as exc:
        error(field, str(exc))


def _check_days(field: str, value: Any, error) -> None:
    try:
        parse_days(value)
    except ValueError as exc:
        error(field, str(exc))


def _check_holidays(field: str, value: Any, error) -> None:
    for item in value:
        if not isinstance(item, dt.date) or isinstance(item, dt.datetime):
            error(field, f"{item!r} is not a date; write TOML dates without quotes: [2027-01-01]")
            return


def _check_targets(field: str, value: Any, error) -> None:
    first, resolution = value.get("first_response_hours"), value.get("resolution_hours")
    numbers = all(isinstance(v, int | float) for v in (first, resolution))
    if numbers and first > resolution:  # a missing or wrong-typed one has its own error
        error(field, "first_response_hours must not be more than resolution_hours")


HOURS = {"type": "number", "required": True, "min": 0.01, "max": 100_000}

CONFIG_SCHEMA: dict[str, Any] = {
    "require_solution_to_close": {"type": "boolean", "default": True},
    "timezone": {"type": "string", "nullable": True, "default": None, "check_with": _check_zone},
    "working_days": {
        "type": "list",
        "default": ["mon", "tue", "wed", "thu", "fri"],
        "check_with": _check_days,
    },
    "working_hours": {"type": "string", "default": "09:00-18:00", "check_with": _check_shift},
    "holidays": {"type": "list", "default": [], "check_with": _check_holidays},
    "sla": {
        "type": "dict",
        "keysrules": {"type": "string", "regex": r"^[a-z0-9][a-z0-9_\-]{0,63}$"},
        "valuesrules": {
            "type": "dict",
            "schema": {"first_response_hours": HOURS, "resolution_hours": HOURS},
            "check_with": _check_targets,
        },
        "default": DEFAULT_TARGETS,
    },
}


def settings(crm: CRM) -> dict[str, Any]:
    return crm.settings(PLUGIN)


def policy(crm: CRM) -> Policy:
    """The working calendar and the per-priority targets now in force."""
    values = settings(crm)
    return _policy(
        tuple(values["working_days"]),
        values["working_hours"],
        values["timezone"] or crm.config.timezone,
        tuple(values["holidays"]),
        tuple(
            (code, target["first_response_hours"], target["resolution_hours"])
            for code, target in values["sla"].items()
        ),
    )


@functools.lru_cache(maxsize=16)
def _policy(days, hours, zone, holidays, targets) -> Policy:
    """The policy of these settings, built once (every ticket save needs it)."""
    try:
        calendar = WorkingCalendar.from_settings(days, hours, zone, holidays)
    except ValueError as exc:  # only [crm] timezone is not checked at start-up
        raise ConfigError(f"[crm] timezone: {exc}") from None
    return Policy(
        calendar,
        {
            code: Targets(round(first * 3600), round(resolution * 3600))
            for code, first, resolution in targets
        },
    )
