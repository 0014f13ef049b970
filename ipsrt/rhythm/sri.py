r"""Sleep Regularity Index (Phillips et al. 2017).

Default (pooled) formula, with :math:`s_{i,j}\in\{0,1\}` the state (1 =
sleep) on day *i* at clock time *j*:

.. math::

    SRI = -100 + \frac{200}{|P|}\sum_{(i,j)\in P}\delta(s_{i,j}, s_{i+1,j})

where *P* is the set of epoch pairs 24 h of **local clock time** apart in
which both epochs are valid (not NaN). Without missing data
:math:`|P| = M(N-1)` and this is Phillips' formula. Missing epochs are never
counted as wake. Across DST, pairs are matched by wall-clock reading: on a
23-h day the skipped clock hour has no partner; on a 25-h day both
occurrences of the repeated hour are compared with the next day, and only
the first with the previous day.

``compat="pyactigraphy"`` reproduces ``SleepRegularityIndex()`` of
pyActigraphy 1.2.2: the input is scored with MASDA (:mod:`ipsrt.rhythm.masda`),
:math:`\overline{1-|s_{i+1,j}-s_{i,j}|}` is averaged over days for each time
of day *j* first, then over *j*; a NaN anywhere makes the result NaN.

References
----------
Phillips, A. J. K. et al. (2017). Irregular sleep/wake patterns are associated
with poorer academic performance and delayed circadian and sleep/wake timing.
*Scientific Reports* 7, 3216. https://doi.org/10.1038/s41598-017-03171-4
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.epochs import DAY_S, FloatArray, Prepared, prepare
from ipsrt.rhythm.masda import masda_array

__all__ = ["clock_day_pairs", "sleep_regularity_index", "sri_core", "sri_from_counts_pyactigraphy"]


def _check_states(values: FloatArray) -> None:
    ok = values[~np.isnan(values)]
    if ((ok != 0) & (ok != 1)).any():
        raise InvalidInputError("sleep states must be 0 (wake), 1 (sleep) or NaN (missing)")


def clock_day_pairs(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, k): epoch k is the first epoch whose clock reads that of i, one day later."""
    per_day = p.per_day
    if p.seg_starts.size == 1:
        i = np.arange(max(p.n - per_day, 0))
        return i, i + per_day
    order = np.argsort(p.wall, kind="stable")
    sorted_wall = p.wall[order]
    target = p.wall + DAY_S
    pos = np.searchsorted(sorted_wall, target, side="left")
    inside = pos < p.n
    hit = np.zeros(p.n, dtype=bool)
    hit[inside] = sorted_wall[pos[inside]] == target[inside]
    i = np.flatnonzero(hit)
    return i, order[pos[hit]]


def sri_core(p: Prepared, min_days: float) -> tuple[float, str | None]:
    """Pooled SRI of a prepared 0/1 series; returns (value, reason)."""
    if p.valid_days < min_days:
        return np.nan, f"{p.valid_days:.2f} valid days of sleep states, fewer than {min_days:g}"
    i, k = clock_day_pairs(p)
    a, b = p.values[i], p.values[k]
    ok = ~(np.isnan(a) | np.isnan(b))
    n = int(ok.sum())
    if n == 0:
        return np.nan, "no pair of valid epochs 24 h apart"
    same = int(np.count_nonzero(a[ok] == b[ok]))
    return -100.0 + 200.0 * same / n, None


def sri_pyactigraphy_core(values: FloatArray, wall: np.ndarray, epoch_s: int) -> float:
    """pyActigraphy ``sri()``: per time-of-day mean of agreement, then mean; NaN propagates."""
    per_day = DAY_S // epoch_s
    tod = ((wall % DAY_S) // epoch_s).astype(np.int64)
    n = values.size
    if n <= per_day:
        return np.nan
    agree = 1.0 - np.abs(values[per_day:] - values[:-per_day])
    g = tod[: n - per_day]
    sums = np.bincount(g, weights=agree, minlength=per_day)
    cnt = np.bincount(g, minlength=per_day)
    if (cnt == 0).any():
        return np.nan
    return float(200.0 * np.mean(sums / cnt) - 100.0)


def sleep_regularity_index(
    sleep: pd.Series,
    *,
    min_days: float = 2.0,
    tz: str | dt.tzinfo | None = None,
    compat: Literal["pyactigraphy"] | None = None,
) -> float:
    r"""Sleep Regularity Index of a 0/1 sleep series (1 = sleep, NaN = missing).

    Parameters
    ----------
    sleep : pandas.Series
        Sleep states on a timezone-aware regular index (any epoch dividing
        24 h; no resampling).
    min_days : float
        Minimum valid days of states (default 2; ignored in compat mode).
    tz : str or tzinfo, optional
        Zone of the local clock (default: the index's zone).
    compat : {None, "pyactigraphy"}
        ``"pyactigraphy"``: pyActigraphy's per-time-of-day average of the
        *given* states (no MASDA here; see
        :func:`sri_from_counts_pyactigraphy` for the full default).

    Returns
    -------
    float
        SRI in [-100, 100]; 100 = the same schedule every day. NaN with too
        little data.

    Notes
    -----
    .. math::

        SRI = -100 + \frac{200}{|P|}\sum_{(i,j)\in P}\delta(s_{i,j}, s_{i+1,j})

    References
    ----------
    Phillips et al. (2017), https://doi.org/10.1038/s41598-017-03171-4

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.date_range("2025-01-06 12:00", periods=2880, freq="min", tz="UTC")
    >>> s = np.zeros(2880)
    >>> s[660:1140] = 1          # 23:00-07:00
    >>> s[2100:2640] = 1         # 23:00-08:00
    >>> round(sleep_regularity_index(pd.Series(s, idx), min_days=0), 1)
    91.7
    """
    if compat not in (None, "pyactigraphy"):
        raise InvalidInputError(f"unknown compat mode {compat!r}: use None or 'pyactigraphy'")
    p = prepare(sleep, tz=tz, compat=compat is not None, resample=False)
    _check_states(p.values)
    if compat:
        return sri_pyactigraphy_core(p.values, p.wall, p.epoch_s)
    return sri_core(p, min_days)[0]


def sri_from_counts_pyactigraphy(counts: pd.Series, *, tz: str | dt.tzinfo | None = None) -> float:
    """pyActigraphy ``SleepRegularityIndex()`` defaults: MASDA on counts, then its SRI.

    References
    ----------
    Phillips et al. (2017), https://doi.org/10.1038/s41598-017-03171-4;
    Roenneberg et al. (2015), https://doi.org/10.1016/bs.mie.2014.11.028
    """
    p = prepare(counts, tz=tz, compat=True)
    rest, _ = masda_array(p.values, p.epoch_s)
    if rest is None:
        return np.nan
    return sri_pyactigraphy_core(rest, p.wall, p.epoch_s)
