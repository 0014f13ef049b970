"""Epoch-level sleep/wake scoring from activity counts.

Algorithms: Cole-Kripke 1992 with Webster's rescoring rules, and Sadeh 1994.
Every scorer takes activity counts as a :class:`pandas.Series` indexed by a
timezone-aware, regular :class:`pandas.DatetimeIndex` and returns a float
Series at 1-min epochs holding 1.0 (sleep), 0.0 (wake) or NaN (missing input,
or not enough neighbours to fill the algorithm's window).

Epoch handling (shared by every scorer, see :func:`minute_counts`):

* 60-s epochs are used as they are;
* shorter epochs that divide 60 s are summed into 1-min epochs (a minute with
  any missing sub-epoch is missing), except where a Cole-Kripke setting asks
  for another reduction (the maximum 10-s or 30-s sub-epoch of each minute);
* longer epochs, or epochs that do not divide 60 s, are refused with
  :class:`~ipsrt.errors.InvalidInputError`;
* timestamps absent from a regular grid become missing (NaN) epochs.

``compat="pyactigraphy"`` reproduces pyActigraphy 1.2.2 (``CK`` and
``Sadeh``) epoch for epoch on complete data; see the function docstrings for
what differs from the textbook definition. Missing input epochs are NaN in the
output in both modes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.cole_kripke_codes import (
    CK_SETTINGS,
    MEAN_DIVISOR,
    PYACTIGRAPHY_30S,
    CkSetting,
    codes_to_states,
    sleep_codes,
)
from ipsrt.rhythm.epochs import FloatArray
from ipsrt.rhythm.nonwear import DEFAULT_NONWEAR_MINUTES, MINUTE, detect_nonwear, regular_series
from ipsrt.rhythm.webster import Compat, Surrounded, compat_flag, webster_rescore

__all__ = [
    "CK_SETTINGS",
    "MEAN_DIVISOR",
    "CkSetting",
    "cole_kripke",
    "minute_counts",
    "sadeh",
    "sadeh_ps",
    "sleep_wake",
    "webster_rescore",
]


def minute_counts(
    counts: pd.Series, *, sub_epoch_s: int = 60, overlap: bool = False, compat: Compat = None
) -> pd.Series:
    """Reduce *counts* to 1-min epochs as a Cole-Kripke setting or Sadeh needs.

    With ``sub_epoch_s=60`` the counts are summed per minute; otherwise they
    are summed into *sub_epoch_s* sub-epochs (pairs of 5-s sums when
    *overlap*) and the per-minute maximum is taken. In the default mode a
    minute with any missing sub-epoch is NaN; with ``compat="pyactigraphy"``
    pandas' ``resample(...).sum()`` semantics are kept (missing counts as 0).
    """
    is_compat = compat_flag(compat)
    data, epoch = regular_series(counts)
    sub = pd.Timedelta(seconds=sub_epoch_s)
    if epoch > MINUTE or MINUTE % epoch:
        raise InvalidInputError(
            f"epoch of {epoch.total_seconds():g} s not supported: "
            "use 1-min epochs or sub-minute epochs that divide 60 s"
        )
    if epoch > sub or sub % epoch:
        raise InvalidInputError(
            f"a {sub_epoch_s} s sub-epoch setting needs epochs that divide {sub_epoch_s} s, "
            f"got {epoch.total_seconds():g} s"
        )
    if sub_epoch_s == 60 and epoch == MINUTE:
        return data
    per_sub = int(sub / epoch)
    sums = data.resample(sub).sum(min_count=0 if is_compat else per_sub)
    if overlap:
        sums = sums.rolling(sub * 2).sum() if is_compat else sums + sums.shift(1)
    if sub_epoch_s == 60:
        return sums
    per_min = int(MINUTE / sub)
    return sums.resample(MINUTE).max(min_count=1 if is_compat else per_min)


def _as_output(values: FloatArray, index: pd.DatetimeIndex, name: str) -> pd.Series:
    return pd.Series(values, index=index, name=name, dtype=np.float64)


def cole_kripke(
    counts: pd.Series,
    *,
    settings: str = "mean",
    threshold: float = 1.0,
    rescoring: bool = True,
    divisor: float | None = None,
    compat: Compat = None,
    surrounded: Surrounded = "stretch",
) -> pd.Series:
    r"""Cole-Kripke sleep/wake scoring (1 = sleep, 0 = wake, NaN = missing).

    Parameters
    ----------
    counts
        Activity counts, timezone-aware regular index, NaN = missing.
    settings
        ``"mean"`` (mean activity per minute; needs epochs of 60 s or less),
        ``"10sec_max_overlap"`` (epochs of 5 s or less),
        ``"10sec_max_non_overlap"`` (10 s or less) or
        ``"30sec_max_non_overlap"`` (30 s or less). See :data:`CK_SETTINGS`.
    threshold
        D below *threshold* is sleep (a positive number).
    rescoring
        Apply :func:`webster_rescore`.
    divisor
        The activity A fed to the formula is the reduced count divided by
        *divisor*. Default: 30 for "mean" (its weights were fitted on the mean
        of thirty 2-s epochs per minute, and the input here is the 1-min
        total; pyActigraphy does the same), 1 for the "max" settings. Pass
        ``divisor=1`` when the counts already are mean activity per 2-s epoch.
    compat
        ``"pyactigraphy"``: reproduce pyActigraphy 1.2.2 ``CK(settings=...)``:
        centre weight 12 for the 30-s setting, the 4
        epochs at each end and any epoch whose 9-epoch window holds a
        non-finite value scored as wake, missing counts summed as 0, D
        computed in floating point as pyActigraphy does, and pyActigraphy's
        variant of the rescoring rules.
    surrounded
        The reading of Webster's rules (d)/(e), ``"stretch"`` or ``"run"``
        (see :func:`webster_rescore`; ``"stretch"`` only in compat mode).

    Returns
    -------
    pandas.Series
        Float scores at 1-min epochs (UTC index).

    Notes
    -----
    .. math::

        D_t = P \sum_{k=-4}^{+2} W_k A_{t+k}, \qquad D_t < 1 \Rightarrow \text{sleep}

    For "mean", P = 0.001 and W = 106, 54, 58, 76, 230, 74, 67. By default an
    epoch whose window t-4..t+2 reaches past the recording or holds a missing
    epoch is NaN, and D < *threshold* is decided exactly (rational
    arithmetic: with whole counts and the "mean" setting, sleep exactly when
    sum W_k a_{t+k} < 30000; see :mod:`ipsrt.rhythm.cole_kripke_codes`).

    References
    ----------
    Cole, R. J., Kripke, D. F., Gruen, W., Mullaney, D. J., & Gillin, J. C.
    (1992). Automatic sleep/wake identification from wrist activity. *Sleep*
    15(5), 461-469. https://doi.org/10.1093/sleep/15.5.461

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=7, freq="min", tz="UTC")
    >>> a = pd.Series([0, 0, 5, 2, 3, 0, 0], index=idx)
    >>> round(0.001 * (106*0 + 54*0 + 58*5 + 76*2 + 230*3 + 74*0 + 67*0), 3)
    1.132
    >>> float(cole_kripke(a, rescoring=False, divisor=1).iloc[4])   # D = 1.132: wake
    0.0
    """
    is_compat = compat_flag(compat)
    if settings not in CK_SETTINGS:
        raise InvalidInputError(
            f"unknown Cole-Kripke settings {settings!r}: expected one of {', '.join(CK_SETTINGS)}"
        )
    if is_compat and divisor is not None:
        raise InvalidInputError("divisor cannot be combined with compat='pyactigraphy'")
    if not np.isfinite(threshold) or threshold <= 0:
        raise InvalidInputError(f"threshold must be a positive number, got {threshold!r}")
    webster_rescore([], compat=compat, surrounded=surrounded)  # refuse a bad reading early
    setting = CK_SETTINGS[settings]
    if is_compat and settings == "30sec_max_non_overlap":
        setting = PYACTIGRAPHY_30S
    if divisor is None:
        divisor = MEAN_DIVISOR if settings == "mean" else 1.0
    if not np.isfinite(divisor) or divisor <= 0:
        raise InvalidInputError(f"divisor must be a positive number, got {divisor!r}")
    data, epoch = regular_series(counts)
    if epoch == MINUTE and setting.sub_epoch_s == 60:
        reduced = data  # 1-min totals as they are: missing = NaN
        missing = np.isnan(data.to_numpy())
    else:
        reduced = minute_counts(
            counts, sub_epoch_s=setting.sub_epoch_s, overlap=setting.overlap, compat=compat
        )
        missing = _minute_missing(counts, reduced.index)
    a = reduced.to_numpy(dtype=np.float64)
    if is_compat:
        score = _pyactigraphy_ck(a, setting, threshold, rescoring, divisor)
    else:
        code = sleep_codes(
            a[None, :],
            setting=setting,
            divisor=divisor,
            threshold=threshold,
            rescoring=rescoring,
            surrounded=surrounded,
        )
        score = codes_to_states(code[0, : a.size])
    score[missing] = np.nan
    return _as_output(score, reduced.index, "sleep")


def cole_kripke_minutes(a: FloatArray, *, rescoring: bool = True) -> FloatArray:
    """Default :func:`cole_kripke` (``settings="mean"``) on 1-min totals *a* (NaN = missing).

    The array core that :func:`ipsrt.rhythm.panel` uses; same result as
    ``cole_kripke(counts).to_numpy()`` for the minutes of *counts*, and row
    for row what :func:`ipsrt.rhythm.batch_sleep.cole_kripke_many` gives
    (both are :func:`ipsrt.rhythm.cole_kripke_codes.sleep_codes`).
    """
    return codes_to_states(sleep_codes(a[None, :], rescoring=rescoring)[0, : a.size])


def _pyactigraphy_ck(
    a: FloatArray, setting: CkSetting, threshold: float, rescoring: bool, divisor: float
) -> FloatArray:
    """pyActigraphy 1.2.2's ``CK``: D in floating point, its window and rescoring rules."""
    a = np.nan_to_num(a, nan=0.0) / divisor
    # pyActigraphy: rolling(9, center=True) with weights (..., 0, 0).
    w = np.asarray((*setting.weights, 0.0, 0.0), dtype=np.float64)
    d = np.full(a.size, np.nan)
    if a.size >= w.size:
        d[4 : a.size - 4] = setting.scale * (sliding_window_view(a, w.size) @ w)
    d = _pyact_ties(a, d, setting, threshold)
    score = (d < threshold).astype(np.float64)  # NaN compares False: wake
    if rescoring:
        score = webster_rescore(score, compat="pyactigraphy")
    return score


