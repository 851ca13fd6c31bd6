"""WSGI entry for production servers: ``gunicorn 'crm_web.wsgi:create()'``.

Each worker process builds its own CRM and app (after the fork, so no database connection
is shared between processes). The configuration comes from ``$CRM_CONFIG`` (default
``./plugins.toml``); ``CRM_DEBUG=1`` shows tracebacks on error pages.
"""

from __future__ import annotations

import os

from crm_core.runtime import CRM

from .app import create_app


def create(config: str | None = None):
    crm = CRM.load(config or os.environ.get("CRM_CONFIG"), jobs_mode=None).open()
    return create_app(crm, debug=os.environ.get("CRM_DEBUG") == "1")
