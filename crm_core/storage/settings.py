"""Run-time settings as stored in ``crm_setting``: a JSON value per ``(scope, key)``.

They are read with the rest of the administrator's layer when a snapshot is built
(:class:`~crm_core.storage.store.Store`), so a change reaches every process once the
registry version moves.
"""

from __future__ import annotations

from typing import Any

from .store import Transaction


def put_setting(tx: Transaction, scope: str, key: str, value: Any) -> None:
    """Store ``value`` under ``(scope, key)``, replacing what was there."""
    Setting = tx.snapshot.system.Setting
    row = Setting.get_for_update(scope=scope, key=key)
    if row is None:
        Setting(scope=scope, key=key, value=value)
    else:
        row.value = value
