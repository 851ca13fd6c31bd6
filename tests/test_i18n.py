"""Every UI string and every message has a Russian translation, and the plural rules are
right."""

import ast
import re
import string
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


def message_calls(folder: Path) -> list[tuple[str, ast.Call]]:
    """Every ``msg(...)`` call in the Python files under ``folder``, with where it is."""
    calls = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (
                getattr(node.func, "id", None) == "msg" or getattr(node.func, "attr", None) == "msg"
            ):
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def template_of(call: ast.Call) -> str | None:
    """The literal template of a ``msg()`` call (adjacent literals are joined by Python)."""
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def placeholders(text: str) -> set[str]:
    """``{"value", "limit"}`` for ``"must be {limit} (got {value!r})"``."""
    return {
        re.split(r"[.\[]", name)[0]
        for _, name, _, _ in string.Formatter().parse(text)
        if name is not None
    }


CORE_MESSAGES = catalog(ROOT / "crm_core")
MESSAGE_FOLDERS = [ROOT / "crm_core", *FOLDERS[1:]]


@pytest.mark.parametrize("folder", MESSAGE_FOLDERS, ids=lambda p: p.name)
def test_every_message_has_a_russian_translation(folder):
    """A plugin's templates may be in its own catalog or the core's (shared wording)."""
    known = {**CORE_MESSAGES, **catalog(folder)}
    missing = []
    for where, call in message_calls(folder):
        template = template_of(call)
        if template is None:
            missing.append(f"{where}: msg() needs a literal template to be translated")
        elif template not in known:
            missing.append(f"{template!r} ({where})")
    assert not missing, "add to locale/ru.toml:\n" + "\n".join(missing)


@pytest.mark.parametrize("folder", MESSAGE_FOLDERS, ids=lambda p: p.name)
def test_every_message_is_given_exactly_its_placeholders(folder):
    """``msg("{limit} …", limit=…)``: a missing value would fail when the message is made,
    an extra one is a typo that leaves a placeholder of the translation unfilled."""
    wrong = []
    for where, call in message_calls(folder):
        template = template_of(call)
        given = {keyword.arg for keyword in call.keywords}
        if template is not None and placeholders(template) != given:
            wrong.append(f"{where}: {sorted(placeholders(template))} != {sorted(given)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("folder", [ROOT / "crm_core", *FOLDERS], ids=lambda p: p.name)
def test_translations_use_the_same_placeholders(folder):
    wrong = [
        f"{key!r} → {form!r}"
        for key, value in catalog(folder).items()
        for form in (value if isinstance(value, list) else [value])
        if placeholders(key) != placeholders(form)
    ]
    assert not wrong, f"{folder.name}/locale/ru.toml:\n" + "\n".join(wrong)


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
