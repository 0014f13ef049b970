"""Start-up: ``ipsrt --help`` and ``--version`` load no heavy package and list every command.

Each case runs the console-script entry point (:func:`ipsrt.cli.run`) in a
fresh interpreter and reads ``sys.modules`` when it exits, so an import added
at the top of any command module shows up here (docs/architecture.md,
"Command line"). No timing is asserted; ``tests/bench/bench_startup.py``
measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from ipsrt.cli import app

ROOT = Path(__file__).resolve().parents[2]

#: Packages that ``ipsrt --help`` must not import (each costs 0.1-1 s at start-up).
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pyarrow",
    "bleak",
    "bumble",
    "devices",
    "dashboard",
    "dash",
    "flask",
    "waitress",
)

#: Runs ``ipsrt ARGS...`` as the console script does, then prints the heavy
#: modules loaded (at exit, after ``sys.exit``) as JSON on stderr's last line.
SCRIPT = """
import atexit, json, sys
heavy = set(json.loads(sys.argv[1]))
atexit.register(lambda: print(json.dumps(sorted(
    m for m in sys.modules if m.split(".")[0] in heavy)), file=sys.stderr))
sys.argv = ["ipsrt", *sys.argv[2:]]
from ipsrt.cli import run
run()
"""


def run_ipsrt(*argv: str, heavy: tuple[str, ...] = HEAVY) -> tuple[int, str, list[str]]:
    """Exit status, stdout and the heavy modules loaded by ``ipsrt ARGV`` in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(heavy), *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "120"},
        check=False,
    )
    *_, last = result.stderr.strip().splitlines() or [""]
    return result.returncode, result.stdout, json.loads(last)


def listed_commands(help_text: str) -> set[str]:
    """Command names in the "Commands:" section of a (plain Click) help screen."""
    names: set[str] = set()
    in_commands = False
    for line in help_text.splitlines():
        if line.strip() == "Commands:":
            in_commands = True
        elif in_commands and line and not line[0].isspace():
            in_commands = False
        elif in_commands and line.startswith("  ") and not line.startswith("   "):
            names.add(line.split()[0])
    return names


def registered_commands(path: tuple[str, ...] = ()) -> set[str]:
    """Names registered under ``ipsrt PATH...``, read from the Click tree of the app."""
    group = typer.main.get_command(app)
    for name in path:
        group = group.commands[name]
    return set(group.commands)


GROUPS = sorted(
    name
    for name, command in typer.main.get_command(app).commands.items()
    if hasattr(command, "commands")
)


def test_help_loads_no_heavy_package_and_lists_every_command() -> None:
    code, out, loaded = run_ipsrt("--help")
    assert code == 0
    assert loaded == []
    # Every command of the root, groups included, and the root options.
    assert listed_commands(out) == registered_commands()
    assert {"init", "metrics", "collect", "clients", "srm", "alerts", "devices"} <= (
        listed_commands(out)
    )
    for option in ("--version", "--db", "--help"):
        assert option in out


@pytest.mark.parametrize("group", GROUPS)
def test_group_help_loads_no_heavy_package_and_lists_its_commands(group: str) -> None:
    code, out, loaded = run_ipsrt(group, "--help")
    assert code == 0
    assert loaded == []
    assert listed_commands(out) == registered_commands((group,))


def test_version_loads_no_heavy_package() -> None:
    code, out, loaded = run_ipsrt("--version")
    assert (code, loaded) == (0, [])
    assert out.startswith("ipsrt ")


def test_alerts_run_help_shows_the_services_default_lookback() -> None:
    # The default is read from ipsrt.reports.alerts only for this screen.
    from ipsrt.reports.alerts import DEFAULT_LOOKBACK_DAYS

    code, out, _ = run_ipsrt("alerts", "run", "--help", heavy=())
    assert code == 0
    assert f"[default: {DEFAULT_LOOKBACK_DAYS}]" in out


def test_listing_clients_loads_no_rhythm_science_or_bluetooth(tmp_path: Path) -> None:
    # A small command needs the store (SQLAlchemy; pandas through ipsrt.store)
    # but none of the rhythm mathematics, the services or the BLE stack.
    url = f"sqlite:///{tmp_path / 'clients.sqlite3'}"
    assert run_ipsrt("init", "--db", url, heavy=())[0] == 0
    code, out, loaded = run_ipsrt(
        "clients",
        "list",
        "--json",
        "--db",
        url,
        heavy=("scipy", "statsmodels", "bleak", "bumble", "devices", "ipsrt"),
    )
    assert code == 0
    assert json.loads(out) == []
    assert not [m for m in loaded if m.startswith(("ipsrt.rhythm", "ipsrt.reports"))]
    assert not [m for m in loaded if m.split(".")[0] in {"scipy", "statsmodels", "bleak"}]


def test_database_errors_still_become_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # handle_errors recognises SQLAlchemy's errors without importing SQLAlchemy itself.
    import sqlalchemy.exc

    from ipsrt.cli.common import handle_errors

    @handle_errors
    def broken() -> None:
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, OSError("disk I/O error\nmore"))

    with pytest.raises(typer.Exit) as info:
        broken()
    assert info.value.exit_code == 1
    assert capsys.readouterr().err == "error: database error: disk I/O error\n"


def test_other_errors_pass_through_unchanged() -> None:
    from ipsrt.cli.common import handle_errors

    @handle_errors
    def broken() -> None:
        raise KeyError("not ours")

    with pytest.raises(KeyError, match="not ours"):
        broken()
