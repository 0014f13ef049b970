r"""The panel of many aligned recordings at once (:func:`panel_many`).

Every figure of :func:`ipsrt.rhythm.panel` is computed with array operations
across subjects:

* the non-parametric figures (IS, IV, ISm, IVm, L5, M10, RA, onsets, 7-day
  blocks): :func:`ipsrt.rhythm.nonparametric_many.nonparametric_many`, the
  one fast path, which ``panel`` also runs on a batch of one;
* cosinor: the 3x3 normal equations of :math:`Y = M + \beta\cos\omega t +
  \gamma\sin\omega t` built from the average days against the one shared
  design and solved for all subjects in one batched ``np.linalg.solve``
  (:func:`ipsrt.rhythm.cosinor.cosinor_profiles`);
* Cole-Kripke, SRI and the sleep summary: :mod:`ipsrt.rhythm.batch_sleep`.

Preconditions (checked; when one fails for a reason other than bad values,
each subject goes through :func:`ipsrt.rhythm.panel` instead, with the same
result):

* ``counts`` is a float array of shape (subjects, epochs) or (subjects, days,
  epochs of the day), NaN = missing, no negative or infinite values;
* all subjects share the start ``start`` (a **local midnight** in ``tz``),
  the epoch ``epoch_s`` and the length;
* an epoch dividing 60 s; default mode: shorter epochs are summed into
  minutes (as :func:`ipsrt.rhythm.epochs.prepare`), and every UTC offset of
  the recording puts the local clock on whole minutes from the local
  midnight of the start (true of every DST change of today's zones); compat
  mode: the wall clock runs on without DST jumps, as in
  :func:`~ipsrt.rhythm.panel`, so DST does not matter.

Across DST changes (default mode) the batch lays the minutes out by local
days (:mod:`ipsrt.rhythm.local_days`): a 23-h day has no cells for the
clock times it skips, a 25-h day takes two rows; the non-parametric figures,
the cosinor's average day, the SRI pairs and the nights follow the local
clock as :func:`~ipsrt.rhythm.panel` does (``docs/rhythm.md``, "DST in the
batch").
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm import batch_sleep
from ipsrt.rhythm import nonparametric as npm
from ipsrt.rhythm.cosinor import (
    COSINOR_KEYS,
    cosinor_nan_reasons,
    cosinor_profiles,
    valid_sum_of_squares,
)
from ipsrt.rhythm.epochs import DAY_S, FloatArray
from ipsrt.rhythm.local_days import LocalDays, local_days
from ipsrt.rhythm.nonparametric_figures import BLOCK_KEYS
from ipsrt.rhythm.nonparametric_many import ManyFigures, fast_path_applies, nonparametric_many
from ipsrt.rhythm.panel import panel
from ipsrt.rhythm.workspace import Workspace
from ipsrt.timeutil import zone

__all__ = ["panel_many"]

#: working-set size per chunk of subjects (see :func:`panel_many`): memory
#: stays bounded, and the large temporaries live in a workspace reused from
#: chunk to chunk (8-16 MB measured best: smaller chunks pay the per-call
#: overhead of NumPy more often, larger ones fall out of the cache)
CHUNK_BYTES = 12_000_000
_COSINOR_KEYS = COSINOR_KEYS


def panel_many(
    counts: np.ndarray,
    *,
    tz: str | dt.tzinfo,
    start: dt.datetime | pd.Timestamp | str,
    epoch_s: int = 60,
    compat: Literal["pyactigraphy"] | None = None,
    min_days: float | None = None,
    blocks: bool = True,
    sleep_summary: bool = True,
) -> pd.DataFrame:
    """:func:`ipsrt.rhythm.panel` of many aligned recordings, one row per subject.

    Parameters
    ----------
    counts : numpy.ndarray
        (subjects, epochs) or (subjects, days, epochs of the day); NaN =
        missing. See the module docstring for the preconditions.
    tz : str or tzinfo
        Zone of the local clock, shared by all subjects.
    start : datetime, Timestamp or str
        The first epoch, a local midnight in *tz* (naive = local time).
    epoch_s : int
        Epoch length in seconds.
    compat, min_days, blocks, sleep_summary
        As for :func:`ipsrt.rhythm.panel` (Cole-Kripke states in default
        mode, MASDA in compat mode; no ``sleep=``, no extended cosinor).

    Returns
    -------
    pandas.DataFrame
        One row per subject (index 0..S-1), columns the keys of ``panel``;
        values equal ``panel`` of each subject's Series to rounding (1e-12
        relative), integer and epoch outputs exactly.
    """
    x, start_ts, zi = _check(counts, tz, start, epoch_s)
    prm = npm.params_for(compat, min_days=min_days)
    local = _layout(x.shape[1], start_ts, zi, epoch_s, prm)
    if local is False:
        return _per_subject(x, start_ts, epoch_s, prm.compat, min_days, blocks, sleep_summary)
    if prm.compat is None and epoch_s < 60:
        x, epoch_s = _to_minutes(x, epoch_s)
    rows: list[dict[str, Any]] = []
    # Subjects go through in chunks of about CHUNK_BYTES of level matrices,
    # so that the working arrays stay in cache and memory stays bounded.
    per_subject = x.shape[1] * 8 * 4
    step = max(1, CHUNK_BYTES // per_subject)
    ws = Workspace()  # the large temporaries, reused by every chunk
    for a in range(0, x.shape[0], step):
        xc = x[a : a + step]
        many = nonparametric_many(
            xc, epoch_s=epoch_s, first_tod=0, prm=prm, blocks=blocks, ws=ws, local=local
        )
        part = _rows(many, epoch_s, prm, blocks, valid_sum_of_squares(xc))
        batch_sleep.add_sleep(xc, epoch_s, prm, part, local, zi, sleep_summary)
        rows.extend(part)
    for r in rows:
        r["reasons"] = r.pop("_reasons")
    return pd.DataFrame(rows)


def _check(
    counts: np.ndarray, tz: str | dt.tzinfo, start: object, epoch_s: int
) -> tuple[FloatArray, pd.Timestamp, dt.tzinfo]:
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim == 3:
        if x.shape[2] * epoch_s != DAY_S:
            raise InvalidInputError(
                f"a 3-D array needs {DAY_S // max(epoch_s, 1)} epochs per day, got {x.shape[2]}"
            )
        x = x.reshape(x.shape[0], -1)
    if x.ndim != 2 or x.shape[0] == 0:
        raise InvalidInputError(
            "counts must be a (subjects, epochs) or (subjects, days, epochs) array"
        )
    if x.shape[1] < 2:
        raise InvalidInputError("counts must hold at least two epochs")
    if epoch_s <= 0 or DAY_S % epoch_s:
        raise InvalidInputError(f"a {epoch_s} s epoch does not divide 24 h")
    lo, hi = float(np.fmin.reduce(x, axis=None)), float(np.fmax.reduce(x, axis=None))
    if hi == np.inf or lo == -np.inf:
        raise InvalidInputError("counts contain infinite values")
    if lo < 0:
        raise InvalidInputError("counts must not be negative")
    zi = zone(tz) if isinstance(tz, str) else tz
    ts = pd.Timestamp(start)
    ts = ts.tz_localize(zi) if ts.tzinfo is None else ts.tz_convert(zi)
    if ts != ts.normalize():
        raise InvalidInputError(f"start {ts} is not a local midnight in {tz}")
    return x, ts, zi


def _layout(
    n: int, start: pd.Timestamp, zi: dt.tzinfo, epoch_s: int, prm: npm.Params
) -> LocalDays | Literal[False] | None:
    """How the cohort goes through the batch: False = through ``panel`` subject by subject.

    The sleep figures need an epoch dividing 60 s; the non-parametric ones,
    :func:`ipsrt.rhythm.nonparametric_many.fast_path_applies` (at the working
    epoch: 60 s in default mode, where shorter epochs are summed into
    minutes). Default mode: the layout of the minutes by local days
    (:func:`ipsrt.rhythm.local_days.local_days`), which follows every
    offset change on whole minutes; compat mode: None (no DST jump).
    """
    if epoch_s > 60 or 60 % epoch_s:
        return False
    if prm.compat is not None:
        return None if fast_path_applies(epoch_s, True, prm) else False
    if not fast_path_applies(60, True, prm):
        return False
    minutes = -(-n * epoch_s // 60)
    local = local_days(int(start.timestamp()), minutes, 60, zi)
    return False if local is None else local


def _per_subject(
    x: FloatArray,
    start: pd.Timestamp,
    epoch_s: int,
    compat: npm.Compat,
    min_days: float | None,
    blocks: bool,
    with_summary: bool,
) -> pd.DataFrame:
    idx = pd.date_range(start, periods=x.shape[1], freq=pd.Timedelta(seconds=epoch_s))
    return pd.DataFrame(
        [
            panel(
                pd.Series(row, idx),
                compat=compat,
                min_days=min_days,
                blocks=blocks,
                sleep_summary=with_summary,
            )
            for row in x
        ]
    )


def _to_minutes(x: FloatArray, epoch_s: int) -> tuple[FloatArray, int]:
    k = 60 // epoch_s
    tail = (-x.shape[1]) % k
    if tail:
        x = np.concatenate((x, np.full((x.shape[0], tail), np.nan)), axis=1)
    return x.reshape(x.shape[0], -1, k).sum(axis=2), 60


def _rows(
    many: ManyFigures, epoch_s: int, prm: npm.Params, blocks: bool, sum_squares: FloatArray
) -> list[dict[str, Any]]:
    """One panel row per subject: the non-parametric figures and the cosinor.

    *sum_squares*: each subject's sum of squared valid counts (the cosinor's
    total sum of squares, :func:`ipsrt.rhythm.cosinor.valid_sum_of_squares`).
    """
    cos = cosinor_profiles(*many.counts_profile, epoch_s, sum_squares=sum_squares)
    out: list[dict[str, Any]] = []
    for i, (figures, why) in enumerate(many.figures_and_reasons()):
        days = float(many.valid_days[i])
        r: dict[str, Any] = {"compat": prm.compat, "epoch_s": epoch_s, "valid_days": days}
        r.update(figures)
        if not blocks:
            r.update(dict.fromkeys(BLOCK_KEYS, ()))
        if days < prm.min_days:
            cmsg = f"{days:.2f} valid days, fewer than {prm.min_days:g}"
            for k in _COSINOR_KEYS:
                r[k], why[k] = np.nan, cmsg
        else:
            for k, v in zip(_COSINOR_KEYS, cos[i], strict=True):
                r[k] = float(v)
            why.update(cosinor_nan_reasons(cos[i]))
        r["_reasons"] = why
        out.append(r)
    return out
