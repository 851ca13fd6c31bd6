"""Records: reading, saving, linking and removing them, with their history and tags.

:class:`RecordsService` (``crm.records``) is the package's API; its modules each do one
job (see :mod:`.service`).
"""

from .reading import MAX_LIMIT, Page
from .saving import BULK_BATCH
from .service import RecordsService
from .tags import TAG_MAX, normalize_tags

__all__ = ["BULK_BATCH", "MAX_LIMIT", "TAG_MAX", "Page", "RecordsService", "normalize_tags"]
