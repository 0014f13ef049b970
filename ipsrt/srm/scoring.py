r"""Social Rhythm Metric scoring by the project's decided rules.

The rules, stated with worked examples in ``docs/srm.md``:

1. Times of one activity in one week are unwrapped around their circular
   mean, so 23:50 and 00:10 become -10 and +10 around 00:00.
2. With the sample SD :math:`s` (``ddof=1``) of the :math:`n` unwrapped times
   :math:`t_i` and their mean :math:`\bar t`, occurrence *i* is an outlier when
   :math:`|t_i-\bar t| > 1.5\,s`. The habitual time :math:`H` is the mean of the
   remaining occurrences. There is no guard for a tiny SD.
3. Hits are counted among **all** occurrences: :math:`|t_i-H|\le 45` min
   (inclusive).
4. An activity qualifies with :math:`n\ge 3` occurrences. With :math:`Q` the
   qualifying activities, :math:`\mathrm{SRM}=\sum_{a\in Q}\mathrm{hits}_a/|Q|`;
   NaN (never 0) when :math:`Q` is empty.
5. A week is 7 diary days from the week start; fewer than 4 diary days with
   any entry: NaN, reason ``insufficient_diary``. Several weeks: the mean of
   the weekly scores that are not NaN.

The comparisons are evaluated in an exact form on sums
(:math:`4(n-1)(n t_i-S)^2 > 9n(nS_2-S^2)` for the outlier test and
:math:`|m t_i-S_k|\le 45m` for a hit, with :math:`S, S_2` the sum and sum of
squares and :math:`S_k, m` the sum and count of the retained times), so
integer clock minutes give results that do not depend on floating-point
rounding, on row order, or on a common shift of all times.

Entries format (tidy, one row per client x diary date x activity):
``client`` (optional), ``date``, ``activity`` (item key), ``minutes`` (local
clock minute 0..1439, NaN when not done), ``status`` (``"done"`` or
``"not_done"``; optional, inferred from ``minutes``), ``people`` (0..3,
optional), ``target`` (target clock minute, optional), ``source`` (optional;
one source per call: diary and estimated anchors are never mixed).

References
----------
Monk, T. H., Flaherty, J. F., Frank, E., Hoskinson, K., & Kupfer, D. J. (1990).
The Social Rhythm Metric. *J Nerv Ment Dis* 178(2), 120-126.
doi:10.1097/00005053-199002000-00007

Monk, T. H., Frank, E., Potts, J. M., & Kupfer, D. J. (2002). A simple way to
measure daily lifestyle regularity. *J Sleep Res* 11(3), 183-190.
doi:10.1046/j.1365-2869.2002.00300.x
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt import circular
from ipsrt.srm.entries import (
    DEFAULT_CLIENT,
    EntriesError,
    days_to_dates,
    prepare_entries,
    week_start_index,
)
from ipsrt.srm.items import ItemSet, item_set
from ipsrt.timeutil import week_start_days

__all__ = [
    "DEFAULT_CLIENT",
    "HIT_WINDOW_MIN",
    "MIN_DIARY_DAYS",
    "MIN_OCCURRENCES",
    "OUTLIER_SD",
    "EntriesError",
    "SrmScores",
    "mark_hits",
    "multiweek_mean",
    "rolling_scores",
    "score",
    "score_activities",
    "score_weeks",
]

HIT_WINDOW_MIN = 45
OUTLIER_SD = 1.5
MIN_OCCURRENCES = 3
MIN_DIARY_DAYS = 4
_DAY = 1440.0
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SrmScores:
    """Both scoring tables of one call: per week and per activity-week."""

    weeks: pd.DataFrame
    activities: pd.DataFrame


def _bc(ids: npt.NDArray[np.int64], size: int, weights: npt.ArrayLike | None = None) -> F64:
    return np.bincount(ids, weights, minlength=size).astype(np.float64)


def _hits_kernel(
    gid: npt.NDArray[np.int64], t: F64, size: int
) -> tuple[dict[str, F64], npt.NDArray[np.bool_]]:
    """Rules 1-3 for the occurrences *t* grouped by *gid*; per-group arrays and a hit flag."""
    n = _bc(gid, size)
    # Times unwrapped around their group's circular mean (ipsrt.circular). When
    # the mean is undefined (times spread evenly round the clock) the group
    # has no habitual time: NaN, no outliers and no hits.
    centre, _sd, _n = circular.grouped_mean_sd(gid, t, size)
    tu = circular.unwrap(t, centre[gid])
    S, S2 = _bc(gid, size, tu), _bc(gid, size, tu * tu)
    var_num = np.maximum(n * S2 - S * S, 0.0)  # = n (n-1) s^2
    dev = n[gid] * tu - S[gid]  # = n (t - mean)
    outlier = 4.0 * (n[gid] - 1.0) * dev * dev > (4.0 * OUTLIER_SD**2) * n[gid] * var_num[gid]
    kept = ~outlier
    m = _bc(gid, size, kept)
    Sk = _bc(gid, size, np.where(kept, tu, 0.0))
    hit = np.abs(m[gid] * tu - Sk[gid]) <= HIT_WINDOW_MIN * m[gid]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "occurrences": n,
            "mean_min": np.mod(S / n, _DAY),
            "sd_min": np.where(n > 1, np.sqrt(var_num / (n * np.maximum(n - 1, 1))), np.nan),
            "outliers": n - m,
            "habitual_min": np.mod(Sk / m, _DAY),
            "hits": _bc(gid, size, hit),
        }
    return out, hit


def _score_grouped(
    frame: pd.DataFrame, grp: npt.NDArray[np.int64], items: ItemSet, *, activities: bool = True
) -> SrmScores:
    """Score entries whose window (week start or rolling end day) is *grp*; fully vectorised.

    With ``activities=False`` the per-activity table is left empty (columns only).
    """
    A = len(items.keys)
    ccode, cuniq = pd.factorize(frame["client"].to_numpy(), sort=True)
    act = pd.Index(items.keys).get_indexer(frame["activity"].to_numpy())
    day = frame["day"].to_numpy(dtype=np.int64)
    g0 = int(grp.min()) if len(grp) else 0
    span = int(grp.max()) - g0 + 1 if len(grp) else 1
    wuniq, wid = np.unique(ccode.astype(np.int64) * span + (grp - g0), return_inverse=True)
    W = len(wuniq)
    d0 = int(day.min()) if len(day) else 0
    dspan = int(day.max()) - d0 + 1 if len(day) else 1
    diary_days = _bc(np.unique(wid * dspan + (day - d0)) // dspan, W)
    cell = wid * A + act
    done = frame["done"].to_numpy(dtype=bool)
    t = frame["minutes"].to_numpy(dtype=np.float64)[done]
    people = frame["people"].to_numpy(dtype=np.float64)[done]
    target = frame["target"].to_numpy(dtype=np.float64)[done]
    gid, size = cell[done], W * A
    stats, _ = _hits_kernel(gid, t, size)
    has_p, has_t = np.isfinite(people), np.isfinite(target)
    on_t = has_t & (circular.distance(t, np.where(has_t, target, 0.0)) <= HIT_WINDOW_MIN)
    n_p, n_t = _bc(gid, size, has_p), _bc(gid, size, has_t)
    sum_p, sum_on = _bc(gid, size, np.where(has_p, people, 0.0)), _bc(gid, size, on_t)
    qualifies = stats["occurrences"] >= MIN_OCCURRENCES
    enough = np.repeat(diary_days >= MIN_DIARY_DAYS, A)
    w_client = cuniq[wuniq // span] if W else np.zeros(0, dtype=object)
    w_grp = wuniq % span + g0
    not_done = _bc(cell[~done], size)
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = slice(None) if activities else slice(0, 0)
        acts = pd.DataFrame(
            {
                "client": np.repeat(w_client, A)[keep],
                "grp": np.repeat(w_grp, A)[keep],
                "activity": np.tile(np.asarray(items.keys, dtype=object), W)[keep],
                "occurrences": stats["occurrences"][keep],
                "not_done": not_done[keep],
                **{k: v[keep] for k, v in stats.items() if k != "occurrences"},
                "qualifies": qualifies[keep],
                "scored": (qualifies & enough)[keep],
                "mean_people": (sum_p / n_p)[keep],
                "target_occurrences": n_t[keep],
                "target_adherence": (sum_on / n_t)[keep],
                "item_set": items.name,
            }
        )
        for col in ("occurrences", "not_done", "outliers", "hits", "target_occurrences"):
            acts[col] = acts[col].astype(np.int64)
        by_w = {k: v.reshape(W, A).sum(axis=1) for k, v in stats.items()}
        n_q = qualifies.reshape(W, A).sum(axis=1)
        q_hits = np.where(qualifies, stats["hits"], 0.0).reshape(W, A).sum(axis=1)
        srm = np.where((diary_days >= MIN_DIARY_DAYS) & (n_q > 0), q_hits / n_q, np.nan)
        reason = np.full(W, None, dtype=object)
        reason[n_q == 0] = "no_qualifying_activity"
        reason[diary_days < MIN_DIARY_DAYS] = "insufficient_diary"
        weeks = pd.DataFrame(
            {
                "client": w_client,
                "grp": w_grp,
                "diary_days": diary_days.astype(np.int64),
                "qualifying": n_q.astype(np.int64),
                "ali": by_w["occurrences"].astype(np.int64),
                "not_done": not_done.astype(np.int64).reshape(W, A).sum(axis=1),
                "hits": q_hits.astype(np.int64),
                "srm": srm,
                "hits_all": by_w["hits"].astype(np.int64),
                "reason": pd.Series(reason, dtype=object),
                "mean_people": sum_p.reshape(W, A).sum(axis=1) / n_p.reshape(W, A).sum(axis=1),
                "target_adherence": sum_on.reshape(W, A).sum(axis=1)
                / n_t.reshape(W, A).sum(axis=1),
                "item_set": items.name,
            }
        )
    return SrmScores(weeks=weeks, activities=acts)


def _dated(df: pd.DataFrame, *, start_col: str, span: int, source: object) -> pd.DataFrame:
    """*df* with its ``grp`` column replaced by the window's dates (and ``source`` added)."""
    grp = df["grp"].to_numpy(dtype=np.int64)
    if start_col == "week_start":
        dates = {"week_start": days_to_dates(grp), "week_end": days_to_dates(grp + span)}
    else:
        dates = {"window_start": days_to_dates(grp - span), "date": days_to_dates(grp)}
    rest = [c for c in df.columns if c not in ("client", "grp")]
    df = df.reset_index(drop=True)
    columns: dict[str, object] = {"client": df["client"], **dates}
    columns.update({c: df[c] for c in rest})
    if source is not None:
        columns["source"] = source
    return pd.DataFrame(columns, index=df.index)


