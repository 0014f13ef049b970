"""Every rhythm figure of one recording as one flat dict (:func:`panel`).

The panel is the shared contract ``ipsrt.rhythm.panel(counts, *, compat=None)``
of ``docs/architecture.md``. Keys are stable; figures that cannot be computed
are NaN and ``reasons`` maps their key to a one-line reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import nightly_sleep as sleep_core
from ipsrt.rhythm import nonparametric as npm
from ipsrt.rhythm import sleep_summaries
from ipsrt.rhythm.cosinor import (
    COSINOR_KEYS,
    cosinor_nan_reasons,
    cosinor_profile,
    extended_cosinor,
    valid_sum_of_squares,
)
from ipsrt.rhythm.epochs import DAY_S, FloatArray, IntArray, Prepared, prepare
from ipsrt.rhythm.masda import masda_array
from ipsrt.rhythm.nonparametric_figures import BLOCK_KEYS, nonparametric_figures
from ipsrt.rhythm.nonparametric_many import fast_path_applies, nonparametric_many
from ipsrt.rhythm.sleep_scoring import cole_kripke_minutes
from ipsrt.rhythm.sleep_timing import DEFAULT_MAX_GAP_MINUTES, DEFAULT_MIN_BOUT_MINUTES
from ipsrt.rhythm.sri import sri_core, sri_pyactigraphy_core
from ipsrt.timeutil import zone

__all__ = ["PANEL_KEYS", "panel"]

#: keys always present in the panel (more are added by the sleep summary)
PANEL_KEYS = (
    "compat",
    "epoch_s",
    "valid_days",
    "IS",
    "IV",
    "ISm",
    "IVm",
    "RA",
    "L5",
    "M10",
    "L5_onset",
    "M10_onset",
    "ISp",
    "IVp",
    "L5p",
    "M10p",
    "RAp",
    "SRI",
    "sleep_source",
    *COSINOR_KEYS,
    "reasons",
)


def _scorer() -> Callable[..., pd.Series] | None:
    """Cole-Kripke from :mod:`ipsrt.rhythm.sleep_scoring` when that module is present."""
    try:
        from ipsrt.rhythm.sleep_scoring import cole_kripke
    except ImportError:  # pragma: no cover - the module ships with the project
        return None
    return cole_kripke


def _summariser() -> Callable[[pd.Series, str], dict[str, Any]] | None:
    try:
        from ipsrt.rhythm.sleep_timing import sleep_summary, sleep_timing
    except ImportError:  # pragma: no cover
        return None

    def run(states: pd.Series, tz: str) -> dict[str, Any]:
        return dict(sleep_summary(sleep_timing(states, tz)))

    return run


def _zone_name(counts: pd.Series, tz: str | dt.tzinfo | None) -> str:
    z = tz if tz is not None else counts.index.tz
    key = getattr(z, "key", None) or getattr(z, "zone", None) or str(z)
    return str(key)


def _sleep_states(
    counts: pd.Series, sleep: pd.Series | None, *, default_scoring: bool
) -> tuple[pd.Series | None, str, str | None]:
    if sleep is not None:
        return sleep, "given", None
    if not default_scoring:
        return None, "masda", None
    ck = _scorer()
    if ck is None:
        return None, "none", "no sleep states given and no sleep scorer available"
    return ck(counts), "cole_kripke", None


def panel(
    counts: pd.Series,
    *,
    compat: Literal["pyactigraphy"] | None = None,
    tz: str | dt.tzinfo | None = None,
    sleep: pd.Series | None = None,
    min_days: float | None = None,
    blocks: bool = True,
    extended: bool = False,
    sleep_summary: bool = True,
) -> dict[str, Any]:
    """Every rhythm figure of one recording, as a flat dict.

    Parameters
    ----------
    counts : pandas.Series
        Activity counts on a timezone-aware regular index (NaN = missing);
        see :mod:`ipsrt.rhythm.epochs` for accepted epochs and resampling.
    compat : {None, "pyactigraphy"}
        ``"pyactigraphy"`` reproduces pyActigraphy 1.2.2 defaults (IS, IV,
        RA, L5, M10, ISm, IVm, ISp/IVp, SRI through MASDA).
    tz : str or tzinfo, optional
        Zone of the local clock (default: the index's zone).
    sleep : pandas.Series, optional
        Sleep states (1 sleep, 0 wake, NaN missing) for SRI and the sleep
        summary. Default: Cole-Kripke on *counts* (default mode) or MASDA
        (compat mode, as pyActigraphy's ``SleepRegularityIndex``).
    min_days : float, optional
        Minimum valid days (default 2; 0 in compat mode).
    blocks : bool
        Also compute per-7-day-block figures (tuples ``ISp`` ...).
    extended : bool
        Also fit the extended cosinor (``ext_*`` keys; slower).
    sleep_summary : bool
        Add the per-night sleep summary from :mod:`ipsrt.rhythm.sleep_timing`
        (default mode only).

    Returns
    -------
    dict
        :data:`PANEL_KEYS` (``L5_onset``/``M10_onset``/``cosinor_acrophase``
        in minutes after local midnight; L5/M10 in counts per minute, or
        fraction of active epochs in compat mode), the sleep summary keys when
        available, and ``reasons``: key -> why it is NaN.
    """
    prm = npm.params_for(compat, min_days=min_days)
    p = prepare(counts, tz=tz, compat=prm.compat is not None)
    figures, reasons, profile = _nonparametric(p, prm, blocks)
    out: dict[str, Any] = {
        "compat": prm.compat,
        "epoch_s": p.epoch_s,
        "valid_days": p.valid_days,
    }
    out.update(figures)
    if not blocks:
        out.update(dict.fromkeys(BLOCK_KEYS, ()))
    _add_cosinor(p, prm, profile, out, reasons)
    if extended:
        ext = extended_cosinor(counts, tz=tz)
        for name, value in ext._asdict().items():
            out[f"ext_{name}"] = value
        if np.isnan(ext.mesor):
            reasons["ext_mesor"] = "extended cosinor could not be fitted"
    _add_sleep(counts, p, prm, sleep, tz, out, reasons, sleep_summary)
    out["reasons"] = reasons
    return out


def _nonparametric(
    p: Prepared, prm: npm.Params, blocks: bool
) -> tuple[dict[str, Any], dict[str, str], tuple[FloatArray, IntArray] | None]:
    """The non-parametric figures, their reasons and the average day of the counts.

    The fast path (:func:`ipsrt.rhythm.nonparametric_many.nonparametric_many`,
    a batch of one) wherever it applies; otherwise (a UTC-offset change in
    default mode, an epoch that does not divide the bin sizes in compat
    mode) the reference
    (:func:`ipsrt.rhythm.nonparametric_figures.nonparametric_figures`), and
    no average day (None: the cosinor takes the reference's,
    :func:`ipsrt.rhythm.nonparametric.average_day`).
    """
    if not fast_path_applies(p.epoch_s, p.seg_starts.size == 1, prm):
        figures, reasons = nonparametric_figures(p, prm, blocks=blocks)
        return figures, reasons, None
    first_tod = int((p.wall[0] % DAY_S) // p.epoch_s)
    many = nonparametric_many(
        p.values[None, :], epoch_s=p.epoch_s, first_tod=first_tod, prm=prm, blocks=blocks
    )
    figures, reasons = many.figures_and_reasons()[0]
    sums, cnt = many.counts_profile
    return figures, reasons, (sums[0], cnt[0])


def _add_cosinor(
    p: Prepared,
    prm: npm.Params,
    profile: tuple[FloatArray, IntArray] | None,
    out: dict[str, Any],
    reasons: dict[str, str],
) -> None:
    keys = COSINOR_KEYS
    if p.valid_days < prm.min_days:
        for k in keys:
            out[k] = np.nan
            reasons[k] = f"{p.valid_days:.2f} valid days, fewer than {prm.min_days:g}"
        return
    if profile is None:
        # the reference's average day (by the local clock, across DST changes)
        profile = npm.average_day(p.values, p.wall, p.epoch_s)
    sq = float(valid_sum_of_squares(p.values)[0])
    values = cosinor_profile(*profile, p.epoch_s, int(p.wall[0] % p.epoch_s), sum_squares=sq)
    for k, v in zip(keys, values, strict=True):
        out[k] = v
    reasons.update(cosinor_nan_reasons(values))


def _add_sleep(
    counts: pd.Series,
    p: Prepared,
    prm: npm.Params,
    sleep: pd.Series | None,
    tz: str | dt.tzinfo | None,
    out: dict[str, Any],
    reasons: dict[str, str],
    with_summary: bool,
) -> None:
    if prm.compat is None and sleep is None and p.epoch_s == 60:
        _add_cole_kripke_sleep(counts, p, prm, tz, out, reasons, with_summary)
        return
    states, source, why = _sleep_states(counts, sleep, default_scoring=prm.compat is None)
    out["sleep_source"] = source
    if prm.compat is not None:
        if states is None:
            rest, why = masda_array(p.values, p.epoch_s)
            out["SRI"] = np.nan if rest is None else sri_pyactigraphy_core(rest, p.wall, p.epoch_s)
        else:
            s = prepare(states, tz=tz, compat=True, resample=False)
            out["SRI"] = sri_pyactigraphy_core(s.values, s.wall, s.epoch_s)
        if np.isnan(out["SRI"]):
            reasons["SRI"] = (
                why or "pyActigraphy SRI is NaN (a NaN state or a time of day seen once)"
            )
        return
    if states is None:
        out["SRI"] = np.nan
        reasons["SRI"] = why or "no sleep states"
        return
    s = prepare(states, tz=tz, resample=False)
    ok = s.values[~np.isnan(s.values)]
    if ((ok != 0) & (ok != 1)).any():
        raise InvalidInputError("sleep states must be 0 (wake), 1 (sleep) or NaN (missing)")
    out["SRI"], r = sri_core(s, prm.min_days)
    if r:
        reasons["SRI"] = r
    summarise = _summariser() if with_summary else None
    if summarise is not None:
        summary = summarise(states, _zone_name(counts, tz))
        _put_summary(summary, out, reasons)


def _add_cole_kripke_sleep(
    counts: pd.Series,
    p: Prepared,
    prm: npm.Params,
    tz: str | dt.tzinfo | None,
    out: dict[str, Any],
    reasons: dict[str, str],
    with_summary: bool,
) -> None:
    """Default mode: Cole-Kripke on the prepared minutes, SRI and the sleep summary.

    The same figures as ``sleep_summary(sleep_timing(cole_kripke(counts), zone))``
    without leaving NumPy: *p* already holds the 1-min totals, their UTC grid
    and local clock.
    """
    states = cole_kripke_minutes(p.values)
    out["sleep_source"] = "cole_kripke"
    # Pairs one local clock day apart, as sleep_regularity_index(states, tz=zone).
    s = Prepared(states, 60, p.utc, p.wall, p.seg_starts)
    out["SRI"], r = sri_core(s, prm.min_days)
    if r:
        reasons["SRI"] = r
    if with_summary:
        zi = zone(_zone_name(counts, tz))
        t = sleep_core.nights(
            states,
            int(p.utc[0]) * 1_000_000_000,
            60_000_000_000,
            zi,
            min_bout=DEFAULT_MIN_BOUT_MINUTES,
            max_gap=DEFAULT_MAX_GAP_MINUTES,
        )
        _put_summary(sleep_summaries.sleep_summary_figures(t), out, reasons)


def _put_summary(summary: dict[str, Any], out: dict[str, Any], reasons: dict[str, str]) -> None:
    note = summary.pop("sleep_reason", "")
    out.update(summary)
    if note:
        reasons["sleep_summary"] = str(note)
