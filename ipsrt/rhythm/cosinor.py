r"""Cosinor models of the 24-h rest-activity rhythm.

Time is the **local wall-clock time** in hours (the zone of the index or
``tz=``), so the acrophase is a clock time after local midnight.

Sign conventions
----------------
* ``acrophase`` (minutes): clock time of the fitted peak after local
  midnight, in [0, 1440).
* ``acrophase_deg``: Halberg's convention, :math:`\phi = -360°\cdot
  t_{peak}/24\,h`, in (-360, 0]; 00:00 is 0°, 06:00 is -90°.

pyActigraphy's ``Cosinor`` instead reports a phase after the *recording start*
in epochs; convert before comparing.

Goodness of fit
---------------
Every single-component fit reports :math:`R^2 = SS_{model}/SS_{total}` and
the p-value of the zero-amplitude F-test (Nelson et al. 1979; Cornelissen
2014, eq. 10),

.. math::

    F = \frac{SS_{model}/2}{SS_{res}/(n-3)} \sim F_{2,\,n-3},\qquad
    p = P(F_{2,n-3} > F) = \Big(\frac{SS_{res}}{SS_{total}}\Big)^{(n-3)/2}
      = (1 - R^2)^{(n-3)/2},

the last form being the survival function of the F distribution with 2
numerator degrees of freedom. NaN when the values have no variance
(:math:`SS_{total} = 0`), and *p* also when :math:`n \le 3`. The p-value
assumes independent normal errors, which minute-by-minute activity is not
(it is autocorrelated): read it as a descriptive figure, not a test.

References
----------
Nelson, W., Tong, Y. L., Lee, J.-K. & Halberg, F. (1979). Methods for
cosinor-rhythmometry. *Chronobiologia* 6, 305-323.

Cornelissen, G. (2014). Cosinor-based rhythmometry. *Theoretical Biology and
Medical Modelling* 11, 16. https://doi.org/10.1186/1742-4682-11-16
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from ipsrt.rhythm.epochs import FloatArray, Prepared, prepare

__all__ = [
    "COSINOR_KEYS",
    "CosinorFit",
    "ExtendedCosinorFit",
    "cosinor",
    "cosinor_nan_reasons",
    "cosinor_profiles",
    "extended_cosinor",
    "valid_sum_of_squares",
]

#: the panel keys of one row of :func:`cosinor_profiles`, in its column order
COSINOR_KEYS = (
    "cosinor_mesor",
    "cosinor_amplitude",
    "cosinor_acrophase",
    "cosinor_acrophase_deg",
    "cosinor_r2",
    "cosinor_p",
)


class CosinorFit(NamedTuple):
    """Single-component cosinor: mesor, amplitude, acrophase (min / Halberg deg) and its fit.

    ``rss`` is the residual sum of squares, ``n`` the number of values,
    ``r2`` the coefficient of determination, ``f_stat`` and ``p_value`` the
    zero-amplitude F-test (see the module docstring).
    """

    mesor: float
    amplitude: float
    acrophase: float
    acrophase_deg: float
    rss: float
    n: int
    r2: float = np.nan
    f_stat: float = np.nan
    p_value: float = np.nan


class ExtendedCosinorFit(NamedTuple):
    """Anti-logistic extended cosinor (Marler et al. 2006) on the transformed data.

    ``acrotime``, ``up_mesor`` and ``down_mesor`` are clock times in hours
    after local midnight, in [0, 24).
    """

    minimum: float
    amp: float
    alpha: float
    beta: float
    acrotime: float
    """phi: the clock time of the peak, hours after local midnight, in [0, 24)."""
    up_mesor: float
    """The clock time of the upward MESOR crossing, in [0, 24)."""
    down_mesor: float
    """The clock time of the downward MESOR crossing, in [0, 24)."""
    mesor: float
    f_pseudo: float
    rss: float


_NAN_FIT = CosinorFit(np.nan, np.nan, np.nan, np.nan, np.nan, 0)


def _fit_test(
    ss_model: FloatArray, rss: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""R², F and its p-value from the model and residual sums of squares and the counts.

    :math:`p = (SS_{res}/SS_{total})^{(n-3)/2}`, the survival function of
    :math:`F_{2,n-3}` at *F* (see the module docstring).
    """
    total = ss_model + rss
    d = n - 3.0
    has_var = total > 0
    ok = has_var & (d > 0)
    r2 = np.divide(ss_model, total, out=np.full(total.shape, np.nan), where=has_var)
    # F = d * SS_model / (2 SS_res): infinite for a perfect fit
    f = np.where(ok, np.inf, np.nan)
    np.divide(d * ss_model, 2.0 * rss, out=f, where=ok & (rss > 0))
    ratio = np.divide(rss, total, out=np.full(total.shape, np.nan), where=ok)
    p = np.power(ratio, 0.5 * d, out=ratio, where=ok)
    return r2, f, p


