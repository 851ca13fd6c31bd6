"""Possible duplicates of records, asked of the plugins that know what "the same" means.

The web form asks for one record before it saves it; an import asks for a thousand stored
rows at a time. Plugins answer through ``crm_find_duplicates_many`` (one query for many
records) or the simpler ``crm_find_duplicates`` (one record at a time); a plugin that
implements the first is not asked the second, so no warning is reported twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .actors import SYSTEM, Actor
from .errors import CRMError

if TYPE_CHECKING:
    from .runtime import CRM

Hit = dict[str, Any]


class Duplicates:
    def __init__(self, crm: CRM):
        self.crm = crm

    def of(self, type_name: str, record: dict[str, Any], *, actor: Actor = SYSTEM) -> list[Hit]:
        """Records ``actor`` may see that look like ``record`` (saved or not): dicts with
        ``type``, ``id``, ``number``, ``title`` and ``reason``."""
        return self.of_many(type_name, [record], actor=actor)[0]

    def of_many(
        self, type_name: str, records: Sequence[dict[str, Any]], *, actor: Actor = SYSTEM
    ) -> list[list[Hit]]:
        """:meth:`of` for many records: one list of hits per record, in order. A saved
        record (one with an ``id``) is never reported as a duplicate of itself."""
        rt = self.crm.registry.type(type_name)
        found: list[list[Hit]] = [[] for _ in records]
        if not records:
            return found
        hook = self.crm.hook
        answers = hook.crm_find_duplicates_many(
            crm=self.crm, record_type=rt, records=records, actor=actor
        )
        for answer in answers:
            if len(answer) != len(records):
                raise CRMError(
                    f"crm_find_duplicates_many returned {len(answer)} answers for "
                    f"{len(records)} records; return one list of hits per record, or None"
                )
            for hits, more in zip(found, answer, strict=True):
                hits.extend(more or [])
        batch_plugins = [  # plugins that answer in batches (a wrapper answers nothing)
            impl.plugin
            for impl in hook.crm_find_duplicates_many.get_hookimpls()
            if not (impl.hookwrapper or impl.wrapper)
        ]
        single = self.crm.pm.subset_hook_caller("crm_find_duplicates", batch_plugins)
        if single.get_hookimpls():
            for record, hits in zip(records, found, strict=True):
                for answer in single(crm=self.crm, record_type=rt, record=record, actor=actor):
                    hits.extend(answer or [])
        for record, hits in zip(records, found, strict=True):
            own = record.get("id")
            if own is not None:
                hits[:] = [h for h in hits if not (h["type"] == rt.name and h["id"] == own)]
        return found
