"""``band_minutes.minute_frame``: the one join of per-minute series into an import's frame.

Expected values come from a plain dictionary walk over the same series (the
rule in the function's docstring: a minute present in any series is a row;
values where a series has one, NaN elsewhere; the state where given, else
the default), so the vectorised join is checked against an independent
statement of the rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from devices.importers.band_minutes import MINUTE_FRAME_COLUMNS, STATE_LABELS, minute_frame

_T0 = pd.Timestamp("2026-03-29 00:00", tz="UTC")


def _series(rng: np.random.Generator, values: np.ndarray) -> pd.Series:
    minutes = rng.choice(500, size=len(values), replace=False)  # not sorted
    return pd.Series(values, index=_T0 + pd.to_timedelta(minutes, unit="min"))


def test_random_series_join_as_a_dictionary_walk_says() -> None:
    rng = np.random.default_rng(14)
    steps = _series(rng, rng.integers(0, 100, 200).astype(float))
    heart = _series(rng, np.where(rng.random(150) < 0.1, np.nan, rng.integers(40, 180, 150)))
    labels = np.array([*STATE_LABELS, None], dtype=object)[rng.integers(0, 7, 120)]
    states = _series(rng, labels)
    got = minute_frame(steps=steps, heart_rate=heart, states=states, default_state="awake")

    rows: dict[pd.Timestamp, dict[str, object]] = {}
    for name, series in (("steps", steps), ("heart_rate", heart), ("state", states)):
        for minute, value in series.items():
            rows.setdefault(minute, {})[name] = value
    expected = pd.DataFrame(
        [
            {
                "ts": minute,
                "steps": rows[minute].get("steps", np.nan),
                "heart_rate": rows[minute].get("heart_rate", np.nan),
                "activity": np.nan,
                "state": rows[minute]["state"] if pd.notna(rows[minute].get("state")) else "awake",
            }
            for minute in sorted(rows)
        ]
    )
    expected["ts"] = expected["ts"].astype("datetime64[ns, UTC]")
    expected["state"] = expected["state"].astype(pd.Series(["x"]).dtype)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.columns) == list(MINUTE_FRAME_COLUMNS)


def test_nothing_gives_an_empty_frame_of_the_same_types() -> None:
    empty = minute_frame()
    full = minute_frame(steps=pd.Series([1.0], index=[_T0]))
    assert len(empty) == 0
    assert list(empty.dtypes) == list(full.dtypes)
    assert str(full["ts"].dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"steps": pd.Series([1.0, 2.0], index=[_T0, _T0])}, "appears twice"),
        ({"steps": pd.Series([1.0], index=[_T0.tz_localize(None)])}, "UTC instants"),
        ({"states": pd.Series(["dozing"], index=[_T0])}, "unknown state labels"),
        ({"default_state": "dozing"}, "unknown state label"),
    ],
)
def test_malformed_series_are_programming_errors(kwargs: dict[str, object], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        minute_frame(**kwargs)  # type: ignore[arg-type]
