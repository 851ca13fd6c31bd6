"""The current time as records store it: naive UTC, whole seconds.

Everything that stamps a record (creation, changes, comments, sign-ins, SLA clocks) asks
:func:`utcnow` through this module, so a test can set the time for the whole CRM in one
place: ``monkeypatch.setattr(crm_core.clock, "utcnow", lambda: moment)``. Plugins should do
the same rather than call :func:`datetime.datetime.now`.
"""

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
