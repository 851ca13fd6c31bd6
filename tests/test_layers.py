"""The storage boundary holds: only ``crm_core/storage/`` talks to Pony or writes SQL.

Services, plugins and the web package call named storage functions; a statement or a Pony
call anywhere else would let the layering docs/architecture.md draws drift back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUARDED = ("crm_core", "plugins", "web")
STORAGE = ROOT / "crm_core" / "storage"

SQL = re.compile(
    r"^\s*(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|ALTER\s+TABLE"
    r"|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)|DROP\s+(TABLE|INDEX)|BEGIN\b|PRAGMA\s)",
    re.IGNORECASE | re.DOTALL,
)
#: Attributes that reach past the storage API: raw statements, Pony's connection and
#: entities, and the snapshot's system tables.
STORAGE_INTERNALS = {
    "execute",
    "executemany",
    "get_connection",
    "get_for_update",
    "db_session",
    "_execute",
}
#: The snapshot's Pony entities of the system tables (``tx.snapshot.system.User``).
SNAPSHOT_INTERNALS = {"system", "_system", "entities", "db"}


#: Outside the core, not even the store object: web code and plugins use the services.
OUTSIDE_CORE = ("plugins", "web")


def guarded_modules() -> list[Path]:
    paths = []
    for top in GUARDED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if STORAGE in path.parents or "templates" in path.parts:
                continue
            paths.append(path)
    return paths


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    outside_core = any(ROOT / top in path.parents for top in OUTSIDE_CORE)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            if name == "pony" or name.startswith("pony."):
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
            found.append(f"line {node.lineno}: SQL text {node.value.strip()[:40]!r}")
        if isinstance(node, ast.Attribute) and (
            node.attr in STORAGE_INTERNALS
            or (node.attr in SNAPSHOT_INTERNALS and _names_snapshot(node.value))
        ):
            found.append(f"line {node.lineno}: uses .{node.attr}")
        elif outside_core and isinstance(node, ast.Attribute) and node.attr == "store":
            found.append(f"line {node.lineno}: uses the store (.store) instead of a service")
    return found


def _names_snapshot(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "snapshot") or (
        isinstance(node, ast.Name) and node.id == "snapshot"
    )


@pytest.mark.parametrize("path", guarded_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_only_storage_talks_to_the_database(path):
    assert violations(path) == [], f"{path.relative_to(ROOT)} reaches into storage"


def test_the_guard_sees_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pony import orm\n"
        "def f(tx):\n"
        "    tx.execute('SELECT id FROM crm_user WHERE login = ?', ('a',))\n"
        "    return tx.snapshot.system.User\n",
        encoding="utf-8",
    )
    found = violations(sample)
    assert len(found) == 4
    assert {line.split(": ", 1)[1].split()[0] for line in found} == {"imports", "uses", "SQL"}