def _finish(scores: SrmScores, *, start_col: str, span: int, source: object) -> SrmScores:
    return SrmScores(
        weeks=_dated(scores.weeks, start_col=start_col, span=span, source=source),
        activities=_dated(scores.activities, start_col=start_col, span=span, source=source),
    )


def _source(entries: pd.DataFrame) -> object:
    if "source" in entries.columns and len(entries):
        return entries["source"].iloc[0]
    return None


def score(
    entries: pd.DataFrame, *, items: str | ItemSet = "srm5", week_start: str | int = "monday"
) -> SrmScores:
    """Score every client-week of *entries*; return per-week and per-activity tables.

    Parameters
    ----------
    entries
        Tidy diary entries (see the module docstring).
    items
        ``"srm5"`` (default), ``"srm17"`` or an :class:`~ipsrt.srm.items.ItemSet`.
    week_start
        First weekday of a diary week (name or 0=Monday..6=Sunday).

    Returns
    -------
    SrmScores
        ``weeks`` as returned by :func:`score_weeks` and ``activities`` as
        returned by :func:`score_activities`.
    """
    return _score_by_week(entries, items=items, week_start=week_start, activities=True)


def _score_by_week(
    entries: pd.DataFrame, *, items: str | ItemSet, week_start: str | int, activities: bool
) -> SrmScores:
    items_ = item_set(items)
    ws = week_start_index(week_start)
    frame = prepare_entries(entries, items_)
    return _finish(
        _score_grouped(frame, week_start_days(frame["day"], ws), items_, activities=activities),
        start_col="week_start",
        span=6,
        source=_source(entries),
    )


