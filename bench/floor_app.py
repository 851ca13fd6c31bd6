"""The floor of the HTTP scenarios: a bare WSGI function that reads a ticket with raw SQL
and answers JSON, served by the same gunicorn settings as the CRM. Whatever the CRM
spends beyond this is framework: routing, sign-in, permissions, serialisation.

``gunicorn 'bench.floor_app:create()'`` with ``BENCH_DATABASE_URL`` set.
"""

from __future__ import annotations

import json
import os
import threading

from .floors import Raw


def create():
    url = os.environ["BENCH_DATABASE_URL"]
    local = threading.local()

    def app(environ, start_response):
        raw = getattr(local, "raw", None)
        if raw is None:
            raw = local.raw = Raw(url)
        ticket_id = int(environ.get("PATH_INFO", "/1").rsplit("/", 1)[-1] or 1)
        cursor = raw.execute("SELECT * FROM rec_ticket WHERE id = ?", (ticket_id,))
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
        body = json.dumps(dict(zip(names, row, strict=True)) if row else {}, default=str).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app
