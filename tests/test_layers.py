"""Imports go one way (docs/architecture.md): ipsrt never imports devices or dashboard,
except lazily inside the CLI commands; devices and dashboard never import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("ipsrt", {"devices", "dashboard"}), ("devices", {"dashboard"}), ("dashboard", {"devices"})],
)
def test_import_direction(package: str, forbidden: set[str]) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        in_cli = path.is_relative_to(ROOT / "ipsrt" / "cli")
        found = imported_modules(path, top_level_only=in_cli) & forbidden
        if found:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(found)}")
    assert offenders == []


def test_cli_start_up_loads_no_bluetooth_stack() -> None:
    code = (
        "import sys, ipsrt.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'devices', 'bleak', 'bumble', 'dash'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
