"""``ipsrt import gadgetbridge|fitbit|apple-health|garmin|omh``: each sample export imports
all or nothing, a second import adds nothing and says so, errors are one line.

The samples are the ones in ``data/``, written by the export writers of
``tests/helpers`` from the known band week (``tests/helpers/band_week.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipsrt.cli import main
from ipsrt.store import Store
from tests.helpers import (
    apple_health_export,
    fitbit_export,
    gadgetbridge_export,
    garmin_fit_export,
    omh_export,
)

#: kind -> (writer module, file or folder the command reads, extra arguments)
KINDS = {
    "gadgetbridge": (gadgetbridge_export, "gadgetbridge.db", ["--device", "Blue watch"]),
    "fitbit": (fitbit_export, "fitbit-takeout.zip", []),
    "apple-health": (apple_health_export, "apple-health-export.zip", []),
    "garmin": (garmin_fit_export, "garmin", []),
    "omh": (omh_export, "omh-points.json", []),
}


@pytest.fixture
def clinic(database_url: str) -> str:
    assert main(["--db", database_url, "init"]) == 0
    for code in ("C001", "C002"):
        assert (
            main(["--db", database_url, "clients", "add", "--code", code, "--tz", "Europe/Berlin"])
            == 0
        )
    return database_url


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def counts(url: str) -> tuple[int, int, int]:
    """(devices, minute rows, audit events) in the database."""
    with Store(url) as store, store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("device", "minute_sample", "audit_event")
        )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_sample_imports_once_and_a_second_time_adds_nothing(
    kind: str, clinic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer, name, extra = KINDS[kind]
    writer.write_sample(tmp_path)
    path = str(tmp_path / name)
    code, out, err = run(capsys, clinic, "import", kind, path, "--client", "C001", *extra, "--json")
    assert (code, err) == (0, "")
    first = json.loads(out)
    assert first["inserted"] == first["minutes"] > 0
    assert first["device_created"] is True
    assert first["coverage"]["first_day"] >= "2026-03-26"
    code, out, err = run(capsys, clinic, "import", kind, path, "--client", "C001", *extra)
    assert code == 0
    assert "nothing new" in out
    assert f"{first['minutes']:,} duplicates" in out
    devices, minutes, _audit = counts(clinic)
    assert (devices, minutes) == (1, first["minutes"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_broken_file_is_one_line_and_changes_nothing(
    kind: str, clinic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / ("broken.zip" if kind in ("fitbit", "apple-health") else f"broken-{kind}")
    if kind == "garmin":
        broken = tmp_path / "broken.fit"
    broken.write_bytes(b"PK\x03\x04 this is not what it claims to be" * 3)
    before = counts(clinic)
    code, out, err = run(capsys, clinic, "import", kind, str(broken), "--client", "C001")
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    assert counts(clinic) == before


def test_another_clients_band_and_an_unknown_client_are_refused(
    clinic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    omh_export.write_sample(tmp_path)
    path = str(tmp_path / "omh-points.json")
    assert run(capsys, clinic, "import", "omh", path, "--client", "C001")[0] == 0
    before = counts(clinic)
    code, _out, err = run(capsys, clinic, "import", "omh", path, "--client", "C002")
    assert code == 1
    assert "belongs to another client" in err
    code, _out, err = run(capsys, clinic, "import", "omh", path, "--client", "C404")
    assert (code, err.strip()) == (1, "error: unknown client 'C404'")
    assert counts(clinic) == before


def test_fitbit_timestamps_option_is_checked(
    clinic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fitbit_export.write_sample(tmp_path)
    path = str(tmp_path / "fitbit-takeout.zip")
    code, _out, err = run(
        capsys, clinic, "import", "fitbit", path, "--client", "C001", "--timestamps", "gmt"
    )
    assert (code, err.strip()) == (1, "error: --timestamps 'gmt': use local or utc")
