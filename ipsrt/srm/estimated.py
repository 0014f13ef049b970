"""Estimated SRM anchors from wearable sleep and steps.

Passive analogues of three SRM-5 anchors (``docs/srm.md``, "Estimated anchors";
Abdullah et al. 2016, doi:10.1093/jamia/ocv200):

* ``out_of_bed`` on date D: the offset of the main sleep of night D-1;
* ``bed`` on date D: the onset of the main sleep of night D (so a 00:30
  onset is the bedtime of the evening of D, as on the paper form);
* ``start_activity`` on date D: take the first window of ``window_min``
  consecutive minutes that starts at or after that wake time and whose step
  total is at least ``min_steps``; the anchor is the first minute of that
  window with any steps (the start of the bout, so leading still minutes are
  not counted), if it lies within ``max_search_min`` of waking. Minutes
  without a sample count as 0 steps.

``first_contact`` and ``dinner`` have no reliable sensor and are not
estimated. Results carry ``source = "estimated"``; score them with the same
rules (:func:`ipsrt.srm.score_weeks`) but never merge them with the diary.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt import circular
from ipsrt.errors import InvalidInputError, InvalidTimeError
from ipsrt.srm.scoring import DEFAULT_CLIENT
from ipsrt.timeutil import minute_of_day, zone

__all__ = ["ESTIMATED", "anchor_agreement", "estimate_anchors"]

ESTIMATED = "estimated"
_COLUMNS = ["date", "activity", "minutes", "status", "people", "target", "source"]


def _utc(values: pd.Series, what: str) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(values)
    if index.tz is None:
        raise InvalidTimeError(f"{what}: naive timestamps; instants must be timezone-aware")
    return index.tz_convert("UTC").as_unit("ns")


def _first_active(
    wake: pd.DatetimeIndex,
    steps: pd.Series,
    *,
    window_min: int,
    min_steps: float,
    max_search_min: int,
) -> npt.NDArray[np.float64]:
    """UTC epoch-ns of the first active window start after each wake time (NaN if none)."""
    out = np.full(len(wake), np.nan)
    if steps.empty or len(wake) == 0:
        return out
    index = _utc(steps.index.to_series(), "steps")
    values = pd.to_numeric(pd.Series(steps.to_numpy(), index=index), errors="coerce").fillna(0.0)
    minute_ns = index.floor("min").asi8
    if len(minute_ns) > 1 and bool((np.diff(minute_ns) > 0).all()):
        # One sample per minute, in order (the usual grid): the per-minute sums are the values.
        grid_ns, summed = minute_ns, values.to_numpy(dtype=np.float64)
    else:
        grouped = values.groupby(index.floor("min")).sum()
        grid_ns, summed = grouped.index.as_unit("ns").asi8, grouped.to_numpy(dtype=np.float64)
    step_ns = 60_000_000_000
    full_ns = np.arange(grid_ns[0], grid_ns[-1] + window_min * step_ns, step_ns, dtype=np.int64)
    grid = np.zeros(len(full_ns))
    grid[(grid_ns - grid_ns[0]) // step_ns] = summed
    forward = (
        pd.Series(grid).rolling(window_min, min_periods=window_min).sum().shift(-(window_min - 1))
    )
    start_ns = full_ns[(forward >= min_steps).to_numpy()]
    if len(start_ns) == 0:
        return out
    moving_ns = full_ns[grid > 0]
    wake_ns = wake.ceil("min").as_unit("ns").asi8
    pos = np.searchsorted(start_ns, wake_ns, side="left")
    ok = pos < len(start_ns)
    window_ns = start_ns[np.minimum(pos, len(start_ns) - 1)]
    # Report the first minute with steps inside that window (the start of the bout).
    if len(moving_ns):
        first = moving_ns[np.minimum(np.searchsorted(moving_ns, window_ns), len(moving_ns) - 1)]
        found = np.where(first >= window_ns, first, window_ns)
    else:
        found = window_ns
    ok &= found - wake_ns <= max_search_min * 60_000_000_000
    out[ok] = found[ok]
    return out


def estimate_anchors(
    sleep: pd.DataFrame,
    steps: pd.Series,
    tz: str,
    *,
    window_min: int = 10,
    min_steps: float = 100,
    max_search_min: int = 720,
) -> pd.DataFrame:
    """Estimated out-of-bed, start-activity and bed anchors as SRM entries.

    Parameters
    ----------
    sleep
        One row per night with the main sleep: ``night`` (date), ``onset_utc``
        and ``offset_utc`` (timezone-aware). A ``main`` boolean column, when
        present, selects the main sleeps.
    steps
        Steps per minute on a timezone-aware (UTC) index.
    tz
        The client's IANA zone, used to read local clock minutes.
    window_min, min_steps, max_search_min
        Start-activity rule: the first ``window_min``-minute window with at
        least ``min_steps`` steps that starts within ``max_search_min`` minutes
        after waking.

    Returns
    -------
    pandas.DataFrame
        Entries in the :mod:`ipsrt.srm.scoring` format (``date``,
        ``activity``, ``minutes``, ``status="done"``, ``people`` and ``target``
        NaN) plus ``source = "estimated"``, sorted by date and activity.
        Days without an estimate have no row (not recorded).
    """
    zone(tz)
    for col in ("night", "onset_utc", "offset_utc"):
        if col not in sleep.columns:
            raise InvalidInputError(f"sleep table: missing column {col!r}")
    if window_min < 1 or max_search_min < 0 or not np.isfinite(min_steps):
        raise InvalidInputError("start-activity rule: window and search limits must be positive")
    main = sleep[sleep["main"].astype(bool)] if "main" in sleep.columns else sleep
    if main["night"].duplicated().any():
        raise InvalidInputError("sleep table: more than one main sleep for a night")
    if main.empty:
        return pd.DataFrame(columns=_COLUMNS)
    nights = pd.to_datetime(main["night"]).dt.normalize().reset_index(drop=True)
    onset = _utc(main["onset_utc"], "onset_utc")
    offset = _utc(main["offset_utc"], "offset_utc")
    if (offset <= onset).any():
        raise InvalidInputError("sleep table: a sleep ends before it starts")
    night_day = nights.to_numpy().astype("datetime64[D]").astype(np.int64)
    first = _first_active(
        offset, steps, window_min=window_min, min_steps=min_steps, max_search_min=max_search_min
    )
    has = np.isfinite(first)
    start_utc = pd.DatetimeIndex(first[has].astype(np.int64), tz="UTC")
    # Rows by date, then in the form's order: out of bed, start activity, bed (nights are
    # unique, so each (date, activity) occurs once).
    day = np.concatenate([night_day + 1, night_day[has] + 1, night_day])
    order = np.repeat([0, 1, 2], [len(night_day), int(has.sum()), len(night_day)])
    minutes = np.concatenate(
        [
            minute_of_day(offset, tz).astype(float),
            minute_of_day(start_utc, tz).astype(float),
            minute_of_day(onset, tz).astype(float),
        ]
    )
    rows = np.lexsort((order, day))
    n = len(rows)
    return pd.DataFrame(
        {
            "date": day[rows].astype("datetime64[D]").astype(object),
            "activity": np.array(["out_of_bed", "start_activity", "bed"], dtype=object)[
                order[rows]
            ],
            "minutes": minutes[rows],
            "status": ["done"] * n,
            "people": np.full(n, np.nan),
            "target": np.full(n, np.nan),
            "source": [ESTIMATED] * n,
        },
        columns=_COLUMNS,
    )


def anchor_agreement(diary_entries: pd.DataFrame, estimated_entries: pd.DataFrame) -> pd.DataFrame:
    """Agreement between diary and estimated anchors, per activity.

    Pairs are (client, date, activity) done in both. The difference
    :math:`d = ((e - r + 720) \\bmod 1440) - 720` (estimated minus reported)
    is circular, so 23:50 vs 00:10 differ by 20 min.

    Returns
    -------
    pandas.DataFrame
        ``activity``, ``n_pairs``, ``median_abs_diff_min``,
        ``median_diff_min`` (signed, estimated later than reported when
        positive), ``within_45_min`` (share of pairs). Activities with no
        pair are kept with NaN.
    """

    def done(frame: pd.DataFrame) -> pd.DataFrame:
        for col in ("date", "activity", "minutes"):
            if col not in frame.columns:
                raise InvalidInputError(f"entries: missing column {col!r}")
        f = frame.assign(
            client=frame["client"].astype(str) if "client" in frame.columns else DEFAULT_CLIENT,
            date=pd.to_datetime(frame["date"]).dt.normalize(),
            minutes=pd.to_numeric(frame["minutes"], errors="coerce"),
        )
        if "status" in f.columns:
            f = f[f["status"] == "done"]
        return f[["client", "date", "activity", "minutes"]].dropna(subset=["minutes"])

    rep, est = done(diary_entries), done(estimated_entries)
    pairs = rep.merge(est, on=["client", "date", "activity"], suffixes=("_rep", "_est"))
    d = circular.wrap(pairs["minutes_est"].to_numpy() - pairs["minutes_rep"].to_numpy())
    pairs = pairs.assign(diff=d, absdiff=np.abs(d), within=np.abs(d) <= 45)
    acts = sorted(set(est["activity"]))
    out = (
        pairs.groupby("activity")
        .agg(
            n_pairs=("diff", "size"),
            median_abs_diff_min=("absdiff", "median"),
            median_diff_min=("diff", "median"),
            within_45_min=("within", "mean"),
        )
        .reindex(acts)
    )
    out["n_pairs"] = out["n_pairs"].fillna(0).astype(np.int64)
    return out.rename_axis("activity").reset_index()
