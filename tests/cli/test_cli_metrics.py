"""``ipsrt metrics`` on files and on stored data, and the stored-data adapter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import NOW

from ipsrt.cli import main
from ipsrt.reports.metrics import local_day_bounds
from ipsrt.rhythm import panel
from ipsrt.store import Store
from tests.helpers.awd import synthetic_counts, write_awd

START = dt.datetime(2026, 3, 2, 0, 0)


@pytest.fixture
def awd_file(tmp_path):
    return write_awd(tmp_path / "subject.awd", synthetic_counts(7, seed=11), start=START)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_file_prints_one_json_object(capsys, awd_file) -> None:
    code, out, err = run(capsys, "metrics", str(awd_file), "--json")
    assert (code, err) == (0, "")
    figures = json.loads(out)
    for key in (
        "IS",
        "IV",
        "RA",
        "L5",
        "M10",
        "L5_onset",
        "M10_onset",
        "ISm",
        "IVm",
        "SRI",
        "cosinor_mesor",
        "cosinor_amplitude",
        "cosinor_acrophase",
        "valid_days",
    ):
        assert key in figures
    assert figures["format"] == "awd"
    assert figures["valid_days"] == pytest.approx(7)


def test_compat_mode_matches_the_library_call(capsys, awd_file) -> None:
    from devices.importers import read_actigraphy

    code, out, _ = run(capsys, "metrics", str(awd_file), "--compat", "pyactigraphy", "--json")
    assert code == 0
    expected = panel(read_actigraphy(awd_file).counts, compat="pyactigraphy")
    figures = json.loads(out)
    for key in ("IS", "IV", "RA", "L5", "M10", "SRI"):
        assert figures[key] == pytest.approx(expected[key], rel=1e-12)


def test_several_files_print_a_list(capsys, tmp_path, awd_file) -> None:
    second = write_awd(tmp_path / "b.awd", synthetic_counts(5, seed=12), start=START)
    code, out, _ = run(capsys, "metrics", str(awd_file), str(second), "--json")
    assert code == 0
    assert [Path(r["file"]).name for r in json.loads(out)] == ["subject.awd", "b.awd"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello\nworld\n", "unknown actigraphy format"), (b"", "")],
)
def test_foreign_files_are_one_line_errors(capsys, tmp_path, content, message) -> None:
    path = tmp_path / "foreign.awd"
    path.write_bytes(content)
    code, out, err = run(capsys, "metrics", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert message in err


def test_truncated_awd_is_an_error(capsys, tmp_path, awd_file) -> None:
    truncated = tmp_path / "cut.awd"
    truncated.write_bytes(awd_file.read_bytes()[:40])
    code, _, err = run(capsys, "metrics", str(truncated))
    assert code == 1
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give one or more files"),
        (["--format", "xls", "x.awd"], "unknown format"),
        (["--compat", "ggir", "x.awd"], "unknown compat"),
        (["--client", "C001"], "--from DATE is needed"),
        (["--client", "C001", "--from", "2026-13-01", "--to", "2026-01-02"], "invalid --from"),
    ],
)
def test_bad_arguments(capsys, argv, message) -> None:
    code, _, err = run(capsys, "metrics", *argv)
    assert code == 1
    assert message in err


def test_stored_client_data(capsys, store: Store, database_url: str) -> None:
    store.add_client("C001", "Europe/Berlin", now=NOW)
    device = store.add_device("C001", "import", "subject.awd", now=NOW)
    first = dt.date(2026, 5, 4)
    start, end = local_day_bounds(first, first + dt.timedelta(days=6), "Europe/Berlin")
    index = pd.date_range(start, end, freq="min", inclusive="left")
    counts = synthetic_counts(7, seed=3)[: len(index)].astype(float)
    frame = pd.DataFrame({"device_id": device.id, "ts": index, "activity": counts})
    store.upsert_minute_samples(frame, now=NOW)

    code, out, err = run(
        capsys,
        "metrics",
        "--client",
        "C001",
        "--from",
        "2026-05-04",
        "--to",
        "2026-05-10",
        "--json",
        "--db",
        database_url,
    )
    assert (code, err) == (0, "")
    figures = json.loads(out)
    assert figures["minutes_with_data"] == 7 * 1440
    local = pd.Series(counts, index=index.tz_convert("Europe/Berlin"))
    assert figures["IS"] == pytest.approx(panel(local)["IS"], rel=1e-12)


def test_rpx_date_order_option(capsys, tmp_path: Path) -> None:
    # docs/importers.md, "RPX": a file whose dates cannot tell day from month is
    # refused in one line naming the option, and read once the order is given.
    from tests.helpers.actiware import actiware_csv

    path = tmp_path / "export.csv"
    start = dt.datetime(2015, 7, 4, 9, 0)  # 07/04/2015 all morning: ambiguous
    path.write_text(actiware_csv(start, list(range(4)), date_format="%m/%d/%Y"))
    code, _, err = run(capsys, "metrics", str(path))
    assert code == 1
    assert "--date-order" in err
    assert err.count("\n") == 1
    code, out, err = run(capsys, "metrics", str(path), "--date-order", "month-first", "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "rpx"


@pytest.fixture
def stored_client(store: Store, database_url: str, monkeypatch) -> str:
    import ipsrt.cli.metrics

    store.add_client("C001", "Europe/Berlin", now=NOW)
    monkeypatch.setattr(ipsrt.cli.metrics, "utc_now", lambda: NOW)
    return database_url


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        # The one plausibility rule (ipsrt.timeutil.check_plausible_date): 1990-01-01 to
        # tomorrow in the client's zone (NOW is 2026-06-01 14:00 in Berlin).
        (
            ("0001-01-01", "9999-12-31"),
            "--from 0001-01-01 is not plausible: expected a date from 1990-01-01 "
            "to 2026-06-02 (tomorrow)",
        ),
        (
            ("2026-05-01", "9999-12-31"),
            "--to 9999-12-31 is not plausible: expected a date from 1990-01-01 "
            "to 2026-06-02 (tomorrow)",
        ),
        (("2026-05-01", "2026-06-03"), "--to 2026-06-03 is not plausible"),
        (("1989-12-31", "2026-05-01"), "--from 1989-12-31 is not plausible"),
        (("2026-05-02", "2026-05-01"), "--to 2026-05-01 is before --from 2026-05-02"),
        (
            ("1990-01-01", "2026-06-01"),
            "--from 1990-01-01 --to 2026-06-01 spans 13301 days: use at most 3660",
        ),
        (("-1", "2026-05-01"), "invalid --from '-1': expected YYYY-MM-DD"),
        (("2026-05-01", "99999-01-01"), "invalid --to '99999-01-01': expected YYYY-MM-DD"),
    ],
)
def test_client_dates_out_of_range_are_one_line(capsys, stored_client, dates, message) -> None:
    first, last = dates
    code, out, err = run(
        capsys, "--db", stored_client, "metrics", "--client", "C001", "--from", first, "--to", last
    )
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {message}")
    assert err.count("\n") == 1


def test_client_table_and_json(capsys, stored_client) -> None:
    argv = ("--db", stored_client, "metrics", "--client", "C001")
    code, out, err = run(capsys, *argv, "--from", "2026-05-25", "--to", "2026-06-02", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["minutes_with_data"] == 0
    code, out, err = run(capsys, *argv, "--from", "2026-05-25", "--to", "2026-05-31")
    assert (code, err) == (0, "")
    assert "valid_days" in out
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_file_title_escapes_control_characters(capsys, tmp_path) -> None:
    path = write_awd(tmp_path / "sub\x1b[2Jject.awd", synthetic_counts(3, seed=5), start=START)
    code, out, err = run(capsys, "metrics", str(path))
    assert (code, err) == (0, "")
    assert "\x1b" not in out
    assert "sub\\x1b[2Jject.awd" in out
