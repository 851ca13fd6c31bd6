"""The current time as records store it: naive UTC, whole seconds.

Everything that stamps a record (creation, changes, comments, sign-ins, SLA clocks) asks
:func:`utcnow` through this module, so a test can set the time for the whole CRM in one
place: ``monkeypatch.setattr(crm_core.clock, "utcnow", lambda: moment)``. Plugins should do
the same rather than call :func:`datetime.datetime.now`.
"""

import datetime as dt
import time

#: The last second asked for and its datetime: an import stamps thousands of records a
#: second, and making the datetime costs ten times as much as reading the clock.
_last: tuple[int, dt.datetime] = (0, dt.datetime(1970, 1, 1))


def utcnow() -> dt.datetime:
    global _last
    second = int(time.time())
    if second != _last[0]:
        moment = dt.datetime.fromtimestamp(second, dt.UTC).replace(tzinfo=None)
        _last = (second, moment)
        return moment
    return _last[1]