def _pyact_ties(a: FloatArray, d: FloatArray, setting: CkSetting, threshold: float) -> FloatArray:
    """Recompute D near the threshold exactly as pyActigraphy does (np.dot per window)."""
    near = np.flatnonzero(np.abs(d - threshold) <= 1e-9 * max(1.0, abs(threshold)))
    if near.size:
        w = np.array((*setting.weights, 0, 0), dtype=np.int32)
        d = d.copy()
        for t in near:
            d[t] = setting.scale * np.dot(a[t - 4 : t + 5], w)
    return d


def _minute_missing(counts: pd.Series, minutes: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
    """True for each 1-min epoch of *minutes* that holds a missing input epoch."""
    data, epoch = regular_series(counts)
    if epoch == MINUTE:
        return np.asarray(data.reindex(minutes).isna().to_numpy(), dtype=bool)
    per_min = int(MINUTE / epoch)
    present = data.notna().resample(MINUTE).sum().reindex(minutes, fill_value=0)
    return np.asarray(present.to_numpy() < per_min, dtype=bool)


#: Sadeh et al. 1994: PS = 7.601 - 0.065 meanW5 - 1.08 NAT - 0.056 SDlast6 - 0.703 ln(A + 1)
_SADEH_OFFSET = 7.601
_SADEH_WEIGHTS = (-0.065, -1.08, -0.056, -0.703)


def sadeh(counts: pd.Series, *, cap: float | None = None, compat: Compat = None) -> pd.Series:
    r"""Sadeh 1994 sleep/wake scoring (1 = sleep, 0 = wake, NaN = missing).

    Parameters
    ----------
    counts
        Activity counts, timezone-aware regular index, NaN = missing; epochs
        shorter than 60 s are summed to 1 min (refused in compat mode, where
        pyActigraphy would score at the native epoch).
    cap
        Clip counts at this value first (ActiLife uses 300 for ActiGraph
        counts). Default: no cap, as in the paper and pyActigraphy.
    compat
        ``"pyactigraphy"``: reproduce pyActigraphy 1.2.2 ``Sadeh()``: NAT counts
        50 < A < 100 (strict), the log term uses the *next* epoch A_{t+1},
        sleep is PS > 0 (strict), and epochs whose terms cannot be computed
        (the first 5 and last 5 epochs, windows with missing data) are wake.

    Returns
    -------
    pandas.Series
        Float scores at 1-min epochs (UTC index).

    Notes
    -----
    .. math::

        PS_t = 7.601 - 0.065\,\overline{A}_{t-5..t+5} - 1.08\,NAT_t
               - 0.056\,SD(A_{t-5..t}) - 0.703\ln(A_t + 1)

    NAT is the number of epochs in t-5..t+5 with 50 <= A < 100, SD the sample
    standard deviation (n - 1). PS >= 0 is sleep. By default an epoch whose
    windows reach past the recording or hold a missing epoch is NaN.

    References
    ----------
    Sadeh, A., Sharkey, K. M., & Carskadon, M. A. (1994). Activity-based
    sleep-wake identification: an empirical test of methodological issues.
    *Sleep* 17(3), 201-207. https://doi.org/10.1093/sleep/17.3.201

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=11, freq="min", tz="UTC")
    >>> a = pd.Series([0, 0, 0, 10, 60, 20, 0, 0, 0, 0, 0], index=idx)
    >>> float(sadeh(a).iloc[5])    # PS = 2.54 >= 0: sleep
    1.0
    """
    is_compat = compat_flag(compat)
    if cap is not None and (not np.isfinite(cap) or cap <= 0):
        raise InvalidInputError(f"cap must be a positive number, got {cap!r}")
    if is_compat:
        data, epoch = regular_series(counts)
        if epoch != MINUTE:
            raise InvalidInputError(
                "compat='pyactigraphy' Sadeh needs 1-min epochs (pyActigraphy scores at the "
                f"native epoch), got {epoch.total_seconds():g} s"
            )
    else:
        data = minute_counts(counts)
    a = data.to_numpy(dtype=np.float64)
    if cap is not None:
        a = np.minimum(a, cap)
    ps = sadeh_ps(a, compat=is_compat)
    if is_compat:
        score = (ps > 0.0).astype(np.float64)
    else:
        score = np.where(np.isnan(ps), np.nan, (ps >= 0.0).astype(np.float64))
    score[np.isnan(a)] = np.nan
    return _as_output(score, pd.DatetimeIndex(data.index), "sleep")


def sadeh_ps(a: FloatArray, *, compat: bool = False) -> FloatArray:
    """The Sadeh PS value per epoch of 1-min counts *a*; NaN where a term is undefined.

    See :func:`sadeh` for the formula and what *compat* changes.
    """
    n = a.size
    mean_w5 = np.full(n, np.nan)
    nat = np.full(n, np.nan)
    sd_last6 = np.full(n, np.nan)
    if n >= 11:
        win = sliding_window_view(a, 11)
        mean_w5[5 : n - 5] = win.mean(axis=1)
        lower = (win > 50) if compat else (win >= 50)
        nat[5 : n - 5] = (lower & (win < 100)).sum(axis=1)
    if n >= 6:
        sd_last6[5:] = sliding_window_view(a, 6).std(axis=1, ddof=1)
    if compat:
        log_act = np.full(n, np.nan)
        log_act[:-1] = np.log(1 + a[1:])
    else:
        log_act = np.log1p(a)
    w = _SADEH_WEIGHTS
    return (w[0] * mean_w5 + w[1] * nat + w[2] * sd_last6 + w[3] * log_act) + _SADEH_OFFSET


#: Device states (``MinuteSample.device_state``) and what they mean here.
SLEEP_STATES = frozenset({"sleep_light", "sleep_deep", "sleep_rem"})
WAKE_STATES = frozenset({"awake"})
MISSING_STATES = frozenset({"not_worn", "unknown"})


def sleep_wake(
    counts: pd.Series,
    *,
    device_state: pd.Series | None = None,
    heart_rate: pd.Series | None = None,
    nonwear_minutes: float | None = DEFAULT_NONWEAR_MINUTES,
    score_unknown: bool = False,
    settings: str = "mean",
    divisor: float | None = None,
) -> pd.Series:
    """Sleep/wake per minute from a consumer band: its labels, else Cole-Kripke.

    Parameters
    ----------
    counts
        Activity per epoch (device units), timezone-aware regular index.
    device_state
        Optional device state per epoch: ``sleep_light``, ``sleep_deep`` and
        ``sleep_rem`` are sleep, ``awake`` is wake, ``not_worn`` and
        ``unknown`` are missing; NaN/None (no label) falls back to scoring.
        Any other string is refused.
    heart_rate
        Optional heart rate, used by :func:`~ipsrt.rhythm.nonwear.detect_nonwear`.
    nonwear_minutes
        Minimum zero-activity run without heart rate treated as non-wear;
        ``None`` turns detection off.
    score_unknown
        Score ``unknown`` epochs with Cole-Kripke instead of leaving them
        missing.
    settings, divisor
        Passed to :func:`cole_kripke` (with Webster rescoring).

    Returns
    -------
    pandas.Series
        1.0 (sleep), 0.0 (wake) or NaN (missing input, ``not_worn`` /
        ``unknown`` label, or detected non-wear) at 1-min UTC epochs.

    Notes
    -----
    Non-wear epochs (detected or labelled ``not_worn``) are set to NaN in the
    counts *before* scoring, so they never count as sleep and do not feed the
    Cole-Kripke window of their neighbours. A device label always wins over
    the score for the same minute. Device states are matched to the 1-min
    grid by timestamp (UTC); device states need 1-min counts.

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01 22:00", periods=10, freq="min", tz="UTC")
    >>> counts = pd.Series([0.0] * 10, index=idx)
    >>> states = pd.Series(["sleep_deep"] * 5 + ["not_worn"] * 5, index=idx)
    >>> sleep_wake(counts, device_state=states).tolist()[3:7]
    [1.0, 1.0, nan, nan]
    """
    data, epoch = regular_series(counts)
    if device_state is not None and epoch != MINUTE:
        raise InvalidInputError("device_state needs 1-min counts; resample the counts first")
    labels = _label_codes(device_state, pd.DatetimeIndex(data.index), score_unknown)
    masked = data.copy()
    if nonwear_minutes is not None:
        nonwear = detect_nonwear(data, heart_rate=heart_rate, min_minutes=nonwear_minutes)
        masked[nonwear.to_numpy()] = np.nan
    not_worn = labels == _NOT_WORN
    if epoch == MINUTE:
        masked[not_worn] = np.nan
    scored = cole_kripke(masked, settings=settings, divisor=divisor)
    out = scored.to_numpy().copy()
    if epoch == MINUTE:
        out = np.where(labels >= 0, labels.astype(np.float64), out)
        out[(labels == _MISSING) | not_worn] = np.nan
    return _as_output(out, pd.DatetimeIndex(scored.index), "sleep")


_NO_LABEL, _MISSING, _NOT_WORN = -1, -2, -3


def _label_codes(
    device_state: pd.Series | None, index: pd.DatetimeIndex, score_unknown: bool
) -> npt.NDArray[np.int64]:
    """1 sleep, 0 wake, -1 no label, -2 missing (unknown), -3 not worn."""
    codes = np.full(len(index), _NO_LABEL, dtype=np.int64)
    if device_state is None:
        return codes
    if not isinstance(device_state, pd.Series) or not isinstance(
        device_state.index, pd.DatetimeIndex
    ):
        raise InvalidInputError("device_state must be a pandas Series with a DatetimeIndex")
    if device_state.index.tz is None:
        raise InvalidInputError(
            "device_state has naive timestamps: the index must be timezone-aware"
        )
    states = device_state.copy()
    states.index = device_state.index.tz_convert("UTC").as_unit("ns")
    if not states.index.is_unique:
        raise InvalidInputError("device_state timestamps must be unique")
    aligned = states.reindex(index)
    known = SLEEP_STATES | WAKE_STATES | MISSING_STATES
    present = aligned.notna().to_numpy()
    text = aligned.astype(object).where(aligned.notna(), None).to_numpy()
    bad = {str(v) for v in text[present] if v not in known}
    if bad:
        raise InvalidInputError(
            f"unknown device state(s) {', '.join(sorted(bad))}: expected one of "
            f"{', '.join(sorted(known))}"
        )
    # Map the few distinct labels once, then index by each minute's label code.
    where, labels = pd.factorize(text[present])
    code_of = dict.fromkeys(SLEEP_STATES, 1) | dict.fromkeys(WAKE_STATES, 0)
    code_of["not_worn"] = _NOT_WORN
    if not score_unknown:
        code_of["unknown"] = _MISSING
    table = np.array([code_of.get(str(label), _NO_LABEL) for label in labels], dtype=np.int64)
    codes[present] = table[where] if len(labels) else _NO_LABEL
    return codes
