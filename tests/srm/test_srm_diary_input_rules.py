"""Diary CSV input rules: plausible dates, the size cap, streaming (docs/srm.md, "Diary CSV")."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc

import pytest

from ipsrt.srm.diary import MAX_DIARY_BYTES, DiaryError, read_diary_csv
from ipsrt.timeutil import EARLIEST_DATE

TODAY = dt.date(2026, 6, 1)
HEADER = "date,activity,time,people,mood\n"


def read(text: str, **kw: object):
    return read_diary_csv(io.StringIO(text), today=TODAY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "line"),
    [("0001-01-01", 3), ("9999-12-31", 3), ("1989-12-31", 3), ("2026-06-03", 3)],
)
def test_implausible_dates_name_their_line(day: str, line: int) -> None:
    # check_plausible_date: 1990-01-01 .. the day after TODAY (2026-06-02).
    text = HEADER + "2026-05-04,bed,23:00,0,\n" + f"{day},bed,23:00,0,\n"
    with pytest.raises(DiaryError) as info:
        read(text)
    message = str(info.value)
    assert message.startswith(f"line {line}: date {day} is not plausible")
    assert "2026-06-02 (tomorrow)" in message
    assert "\n" not in message


def test_the_first_and_last_plausible_dates_are_read() -> None:
    text = HEADER + f"{EARLIEST_DATE},bed,23:00,0,\n2026-06-02,bed,23:00,0,\n"
    assert read(text).entries["date"].tolist() == [EARLIEST_DATE, dt.date(2026, 6, 2)]


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path) -> None:
    path = tmp_path / "big.csv"
    # Line 2 is bad: the size, checked first, is what the message is about.
    path.write_text(HEADER + "not a date,bed,23:00,0,\n" + "x" * 3000, encoding="utf-8")
    with pytest.raises(DiaryError) as info:
        read_diary_csv(path, today=TODAY, max_bytes=2048)
    assert str(info.value) == (
        f"diary file is {path.stat().st_size} bytes, over the 2048 bytes limit "
        "(raise it with --max-size MB)"
    )
    with pytest.raises(DiaryError, match="line 2: invalid date"):
        read_diary_csv(path, today=TODAY, max_bytes=None)
    assert MAX_DIARY_BYTES == 64 * 1024 * 1024


def test_a_stream_is_cut_off_at_the_cap() -> None:
    text = HEADER + "2026-05-04,bed,23:00,0,\n" * 200
    with pytest.raises(DiaryError, match="over the 1024 bytes limit"):
        read(text, max_bytes=1024, confirm_replace=True)


def test_repeated_lines_keep_the_last_value_per_key_and_a_bounded_record() -> None:
    rows = "".join(
        f"2026-05-04,bed,23:{i % 60:02d},{i % 4},{i % 5}\n2026-05-04,out_of_bed,07:00,0,{i % 5}\n"
        for i in range(1000)
    )
    diary = read(HEADER + rows, confirm_replace=True)
    assert diary.entries[["activity", "minutes", "people", "line"]].values.tolist() == [
        ["bed", 23 * 60 + 999 % 60, 999 % 4, 2000],
        ["out_of_bed", 420.0, 0.0, 2001],
    ]
    assert diary.mood["mood"].tolist() == [999 % 5]
    # one replacement kept per key (bed, out_of_bed, mood), however many lines repeat
    assert [(r.activity, r.replaced_line, r.kept_line) for r in diary.replaced] == [
        ("bed", 1998, 2000),
        ("mood", 1999, 2000),
        ("out_of_bed", 1999, 2001),
    ]
    assert diary.replaced_rows == 999 * 3  # each later bed and out_of_bed line, each new mood


def test_memory_does_not_grow_with_the_file(tmp_path) -> None:
    path = tmp_path / "long.csv"
    line = "2026-05-04,bed,23:00,0,1\n"
    path.write_text(HEADER + line * 80_000, encoding="utf-8")  # 2 MB
    tracemalloc.start()
    try:
        diary = read_diary_csv(path, today=TODAY, confirm_replace=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert diary.replaced_rows == 80_000 - 1
    assert peak < 512 * 1024, peak  # the old reader held the whole text (2 MB) and more


def test_a_bad_last_line_returns_nothing() -> None:
    text = HEADER + "2026-05-04,bed,23:00,0,1\n" * 50 + "2026-05-05,bed,25:00,0,1\n"
    with pytest.raises(DiaryError, match="line 52: invalid time '25:00'"):
        read(text, confirm_replace=True)


def test_messages_name_the_flag_not_the_parameter() -> None:
    dup = HEADER + "2026-05-04,bed,23:00,0,1\n2026-05-04,bed,23:30,0,1\n"
    with pytest.raises(DiaryError, match="use --confirm-replace to keep the later one"):
        read(dup)
    mood = HEADER + "2026-05-04,bed,23:00,0,1\n2026-05-04,out_of_bed,07:00,0,2\n"
    with pytest.raises(DiaryError, match=r"line 3: mood .* --confirm-replace"):
        read(mood)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2026-05-04,bed,23:00," + "9" * 400 + ",", "line 2: people code '999"),
        ("2026-05-04,bed,23:00,0,+-3", "line 2: mood '+-3' is not a whole number"),
        ("2026-05-04,bed,23:00,0,1_0", "line 2: mood '1_0' is not a whole number"),
        ("2026-05-04,bed,23:00,0,５", "line 2: mood '５' is not a whole number"),
    ],
)
def test_numbers_are_plain_ascii_digits(row: str, message: str) -> None:
    with pytest.raises(DiaryError) as info:
        read(HEADER + row + "\n")
    assert str(info.value).startswith(message)


def test_binary_and_non_utf8_files_are_one_line(tmp_path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(HEADER.encode() + b"2026-05-04,b\xe9d,23:00,0,\n")
    with pytest.raises(DiaryError, match="not UTF-8 text"):
        read_diary_csv(path, today=TODAY)
    with pytest.raises(DiaryError, match="must be text, not bytes"):
        read_diary_csv(io.BytesIO(HEADER.encode()), today=TODAY)  # type: ignore[arg-type]


def test_quoted_fields_and_line_numbers_after_a_note_on_two_lines() -> None:
    text = (
        "date,activity,time,people,note\n"
        '2026-05-04,bed,23:00,0,"late, tired"\n'
        '2026-05-04,out_of_bed,07:00,0,"slept\nbadly"\n'
        "2026-05-05,bed,25:00,0,\n"
    )
    with pytest.raises(DiaryError, match=r"^line 5: invalid time '25:00'"):
        read(text)
    diary = read(text.replace("25:00", "23:00"))
    assert diary.entries["line"].tolist() == [2, 3, 5]


def test_a_line_longer_than_a_mebibyte_is_refused() -> None:
    with pytest.raises(DiaryError, match=r"^line 2: longer than 1 MB"):
        read(HEADER + "2026-05-04,bed,23:00,0," + "1" * (1 << 20) + "\n")
