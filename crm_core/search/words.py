"""Words to index and to look for: Russian and English stems, the same on every database.

SQLite's FTS5 has no Russian stemmer, and PostgreSQL's would index differently from it, so
stemming happens here, with the Snowball stemmers (PyStemmer): a Cyrillic word goes
through the Russian one, any other through the English one. The index stores the stems;
a query is stemmed the same way, so ``заявки`` finds ``заявка`` and ``tickets`` finds
``ticket`` on both databases.
"""

from __future__ import annotations

import re

import Stemmer

WORD_RE = re.compile(r"\w+", re.UNICODE)
CYRILLIC_RE = re.compile(r"[а-яё]", re.IGNORECASE)
MAX_WORD = 40

_russian = Stemmer.Stemmer("russian")
_english = Stemmer.Stemmer("english")


#: Stems of words seen so far. A plain dict, read inline by :func:`index_text`: indexing a
#: ticket looks up some thirty words, and a function call per word (as ``lru_cache``
#: needs) cost more than the lookups. It fills up to :data:`STEM_CACHE_SIZE` words and then
#: keeps what it has: word frequencies are Zipfian, so the words met first are the
#: frequent ones.
_stems: dict[str, str] = {}
STEM_CACHE_SIZE = 100_000


def stem(word: str) -> str:
    """The stem of one word, as the index stores it."""
    return _stems.get(word) or _new_stem(word)


def _new_stem(word: str) -> str:
    """The stem of a word not in the cache, kept there while it has room."""
    if word and word[-1].isdigit():
        # Snowball only takes letter suffixes off: numbers, "tt42", "hp2055" stay as they
        # are. Most such words occur once (record numbers, e-mail names), so they neither
        # cost a stemmer call nor take a place in the cache.
        folded = word.casefold()
        if len(folded) <= MAX_WORD:
            return folded.replace("ё", "е")
    found = _stem_word(word)
    if len(_stems) < STEM_CACHE_SIZE:
        _stems[word] = found
    return found


def _stem_word(word: str) -> str:
    word = word.casefold()[:MAX_WORD]
    if word.isascii():
        return _english.stemWord(word)
    word = word.replace("ё", "е")
    if CYRILLIC_RE.search(word):
        return _russian.stemWord(word)
    if word.isdigit():
        return word
    return _english.stemWord(word)


def words(text: str) -> list[str]:
    return WORD_RE.findall(text or "")


def index_text(text: str) -> str:
    """The stems of ``text``, space separated, as stored in the index."""
    known = _stems.get
    return " ".join([known(word) or _new_stem(word) for word in words(text)])


#: Words too common to narrow a search down. A query leaves them out unless it has nothing
#: else: "принтер не печатает" looks for "принтер печатает", as search engines do, instead
#: of also requiring a word that nearly every Russian text contains (which costs time and
#: finds nothing more). They are still indexed.
STOP_WORDS = frozenset(
    [
        "а",
        "без",
        "бы",
        "в",
        "во",
        "для",
        "до",
        "же",
        "за",
        "и",
        "из",
        "или",
        "к",
        "как",
        "ли",
        "на",
        "не",
        "но",
        "о",
        "об",
        "от",
        "по",
        "после",
        "при",
        "с",
        "со",
        "то",
        "у",
        "что",
        "это",
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "not",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


def query_stems(text: str) -> list[str]:
    """Distinct stems of a search query, in order, without stop words (unless it has only
    those)."""
    found = words(text)
    meaningful = [word for word in found if word.casefold() not in STOP_WORDS] or found
    return list(dict.fromkeys(stem(word) for word in meaningful))


def mentions(text: str, stems: list[str]) -> bool:
    """Whether every stem of a query occurs in ``text`` (the last one also as a prefix), as
    the index would match it."""
    found = {stem(word) for word in words(text)}
    *whole, last = stems or [""]
    return all(s in found for s in whole) and any(f.startswith(last) for f in found)


def highlight(text: str, stems: list[str], width: int = 160) -> list[tuple[str, bool]]:
    """A snippet of ``text`` around the first match, as ``(piece, is_match)`` pairs.

    The caller escapes each piece and marks the matches, so no HTML is built here.
    """
    wanted = set(stems)
    last = stems[-1] if stems else ""

    def matching(word: str) -> bool:
        found = stem(word)
        return found in wanted or (len(last) > 1 and found.startswith(last))

    matches = [m for m in WORD_RE.finditer(text or "") if matching(m.group())]
    if not text:
        return []
    if matches:
        start = max(0, matches[0].start() - width // 3)
    else:
        start = 0
    end = min(len(text), start + width)
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    position = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(), True))
        position = match.end()
    if position < end:
        pieces.append((text[position:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces
