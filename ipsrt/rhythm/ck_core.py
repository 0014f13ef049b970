r"""Cole-Kripke settings (Cole et al. 1992) and the weighted window sums they need.

.. math:: D_t = P \sum_{k=-4}^{+2} W_k A_{t+k}, \qquad D_t < 1 \Rightarrow \text{sleep}

Cole, R. J., Kripke, D. F., Gruen, W., Mullaney, D. J., & Gillin, J. C.
(1992). Automatic sleep/wake identification from wrist activity. *Sleep*
15(5), 461-469. https://doi.org/10.1093/sleep/15.5.461

Used by :mod:`ipsrt.rhythm.sleep_scoring` (per recording) and
:mod:`ipsrt.rhythm.ck_codes` (many rows at once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["CK_SETTINGS", "MEAN_DIVISOR", "CkSetting", "window_dot"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CkSetting:
    """One Cole-Kripke parameter set: scale *P*, weights for k = -4..+2, data reduction.

    ``reduction`` is ``"sum"`` (1-min totals) or the length in seconds of the
    sub-epoch whose per-minute maximum is the input (``overlap`` for the
    overlapping 10-s windows).
    """

    scale: float
    weights: tuple[float, float, float, float, float, float, float]
    sub_epoch_s: int  # 60 for the per-minute total, else the sub-epoch length
    overlap: bool = False


#: Cole et al. 1992, table 2 settings as named in pyActigraphy 1.2.2. The
#: 30-s setting uses the paper's centre weight 121; pyActigraphy has 12
#: (kept in compat mode, see :data:`_PYACT_30S`).
CK_SETTINGS: dict[str, CkSetting] = {
    "mean": CkSetting(0.001, (106, 54, 58, 76, 230, 74, 67), 60),
    "10sec_max_overlap": CkSetting(0.00001, (50, 30, 300, 400, 1400, 500, 350), 5, overlap=True),
    "10sec_max_non_overlap": CkSetting(0.00001, (550, 378, 413, 699, 1736, 287, 300), 10),
    "30sec_max_non_overlap": CkSetting(0.0001, (50, 30, 14, 28, 121, 8, 50), 30),
}
_PYACT_30S = CkSetting(0.0001, (50, 30, 14, 28, 12, 8, 50), 30)
#: Default divisor of the "mean" setting: its weights were fitted on the mean
#: of thirty 2-s epochs per minute, so 1-min totals are divided by 30 (as
#: pyActigraphy does).
MEAN_DIVISOR = 30.0


def _window_dot(a: FloatArray, weights: npt.ArrayLike, before: int, after: int) -> FloatArray:
    """sum_k w_k a[t+k] for k = -before..+after; NaN where the window is incomplete."""
    w = np.asarray(weights, dtype=np.float64)
    out = np.full(a.size, np.nan)
    width = before + after + 1
    if a.size >= width:
        out[before : a.size - after] = sliding_window_view(a, width) @ w
    return out


def window_dot(a: FloatArray, weights: npt.ArrayLike, before: int, after: int) -> FloatArray:
    """:func:`_window_dot` along the last axis of *a* (any shape), by shifted slices.

    ``sum_k w_k a[..., t + k]`` accumulated in the order k = -before..+after,
    element by element, so a row of a 2-D array gives bit for bit what the
    same row gives alone (the batch API relies on this).
    """
    w = np.asarray(weights, dtype=np.float64)
    n = a.shape[-1]
    width = before + after + 1
    out = np.empty(a.shape)
    out[..., : min(before, n)] = np.nan
    out[..., max(n - after, min(before, n)) :] = np.nan
    if n >= width:
        m = n - width + 1
        acc = out[..., before : n - after]
        np.multiply(a[..., 0:m], w[0], out=acc)
        tmp = np.empty_like(acc)
        for k in range(1, width):
            np.multiply(a[..., k : k + m], w[k], out=tmp)
            acc += tmp
    else:
        out[...] = np.nan
    return out
