r"""Default Cole-Kripke of many rows at once, as int8 state codes (the batch API).

Codes: 1 sleep, 0 wake, -1 missing. Row by row, epoch for epoch, the states
are those of :func:`ipsrt.rhythm.sleep_scoring.cole_kripke_minutes` (setting
"mean", Webster's rules):

.. math::

    D_t = P\sum_{k=-4}^{+2} W_k \frac{a_{t+k}}{30}, \qquad
    D_t < 1 \Rightarrow \text{sleep}

(Cole et al. 1992, *Sleep* 15(5), 461-469,
https://doi.org/10.1093/sleep/15.5.461), computed as follows:

* :math:`S_t = \sum_k W_k a_{t+k}` of the raw counts by one
  :func:`numpy.correlate` over the rows laid end to end (windows that cross a
  row end or hold a missing epoch are missing);
* for counts that are not negative every term is, so the rounding of
  :math:`S_t` and of the per-recording :math:`D_t` (division by 30, seven
  products, six sums, times *P*) is relative and below :math:`10^{-14}`:
  :math:`D_t < 1` exactly when :math:`S_t < 30/P` wherever :math:`S_t` is
  farther than :math:`10^{-9}` (relative) from :math:`30/P`;
* the windows in that band (ties, such as :math:`S_t = 30000` with whole
  counts) get :math:`D_t` again in the per-recording arithmetic, operation for
  operation; negative counts get it everywhere.

Webster's rules run once on all rows joined with one missing epoch between
them (a missing epoch ends every run and blocks rules (d)/(e), so no rule
reaches across rows).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ipsrt.rhythm.ck_core import CK_SETTINGS, MEAN_DIVISOR, window_dot
from ipsrt.rhythm.epochs import FloatArray, IntArray
from ipsrt.rhythm.webster import rescore_positions

__all__ = ["Int8Array", "ck_codes_joined", "codes_to_states"]

Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
_BEFORE, _AFTER = 4, 2
_WIDTH = _BEFORE + _AFTER + 1
#: relative half-width of the band around 30/P recomputed exactly
_TIE_BAND = 1e-9


def ck_codes_joined(a: FloatArray) -> Int8Array:
    """Rescored codes of every row of 1-min totals *a* (S, n), as (S, n + 1).

    The last column is -1 (missing), so ``codes.reshape(-1)`` holds the rows
    joined with one missing epoch between them.
    """
    s, n = a.shape
    st = CK_SETTINGS["mean"]
    w = np.asarray(st.weights, dtype=np.float64)
    code = np.full((s, n + 1), -1, dtype=np.int8)
    if n >= _WIDTH and s > 0:
        inner = code[:, _BEFORE : n - _AFTER]  # the epochs with a whole window
        low = float(a.min())  # NaN when a holds NaN
        has_nan = np.isnan(low)
        if has_nan:
            low = float(np.fmin.reduce(a, axis=None))
        if low >= 0 or np.isnan(low):
            ties = _fast_codes(a, w, inner, has_nan)
            if ties is not None:
                r, c = ties
                inner[r, c] = _exact_sleep(a[r[:, None], c[:, None] + np.arange(_WIDTH)], w)
        else:
            d = window_dot(a / MEAN_DIVISOR, w, _BEFORE, _AFTER)[:, _BEFORE : n - _AFTER]
            d *= st.scale
            _set_codes(inner, d < 1.0, np.isnan(d))
    joined = code.reshape(-1)
    idx = rescore_positions(joined)
    joined[idx[joined[idx] == 1]] = 0
    return code


def _fast_codes(
    a: FloatArray, w: FloatArray, inner: Int8Array, has_nan: bool
) -> tuple[IntArray, IntArray] | None:
    """Codes of S_t against 30/P into *inner* (S, n - 6); the windows in the band, if any."""
    s, n = a.shape
    flat = np.ascontiguousarray(a).reshape(-1)
    full = np.correlate(flat, w, "full")  # full[t + 2]: window of epoch t of flat
    view = full[2 : flat.size + 2].reshape(s, n)[:, _BEFORE : n - _AFTER]
    cut = MEAN_DIVISOR / CK_SETTINGS["mean"].scale
    sleep = view < cut * (1.0 - _TIE_BAND)
    if has_nan:
        _set_codes(inner, sleep, np.isnan(view))
    else:
        inner[...] = sleep
    maybe = view <= cut * (1.0 + _TIE_BAND)
    np.not_equal(maybe, sleep, out=maybe)
    if not maybe.any():
        return None
    r, c = np.divmod(np.flatnonzero(maybe), n - _WIDTH + 1)
    return r, c


def _set_codes(out: Int8Array, sleep: BoolArray, missing: BoolArray) -> None:
    np.subtract(sleep.view(np.int8), missing.view(np.int8), out=out)


def _exact_sleep(win: FloatArray, w: FloatArray) -> Int8Array:
    """D < 1 of windows *win* (k, 7) in the arithmetic of the per-recording path."""
    q = win / MEAN_DIVISOR
    acc = q[:, 0] * w[0]
    for k in range(1, _WIDTH):
        acc += q[:, k] * w[k]
    d = CK_SETTINGS["mean"].scale * acc
    return np.asarray(d < 1.0, dtype=np.int8)


def codes_to_states(code: Int8Array) -> FloatArray:
    """1.0 / 0.0 / NaN states of *code* (1 / 0 / -1)."""
    return np.array([np.nan, 0.0, 1.0])[code + 1]
