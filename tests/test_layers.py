"""The layers of docs/architecture.md, checked on every import of every module.

Inside ``ipsrt`` each module belongs to one layer and may import only the
layers on its allow-list:

* **kernel** (``enums``, ``errors``, ``plain``, ``circular``, ``timeutil``, ``display``,
  ``addresses``):
  shared vocabulary and time rules; ``enums`` imports nothing at all;
* **domain** (``rhythm``, ``srm``, ``mood``, ``linkage``, ``alerts``,
  ``minutes``, ``passwords``, ``ipt``, ``synthetic``): pure functions; no store, no services;
* **store** (``store``, ``models``, ``migrations``): persistence only; no domain;
* **services** (``reports``): read the store, call the domain;
* **cli**: the composition root (may import ``devices`` lazily inside commands).

``devices/wire`` parses bytes and imports nothing from ``ipsrt`` but
``ipsrt.enums``; ``devices`` and ``dashboard`` never import each other and
never import the CLI.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = {
    "ipsrt.enums": "enums",
    "ipsrt.errors": "kernel",
    "ipsrt.plain": "kernel",
    "ipsrt.circular": "kernel",
    "ipsrt.timeutil": "kernel",
    "ipsrt.display": "kernel",
    "ipsrt.addresses": "kernel",
    "ipsrt.rhythm": "domain",
    "ipsrt.srm": "domain",
    "ipsrt.mood": "domain",
    "ipsrt.linkage": "domain",
    "ipsrt.alerts": "domain",
    "ipsrt.minutes": "domain",
    "ipsrt.daily": "domain",
    "ipsrt.passwords": "domain",
    "ipsrt.ipt": "domain",
    "ipsrt.synthetic": "domain",
    "ipsrt.store": "store",
    "ipsrt.models": "store",
    "ipsrt.migrations": "store",
    "ipsrt.reports": "services",
    "ipsrt.cli": "cli",
    "ipsrt": "package",
}
KERNEL = {"enums", "kernel", "package"}
ALLOWED = {
    "enums": {"package"},
    "kernel": KERNEL,
    "domain": KERNEL | {"domain"},
    "store": KERNEL | {"store"},
    "services": KERNEL | {"domain", "store", "services"},
    "cli": KERNEL | {"domain", "store", "services", "cli"},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        found = LAYERS.get(".".join(parts[:n]))
        if found is not None:
            return found
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_ipsrt_module_imports_only_its_allowed_layers() -> None:
    offenders = []
    for path in sources("ipsrt"):
        mine = layer_of(module_name(path))
        for name in sorted(imports(path)):
            if name.split(".")[0] != "ipsrt":
                continue
            theirs = layer_of(name)
            if theirs not in ALLOWED.get(mine, set()) | {mine}:
                offenders.append(f"{module_name(path)} ({mine}) imports {name} ({theirs})")
    assert offenders == []


def test_the_enum_module_needs_nothing_but_the_standard_library() -> None:
    assert imports(ROOT / "ipsrt" / "enums.py") <= {"__future__", "enum"}


def test_wire_parsers_import_nothing_from_ipsrt_but_the_enums() -> None:
    offenders = [
        f"{module_name(path)} imports {name}"
        for path in sources("devices/wire")
        for name in imports(path)
        if name.split(".")[0] == "ipsrt" and name != "ipsrt.enums"
    ]
    assert offenders == []


def test_parsing_bytes_loads_no_database_layer() -> None:
    code = (
        "import sys, devices.wire.gatt, devices.wire.huami, devices.wire.bangle, "
        "devices.wire.infinitime; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'sqlmodel', 'pandas', 'ipsrt'} and m != 'ipsrt.enums' and m != 'ipsrt'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("ipsrt", {"devices", "dashboard"}),
        ("devices", {"dashboard", "ipsrt.cli"}),
        ("dashboard", {"devices", "ipsrt.cli"}),
    ],
)
def test_import_direction_between_packages(package: str, forbidden: set[str]) -> None:
    offenders = []
    for path in sources(package):
        # The CLI (composition root) may import devices inside a command, never at the top.
        in_cli = path.is_relative_to(ROOT / "ipsrt" / "cli")
        for name in imports(path, top_level_only=in_cli):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                offenders.append(f"{module_name(path)} imports {name}")
    assert offenders == []


def test_cli_start_up_loads_no_bluetooth_stack() -> None:
    code = (
        "import sys, ipsrt.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'devices', 'bleak', 'bumble', 'dash'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_the_dashboard_holds_no_sql_and_reads_the_store_only_through_services() -> None:
    """Pages ask ``ipsrt.reports`` (services) for data; they never talk to the database."""
    database = {"sqlalchemy", "sqlmodel", "psycopg", "sqlite3", "alembic"}
    offenders = [
        f"{module_name(path)} imports {name}"
        for path in sources("dashboard")
        for name in imports(path)
        if name.split(".")[0] in database
        or (name.startswith("ipsrt.store.") and name != "ipsrt.store")
    ]
    assert offenders == []
