"""Input rules on the command line: one line on stderr, exit 1, nothing stored.

``ipsrt import diary`` (docs/srm.md, "Diary CSV") and ``ipsrt metrics FILE``
(docs/importers.md, "Counts", "Clocks", "Size"). The DST change is the EU
rule for Europe/Berlin in the IANA tz database: 02:00 -> 03:00 on 2025-03-30.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import NOW

import ipsrt.cli.imports
from ipsrt.cli import main
from ipsrt.store import Store
from tests.helpers.awd import write_awd

HEADER = "date,activity,time,people,mood\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(database_url: str) -> tuple[int, int, int]:
    """Entries, moods and audit events stored."""
    with Store(database_url) as store, store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("srm_entry", "mood_entry", "audit_event")
        )


@pytest.fixture
def db(store: Store, database_url: str, monkeypatch) -> str:
    store.add_client("C001", "Europe/Berlin", now=NOW)  # NOW: 2026-06-01 14:00 in Berlin
    store.add_client("C014", "Pacific/Kiritimati", now=NOW)  # UTC+14: already 2026-06-02
    monkeypatch.setattr(ipsrt.cli.imports, "utc_now", lambda: NOW)
    return database_url


def import_diary(capsys, db: str, path, *options: str) -> tuple[int, str, str]:
    return run(capsys, "--db", db, "import", "diary", str(path), *options)


def test_an_implausible_date_names_its_line_and_stores_nothing(capsys, db, tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "2026-05-04,bed,23:00,0,1\n0001-01-01,bed,23:00,0,1\n")
    before = rows(db)
    code, out, err = import_diary(capsys, db, path, "--client", "C001")
    assert (code, out) == (1, "")
    assert err == (
        "error: line 3: date 0001-01-01 is not plausible: expected a date from 1990-01-01 "
        "to 2026-06-02 (tomorrow)\n"
    )
    assert rows(db) == before


def test_tomorrow_is_the_clients_tomorrow(capsys, db, tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "2026-06-03,bed,23:00,0,1\n")  # tomorrow on Kiritimati only
    code, _, err = import_diary(capsys, db, path, "--client", "C001")
    assert code == 1
    assert "2026-06-03 is not plausible" in err
    code, _, err = import_diary(capsys, db, path, "--client", "C014")
    assert (code, err) == (0, "")


def test_the_size_cap_names_its_option_and_can_be_raised(capsys, db, tmp_path) -> None:
    path = tmp_path / "big.csv"
    line = "2026-05-04,bed,23:00,0,1\n"
    path.write_text(HEADER + line * (1024 * 1024 // len(line) + 1))  # just over 1 MiB
    before = rows(db)
    code, _, err = import_diary(capsys, db, path, "--client", "C001", "--max-size", "1")
    assert code == 1
    assert err == "error: diary file is 2 MB, over the 1 MB limit (raise it with --max-size MB)\n"
    assert rows(db) == before
    code, out, err = import_diary(
        capsys, db, path, "--client", "C001", "--max-size", "2", "--confirm-replace"
    )
    assert (code, err) == (0, "")
    assert "1 new" in out  # one (date, activity) key however many lines repeat it


def test_conflicts_name_the_flag(capsys, db, tmp_path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "2026-05-04,bed,23:00,0,1\n")
    second.write_text(HEADER + "2026-05-04,bed,23:30,0,1\n")
    assert import_diary(capsys, db, first, "--client", "C001")[0] == 0
    before = rows(db)
    code, _, err = import_diary(capsys, db, second, "--client", "C001")
    assert code == 1
    assert "(use --confirm-replace to replace stored values)" in err
    assert "confirm_replace" not in err
    assert rows(db) == before
    twice = tmp_path / "c.csv"
    twice.write_text(HEADER + "2026-05-05,bed,23:00,0,1\n2026-05-05,bed,23:10,0,1\n")
    code, _, err = import_diary(capsys, db, twice, "--client", "C001")
    assert code == 1
    assert err.endswith("use --confirm-replace to keep the later one)\n")
    assert rows(db) == before


def test_a_bad_last_line_stores_nothing(capsys, db, tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "2026-05-04,bed,23:00,0,1\n" * 500 + "2026-05-04,bed,23:00,0,café\n")
    before = rows(db)
    code, _, err = import_diary(capsys, db, path, "--client", "C001", "--confirm-replace")
    assert (code, err) == (1, "error: line 502: mood 'café' is not a whole number -5..5\n")
    assert rows(db) == before


# --- ipsrt metrics FILE --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "options", "expected"),
    [
        (
            "timestamp,counts\n2025-03-30T01:59:00,1\n2025-03-30T02:30:00,1\n",
            ("--tz", "Europe/Berlin"),
            "CSV line 3: 2025-03-30 02:30 does not exist in Europe/Berlin (clocks moved forward)",
        ),
        (
            "timestamp,counts\n2025-03-30T01:59:00,1\n2025-03-30T02:00:00,abc\n",
            (),
            "CSV line 3: 'abc' is not a count",
        ),
        (
            "timestamp,counts\n2025-03-30T01:59:00,1\n2025-03-30T02:00:00,1\n",
            ("--tz", "Not/AZone"),
            "unknown time zone 'Not/AZone'",
        ),
    ],
)
def test_metrics_file_errors_are_one_line(capsys, tmp_path, content, options, expected) -> None:
    path = tmp_path / "c.csv"
    path.write_text(content)
    code, out, err = run(capsys, "metrics", str(path), *options)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {path}: {expected}")
    assert err.count("\n") == 1


def test_metrics_awd_with_a_400_digit_count_and_the_size_cap(capsys, tmp_path) -> None:
    path = write_awd(tmp_path / "x.awd", [1, 2, 3], start=dt.datetime(2025, 1, 6, 8, 30))
    path.write_bytes(path.read_bytes() + b"7" * 400 + b"\r\n")
    code, _, err = run(capsys, "metrics", str(path))
    assert code == 1
    assert err.startswith(f"error: {path}: AWD line 11: count 777777777777... has 400")
    assert err.count("\n") == 1
    big = tmp_path / "big.csv"
    big.write_bytes(b"timestamp,counts\n" + b"2025-01-06T00:00:00,1\n" * 60_000)
    code, _, err = run(capsys, "metrics", str(big), "--max-size", "1")
    assert (code, err) == (
        1,
        f"error: {big}: big.csv is 2 MB, over the 1 MB limit (raise it with --max-size MB)\n",
    )


def test_metrics_binary_file_is_one_line(capsys, tmp_path) -> None:
    path = tmp_path / "b.awd"
    path.write_bytes(b"S01\n06-Jan-2025\n08:30\n4\n\xff\xfe\x00\x01\n")
    code, _, err = run(capsys, "metrics", str(path))
    assert code == 1
    assert err.count("\n") == 1
