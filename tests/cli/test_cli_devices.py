"""``ipsrt devices scan|add|list`` and ``ipsrt collect`` (emulated), via ``ipsrt.cli.main``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ipsrt.cli import main
from ipsrt.cli.common import operator, utc_now
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
        (
            ["--family", "huami", "--address", "AA:BB:CC:DD:EE:01", "--client", "c1"],
            "needs --key-file",
        ),
        (
            ["--family", "nope", "--address", "AA:BB:CC:DD:EE:01", "--client", "c1"],
            "unknown device family",
        ),
        (
            ["--family", "infinitime", "--address", "AA:BB:CC:DD:EE:01", "--client", "zz"],
            "unknown client",
        ),
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
        "AA:BB:CC:DD:EE:01",
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
    # A second run continues the virtual clock after the last sync: the history
    # devices fetch what came since (the old session replayed the same days, found
    # every cursor "in the future" and fetched nothing), nothing conflicts.
    code, out, err = run(
        capsys, "collect", "--emulated", "--client", "c1", "--once", "--json", "--db", db
    )
    assert code == 0, err
    again = {r["family"]: r for r in json.loads(out)}
    assert "cursor in the future" not in err
    assert again["huami"]["inserted"] > 0
    assert again["banglejs"]["inserted"] > 0
    assert all(r["conflicting"] == 0 for r in again.values())
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


# -- issue 12: wrong person, failures, remove, audit, presentation ----------------------


def _audit(db: str, action: str) -> list[Any]:
    with Store(db) as store:
        return [e for e in store.audit_events() if e.action == action]


def test_emulated_collect_refuses_an_address_of_another_client_and_changes_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """c2's emulated InfiniTime address (C1:..:00:02) belongs to c1: nothing is written.

    The old session registered c2's gatt-standard device before it met the clash.
    """
    assert main(["clients", "add", "--code", "c2", "--tz", "UTC", "--db", db]) == 0
    taken = "C1:00:00:00:00:02"  # emulated_addresses(2)["infinitime"]
    code, _, err = run(
        capsys, "devices", "add", "--family", "infinitime", "--address", taken, "--client", "c1",
        "--db", db,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, "collect", "--emulated", "--once", "--client", "c2", "--json", "--db", db
    )
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert "registered for client c1" in err
    assert out == ""
    with Store(db) as store:
        assert store.devices("c2") == []
        (device,) = store.devices("c1")
        assert device.last_seen is None
        assert store.cursor(device.id or 0, "live") is None
    (event,) = _audit(db, "collect.failed")
    assert event.subject == "c2"
    assert "registered for client c1" in event.detail["refused"]


def test_emulated_collect_writes_only_the_named_clients_devices(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clients", "add", "--code", "c2", "--tz", "UTC", "--db", db]) == 0
    code, out, err = run(
        capsys, "collect", "--emulated", "--once", "--client", "c2", "--json", "--db", db
    )
    assert code == 0, err
    with Store(db) as store:
        mine = {d.id for d in store.devices("c2")}
        assert store.devices("c1") == []
    assert {r["device_id"] for r in json.loads(out)} == mine
    assert len(mine) == 4


def _no_adapter(*_args: Any, **_kwargs: Any) -> Any:
    raise FileNotFoundError(2, "No such file or directory")  # dbus-fast: no system bus


def test_collect_without_an_adapter_says_why_once_per_device_and_exits_1(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No D-Bus system bus: the old collector retried for about 90 s, printed a bare
    ``FileNotFoundError`` line per retry and exited 0."""
    from bleak import BleakScanner

    calls: list[str] = []

    async def find(_cls: Any, address: str, **_kwargs: Any) -> Any:
        calls.append(address)
        _no_adapter()

    monkeypatch.setattr(BleakScanner, "find_device_by_address", classmethod(find))
    for n, family in enumerate(("gatt-standard", "infinitime"), start=1):
        argv = ["--family", family, "--address", f"aa:bb:cc:dd:ee:0{n}", "--client", "c1"]
        assert run(capsys, "devices", "add", *argv, "--db", db)[0] == 0
    code, _out, err = run(capsys, "collect", "--once", "--db", db)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"error: device {n} ({family} AA:BB:CC:DD:EE:0{n}) could not sync: adapter missing "
        "(no Bluetooth service: the D-Bus system bus or bluetoothd is not running)"
        for n, family in ((1, "gatt-standard"), (2, "infinitime"))
    ]
    assert calls == ["AA:BB:CC:DD:EE:01"]  # detected once; nobody retried
    (event,) = _audit(db, "collect.failed")
    assert event.detail["devices"]["1"]["failure"] == "adapter missing"
    assert event.actor == operator()


