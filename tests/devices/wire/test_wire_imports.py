"""The wire formats load nothing of ipsrt but the dependency-free ``ipsrt.enums``.

``docs/architecture.md`` keeps parsers free of the database layer; this checks
every module of :mod:`devices.wire` statically (its import statements) and at
run time (the modules a fresh interpreter has loaded after importing them all).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WIRE = ROOT / "devices" / "wire"


def ipsrt_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.split(".")[0] == "ipsrt")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and node.module.split(".")[0] == "ipsrt"
        ):
            names.add(node.module)
    return names


def test_wire_modules_import_only_ipsrt_enums() -> None:
    modules = sorted(WIRE.glob("*.py"))
    assert len(modules) >= 8
    offenders = {p.name: found for p in modules if (found := ipsrt_imports(p) - {"ipsrt.enums"})}
    assert offenders == {}


def test_importing_every_wire_module_loads_no_other_ipsrt_module() -> None:
    names = [f"devices.wire.{p.stem}" for p in sorted(WIRE.glob("*.py")) if p.stem != "__init__"]
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {names!r}]; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ipsrt'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "['ipsrt', 'ipsrt.enums']"
