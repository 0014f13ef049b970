"""Webster's rescoring rules for 1-min sleep/wake scores (Webster et al. 1982).

Used by :func:`ipsrt.rhythm.sleep_scoring.cole_kripke` (and re-exported
there). Vectorised over runs of equal scores: no loop over epochs. The rules,
both readings of rules (d)/(e) and a worked example are in ``docs/sleep.md``
("Webster's rescoring rules").
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from ipsrt.errors import InvalidInputError
from ipsrt.rhythm.epochs import FloatArray, IntArray

__all__ = [
    "SURROUNDED_READINGS",
    "Compat",
    "Surrounded",
    "compat_flag",
    "rescore_positions",
    "webster_rescore",
]

Compat = Literal["pyactigraphy"] | None
#: How rules (d)/(e) read "sleep surrounded by wake": ``"stretch"``, all
#: epochs between two long wake runs; ``"run"``, one sleep run whose two
#: neighbouring runs are long wake runs.
Surrounded = Literal["stretch", "run"]
SURROUNDED_READINGS: tuple[Surrounded, ...] = ("stretch", "run")


def compat_flag(compat: str | None) -> bool:
    """True for ``"pyactigraphy"``, False for None; a one-line error for anything else."""
    if compat is None:
        return False
    if compat == "pyactigraphy":
        return True
    raise InvalidInputError(f"unknown compat mode {compat!r}: expected None or 'pyactigraphy'")


def _check_surrounded(surrounded: str, is_compat: bool) -> None:
    if surrounded not in SURROUNDED_READINGS:
        raise InvalidInputError(
            f"unknown reading {surrounded!r} of rules (d)/(e): expected 'stretch' or 'run'"
        )
    if is_compat and surrounded != "stretch":
        raise InvalidInputError("compat='pyactigraphy' reads rules (d)/(e) as 'stretch' only")


def _runs(code: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.int64], ...]:
    """Run-length encoding: (starts, lengths, values) of *code*."""
    n = code.size
    change = np.flatnonzero(code[1:] != code[:-1])
    starts = np.empty(change.size + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = change + 1
    lengths = np.empty_like(starts)
    lengths[:-1] = starts[1:] - starts[:-1]
    lengths[-1] = n - starts[-1]
    return starts, lengths, code[starts].astype(np.int64)


#: (wake minutes before, sleep minutes rescored) for rules (a)-(c) and
#: (sleep minutes at most, wake minutes on both sides) for rules (d)-(e).
_PRECEDED_RULES = ((4, 1), (10, 3), (15, 4))
_SURROUNDED_RULES = ((6, 10), (10, 20))


def webster_rescore(
    scores: npt.ArrayLike, *, compat: Compat = None, surrounded: Surrounded = "stretch"
) -> FloatArray:
    """Apply Webster's rescoring rules (a)-(e) to 1-min sleep scores.

    Parameters
    ----------
    scores
        1-D array of 1 (sleep), 0 (wake) or NaN (missing), 1-min epochs.
    compat
        ``"pyactigraphy"``: rules (a)-(c) only touch sleep runs at least as
        long as the number of minutes they rescore (pyActigraphy 1.2.2,
        ``sleep.scoring.utils.rescore``).
    surrounded
        The reading of "sleep surrounded by wake" in rules (d)/(e):
        ``"stretch"`` (default; as pyActigraphy): everything between two wake
        runs of at least 10 (20) min, if that stretch lasts at most 6 (10) min;
        ``"run"``: a single sleep run of at most 6 (10) min whose runs just
        before and just after are wake runs of at least 10 (20) min.

    Returns
    -------
    numpy.ndarray
        The rescored array; only sleep epochs change, to wake.

    Notes
    -----
    All rules are evaluated on the input scores and their effects combined
    (an epoch is wake if any rule says so):

    (a) after at least 4 min of wake, the next 1 min of sleep becomes wake;
    (b) after at least 10 min of wake, the next 3 min of sleep become wake;
    (c) after at least 15 min of wake, the next 4 min of sleep become wake;
    (d) at most 6 min of sleep surrounded by at least 10 min of wake on
        each side becomes wake;
    (e) at most 10 min of sleep surrounded by at least 20 min of wake on
        each side becomes wake.

    With ``surrounded="stretch"`` the 6 (10) min are the whole stretch
    between the two wake runs, which may hold short wake runs; with
    ``"run"`` they are one sleep run. Scores 10 wake, 2 sleep, 1 wake,
    2 sleep, 10 wake: the stretch (5 min) becomes wake under (d); neither
    2-min run has 10 min of wake on both sides, so ``"run"`` keeps them.

    Rule (d) uses 10 min of surrounding wake as pyActigraphy's code does; its
    docstring says 15 min. By default a sleep run shorter than the number of
    minutes a rule (a)-(c) rescores is rescored entirely; pyActigraphy leaves
    it alone. A missing epoch breaks a run and is never counted as wake, and a
    stretch containing a missing epoch is not rescored by (d) or (e).

    References
    ----------
    Webster, J. B., Kripke, D. F., Messin, S., Mullaney, D. J., & Wyborney, G.
    (1982). An activity-based sleep monitor system for ambulatory use. *Sleep*
    5(4), 389-399. https://doi.org/10.1093/sleep/5.4.389

    Examples
    --------
    >>> webster_rescore([0, 0, 0, 0, 1, 1, 1]).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    """
    _check_surrounded(surrounded, compat_flag(compat))
    s = np.asarray(scores, dtype=np.float64).copy()
    if s.size == 0:
        return s
    sleep = s == 1
    code = sleep.view(np.int8) - np.isnan(s).view(np.int8)  # 1 sleep, 0 wake, -1 missing
    idx = rescore_positions(code, compat=compat, surrounded=surrounded)
    s[idx[sleep[idx]]] = 0.0
    return s


def rescore_positions(
    code: npt.NDArray[np.int8], *, compat: Compat = None, surrounded: Surrounded = "stretch"
) -> IntArray:
    """The epochs that Webster's rules turn to wake, of 1-D state codes *code*.

    *code*: 1 sleep, 0 wake, -1 missing. The sleep epochs among the positions
    returned (which may repeat, and include wake ones) are what
    :func:`webster_rescore` sets to 0; see there for the rules.
    """
    is_compat = compat_flag(compat)
    _check_surrounded(surrounded, is_compat)
    if code.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts, lengths, vals = _runs(code)
    prev_val = np.concatenate(([-2], vals[:-1]))
    prev_len = np.concatenate(([0], lengths[:-1]))
    after_wake = (vals == 1) & (prev_val == 0)
    rescore_len = np.zeros(starts.size, dtype=np.int64)
    for wake_before, n_sleep in _PRECEDED_RULES:
        cond = after_wake & (prev_len >= wake_before)
        if is_compat:
            cond &= lengths >= n_sleep
        rescore_len = np.where(cond, np.maximum(rescore_len, n_sleep), rescore_len)
    # Every rule marks stretches [begin, end) to turn to wake (short: at most
    # 4 min after a run of wake, 10 min between two); their epochs are listed
    # directly, overlaps included.
    hit = rescore_len > 0
    begins = [starts[hit]]
    ends = [starts[hit] + np.minimum(rescore_len[hit], lengths[hit])]
    if surrounded == "run":
        next_val = np.concatenate((vals[1:], [-2]))
        next_len = np.concatenate((lengths[1:], [0]))
        for max_sleep, wake_around in _SURROUNDED_RULES:
            ok = (vals == 1) & (lengths <= max_sleep)
            ok &= (prev_val == 0) & (prev_len >= wake_around)
            ok &= (next_val == 0) & (next_len >= wake_around)
            begins.append(starts[ok])
            ends.append(starts[ok] + lengths[ok])
        return _positions(begins, ends)
    # missing runs up to each run: a stretch between two wake runs holds a
    # missing epoch when one of the runs between them is missing
    missing_runs = np.cumsum(vals == -1)
    for max_sleep, wake_around in _SURROUNDED_RULES:
        long_wake = np.flatnonzero((vals == 0) & (lengths >= wake_around))
        gap_start = starts[long_wake[:-1]] + lengths[long_wake[:-1]]
        gap_end = starts[long_wake[1:]]
        ok = (gap_end - gap_start) <= max_sleep
        if not is_compat:
            ok &= missing_runs[long_wake[1:]] == missing_runs[long_wake[:-1]]
        begins.append(gap_start[ok])
        ends.append(gap_end[ok])
    return _positions(begins, ends)


def _positions(begins: list[IntArray], ends: list[IntArray]) -> IntArray:
    """Every position of the stretches ``[begin, end)``, overlaps repeated."""
    b = np.concatenate(begins)
    width = np.concatenate(ends) - b
    use = width > 0
    b, width = b[use], width[use]
    if not b.size:
        return b
    first = np.cumsum(width) - width  # where each stretch starts in the list
    return np.arange(int(first[-1] + width[-1])) + np.repeat(b - first, width)
