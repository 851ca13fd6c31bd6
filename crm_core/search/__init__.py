"""Search: the global search service (:mod:`.service`, ``crm.search``) and the words it
indexes and looks for (:mod:`.words`: Russian and English stems). The index tables
themselves are storage's (:mod:`crm_core.storage.search_index`)."""

from .service import Hit, Search

__all__ = ["Hit", "Search"]
