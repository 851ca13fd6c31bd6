"""Messages that can be shown in the reader's language.

The core and plugins write messages in English. A :class:`Message` is that English text
(it *is* a ``str``, so logs, the CLI and JSON show it unchanged) which also remembers its
template and values, so the web UI can look the template up in a Russian catalog
(``locale/ru.toml``) and fill the values in again:

    raise ValidationError({"title": msg("must be at most {limit} characters", limit=255)})
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Message(str):
    """English text plus the template and values it was made from."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        text = template.format(**values) if values else template
        made = super().__new__(cls, text)
        made.template = template
        made.values = values
        return made

    def __reduce__(self):
        return (_rebuild, (self.template, self.values))


def _rebuild(template: str, values: dict[str, Any]) -> Message:
    return Message(template, **values)


def msg(template: str, **values: Any) -> Message:
    """A message to show a user; ``template`` uses ``{name}`` placeholders."""
    return Message(template, **values)


def either(words: Iterable[str]) -> str:
    """``"account or contact"`` for a message naming alternatives; the "or" is translated
    too (the English text is exactly ``" or ".join(words)``)."""
    joined = ""
    for word in words:
        joined = msg("{earlier} or {next}", earlier=joined, next=word) if joined else word
    return joined
