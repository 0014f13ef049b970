"""panel_many: the same figures as panel, subject by subject, in both modes.

Source of the expected values: :func:`ipsrt.rhythm.panel` of each subject's
Series. Both run the one fast path of the non-parametric figures (whose
agreement with the reference formulas is ``test_nonparametric_many.py``);
these tests check the cohort around it: chunks, rows, the cosinor, the sleep
figures (DST changes: ``test_batch_dst.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import panel, panel_many
from ipsrt.rhythm.batch_sleep import cole_kripke_many
from ipsrt.rhythm.sleep_scoring import cole_kripke_minutes
from tests.helpers.awd import synthetic_counts
from tests.helpers.panels import assert_same_panel

TZ = "Europe/Berlin"


def _cohort(days: float, n_subjects: int = 12, epoch_s: int = 60) -> np.ndarray:
    """Varied subjects: NaN runs, scattered NaN, all zero, a short valid span, noise."""
    x = np.stack(
        [
            synthetic_counts(days, seed=300 + i, epoch_seconds=epoch_s, jitter_minutes=20 + 10 * i)
            for i in range(n_subjects)
        ]
    ).astype(float)
    per_min = 60 // epoch_s
    x[1, 3000 * per_min : 3300 * per_min] = np.nan
    x[2, 100 * per_min : 5000 * per_min] = np.nan
    x[3, x.shape[1] // 2 :] = np.nan
    x[4] = 0.0
    x[5, ::7] = np.nan
    x[6, : int(x.shape[1] * 0.9)] = np.nan  # too few valid days
    x[7] = np.random.default_rng(7).poisson(40, x.shape[1])
    x[8, 1440 * per_min : 1440 * per_min + 400] = np.nan  # a night missing
    return x


def _check(x: np.ndarray, start: str, compat: str | None, epoch_s: int = 60, **kw: Any) -> None:
    df = panel_many(x, tz=TZ, start=start, epoch_s=epoch_s, compat=compat, **kw)
    assert len(df) == x.shape[0]
    idx = pd.date_range(start, periods=x.shape[-1], freq=f"{epoch_s}s", tz=TZ)
    for i in range(x.shape[0]):
        ref = panel(pd.Series(x[i], idx), compat=compat, **kw)  # type: ignore[arg-type]
        assert_same_panel(ref, df.iloc[i].to_dict(), f"subject {i} compat={compat}")


@pytest.mark.parametrize("compat", [None, "pyactigraphy"])
def test_panel_many_equals_panel_per_subject(compat: str | None) -> None:
    _check(_cohort(15.5), "2025-01-06", compat)


@pytest.mark.parametrize("compat", [None, "pyactigraphy"])
def test_thirty_second_epochs_and_no_blocks(compat: str | None) -> None:
    _check(_cohort(8, 10, epoch_s=30), "2025-01-13", compat, epoch_s=30, blocks=False)


@pytest.mark.parametrize("compat", [None, "pyactigraphy"])
def test_dst_inside_default_and_compat(compat: str | None) -> None:
    # default mode: the batch lays the local days out across the change
    # (test_batch_dst.py has more); compat mode: the wall clock runs on
    # without a jump, as pyActigraphy
    _check(_cohort(10, 10), "2025-03-27", compat)


def test_three_d_input_equals_two_d() -> None:
    x = _cohort(7, 10)
    a = panel_many(x, tz=TZ, start="2025-01-06")
    b = panel_many(x.reshape(10, 7, 1440), tz=TZ, start="2025-01-06")
    pd.testing.assert_frame_equal(a, b)


def test_cole_kripke_many_equals_per_recording_core() -> None:
    x = _cohort(3, 10)
    got = cole_kripke_many(x)
    for i in range(x.shape[0]):
        assert np.array_equal(got[i], cole_kripke_minutes(x[i]), equal_nan=True), i


def test_preconditions_are_checked() -> None:
    x = _cohort(3, 10)
    with pytest.raises(InvalidInputError, match="midnight"):
        panel_many(x, tz=TZ, start="2025-01-06 08:00")
    with pytest.raises(InvalidInputError, match="negative"):
        panel_many(-x, tz=TZ, start="2025-01-06")
    with pytest.raises(InvalidInputError, match="epochs per day"):
        panel_many(x.reshape(10, 3, 1440)[:, :, :1000], tz=TZ, start="2025-01-06")


@pytest.mark.parametrize("compat", [None, "pyactigraphy"])
def test_nan_free_whole_days_equal_panel(compat: str | None) -> None:
    # no NaN and whole days: the batch takes its NaN-free paths (levels,
    # average day, L5/M10 without masks), which must give panel's values too
    x = _cohort(14, 10)[[0, 4, 7, 9]]
    assert not np.isnan(x).any()
    _check(x, "2025-01-06", compat)