def score_weeks(
    entries: pd.DataFrame, *, items: str | ItemSet = "srm5", week_start: str | int = "monday"
) -> pd.DataFrame:
    """SRM score per client-week by the project's rules (module docstring).

    Parameters
    ----------
    entries
        Tidy diary entries: ``client`` (optional), ``date``, ``activity``,
        ``minutes``, ``status``, ``people``, ``target`` (the last three optional).
    items
        Item set: ``"srm5"`` (default) or ``"srm17"``. The two are never mixed.
    week_start
        First weekday of the diary week, default Monday.

    Returns
    -------
    pandas.DataFrame
        One row per client-week with at least one entry: ``client``,
        ``week_start``, ``week_end`` (dates), ``diary_days`` (days with any
        entry), ``qualifying`` (activities with >= 3 occurrences), ``ali``
        (occurrences of all activities), ``not_done``, ``hits`` (hits of the
        qualifying activities, so ``srm = hits / qualifying``), ``srm`` (NaN
        when not scored), ``hits_all`` (hits of every activity, qualifying or
        not; descriptive), ``reason``
        (``"insufficient_diary"``, ``"no_qualifying_activity"`` or missing),
        ``mean_people`` (this project's descriptive figure, not a published
        score), ``target_adherence`` (share of occurrences with a target that
        lie within 45 min of it; not part of the SRM), ``item_set``.

    Notes
    -----
    .. math:: \\mathrm{SRM} = \\frac{1}{|Q|}\\sum_{a\\in Q} \\#\\{i : |t_{a,i}-H_a| \\le 45\\}

    Examples
    --------
    Worked example 2 of ``docs/srm.md`` scores 7 hits:

    >>> import pandas as pd
    >>> times = [420, 420, 425, 420, 460, 420, 420]
    >>> e = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=7),
    ...                   "activity": "out_of_bed", "minutes": times, "status": "done"})
    >>> float(score_weeks(e)["srm"].iloc[0])
    7.0
    """
    return _score_by_week(entries, items=items, week_start=week_start, activities=False).weeks


