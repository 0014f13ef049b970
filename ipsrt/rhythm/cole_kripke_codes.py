r"""Cole-Kripke sleep/wake codes of many rows at once, decided exactly.

.. math::

    D_t = P \sum_{k=-4}^{+2} W_k \frac{a_{t+k}}{d}, \qquad
    D_t < \theta \Rightarrow \text{sleep}, \quad D_t \ge \theta \Rightarrow \text{wake}

(Cole et al. 1992), with the scale :math:`P = 1/m` (*m* = 1000, 10 000 or
100 000), whole-number weights :math:`W_k`, the divisor *d* (30 for the
"mean" setting's 1-min totals) and the threshold :math:`\theta` (1). The
decision is **exact**: the epoch is sleep when the rational number
:math:`S_t = \sum_k W_k a_{t+k}` is below :math:`K = \theta\, d\, m`, the
counts, *d* and :math:`\theta` taken as the exact values of their binary
floating-point numbers. With whole counts :math:`S_t` is a whole number, so
the default setting scores sleep exactly when :math:`S_t < 30000`, and
:math:`S_t = 30000` (:math:`D_t = 1`) is wake. See ``docs/sleep.md``
("Cole-Kripke: the decision at the threshold").

How: :math:`S_t` of every row in one :func:`numpy.correlate` over the rows
laid end to end (windows that cross a row end or hold a missing epoch are
missing). Its rounding error is below :math:`8u\sum_k |W_k a_{t+k}|`
(:math:`u = 2^{-53}`), so a window farther than
:math:`10^{-9}(|K| + \sum_k |W_k a_{t+k}|)` from *K* is decided by the
floating-point comparison; the few windows nearer are decided again in
exact arithmetic (64-bit integers for whole counts, :class:`fractions.Fraction`
otherwise).

Codes: 1 sleep, 0 wake, -1 missing. Webster's rules then run once on all rows
joined with one missing epoch between them (a missing epoch ends every run
and blocks rules (d)/(e), so no rule reaches across rows).

References
----------
Cole, R. J., Kripke, D. F., Gruen, W., Mullaney, D. J., & Gillin, J. C.
(1992). Automatic sleep/wake identification from wrist activity. *Sleep*
15(5), 461-469. https://doi.org/10.1093/sleep/15.5.461
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ipsrt.rhythm.epochs import FloatArray, Int8Array
from ipsrt.rhythm.webster import Surrounded, rescore_positions

__all__ = [
    "CK_SETTINGS",
    "MEAN_DIVISOR",
    "PYACTIGRAPHY_30S",
    "CkSetting",
    "Int8Array",
    "codes_to_states",
    "sleep_codes",
    "sleep_cut",
]

BEFORE, AFTER = 4, 2
"""The window of epoch t: t - 4 .. t + 2."""
_WIDTH = BEFORE + AFTER + 1
#: relative half-width of the band around K decided again exactly
_BAND = 1e-9
#: whole counts up to this size give exact int64 sums (7 weights below 2**11)
_INT_LIMIT = 2.0**48


@dataclass(frozen=True)
class CkSetting:
    """One Cole-Kripke parameter set: scale ``P = 1 / scale_inverse``, weights W_-4..W_+2.

    ``sub_epoch_s`` is 60 for the per-minute total, else the length in seconds
    of the sub-epoch whose per-minute maximum is the input (``overlap`` for
    the overlapping 10-s windows).
    """

    scale_inverse: int
    weights: tuple[int, int, int, int, int, int, int]
    sub_epoch_s: int
    overlap: bool = False

    @property
    def scale(self) -> float:
        """P as a float (the double nearest ``1 / scale_inverse``, e.g. 0.001)."""
        return 1.0 / self.scale_inverse


#: Cole et al. 1992, table 2 settings as named in pyActigraphy 1.2.2. The
#: 30-s setting uses the paper's centre weight 121; pyActigraphy has 12
#: (kept in compat mode, :data:`PYACTIGRAPHY_30S`).
CK_SETTINGS: dict[str, CkSetting] = {
    "mean": CkSetting(1000, (106, 54, 58, 76, 230, 74, 67), 60),
    "10sec_max_overlap": CkSetting(100_000, (50, 30, 300, 400, 1400, 500, 350), 5, overlap=True),
    "10sec_max_non_overlap": CkSetting(100_000, (550, 378, 413, 699, 1736, 287, 300), 10),
    "30sec_max_non_overlap": CkSetting(10_000, (50, 30, 14, 28, 121, 8, 50), 30),
}
#: pyActigraphy 1.2.2's 30-s setting (centre weight 12), for compat mode only.
PYACTIGRAPHY_30S = CkSetting(10_000, (50, 30, 14, 28, 12, 8, 50), 30)
#: Default divisor of the "mean" setting: its weights were fitted on the mean
#: of thirty 2-s epochs per minute, so 1-min totals are divided by 30 (as
#: pyActigraphy does).
MEAN_DIVISOR = 30.0


def sleep_cut(setting: CkSetting, divisor: float, threshold: float) -> Fraction:
    r"""K of the exact rule: sleep when :math:`\sum_k W_k a_{t+k} < K = \theta\, d / P`."""
    return Fraction(threshold) * Fraction(divisor) * setting.scale_inverse


def sleep_codes(
    a: FloatArray,
    *,
    setting: CkSetting = CK_SETTINGS["mean"],
    divisor: float = MEAN_DIVISOR,
    threshold: float = 1.0,
    rescoring: bool = True,
    surrounded: Surrounded = "stretch",
) -> Int8Array:
    """Codes of every row of reduced 1-min counts *a* (S, n), as (S, n + 1).

    The last column is -1 (missing), so ``codes.reshape(-1)`` holds the rows
    joined with one missing epoch between them. *rescoring* applies
    Webster's rules (*surrounded*: the reading of rules (d)/(e), see
    :func:`ipsrt.rhythm.webster.webster_rescore`).
    """
    s, n = a.shape
    code = np.full((s, n + 1), -1, dtype=np.int8)
    if n >= _WIDTH and s > 0:
        _decide(a, setting, sleep_cut(setting, divisor, threshold), code[:, BEFORE : n - AFTER])
    if rescoring:
        joined = code.reshape(-1)
        idx = rescore_positions(joined, surrounded=surrounded)
        joined[idx[joined[idx] == 1]] = 0
    return code


def _decide(a: FloatArray, setting: CkSetting, cut: Fraction, inner: Int8Array) -> None:
    """Codes of the epochs with a whole window into *inner* (S, n - 6)."""
    s, n = a.shape
    w = np.asarray(setting.weights, dtype=np.float64)
    flat = np.ascontiguousarray(a).reshape(-1)
    low = float(flat.min()) if flat.size else 0.0  # NaN when a holds NaN
    has_nan = math.isnan(low)
    if has_nan:
        low = float(np.fmin.reduce(flat))
    k = float(cut)
    view = _window_sums(flat, w, s, n)  # S_t, NaN where a window holds NaN
    if low >= 0 or math.isnan(low):
        # every term is >= 0: sum |W a| = S_t, the band is relative to K
        sleep = view < k - _BAND * 2 * abs(k)
        maybe = view <= k + _BAND * 2 * abs(k)
    else:
        size = _window_sums(np.abs(flat), np.abs(w), s, n)
        tol = _BAND * (abs(k) + size)
        sleep = view < k - tol
        maybe = view <= k + tol
    if has_nan:
        np.subtract(sleep.view(np.int8), np.isnan(view).view(np.int8), out=inner)
    else:
        inner[...] = sleep
    np.not_equal(maybe, sleep, out=maybe)
    if maybe.any():
        r, c = np.divmod(np.flatnonzero(maybe), n - _WIDTH + 1)
        windows = a[r[:, None], c[:, None] + np.arange(_WIDTH)]
        inner[r, c] = _exact_sleep(windows, setting.weights, cut)


def _window_sums(flat: FloatArray, w: FloatArray, s: int, n: int) -> FloatArray:
    """sum_k w_k a[t + k] (k = -4..+2) of each row's epochs with a whole window, (S, n - 6)."""
    full = np.correlate(flat, w, "full")  # full[t + 2]: the window of epoch t of flat
    return full[AFTER : flat.size + AFTER].reshape(s, n)[:, BEFORE : n - AFTER]


def _exact_sleep(windows: FloatArray, weights: tuple[int, ...], cut: Fraction) -> Int8Array:
    """1 where the exact sum_k W_k a_k of a window (rows of *windows*) is below *cut*."""
    out = np.empty(windows.shape[0], dtype=np.int8)
    whole = (np.abs(windows) < _INT_LIMIT).all(axis=1) & (windows == np.round(windows)).all(axis=1)
    if whole.any():
        sums = windows[whole].astype(np.int64) @ np.asarray(weights, dtype=np.int64)
        # an integer is below K exactly when it is below ceil(K)
        out[whole] = sums < math.ceil(cut)
    for i in np.flatnonzero(~whole).tolist():
        exact = sum(
            (Fraction(float(x)) * wk for x, wk in zip(windows[i], weights, strict=True)),
            Fraction(0),
        )
        out[i] = exact < cut
    return out


def codes_to_states(code: Int8Array) -> FloatArray:
    """1.0 / 0.0 / NaN states of *code* (1 / 0 / -1)."""
    return np.array([np.nan, 0.0, 1.0])[code + 1]
