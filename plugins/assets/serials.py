"""Serial numbers: unique per product (letter case aside), and found by the global search.

Each asset keeps ``serial_key``, its serial number trimmed and case-folded, in a hidden
indexed field: the uniqueness check and the look-up compare keys, so ``SN-12a`` and
``sn-12A`` are the same number on both databases and a look-up among a million assets is
one index seek. Two assets saved at the same moment with the same number are kept apart by
locking the product's row before the final check (see :func:`guard`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_core import ValidationError, msg
from crm_core.actors import Actor
from crm_core.query import Condition

if TYPE_CHECKING:
    from crm_core.runtime import CRM

TYPE = "asset"
LOOKUP_LIMIT = 10


def key(serial: str | None) -> str | None:
    return serial.strip().casefold() if serial and serial.strip() else None


def changed(asset: dict[str, Any], old: dict[str, Any] | None) -> bool:
    return old is None or any(asset.get(f) != old.get(f) for f in ("product", "serial_number"))


def clash(crm: CRM, asset: dict[str, Any]) -> str | None:
    """Why the asset's serial number cannot be used, naming the asset that has it."""
    serial = key(asset.get("serial_number"))
    if serial is None or asset.get("product") is None:
        return None
    where = [
        Condition("product", "eq", asset["product"]),
        Condition("serial_key", "eq", serial),
    ]
    if asset.get("id"):
        where.append(Condition("id", "ne", asset["id"]))
    for deleted in (False, True):
        found = crm.records.list(TYPE, where=where, deleted=deleted, limit=1).records
        if found:
            other = found[0]
            if deleted:
                return msg(
                    "is already used for this product by {number} ({name}) (in the recycle bin: "
                    "restore or purge it first); a serial number is unique per product",
                    number=other["number"],
                    name=other["name"],
                )
            return msg(
                "is already used for this product by {number} ({name}); a serial number is "
                "unique per product",
                number=other["number"],
                name=other["name"],
            )
    return None


def guard(crm: CRM, asset: dict[str, Any]) -> None:
    """Set the key and check again with the product's row locked, so that two saves at the
    same moment cannot both take one number (the later one waits, then sees the first)."""
    asset["serial_key"] = key(asset.get("serial_number"))
    if asset.get("product") is None:
        return
    crm.records.lock("product", asset["product"])
    problem = clash(crm, asset)
    if problem:
        raise ValidationError({"serial_number": problem})


def lookup(crm: CRM, text: str, actor: Actor) -> list[dict[str, Any]]:
    """Global-search hits for assets whose serial number is exactly ``text`` (any case)."""
    serial = key(text)
    if serial is None:
        return []
    page = crm.records.list(
        TYPE, where=[Condition("serial_key", "eq", serial)], actor=actor, limit=LOOKUP_LIMIT
    )
    return [
        {
            "type": TYPE,
            "id": asset["id"],
            "number": asset["number"],
            "title": asset["name"],
            "snippet": f"S/N {asset['serial_number']}",
        }
        for asset in page.records
    ]