def score_activities(
    entries: pd.DataFrame, *, items: str | ItemSet = "srm5", week_start: str | int = "monday"
) -> pd.DataFrame:
    """Per client x week x activity details in tidy long format.

    Every item of the set appears for every client-week with an entry.
    Columns: ``client``, ``week_start``, ``week_end``, ``activity``,
    ``occurrences``, ``not_done``, ``mean_min`` (mean of the unwrapped times,
    as a clock minute), ``sd_min`` (sample SD), ``outliers``, ``habitual_min``
    (H as a clock minute), ``hits``, ``qualifies`` (>= 3 occurrences),
    ``scored`` (qualifies in a week with >= 4 diary days), ``mean_people``,
    ``target_occurrences``, ``target_adherence``, ``item_set``.
    """
    return score(entries, items=items, week_start=week_start).activities


def rolling_scores(
    entries: pd.DataFrame, *, items: str | ItemSet = "srm5", window: int = 7
) -> pd.DataFrame:
    """SRM over the *window* diary days ending on each day, by the same rules.

    One row per client and day from the client's first to last diary date:
    ``client``, ``window_start``, ``date`` (window end), and the columns of
    :func:`score_weeks`. Days whose window holds no entry are kept with
    ``diary_days = 0`` and reason ``insufficient_diary``.
    """
    items_ = item_set(items)
    if not isinstance(window, int) or window < 1:
        raise EntriesError(f"invalid rolling window {window!r}; expected a positive day count")
    frame = prepare_entries(entries, items_)
    day = frame["day"].to_numpy(dtype=np.int64)
    last = frame.groupby("client")["day"].transform("max").to_numpy(dtype=np.int64)
    ends = np.concatenate([day + k for k in range(window)])
    keep = ends <= np.tile(last, window)
    expanded = frame.iloc[np.tile(np.arange(len(frame)), window)[keep]]
    weeks = _score_grouped(expanded, ends[keep], items_).weeks
    span = frame.groupby("client")["day"].agg(["min", "max"])
    full = pd.DataFrame(
        {
            "client": np.repeat(span.index.to_numpy(), span["max"] - span["min"] + 1),
            "grp": np.concatenate(
                [np.arange(lo, hi + 1) for lo, hi in zip(span["min"], span["max"], strict=True)]
                or [np.zeros(0, dtype=np.int64)]
            ),
        }
    )
    weeks = full.merge(weeks, on=["client", "grp"], how="left")
    for col in ("diary_days", "qualifying", "ali", "not_done", "hits"):
        weeks[col] = weeks[col].fillna(0).astype(np.int64)
    weeks["reason"] = weeks["reason"].where(
        weeks["diary_days"] >= MIN_DIARY_DAYS, "insufficient_diary"
    )
    weeks["item_set"] = items_.name
    return _finish(
        SrmScores(weeks=weeks, activities=weeks.iloc[:0][["client", "grp"]]),
        start_col="date",
        span=window - 1,
        source=_source(entries),
    ).weeks


