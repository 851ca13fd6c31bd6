"""The translation catalog: every UI string goes through ``_()``.

Strings are written in English in templates and code; ``locale/ru.toml`` next to the core
web package, the core (``crm_core/locale``, for its error messages) and each plugin maps
them to Russian. A plural entry is a list of the
three Russian forms (one, few, many): ``"{n} record" = ["{n} запись", "{n} записи",
"{n} записей"]``. Record-type, field and picklist labels are not here: they come in both
languages from the definitions.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from crm_core.i18n import Message

LANGUAGES = ("en", "ru")


def russian_plural(n: int) -> int:
    """Index of the Russian plural form for ``n``: 0 one, 1 few, 2 many."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


class Catalog:
    def __init__(self, folders: list[Path]):
        self.messages: dict[str, dict[str, str | list[str]]] = {"ru": {}}
        self.sources: list[Path] = []
        for folder in folders:
            path = folder / "locale" / "ru.toml"
            if path.is_file():
                self.sources.append(path)
                self.messages["ru"].update(tomllib.loads(path.read_text(encoding="utf-8")))

    def gettext(self, language: str, message: str, **values: object) -> str:
        """``message`` in ``language``. A :class:`crm_core.i18n.Message` (an error from the
        core or a plugin) is looked up by its template and filled with its own values."""
        if isinstance(message, Message):
            values = {
                name: self.gettext(language, value) if isinstance(value, Message) else value
                for name, value in message.values.items()
            }
            message = message.template
        translated = self.messages.get(language, {}).get(message, message)
        if isinstance(translated, list):
            translated = translated[0]
        return translated.format(**values) if values else translated

    def ngettext(self, language: str, singular: str, plural: str, n: int, **values: object) -> str:
        values = {"n": n, **values}
        forms = self.messages.get(language, {}).get(singular)
        if language == "ru" and isinstance(forms, list) and len(forms) == 3:
            return forms[russian_plural(n)].format(**values)
        return (singular if n == 1 else plural).format(**values)
