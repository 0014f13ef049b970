"""``ipsrt devices scan|add|list`` and ``ipsrt collect`` (emulated), via ``ipsrt.cli.main``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from ipsrt.cli import main
from ipsrt.cli.common import utc_now
from ipsrt.reports.metrics import client_panel
from ipsrt.reports.wearable import counted_devices, last_data
from ipsrt.store import Store

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ipsrt.sqlite3'}"
    assert main(["init", "--db", url]) == 0
    assert main(["clients", "add", "--code", "c1", "--tz", "Europe/Berlin", "--db", url]) == 0
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_and_list_never_show_the_huami_key(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n")
    code, out, err = run(
        capsys,
        "devices",
        "add",
        "--family",
        "huami",
        "--address",
        "c3:00:00:00:00:09",
        "--client",
        "c1",
        "--key-file",
        str(key_file),
        "--db",
        db,
    )
    assert code == 0, err
    code, out, err = run(capsys, "devices", "list", "--json", "--db", db)
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["address"] == "C3:00:00:00:00:09"
    assert rows[0]["has_key"] is True
    for text in (out, err, caplog.text, json.dumps(rows)):
        assert KEY not in text
        assert KEY.upper() not in text
    code, out, _ = run(capsys, "devices", "list", "--db", db)
    assert code == 0
    assert KEY not in out
    assert "huami" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--family", "huami", "--address", "A", "--client", "c1"], "needs --key-file"),
        (["--family", "nope", "--address", "A", "--client", "c1"], "unknown device family"),
        (["--family", "infinitime", "--address", "A", "--client", "zz"], "unknown client"),
    ],
)
def test_add_errors_are_one_line(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "devices", "add", *argv, "--db", db)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_bad_key_file_is_refused_without_echoing_it(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("not-a-key-but-secretish\n")
    code, out, err = run(
        capsys,
        "devices",
        "add",
        "--family",
        "huami",
        "--address",
        "A",
        "--client",
        "c1",
        "--key-file",
        str(bad),
        "--db",
        db,
    )
    assert code == 1
    assert "32 hex digits" in err
    assert "secretish" not in out + err


def test_scan_emulated_finds_one_device_per_family(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "devices", "scan", "--emulated", "--timeout", "0.3", "--json")
    assert code == 0
    families = {row["family"] for row in json.loads(out)}
    assert families == {"gatt-standard", "infinitime", "huami", "banglejs"}


def test_collect_emulated_once_stores_every_family(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "collect", "--emulated", "--client", "c1", "--once", "--json", "--db", db
    )
    assert code == 0, err
    reports = {r["family"]: r for r in json.loads(out)}
    assert set(reports) == {"gatt-standard", "infinitime", "huami", "banglejs"}
    assert all(r["inserted"] > 0 and r["errors"] == [] for r in reports.values())
    assert reports["huami"]["inserted"] >= 1440
    assert "registered emulated huami device" in err
    # A second run replays the same virtual days: nothing new from the band's history.
    code, out, _ = run(
        capsys, "collect", "--emulated", "--client", "c1", "--once", "--json", "--db", db
    )
    assert code == 0
    again = {r["family"]: r for r in json.loads(out)}
    assert again["huami"]["conflicting"] == 0
    assert again["huami"]["inserted"] == 0
    code, out, _ = run(capsys, "devices", "list", "--json", "--db", db)
    assert all(row["last_seen"] for row in json.loads(out))


def test_collect_emulated_into_a_named_database_needs_a_client(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "collect", "--emulated", "--db", db)
    assert code == 1
    assert "--client" in err


def test_collect_emulated_without_db_never_touches_the_tracker_database(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPSRT_DATABASE_URL", db)
    code, out, err = run(capsys, "collect", "--emulated", "--once", "--json")
    assert code == 0, err
    assert "throwaway demo database" in err
    assert all(r["inserted"] > 0 for r in json.loads(out))
    with Store(db) as store:
        assert store.devices() == []
        assert store.purpose == "clinic"
    throwaway = err.split("throwaway demo database: ")[1].split(" ")[0]
    with Store(throwaway) as demo:
        assert demo.purpose == "demo"
        (client,) = demo.clients()
        counted, excluded = counted_devices(demo, client.code)
        assert len(counted) == 4
        assert excluded == frozenset()
        assert last_data(demo, client.code, utc_now()) is not None


def test_emulated_minutes_never_count_in_a_clinic_database(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clients", "add", "--code", "c2", "--tz", "UTC", "--db", db]) == 0
    for code in ("c1", "c2"):
        status, _, err = run(
            capsys, "collect", "--emulated", "--client", code, "--once", "--json", "--db", db
        )
        assert status == 0, err
    assert "never count" in err
    with Store(db) as store:
        for code in ("c1", "c2"):
            devices = store.devices(code)
            # Each client has its own four emulated devices (none collected into another's).
            assert len(devices) == 4
            assert all(d.emulated for d in devices)
            assert counted_devices(store, code)[0] == []
            assert last_data(store, code, utc_now()) is None
            today = utc_now().date()
            figures = client_panel(store, code, today - dt.timedelta(days=3), today)
            assert figures["minutes_with_data"] == 0
        assert {d.address for d in store.devices("c1")}.isdisjoint(
            d.address for d in store.devices("c2")
        )
        stored = store.minute_frame("c1", utc_now() - dt.timedelta(days=4), utc_now())
        assert len(stored) > 1440  # stored, just not counted
        store.mark_demo(now=utc_now())
        today = utc_now().date()
        figures = client_panel(store, "c1", today - dt.timedelta(days=3), today)
        assert figures["minutes_with_data"] > 1440


def test_sigterm_stops_collect_cleanly(db: str) -> None:
    """A real signal: ``ipsrt collect --emulated`` (forever) exits 0 on SIGTERM."""
    import signal
    import time

    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ipsrt.cli import run; run()",
            "collect",
            "--emulated",
            "--client",
            "c1",
            "--json",
            "--db",
            db,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "minutes" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(out)
