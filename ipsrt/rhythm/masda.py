r"""MASDA rest detection (Roenneberg et al. 2015) as pyActigraphy 1.2.2 ``Roenneberg()``.

The algorithm, with pyActigraphy's defaults:

1. **Trend**: centred moving average of the counts over 24 h (window
   :math:`[i - w/2,\ i + w/2 - 1]`, at least 12 h of data, else NaN).
2. **Potential rest**: :math:`s_i = 1` if :math:`x_i \le 0.15\,\mathrm{trend}_i`,
   else 0 (NaN where the trend is NaN).
3. **Seeds**: starts of runs of potential rest lasting at least 30 min.
4. **Bout offset**: for each seed not inside the previous bout, take the next
   12 h of :math:`s` (*m* epochs) and the Pearson correlation
   :math:`r_k` of that window with the ideal bout :math:`(1^k, 0^{m-k})`,

   .. math::

       r_k = \frac{\sum_{j<k}(s_j-\bar s)}
                  {\lVert s-\bar s\rVert\,\sqrt{k(m-k)/m}},\qquad k=1..m.

   The offset is the highest *peak* of :math:`r` (a value above every one of
   the next 31 values at 1-min epochs, i.e. 30 min + 1 epoch). The bout
   from seed to offset becomes rest; isolated potential-rest epochs before the
   first bout, between bouts and after the last bout become activity.

Output is 1 = rest, 0 = activity, NaN where the trend is undefined. Epoch for
epoch this reproduces pyActigraphy, including its quirks (no NaN handling: a
NaN count is "not rest" unless inside a bout; a recording with no seed or no
bout has no result and gives NaN here).

References
----------
Roenneberg, T., Keller, L. K., Fischer, D., Matera, J. L., Vetter, C. &
Winnebeck, E. C. (2015). Human activity and rest in situ. *Methods in
Enzymology* 552, 257-283. https://doi.org/10.1016/bs.mie.2014.11.028

Loock, A.-S. et al. (2021). Validation of the Munich Actimetry Sleep Detection
Algorithm for estimating sleep-wake patterns from activity recordings.
*J Sleep Res* 30, e13371. https://doi.org/10.1111/jsr.13371
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ipsrt.rhythm.epochs import FloatArray, prepare

__all__ = ["masda", "masda_array"]


def _runs_of_ones(s: FloatArray, min_len: int) -> npt.NDArray[np.intp]:
    t = np.concatenate(([0], (s == 1).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(t))
    starts, stops = edges[0::2], edges[1::2]
    return starts[(stops - starts) >= min_len]


def _offset_in_window(x: FloatArray, n_succ: int) -> int | None:
    m = x.size
    if m < n_succ + 1:
        return None
    xm = x - x.mean()
    norm = float(np.sqrt(np.dot(xm, xm)))
    k = np.arange(1, m + 1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.cumsum(xm) / (norm * np.sqrt(k * (m - k) / m))
    r = np.clip(r, -1.0, 1.0)
    ahead = sliding_window_view(r[1:], n_succ)
    cand = r[: ahead.shape[0]] > ahead.max(axis=1)
    if not cand.any():
        return None
    best = np.max(r[: ahead.shape[0]][cand])
    return int(np.flatnonzero(r == best)[0])


def _centred_mean(values: FloatArray, w: int, wmin: int) -> FloatArray:
    """pandas ``rolling(w, center=True, min_periods=wmin, closed="right").mean()``.

    The window of epoch *i* is ``[i - w/2, i + w/2 - 1]`` (clipped), NaN
    skipped, NaN with fewer than *wmin* values. With whole-number counts the
    window sums are exact in float64 (below 2**53), so cumulative sums give
    pandas' result bit for bit; other values go through pandas itself.
    """
    ok = ~np.isnan(values)
    z = np.where(ok, values, 0.0)
    if not (z == np.floor(z)).all() or float(z.sum()) >= 2.0**52:
        return np.asarray(
            pd.Series(values)
            .rolling(w, center=True, min_periods=wmin, closed="right")
            .mean()
            .to_numpy(dtype=np.float64),
            dtype=np.float64,
        )
    n = values.size
    cs = np.concatenate(([0.0], np.cumsum(z)))
    cn = np.concatenate(([0], np.cumsum(ok)))
    # window of i: [max(i - w // 2, 0), min(i + w - w // 2, n)) as two shifted
    # copies of the cumulative sums (no gather)
    cnt = _shifted(cn, n, w - w // 2) - _shifted(cn, n, -(w // 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (_shifted(cs, n, w - w // 2) - _shifted(cs, n, -(w // 2))) / cnt
    out[cnt < max(wmin, 1)] = np.nan
    return out


def _shifted(c: npt.NDArray[Any], n: int, k: int) -> npt.NDArray[Any]:
    """``c[clip(i + k, 0, n)]`` for i = 0 .. n - 1 (*c* has n + 1 entries)."""
    out = np.empty(n, dtype=c.dtype)
    if k >= 0:
        m = max(min(n - k + 1, n), 0)  # i + k <= n
        out[:m] = c[k : k + m]
        out[m:] = c[n]
    else:
        m = min(-k, n)  # i + k < 0
        out[:m] = c[0]
        out[m:] = c[: n - m]
    return out


def _window_max(a: FloatArray, w: int) -> FloatArray:
    """Max of ``a[:, j : j + w]`` for every j (rows), by doubling windows (exact)."""
    m, span = a, 1
    while 2 * span <= w:
        m = np.maximum(m[:, :-span], m[:, span:])
        span *= 2
    if span < w:
        m = np.maximum(m[:, : m.shape[1] - (w - span)], m[:, w - span :])
    return m


def _offsets_for_seeds(
    sw: FloatArray, seeds: npt.NDArray[np.intp], test_w: int, n_succ: int
) -> list[int | None]:
    """:func:`_offset_in_window` of the window after each seed, full windows in one batch."""
    n = sw.size
    out: list[int | None] = [None] * seeds.size
    full = seeds + test_w <= n
    idx = np.flatnonzero(full)
    if idx.size and test_w >= n_succ + 1:
        m = test_w
        x = sliding_window_view(sw, m)[seeds[idx]]
        mean = x.mean(axis=1, keepdims=True)
        xm = x - mean
        # np.dot row by row, as _offset_in_window, so that r is bitwise the same
        norm = np.sqrt(np.array([np.dot(row, row) for row in xm]))[:, None]
        k = np.arange(1, m + 1, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.cumsum(xm, axis=1) / (norm * np.sqrt(k * (m - k) / m))
        r = np.clip(r, -1.0, 1.0)
        span = m - n_succ
        ahead = _window_max(r[:, 1:], n_succ)
        head = r[:, :span]
        cand = head > ahead
        masked = np.where(cand, head, -np.inf)
        best = masked.max(axis=1)
        # first epoch of each row equal to its best (as np.flatnonzero(...)[0])
        found = cand.any(axis=1)
        first = (r == best[:, None]).argmax(axis=1)
        for i, f in zip(idx[found].tolist(), first[found].tolist(), strict=True):
            out[i] = int(f)
    for i in np.flatnonzero(~full).tolist():
        seed = int(seeds[i])
        out[i] = _offset_in_window(sw[seed : seed + test_w + 1][:test_w], n_succ)
    return out


def masda_array(
    values: FloatArray,
    epoch_s: int,
    *,
    trend_hours: float = 24,
    min_trend_hours: float = 12,
    threshold: float = 0.15,
    min_seed_minutes: float = 30,
    max_test_hours: float = 12,
    r_consec_below_minutes: float = 30,
) -> tuple[FloatArray | None, str | None]:
    """MASDA on a plain array of counts at *epoch_s*; returns (rest, reason)."""
    w = int(trend_hours * 3600 // epoch_s)
    wmin = int(min_trend_hours * 3600 // epoch_s)
    trend = _centred_mean(values, w, wmin)
    with np.errstate(invalid="ignore"):
        sw = (values <= threshold * trend).astype(np.float64)
    sw[np.isnan(trend)] = np.nan
    seeds = _runs_of_ones(sw, int(min_seed_minutes * 60 // epoch_s))
    if seeds.size == 0:
        return None, "MASDA found no rest seed of 30 min"
    sw[: seeds[0]][sw[: seeds[0]] == 1] = 0.0
    test_w = int(max_test_hours * 3600 // epoch_s)
    n_succ = int(r_consec_below_minutes * 60 // epoch_s) + 1
    # Every window starts at a seed, and a bout only ever rewrites epochs
    # before the next seed it lets through (the bout itself ends at or before
    # that seed, whose epoch is already 1), so each seed's offset depends only
    # on the potential-rest series as first computed: all offsets at once.
    offsets = _offsets_for_seeds(sw, seeds, test_w, n_succ)
    last_off: int | None = None
    for seed, off in zip(seeds.tolist(), offsets, strict=True):
        if last_off is not None and seed < last_off:
            continue
        if last_off is not None:
            gap = sw[last_off + 1 : seed]
            gap[gap == 1] = 0.0
        if off is not None:
            sw[seed : seed + off + 1] = 1.0
            last_off = seed + off
    if last_off is None:
        return None, "MASDA found no rest bout"
    tail = sw[last_off + 1 :]
    tail[tail == 1] = 0.0
    return sw, None


def masda(
    counts: pd.Series,
    *,
    tz: str | dt.tzinfo | None = None,
    threshold: float = 0.15,
) -> pd.Series:
    r"""Rest (1) / activity (0) by MASDA, as pyActigraphy ``Roenneberg()``.

    Works at the native epoch of *counts* (pyActigraphy's default
    ``rsfreq=None``). Returns a float Series on the same index; all NaN when
    no rest bout is found.

    References
    ----------
    Roenneberg et al. (2015), https://doi.org/10.1016/bs.mie.2014.11.028
    """
    p = prepare(counts, tz=tz, compat=True)
    rest, _ = masda_array(p.values, p.epoch_s, threshold=threshold)
    out = np.full(p.n, np.nan) if rest is None else rest
    index = pd.DatetimeIndex(p.utc.astype("datetime64[s]")).tz_localize("UTC")
    return pd.Series(out, index=index.tz_convert(counts.index.tz), name="rest")