def _clock_hours(p: Prepared) -> FloatArray:
    return np.asarray((p.wall % (400 * 86400)) / 3600.0, dtype=np.float64)


def cosinor_arrays(t_h: FloatArray, y: FloatArray, period_h: float = 24.0) -> CosinorFit:
    """Least-squares cosinor on arrays (hours, values); NaN values are skipped."""
    ok = ~np.isnan(y)
    t, v = t_h[ok], y[ok]
    n = int(v.size)
    if n < 3:
        return _NAN_FIT
    w = 2 * np.pi / period_h
    c, s = np.cos(w * t), np.sin(w * t)
    # Normal equations of Y = M + b cos + g sin (3x3), cheaper than lstsq.
    X = np.array(
        [
            [n, c.sum(), s.sum()],
            [c.sum(), c @ c, c @ s],
            [s.sum(), c @ s, s @ s],
        ]
    )
    rhs = np.array([v.sum(), c @ v, s @ v])
    try:
        m, b, g = np.linalg.solve(X, rhs)
    except np.linalg.LinAlgError:
        return _NAN_FIT
    amp = float(np.hypot(b, g))
    peak_h = (np.arctan2(g, b) / w) % period_h
    resid = v - (m + b * c + g * s)
    rss = float(resid @ resid)
    dev = v - v.mean()
    ss_model = max(float(dev @ dev) - rss, 0.0)
    r2, f, p = _fit_test(np.array(ss_model), np.array(rss), np.array(float(n)))
    minutes = float(peak_h * 60.0) % 1440.0
    deg = -360.0 * minutes / 1440.0
    return CosinorFit(float(m), amp, minutes, deg + 0.0, rss, n, float(r2), float(f), float(p))


def valid_sum_of_squares(values: FloatArray) -> FloatArray:
    r"""Sum of the squares of the non-NaN values of every row of *values* (K, n), as (K,).

    Exact, whatever the order of summation, for whole-number counts (sums
    below 2**53), so that :func:`ipsrt.rhythm.panel` and
    :func:`ipsrt.rhythm.panel_many` feed the same :math:`\sum y^2` to
    :func:`cosinor_profiles`.
    """
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    out = np.einsum("ij,ij->i", v, v)
    bad = np.isnan(out)
    if bad.any():
        z = np.where(np.isnan(v[bad]), 0.0, v[bad])
        out[bad] = np.einsum("ij,ij->i", z, z)
    return np.asarray(out, dtype=np.float64)


def cosinor_profile(
    sums: FloatArray,
    cnt: npt.NDArray[np.int64],
    epoch_s: int,
    first_s: int = 0,
    *,
    sum_squares: float,
) -> tuple[float, ...]:
    r"""Cosinor (mesor, amplitude, acrophase, Halberg degrees, R², p) from a time-of-day profile.

    *sums* and *cnt* hold, for the time of day ``c * epoch_s + first_s``
    seconds, the sum and number of the valid values there (see
    :attr:`ipsrt.rhythm.nonparametric_many.ManyFigures.counts_profile`);
    *sum_squares* is :math:`\sum y_i^2`
    over the same values. As :math:`\cos\omega t` depends only on the time
    of day, the normal equations of :func:`cosinor_arrays` are sums over the
    profile: :math:`\sum_i \cos\omega t_i = \sum_c n_c \cos\omega t_c`,
    :math:`\sum_i y_i\cos\omega t_i = \sum_c S_c \cos\omega t_c`, and so
    on. One row of :func:`cosinor_profiles`.
    """
    row = cosinor_profiles(
        sums[None, :], cnt[None, :], epoch_s, first_s, sum_squares=np.array([sum_squares])
    )[0]
    return tuple(float(v) for v in row)