def test_scan_without_an_adapter_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bleak import BleakScanner

    monkeypatch.setattr(BleakScanner, "discover", classmethod(_no_adapter))
    code, _out, err = run(capsys, "devices", "scan", "--timeout", "0.1")
    assert code == 1
    assert err == (
        "error: cannot scan: adapter missing (no Bluetooth service: the D-Bus system bus "
        "or bluetoothd is not running)\n"
    )


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("ZZ", "invalid Bluetooth address 'ZZ'"),
        ("1'; DROP TABLE device;--", "invalid Bluetooth address '1'; DROP TABLE device;--'"),
        ("AA:BB:CC:DD:EE", "expected a MAC such as AA:BB:CC:DD:EE:FF"),
    ],
)
def test_add_refuses_a_malformed_address(
    db: str, capsys: pytest.CaptureFixture[str], address: str, expected: str
) -> None:
    argv = ["--family", "infinitime", "--address", address, "--client", "c1"]
    code, _, err = run(capsys, "devices", "add", *argv, "--db", db)
    assert code == 1
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    with Store(db) as store:
        assert store.devices() == []


def test_add_is_audited_with_the_operator_and_the_address(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--family", "infinitime", "--address", "aa:bb:cc:dd:ee:07", "--client", "c1"]
    code, out, _ = run(capsys, "devices", "add", *argv, "--json", "--db", db)
    assert code == 0
    assert json.loads(out)["address"] == "AA:BB:CC:DD:EE:07"
    (event,) = _audit(db, "device.add")
    assert event.actor == operator()
    assert event.detail["address"] == "AA:BB:CC:DD:EE:07"


def test_remove_retires_keeps_data_and_collect_skips_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "collect", "--emulated", "--once", "--client", "c1", "--db", db)
    assert code == 0, err
    with Store(db) as store:
        huami = next(d for d in store.devices("c1") if d.family == "huami")
        before = len(
            store.minute_frame(
                "c1", utc_now() - dt.timedelta(days=4), utc_now() + dt.timedelta(days=2)
            )
        )
    code, out, err = run(capsys, "devices", "remove", str(huami.id), "--json", "--db", db)
    assert code == 0, err
    assert json.loads(out)["retired_at"]
    (event,) = _audit(db, "device.retire")
    assert (event.actor, event.subject, event.detail["device_id"]) == (operator(), "c1", huami.id)
    code, _, err = run(capsys, "devices", "remove", str(huami.id), "--db", db)
    assert (code, len(err.strip().splitlines())) == (1, 1)
    assert "already retired" in err
    code, _, err = run(capsys, "devices", "remove", "999", "--db", db)
    assert (code, err) == (1, "error: unknown device 999\n")
    code, out, err = run(
        capsys, "collect", "--emulated", "--once", "--client", "c1", "--json", "--db", db
    )
    assert code == 0, err
    assert huami.id not in {r["device_id"] for r in json.loads(out)}
    assert f"device {huami.id} (huami) is retired: not collected" in err
    code, out, _ = run(capsys, "devices", "list", "--json", "--db", db)
    retired = {row["id"]: row["retired_at"] for row in json.loads(out)}
    assert retired[huami.id] is not None
    assert sum(value is None for value in retired.values()) == 3
    with Store(db) as store:
        after = store.minute_frame(
            "c1", utc_now() - dt.timedelta(days=4), utc_now() + dt.timedelta(days=2)
        )
        assert len(after) >= before  # the retired device's minutes are kept


def test_collect_records_one_audit_event_per_run(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "collect", "--emulated", "--once", "--client", "c1", "--json", "--db", db
    )
    assert code == 0, err
    (event,) = _audit(db, "collect.run")
    assert (event.actor, event.subject, event.detail["mode"]) == (operator(), "c1", "emulated")
    stored = {int(k): v for k, v in event.detail["devices"].items()}
    for report in json.loads(out):
        entry = stored[report["device_id"]]
        assert (entry["inserted"], entry["duplicate"], entry["errors"]) == (
            report["inserted"],
            report["duplicate"],
            report["error_count"],
        )


def test_list_prints_whole_values_on_an_80_column_terminal(db: str, tmp_path: Path) -> None:
    """Rich cut ``C0:00:00:0…``, ``Australia/Lord_H…`` and ``2026-12-0…`` at 80 columns."""
    import os

    assert main(["clients", "add", "--code", "c9", "--tz", "Australia/Lord_Howe", "--db", db]) == 0
    with Store(db) as store:
        device = store.add_device("c9", "gatt-standard", "C0:00:00:00:00:01", now=utc_now())
        store.retire_device(device.id or 0, now=dt.datetime(2026, 12, 3, 16, 11, tzinfo=dt.UTC))
    env = {**os.environ, "COLUMNS": "80", "IPSRT_DATABASE_URL": db}
    done = subprocess.run(
        [sys.executable, "-c", "from ipsrt.cli import run; run()", "devices", "list"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for value in ("C0:00:00:00:00:01", "Australia/Lord_Howe", "2026-12-03T16:11:00+00:00"):
        assert value in done.stdout
    assert "…" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
