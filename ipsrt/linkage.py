r"""Linking daily rhythm features with mood: lagged correlations and mixed models.

Lag convention: at lag :math:`k` a feature on day :math:`t` is paired with mood
on day :math:`t+k`. **Positive lags mean the feature leads the mood** (lag +2:
tonight's sleep vs mood two days later); negative lags mean mood leads.
Lags are calendar days: the daily table is put on a complete date grid per
client first, so a missing day never shifts a pair.

Daily table: one row per client and day, ``client`` (optional), ``date``,
``mood`` (-5..+5) and any of the features in :data:`DAILY_FEATURES`.

References
----------
Bauer, M., et al. (2009). Temporal relation between sleep and mood in
patients with bipolar disorder. *J Affect Disord* 116(3), 170-175.
doi:10.1016/j.jad.2008.11.014 (lags of -7..+7 days)

Leibenluft, E., Albert, P. S., Rosenthal, N. E., & Wehr, T. A. (1996).
Relationship between sleep and mood in patients with rapid-cycling bipolar
disorder. *Psychiatry Res* 63(2-3), 161-168. doi:10.1016/0165-1781(96)02854-5
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ipsrt.circular import mean_minutes
from ipsrt.errors import InvalidInputError
from ipsrt.srm.scoring import DEFAULT_CLIENT

__all__ = ["DAILY_FEATURES", "lagged_spearman", "midpoint_deviation", "mixed_model"]

#: Daily features used when ``features`` is not given and the column exists.
#: ``sleep_duration_min``: main sleep ending on the morning of the day;
#: ``midpoint_deviation_min``: see :func:`midpoint_deviation`;
#: ``anchor_hits``: SRM anchors done within 45 min of the week's habitual time
#: (``ipsrt.srm.mark_hits``); ``sri_7d``: Sleep Regularity Index over the
#: 7 days ending on the day; ``srm_estimated``: rolling 7-day SRM of the
#: estimated anchors.
DAILY_FEATURES = (
    "sleep_duration_min",
    "midpoint_deviation_min",
    "anchor_hits",
    "sri_7d",
    "srm_estimated",
)


def _grid(daily: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """One row per client and calendar day, from the first to the last date."""
    if "date" not in daily.columns:
        raise InvalidInputError("daily table: missing column 'date'")
    missing = [c for c in columns if c not in daily.columns]
    if missing:
        raise InvalidInputError(f"daily table: missing column {missing[0]!r}")
    frame = pd.DataFrame(
        {
            "client": daily["client"].astype(str) if "client" in daily.columns else DEFAULT_CLIENT,
            "date": pd.to_datetime(daily["date"]).dt.normalize(),
        }
    )
    for col in columns:
        frame[col] = pd.to_numeric(daily[col], errors="coerce").astype(float)
    if frame.duplicated(["client", "date"]).any():
        raise InvalidInputError("daily table: more than one row for a client and date")
    parts = []
    for client, g in frame.groupby("client", sort=True):
        dates = pd.date_range(g["date"].min(), g["date"].max(), freq="D")
        parts.append(g.set_index("date").reindex(dates).assign(client=client))
    if not parts:
        return frame.set_index("date")
    return pd.concat(parts).rename_axis("date")


def midpoint_deviation(
    midpoint_min: pd.Series, *, window: int = 28, min_days: int = 7
) -> pd.Series:
    r"""Circular deviation of each day's sleep midpoint from its habitual value.

    The habitual midpoint of day :math:`t` is the circular mean of the
    midpoints of the ``window`` calendar days before :math:`t` (at least
    ``min_days`` of them present); the deviation is
    :math:`((m_t - \bar m + 720) \bmod 1440) - 720` minutes, positive when later.

    Parameters
    ----------
    midpoint_min
        Local clock minute of the sleep midpoint, indexed by date.
    """
    s = pd.to_numeric(midpoint_min, errors="coerce").astype(float)
    s.index = pd.to_datetime(s.index).normalize()
    full = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D")) if len(s) else s
    values = full.to_numpy()
    habitual = np.full(len(values), np.nan)
    for i in range(len(values)):
        past = values[max(0, i - window) : i]
        if np.isfinite(past).sum() >= min_days:
            habitual[i] = mean_minutes(past)
    dev = np.mod(values - habitual + 720.0, 1440.0) - 720.0
    return pd.Series(dev, index=full.index, name="midpoint_deviation_min").reindex(s.index)


def _spearman(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> tuple[float, float]:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    res = stats.spearmanr(x, y)
    return float(res.statistic), float(res.pvalue)


def lagged_spearman(
    daily: pd.DataFrame,
    features: Sequence[str] | None = None,
    mood: str = "mood",
    lags: Iterable[int] = range(-7, 8),
    min_pairs: int = 14,
) -> pd.DataFrame:
    r"""Spearman correlation of each feature with mood at each day lag, per client.

    Parameters
    ----------
    daily
        Daily table (``client`` optional, ``date``, *mood*, features).
    features
        Feature columns; default: those of :data:`DAILY_FEATURES` present.
    mood
        Mood column.
    lags
        Day lags :math:`k`: feature on day :math:`t` vs mood on day
        :math:`t+k` (positive: feature leads).
    min_pairs
        Fewer complete pairs than this (never below 14 is advised): the row is
        kept with NaN and reason ``too_few_pairs``.

    Returns
    -------
    pandas.DataFrame
        ``client``, ``feature``, ``lag``, ``rho``, ``p_value``, ``n``,
        ``first_date``/``last_date`` (feature days of the pairs used),
        ``reason`` (missing, ``too_few_pairs`` or ``constant``).

    Notes
    -----
    :math:`\rho_k = \operatorname{corr}(\operatorname{rank} x_t,
    \operatorname{rank} y_{t+k})` over days where both are present; p-values
    are scipy's (t approximation), uncorrected for the number of lags tested.
    """
    if features is None:
        features = [f for f in DAILY_FEATURES if f in daily.columns]
    if not features:
        raise InvalidInputError("daily table: no feature columns to correlate")
    lag_list = [int(k) for k in lags]
    grid = _grid(daily, [mood, *features])
    rows: list[dict[str, object]] = []
    for client, g in grid.groupby("client", sort=True):
        dates = g.index
        y_all = g[mood].to_numpy()
        for feature in features:
            x_all = g[feature].to_numpy()
            for k in lag_list:
                y = np.full(len(y_all), np.nan)
                if k >= 0:
                    y[: len(y) - k] = y_all[k:]
                else:
                    y[-k:] = y_all[: len(y_all) + k]
                ok = np.isfinite(x_all) & np.isfinite(y)
                n = int(ok.sum())
                rho = p = float("nan")
                reason: str | None = None
                if n < min_pairs:
                    reason = "too_few_pairs"
                else:
                    rho, p = _spearman(x_all[ok], y[ok])
                    reason = "constant" if np.isnan(rho) else None
                used = dates[ok]
                rows.append(
                    {
                        "client": client,
                        "feature": feature,
                        "lag": k,
                        "rho": rho,
                        "p_value": p,
                        "n": n,
                        "first_date": used.min().date() if n else None,
                        "last_date": used.max().date() if n else None,
                        "reason": reason,
                    }
                )
    return pd.DataFrame(rows)


def mixed_model(
    daily: pd.DataFrame, feature: str, mood: str = "mood", *, lag: int = 0
) -> pd.DataFrame:
    r"""Linear mixed model across clients: mood ~ feature with a random intercept per client.

    .. math:: y_{ij} = \beta_0 + \beta_1 x_{i,j-k} + u_i + \varepsilon_{ij},\quad
              u_i \sim N(0, \tau^2),\ \varepsilon_{ij}\sim N(0,\sigma^2)

    fitted by REML with :class:`statsmodels.regression.mixed_linear_model.MixedLM`.
    With ``lag`` :math:`k`, mood on day :math:`j` is paired with the feature on
    day :math:`j-k` (feature leads for :math:`k>0`, as in :func:`lagged_spearman`).

    Returns
    -------
    pandas.DataFrame
        Rows ``Intercept`` and *feature*: ``term``, ``coef``, ``se``,
        ``ci_low``, ``ci_high`` (95 %), ``p_value``, ``n_clients``, ``n_obs``,
        ``converged``, ``reason`` (``too_few_clients`` when fewer than 2
        clients have data: NaN estimates).
    """
    from statsmodels.regression.mixed_linear_model import MixedLM

    grid = _grid(daily, [mood, feature])
    parts = []
    for client, g in grid.groupby("client", sort=True):
        x = g[feature].shift(lag) if lag else g[feature]
        parts.append(pd.DataFrame({"client": client, "x": x.to_numpy(), "y": g[mood].to_numpy()}))
    data = pd.concat(parts, ignore_index=True).dropna() if parts else pd.DataFrame()
    n_clients = int(data["client"].nunique()) if len(data) else 0
    terms = ["Intercept", feature]
    base = {"n_clients": n_clients, "n_obs": len(data)}
    if n_clients < 2:
        return pd.DataFrame(
            [
                {"term": t, "coef": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
                | {"p_value": np.nan, **base, "converged": False, "reason": "too_few_clients"}
                for t in terms
            ]
        )
    exog = np.column_stack([np.ones(len(data)), data["x"].to_numpy()])
    model = MixedLM(data["y"].to_numpy(), exog, groups=data["client"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True)
    fe = np.asarray(fit.fe_params)
    se = np.asarray(fit.bse_fe)
    ci = np.asarray(fit.conf_int())[: len(fe)]
    pv = np.asarray(fit.pvalues)[: len(fe)]
    return pd.DataFrame(
        {
            "term": terms,
            "coef": fe,
            "se": se,
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "p_value": pv,
            "n_clients": n_clients,
            "n_obs": len(data),
            "converged": bool(fit.converged),
            "reason": None,
        }
    )