def cosinor_profiles(
    sums: FloatArray,
    cnt: npt.NDArray[np.int64],
    epoch_s: int,
    first_s: int = 0,
    *,
    sum_squares: FloatArray,
) -> FloatArray:
    r""":func:`cosinor_profile` of every row of (K, P) profiles, as (K, 6) rows.

    Columns: :data:`COSINOR_KEYS`. The sums of the normal equations are taken
    row by row along the contiguous last axis (``np.sum``'s pairwise
    summation), so a row gives bit for bit the same fit alone or among
    others; the 3x3 systems are solved in one batched
    :func:`numpy.linalg.solve`. A row with fewer than 3 values or a singular
    system is NaN. The fit figures (*sum_squares*: (K,) sums of squares of
    the values) are

    .. math::

        SS_{total} = \sum y^2 - T\bar y,\quad
        SS_{model} = \beta\Big(\sum y\cos\omega t - \bar y\sum\cos\omega t\Big)
                   + \gamma\Big(\sum y\sin\omega t - \bar y\sum\sin\omega t\Big),

    :math:`T = \sum y`, :math:`\bar y = T/n`, and :math:`SS_{res} =
    SS_{total} - SS_{model}` (the centred normal equations of the fit).
    """
    sums = np.asarray(sums, dtype=np.float64)
    k, per_day = sums.shape
    c, s = _unit_circle(per_day, epoch_s, first_s)
    w = cnt.astype(np.float64)
    wc, ws = w * c, w * s
    n = w.sum(axis=1)
    sc, ss_ = wc.sum(axis=1), ws.sum(axis=1)
    cc, cs_, s2 = (wc * c).sum(axis=1), (wc * s).sum(axis=1), (ws * s).sum(axis=1)
    X = np.stack((n, sc, ss_, sc, cc, cs_, ss_, cs_, s2), axis=1).reshape(k, 3, 3)
    rhs = np.stack((sums.sum(axis=1), (sums * c).sum(axis=1), (sums * s).sum(axis=1)), axis=1)
    out = np.full((k, len(COSINOR_KEYS)), np.nan)
    ok = n >= 3
    ok &= np.abs(np.linalg.det(np.where(ok[:, None, None], X, np.eye(3)))) > 0
    if ok.any():
        sol = np.linalg.solve(X[ok], rhs[ok][..., None])[..., 0]
        m, b, g = sol[:, 0], sol[:, 1], sol[:, 2]
        w_ = 2 * np.pi / 24.0
        peak_h = (np.arctan2(g, b) / w_) % 24.0
        minutes = (peak_h * 60.0) % 1440.0
        total, sy_c, sy_s = rhs[ok, 0], rhs[ok, 1], rhs[ok, 2]
        ybar = total / n[ok]
        ss_total = np.maximum(np.asarray(sum_squares, dtype=np.float64)[ok] - total * ybar, 0.0)
        ss_model = b * (sy_c - ybar * sc[ok]) + g * (sy_s - ybar * ss_[ok])
        ss_model = np.clip(ss_model, 0.0, ss_total)
        r2, _, p = _fit_test(ss_model, ss_total - ss_model, n[ok])
        deg = -360.0 * minutes / 1440.0 + 0.0
        out[ok] = np.stack((m, np.hypot(b, g), minutes, deg, r2, p), axis=1)
    return out


def cosinor_nan_reasons(row: npt.ArrayLike) -> dict[str, str]:
    """Why each NaN figure of one row of :func:`cosinor_profiles` is NaN, by panel key."""
    values = np.asarray(row, dtype=np.float64)
    if np.isnan(values[0]):
        return dict.fromkeys(COSINOR_KEYS, "too few valid epochs for a cosinor fit")
    out: dict[str, str] = {}
    if np.isnan(values[4]):
        out["cosinor_r2"] = out["cosinor_p"] = "activity has zero variance"
    elif np.isnan(values[5]):
        out["cosinor_p"] = "the F-test needs more than 3 valid epochs"
    return out


@functools.lru_cache(maxsize=16)
def _unit_circle(per_day: int, epoch_s: int, first_s: int) -> tuple[FloatArray, FloatArray]:
    t = (np.arange(per_day) * epoch_s + first_s) / 3600.0
    ang = (2 * np.pi / 24.0) * t
    c, s = np.cos(ang), np.sin(ang)
    c.flags.writeable = False
    s.flags.writeable = False
    return c, s


def cosinor(
    counts: pd.Series, *, tz: str | dt.tzinfo | None = None, period_h: float = 24.0
) -> CosinorFit:
    r"""Single-component cosinor fitted by linear least squares.

    .. math::

        Y(t) = M + \beta\cos\omega t + \gamma\sin\omega t,\quad
        A = \sqrt{\beta^2+\gamma^2},\quad
        t_{peak} = \frac{\operatorname{atan2}(\gamma,\beta)}{\omega} \bmod \tau

    with :math:`\omega = 2\pi/\tau`, :math:`\tau` = 24 h and *t* the local
    clock time in hours. Fitted on the counts at the working epoch (60 s;
    see :mod:`ipsrt.rhythm.epochs`); NaN epochs are left out. Also returns
    :math:`R^2` and the zero-amplitude F-test (``f_stat``, ``p_value``; see
    the module docstring).

    References
    ----------
    Cornelissen, G. (2014). Cosinor-based rhythmometry. *Theoretical Biology
    and Medical Modelling* 11, 16. https://doi.org/10.1186/1742-4682-11-16
    """
    p = prepare(counts, tz=tz)
    return cosinor_arrays(_clock_hours(p), p.values, period_h)


