"""Every UI string has a Russian translation, and the plural rules are right."""

import re
import tomllib
from pathlib import Path

import pytest

from crm_web.i18n import russian_plural

ROOT = Path(__file__).resolve().parent.parent
#: _("..."), _n("...", ...), gettext("...") and web.gettext("...") with a literal first argument.
CALL = re.compile(r"""(?:\b_n?|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def used_strings(folder: Path) -> dict[str, Path]:
    found = {}
    for path in [*folder.rglob("*.html"), *folder.rglob("*.py")]:
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) if match.group(1) is not None else match.group(2), path)
    return found


def catalog(folder: Path) -> dict:
    path = folder / "locale" / "ru.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


CORE = catalog(ROOT / "web")
FOLDERS = [
    ROOT / "web",
    *sorted(p for p in (ROOT / "plugins").iterdir() if p.is_dir() and (p / "__init__.py").exists()),
]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_ui_string_has_a_russian_translation(folder):
    known = {**CORE, **catalog(folder)}
    missing = sorted(
        f"{text!r} ({path.relative_to(ROOT)})"
        for text, path in used_strings(folder).items()
        if text not in known
    )
    assert not missing, "add to locale/ru.toml:\n" + "\n".join(missing)


@pytest.mark.parametrize("folder", FOLDERS[1:], ids=lambda p: p.name)
def test_plugins_do_not_retranslate_core_strings(folder):
    clashes = sorted(
        key for key, value in catalog(folder).items() if key in CORE and CORE[key] != value
    )
    assert not clashes, f"{folder.name} translates core strings differently: {clashes}"


def test_plural_entries_have_three_russian_forms():
    for folder in FOLDERS:
        for key, value in catalog(folder).items():
            if isinstance(value, list):
                assert len(value) == 3, f"{folder.name}: {key!r} needs one, few and many forms"


@pytest.mark.parametrize(
    "n, form",
    [
        (1, 0),
        (21, 0),
        (2, 1),
        (4, 1),
        (22, 1),
        (5, 2),
        (11, 2),
        (12, 2),
        (14, 2),
        (25, 2),
        (111, 2),
        (0, 2),
    ],
)
def test_russian_plural_forms(n, form):
    assert russian_plural(n) == form