def mark_hits(
    entries: pd.DataFrame, *, items: str | ItemSet = "srm5", week_start: str | int = "monday"
) -> pd.DataFrame:
    """Done occurrences with their week and a ``hit`` flag under the week's H.

    Columns: ``client``, ``date``, ``week_start``, ``activity``, ``minutes``,
    ``hit``, ``qualifies``. Summing ``hit`` over qualifying activities by
    ``date`` gives the daily "anchor hits" feature used by
    :mod:`ipsrt.linkage`.
    """
    items_ = item_set(items)
    frame = prepare_entries(entries, items_)
    grp = week_start_days(frame["day"], week_start_index(week_start))
    done = frame["done"].to_numpy(dtype=bool)
    keys = pd.MultiIndex.from_arrays([frame["client"], grp, frame["activity"]])[done]
    gid = pd.factorize(keys)[0].astype(np.int64)
    stats, hit = _hits_kernel(gid, frame["minutes"].to_numpy(dtype=np.float64)[done], len(keys))
    return pd.DataFrame(
        {
            "client": frame["client"].to_numpy()[done],
            "date": days_to_dates(frame["day"].to_numpy()[done]),
            "week_start": days_to_dates(grp[done]),
            "activity": frame["activity"].to_numpy()[done],
            "minutes": frame["minutes"].to_numpy()[done],
            "hit": hit,
            "qualifies": stats["occurrences"][gid] >= MIN_OCCURRENCES,
        }
    )


def multiweek_mean(weeks: pd.DataFrame) -> pd.DataFrame:
    """Multi-week SRM per client: the mean of the weekly scores that are not NaN.

    Parameters
    ----------
    weeks
        Output of :func:`score_weeks`, optionally filtered to a date range.

    Returns
    -------
    pandas.DataFrame
        ``client``, ``weeks`` (rows given), ``weeks_scored``, ``srm_mean``
        (NaN when no week was scored), ``first_week``, ``last_week``.
    """
    for col in ("srm", "week_start"):
        if col not in weeks.columns:
            raise EntriesError(f"weekly scores: missing column {col!r}")
    frame = weeks if "client" in weeks.columns else weeks.assign(client=DEFAULT_CLIENT)
    out = frame.groupby("client", sort=True).agg(
        weeks=("srm", "size"),
        weeks_scored=("srm", "count"),
        srm_mean=("srm", "mean"),
        first_week=("week_start", "min"),
        last_week=("week_start", "max"),
    )
    return out.reset_index()