def _antilogistic(theta: FloatArray, t: FloatArray) -> FloatArray:
    mn, amp, alpha, beta, phi = theta
    c = np.cos(2 * np.pi * (t - phi) / 24.0)
    z = np.clip(beta * (c - alpha), -500, 500)
    return np.asarray(mn + amp / (1.0 + np.exp(-z)), dtype=np.float64)


def extended_cosinor(
    counts: pd.Series,
    *,
    tz: str | dt.tzinfo | None = None,
    transform: bool = True,
) -> ExtendedCosinorFit:
    r"""Sigmoidally transformed (anti-logistic) cosinor of Marler et al. (2006).

    .. math::

        r(t) = \min + \mathrm{amp}\,\frac{e^{\beta(c(t)-\alpha)}}{1+e^{\beta(c(t)-\alpha)}},
        \qquad c(t) = \cos\big(2\pi (t-\phi)/24\big)

    fitted to :math:`\log(x+1)` (``transform=True``) by bounded nonlinear
    least squares (``scipy.optimize.least_squares``, trust-region reflective)
    with the bounds of ActCR's ``ActExtendCosinor``: :math:`\alpha\in[-1,1]`,
    :math:`\phi\in[-3,27]` h, min, amp, :math:`\beta \ge 0`; starting values
    from the single cosinor (min = M - A, amp = 2A, alpha = 0, beta = 2,
    phi = its peak). Derived:

    .. math::

        \mathrm{UpMesor} = \phi - \frac{24\arccos\alpha}{2\pi},\quad
        \mathrm{DownMesor} = \phi + \frac{24\arccos\alpha}{2\pi},\quad
        F = \frac{(RSS_{cos}-RSS_{ext})/2}{RSS_{ext}/(N-5)}

    and MESOR = min + amp/2. The fit runs on :math:`\phi \in [-3, 27]` h;
    ``acrotime``, ``up_mesor`` and ``down_mesor`` are then reported as clock
    times in [0, 24) h (taken modulo 24 h), so a peak at 00:30 is 0.5
    whether the fit found :math:`\phi = 0.5` or 24.5, and an upward
    crossing 2 h before midnight is 22.

    References
    ----------
    Marler, M. R., Gehrman, P., Martin, J. L. & Ancoli-Israel, S. (2006). The
    sigmoidally transformed cosine curve: a mathematical model for circadian
    rhythms with symmetric non-sinusoidal shapes. *Statistics in Medicine* 25,
    3893-3904. https://doi.org/10.1002/sim.2466
    """
    p = prepare(counts, tz=tz)
    y = np.log1p(p.values) if transform else p.values
    t_all = _clock_hours(p)
    ok = ~np.isnan(y)
    t, v = t_all[ok], y[ok]
    base = cosinor_arrays(t, v)
    nan = ExtendedCosinorFit(*([np.nan] * 10))
    if base.n < 6 or not np.isfinite(base.amplitude):
        return nan
    phi0 = base.acrophase / 60.0
    x0 = np.array([max(base.mesor - base.amplitude, 0.0), 2 * base.amplitude, 0.0, 2.0, phi0])
    lo = np.array([0.0, 0.0, -1.0, 0.0, -3.0])
    hi = np.array([np.inf, np.inf, 1.0, np.inf, 27.0])
    x0 = np.clip(x0, lo + 1e-9, np.where(np.isfinite(hi), hi - 1e-9, x0 + 1.0))
    res = optimize.least_squares(
        lambda th: _antilogistic(th, t) - v, x0, bounds=(lo, hi), method="trf"
    )
    mn, amp, alpha, beta, phi = (float(z) for z in res.x)
    rss = float(res.fun @ res.fun)
    half = 24.0 * float(np.arccos(alpha)) / (2 * np.pi)
    f = ((base.rss - rss) / 2.0) / (rss / (base.n - 5)) if rss > 0 else np.inf
    acro, up, down = (_clock_hour(h) for h in (phi, phi - half, phi + half))
    return ExtendedCosinorFit(mn, amp, alpha, beta, acro, up, down, mn + amp / 2.0, float(f), rss)


def _clock_hour(h: float) -> float:
    """*h* hours as a clock time in [0, 24): -1 h is 23 h, 25 h is 1 h."""
    wrapped = h % 24.0
    return 0.0 if wrapped >= 24.0 else wrapped + 0.0
