"""Sleep timing per night: episodes, main sleep, MCTQ chronotype, CPD.

Input is a 0/1 sleep series (1 = sleep, NaN = missing) on a timezone-aware
regular index, such as :func:`ipsrt.rhythm.sleep_scoring.sleep_wake` returns,
and the client's IANA zone. Units throughout: clock times are minutes after
local midnight (0 <= t < 1440, circular), durations are minutes of real
elapsed time (UTC arithmetic, so DST-safe), CPD is in minutes.

Nights follow the project's time model (:func:`ipsrt.timeutil.nights_of`): an
episode belongs to the night of the local date of its onset when the onset is
at or after 12:00, otherwise to the previous date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt import circular
from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import nightly_sleep as core
from ipsrt.rhythm import sleep_summaries
from ipsrt.rhythm.nonwear import regular_series
from ipsrt.timeutil import zone

__all__ = [
    "DEFAULT_MAX_GAP_MINUTES",
    "DEFAULT_MIN_BOUT_MINUTES",
    "NIGHT_COLUMNS",
    "composite_phase_deviation",
    "free_nights",
    "mctq_chronotype",
    "midpoint_variability",
    "sleep_episodes",
    "sleep_summary",
    "sleep_timing",
    "social_jetlag",
]

#: Sleep runs shorter than this do not start an episode (GGIR ``spt_min_block_dur``).
DEFAULT_MIN_BOUT_MINUTES = 30.0
#: Wake/missing gaps up to this long between kept runs are bridged (GGIR ``spt_max_gap_dur``).
DEFAULT_MAX_GAP_MINUTES = 60.0

NIGHT_COLUMNS = (
    "night",
    "onset_utc",
    "offset_utc",
    "midpoint_utc",
    "onset_local",
    "offset_local",
    "midpoint_local",
    "duration_min",
    "sleep_min",
    "waso_min",
    "missing_min",
    "time_in_bed_min",
    "n_episodes",
    "other_sleep_min",
)


def _sleep_values(sleep: pd.Series) -> tuple[pd.Series, float]:
    data, epoch = regular_series(sleep, name="sleep")
    a = data.to_numpy()
    if not np.isin(a[~np.isnan(a)], (0.0, 1.0)).all():
        raise InvalidInputError("sleep must hold 0 (wake), 1 (sleep) or NaN (missing)")
    return data, epoch / pd.Timedelta(minutes=1)


def sleep_episodes(
    sleep: pd.Series,
    *,
    min_bout_minutes: float = DEFAULT_MIN_BOUT_MINUTES,
    max_gap_minutes: float = DEFAULT_MAX_GAP_MINUTES,
) -> pd.DataFrame:
    """Sleep episodes (bouts) in a 0/1 sleep series.

    Parameters
    ----------
    sleep
        1 = sleep, 0 = wake, NaN = missing; timezone-aware regular index.
    min_bout_minutes
        Uninterrupted sleep runs shorter than this are not kept on their own
        (default 30 min). They still count as sleep when they lie inside an
        episode.
    max_gap_minutes
        Kept runs separated by at most this much time (wake, missing or
        short sleep runs) are joined into one episode (default 60 min).

    Returns
    -------
    pandas.DataFrame
        One row per episode: ``onset`` and ``offset`` (UTC; offset is the end
        of the last sleep epoch), ``duration_min`` (offset - onset),
        ``sleep_min``, ``waso_min`` (wake epochs inside) and ``missing_min``.

    Notes
    -----
    The two defaults are GGIR's for the sleep period time window
    (``spt_min_block_dur = 30``, ``spt_max_gap_dur = 60``; van Hees et al.
    2018, https://doi.org/10.1038/s41598-018-31266-z). Requiring a sustained
    run before an episode starts keeps short quiet spells in the evening (a
    few "sleep" minutes on the sofa) from moving the onset earlier.

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01 22:00", periods=600, freq="min", tz="UTC")
    >>> s = pd.Series(0.0, index=idx)
    >>> s.iloc[60:540] = 1.0
    >>> s.iloc[200:220] = 0.0          # a 20-min awakening is bridged
    >>> ep = sleep_episodes(s)
    >>> ep[["duration_min", "sleep_min", "waso_min"]].to_numpy().tolist()
    [[480.0, 460.0, 20.0]]
    """
    if not min_bout_minutes >= 0 or not max_gap_minutes >= 0:
        raise InvalidInputError("min_bout_minutes and max_gap_minutes must be >= 0")
    data, epoch_min = _sleep_values(sleep)
    ep = core.episodes(data.to_numpy(), epoch_min, min_bout_minutes, max_gap_minutes)
    columns = ["onset", "offset", "duration_min", "sleep_min", "waso_min", "missing_min"]
    if ep.start.size == 0:
        empty = {c: pd.Series(dtype=np.float64) for c in columns}
        empty["onset"] = empty["offset"] = pd.Series(dtype="datetime64[ns, UTC]")
        return pd.DataFrame(empty)
    index = pd.DatetimeIndex(data.index)
    epoch = pd.Timedelta(minutes=epoch_min)
    onset = index[ep.start]
    offset = index[ep.end - 1] + epoch
    return pd.DataFrame(
        {
            "onset": onset,
            "offset": offset,
            "duration_min": (offset - onset) / pd.Timedelta(minutes=1),
            "sleep_min": ep.sleep_min,
            "waso_min": ep.waso_min,
            "missing_min": ep.missing_min,
        }
    )


def sleep_timing(
    sleep: pd.Series,
    tz: str,
    *,
    min_bout_minutes: float = DEFAULT_MIN_BOUT_MINUTES,
    max_gap_minutes: float = DEFAULT_MAX_GAP_MINUTES,
) -> pd.DataFrame:
    """Main sleep of each night, one row per night that has an episode.

    Parameters
    ----------
    sleep
        1 = sleep, 0 = wake, NaN = missing; timezone-aware regular index.
    tz
        The client's IANA zone (local clock times and night dates).
    min_bout_minutes, max_gap_minutes
        Episode rules, see :func:`sleep_episodes`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NIGHT_COLUMNS`: ``night`` (``datetime.date``, noon to
        noon), ``onset_utc``, ``offset_utc``, ``midpoint_utc``; the same as
        local clock minutes (``onset_local`` ...); ``duration_min`` (real
        minutes from onset to offset, so 23:00-07:00 is 420 min across a
        spring-forward change and 540 across a fall-back one); ``sleep_min``
        (sleep epochs inside), ``waso_min`` (wake after sleep onset),
        ``missing_min``; ``time_in_bed_min``; ``n_episodes`` (episodes
        assigned to the night) and ``other_sleep_min`` (their sleep outside
        the main one, e.g. naps).

    Notes
    -----
    The main sleep is the longest episode of the night (ties: the earliest).
    Midpoint = onset + (offset - onset)/2. Without bed and rise markers the
    time-in-bed span is estimated by the main sleep period (onset to offset),
    so ``time_in_bed_min`` equals ``duration_min``; it is a separate column
    so that diary or device bed times can refine it later.

    Examples
    --------
    >>> idx = pd.date_range("2024-03-30 21:00", periods=720, freq="min", tz="Europe/Berlin")
    >>> s = pd.Series(0.0, index=idx)
    >>> wall = idx.tz_localize(None)
    >>> s[(wall >= "2024-03-30 23:00") & (wall < "2024-03-31 07:00")] = 1.0
    >>> n = sleep_timing(s, "Europe/Berlin")
    >>> float(n.loc[0, "duration_min"]), float(n.loc[0, "onset_local"]), str(n.loc[0, "night"])
    (420.0, 1380.0, '2024-03-30')
    """
    zi = zone(tz)  # refuse a bad zone even when there is no episode
    if not min_bout_minutes >= 0 or not max_gap_minutes >= 0:
        raise InvalidInputError("min_bout_minutes and max_gap_minutes must be >= 0")
    data, epoch_min = _sleep_values(sleep)
    index = pd.DatetimeIndex(data.index).as_unit("ns")
    t = core.nights(
        data.to_numpy(),
        int(index.asi8[0]),
        round(epoch_min * 60 * 1_000_000_000),
        zi,
        min_bout=min_bout_minutes,
        max_gap=max_gap_minutes,
    )
    if len(t) == 0:
        return _empty_nights()
    return nights_frame(t)


def nights_frame(t: core.Nights) -> pd.DataFrame:
    """The per-night table (:data:`NIGHT_COLUMNS`) of :class:`core.Nights`."""

    def utc(ns: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")

    dates = np.asarray(
        [core.EPOCH_DATE + dt.timedelta(days=int(d)) for d in t.night.tolist()], dtype=object
    )
    return pd.DataFrame(
        {
            "night": dates,
            "onset_utc": utc(t.onset_ns),
            "offset_utc": utc(t.offset_ns),
            "midpoint_utc": utc(t.midpoint_ns),
            "onset_local": t.onset_local,
            "offset_local": t.offset_local,
            "midpoint_local": t.midpoint_local,
            "duration_min": t.duration_min,
            "sleep_min": t.sleep_min,
            "waso_min": t.waso_min,
            "missing_min": t.missing_min,
            "time_in_bed_min": t.duration_min,
            "n_episodes": t.n_episodes,
            "other_sleep_min": t.other_sleep_min,
        }
    )


def _empty_nights() -> pd.DataFrame:
    utc = "datetime64[ns, UTC]"
    dtypes: dict[str, object] = dict.fromkeys(NIGHT_COLUMNS, np.float64)
    dtypes.update(
        night=object, onset_utc=utc, offset_utc=utc, midpoint_utc=utc, n_episodes=np.int64
    )
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in NIGHT_COLUMNS})


def _require_nights(nights: pd.DataFrame, columns: Collection[str]) -> None:
    if not isinstance(nights, pd.DataFrame):
        raise InvalidInputError("nights must be a DataFrame as returned by sleep_timing")
    missing = [c for c in columns if c not in nights.columns]
    if missing:
        raise InvalidInputError(f"nights lacks column(s) {', '.join(missing)}")


def midpoint_variability(nights: pd.DataFrame) -> float:
    r"""Circular SD (minutes) of the nightly sleep midpoints; NaN below 2 nights.

    .. math:: s = \frac{1440}{2\pi}\sqrt{-2\ln\bar R}

    See :func:`ipsrt.circular.sd_minutes` (Fisher 1993).
    """
    _require_nights(nights, ["midpoint_local"])
    values = nights["midpoint_local"].dropna().to_numpy(dtype=np.float64)
    return circular.sd_minutes(values) if values.size >= 2 else float("nan")


def _check_weekdays(free_weekdays: Collection[int]) -> None:
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in free_weekdays):
        raise InvalidInputError("free_weekdays must be integers 0 (Monday) to 6 (Sunday)")


def free_nights(
    nights: npt.ArrayLike,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
) -> npt.NDArray[np.bool_]:
    """True for each night that precedes a free day.

    Night D (the sleep that starts on the evening of date D) is a free night
    when the *next* date D + 1 is a free day: its weekday (Monday = 0) is in
    *free_weekdays*, or it is in *free_dates* (holidays). With the default
    free days Saturday and Sunday, the nights of Friday and Saturday are free
    and the night of Sunday (before Monday) is a work night, as in the MCTQ.
    """
    _check_weekdays(free_weekdays)
    holidays = set(free_dates)
    result = []
    for night in np.asarray(nights, dtype=object):
        day_after = night + dt.timedelta(days=1)
        result.append(day_after.weekday() in free_weekdays or day_after in holidays)
    return np.asarray(result, dtype=bool)


def mctq_chronotype(*, msw: float, msf: float, sd_w: float, sd_f: float) -> dict[str, float]:
    r"""MCTQ figures from mid-sleep and sleep duration on work and free days.

    Parameters
    ----------
    msw, msf
        Mid-sleep on work and free days, minutes after local midnight.
    sd_w, sd_f
        Mean sleep duration on work and free days, minutes.

    Returns
    -------
    dict
        ``sd_week``, ``msf_sc`` (clock minutes), ``social_jetlag`` (absolute,
        minutes) and ``social_jetlag_signed`` (MSF - MSW wrapped to +-12 h;
        positive when free-day sleep is later).

    Notes
    -----
    .. math::

        SD_{week} = \frac{5\,SD_w + 2\,SD_f}{7},\qquad
        MSF_{sc} = \begin{cases} MSF - \frac{SD_f - SD_{week}}{2} & SD_f > SD_w\\
        MSF & \text{otherwise}\end{cases},\qquad SJL = |MSF - MSW|

    Social jetlag is the plain (not sleep-corrected) absolute difference.

    References
    ----------
    Roenneberg, T., Wirz-Justice, A., & Merrow, M. (2003). Life between
    clocks: daily temporal patterns of human chronotypes. *J Biol Rhythms*
    18(1), 80-90. https://doi.org/10.1177/0748730402239679

    Wittmann, M., Dinich, J., Merrow, M., & Roenneberg, T. (2006). Social
    jetlag: misalignment of biological and social time. *Chronobiol Int*
    23(1-2), 497-509. https://doi.org/10.1080/07420520500545979

    Examples
    --------
    >>> r = mctq_chronotype(msw=210, msf=330, sd_w=420, sd_f=540)
    >>> round(r["sd_week"] / 60, 2), round(r["msf_sc"]), r["social_jetlag"] / 60
    (7.57, 287, 2.0)
    """
    return sleep_summaries.mctq(msw=msw, msf=msf, sd_w=sd_w, sd_f=sd_f)


def social_jetlag(
    nights: pd.DataFrame,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
) -> dict[str, float]:
    """MSW, MSF, MSF_sc and social jetlag from a per-night table.

    MSW and MSF are the circular means of the main-sleep midpoints on work
    and free nights (see :func:`free_nights`); SD_w and SD_f the mean
    ``duration_min``. Then :func:`mctq_chronotype`. Every value is NaN when
    there is no work night or no free night. Also returns ``msw``, ``msf``,
    ``sd_w``, ``sd_f``, ``n_work`` and ``n_free``.
    """
    _require_nights(nights, ["night", "midpoint_local", "duration_min"])
    free = free_nights(nights["night"], free_weekdays=free_weekdays, free_dates=free_dates)
    mid = nights["midpoint_local"].to_numpy(dtype=np.float64)
    dur = nights["duration_min"].to_numpy(dtype=np.float64)
    return sleep_summaries.social_jetlag_arrays(free, mid, dur)


def composite_phase_deviation(
    nights: pd.DataFrame,
    *,
    reference: Literal["msf_sc", "mean"] | float = "msf_sc",
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
) -> float:
    r"""Composite phase deviation (minutes) of the nightly sleep midpoints.

    Parameters
    ----------
    nights
        Per-night table with ``night`` and ``midpoint_local``.
    reference
        The chronotype MS_ref: ``"msf_sc"`` (default; from
        :func:`social_jetlag`, NaN result if it cannot be computed), ``"mean"``
        (circular mean of all midpoints), or a clock time in minutes.
    free_weekdays, free_dates
        Free days, for ``reference="msf_sc"``.

    Notes
    -----
    .. math::

        CPD = \frac{1}{|I|}\sum_{i\in I}\sqrt{(MS_{ref} - MS_i)^2 + (MS_i - MS_{i-1})^2}

    Differences are circular (wrapped to +-12 h). I is the set of nights
    whose previous calendar night is also present: the first night, and the
    first night after a missing one, have no irregularity term and are left
    out (as in the worked example of ``docs/sleep.md``, "Summaries"). NaN when I
    is empty.

    References
    ----------
    Fischer, D., Vetter, C., & Roenneberg, T. (2016). A novel method to
    visualise and quantify circadian misalignment. *Sci Rep* 6, 38601.
    https://doi.org/10.1038/srep38601

    Examples
    --------
    >>> nights = pd.DataFrame({
    ...     "night": [dt.date(2024, 1, d) for d in (1, 2, 3)],
    ...     "midpoint_local": [210.0, 270.0, 180.0]})
    >>> round(composite_phase_deviation(nights, reference=240.0) / 60, 2)
    1.46
    """
    _require_nights(nights, ["night", "midpoint_local"])
    if isinstance(reference, str):
        if reference == "msf_sc":
            ref = social_jetlag(nights, free_weekdays=free_weekdays, free_dates=free_dates)[
                "msf_sc"
            ]
        elif reference == "mean":
            ref = circular.mean_minutes(nights["midpoint_local"].to_numpy(dtype=np.float64))
        else:
            raise InvalidInputError(
                f"unknown CPD reference {reference!r}: expected 'msf_sc', 'mean' or minutes"
            )
    else:
        ref = float(reference)
    if not np.isfinite(ref) or len(nights) < 2:
        return float("nan")
    days = _day_numbers(nights["night"])
    order = np.argsort(days, kind="stable")
    mid = nights["midpoint_local"].to_numpy(dtype=np.float64)
    return sleep_summaries.cpd_arrays(days[order], mid[order], ref)


def _day_numbers(nights: pd.Series) -> npt.NDArray[np.int64]:
    """Night dates as day numbers (days since 1970-01-01)."""
    values = pd.to_datetime(pd.Series(np.asarray(nights, dtype=object))).to_numpy()
    return np.asarray(values.astype("datetime64[D]").astype(np.int64), dtype=np.int64)


def sleep_summary(
    nights: pd.DataFrame,
    *,
    free_weekdays: Collection[int] = (5, 6),
    free_dates: Collection[dt.date] = (),
    cpd_reference: Literal["msf_sc", "mean"] | float = "msf_sc",
) -> dict[str, float | str]:
    """Flat summary of a per-night table for ``ipsrt.rhythm.panel``.

    Keys (clock times in local minutes after midnight, durations and SDs in
    minutes): ``nights``; ``sleep_onset_mean``, ``sleep_offset_mean``,
    ``sleep_midpoint_mean`` (circular means); ``sleep_onset_sd``,
    ``sleep_offset_sd``, ``sleep_midpoint_sd`` (circular SDs);
    ``sleep_duration_mean``, ``sleep_duration_sd`` (sample SD),
    ``total_sleep_mean``, ``waso_mean``; ``msw``, ``msf``, ``msf_sc``,
    ``social_jetlag``, ``social_jetlag_signed``; ``cpd``; and
    ``sleep_reason``, a string that names each NaN value and why (empty when
    everything was computed).
    """
    _require_nights(nights, ["night", "onset_local", "offset_local", "midpoint_local"])
    if isinstance(cpd_reference, str) and cpd_reference not in ("msf_sc", "mean"):
        raise InvalidInputError(
            f"unknown CPD reference {cpd_reference!r}: expected 'msf_sc', 'mean' or minutes"
        )
    _check_weekdays(free_weekdays)
    days = _day_numbers(nights["night"]) if len(nights) else np.zeros(0, dtype=np.int64)
    order = np.argsort(days, kind="stable")

    def col(name: str) -> npt.NDArray[np.float64]:
        return np.asarray(nights[name].to_numpy(dtype=np.float64)[order], dtype=np.float64)

    return sleep_summaries.sleep_summary_of_columns(
        days[order],
        col("onset_local"),
        col("offset_local"),
        col("midpoint_local"),
        col("duration_min"),
        col("sleep_min"),
        col("waso_min"),
        free_weekdays=free_weekdays,
        free_dates=free_dates,
        cpd_reference=cpd_reference,
    )
