"""Mood self-report: the IPSRT daily rating, PHQ-9 and ASRM.

* **Daily mood** (IPSRT form): one integer from -5 to +5, with optional
  energy, irritability and anxiety ratings 0..10 and a free-text note. The
  labels below are this project's own wording. There are no validated
  cut-offs; use it within-person.
* **PHQ-9** (Kroenke, Spitzer & Williams 2001): nine items 0..3, total 0..27,
  severity bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately
  severe, 20-27 severe. Any answer above 0 on item 9 flags the response as
  urgent (a safety workflow, not a diagnosis). The form states that no
  permission is required to reproduce it, so the item text is included.
* **ASRM** (Altman et al. 1997): five items 0..4, total 0..20, a total of 6 or
  more is a positive screen. Only short domain labels are stored here; the
  statements of the form are not reproduced.

Store item answers and :data:`PHQ9_VERSION` / :data:`ASRM_VERSION`; compute
totals on the fly with :func:`score_phq9` and :func:`score_asrm`.

References
----------
Kroenke, K., Spitzer, R. L., & Williams, J. B. W. (2001). The PHQ-9: validity
of a brief depression severity measure. *J Gen Intern Med* 16(9), 606-613.
doi:10.1046/j.1525-1497.2001.016009606.x

Altman, E. G., Hedeker, D., Peterson, J. L., & Davis, J. M. (1997). The
Altman Self-Rating Mania Scale. *Biol Psychiatry* 42(10), 948-955.
doi:10.1016/S0006-3223(96)00548-3
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError

__all__ = [
    "ASRM_CUTOFF",
    "ASRM_DOMAINS",
    "ASRM_VERSION",
    "MOOD_LABELS",
    "MOOD_MAX",
    "MOOD_MIN",
    "PHQ9_DIFFICULTY",
    "PHQ9_ITEMS",
    "PHQ9_OPTIONS",
    "PHQ9_STEM",
    "PHQ9_VERSION",
    "AsrmScore",
    "MoodError",
    "MoodRating",
    "Phq9Score",
    "mood_label",
    "phq9_severity",
    "score_asrm",
    "score_phq9",
    "validate_mood",
    "validate_mood_frame",
]

MOOD_MIN, MOOD_MAX = -5, 5
SUBSCALE_MAX = 10

# Our own wording for the daily rating (not a published form's).
MOOD_LABELS: Mapping[int, str] = {
    -5: "severely low",
    -4: "very low",
    -3: "clearly low",
    -2: "somewhat low",
    -1: "slightly low",
    0: "balanced",
    1: "slightly high",
    2: "somewhat high",
    3: "clearly high",
    4: "very high",
    5: "severely high",
}

PHQ9_VERSION = "PHQ-9 (Kroenke 2001); ipsrt scoring 1"
PHQ9_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
PHQ9_ITEMS: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
PHQ9_OPTIONS: tuple[str, ...] = (
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
)
PHQ9_DIFFICULTY: tuple[str, ...] = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)
_PHQ9_BANDS: tuple[tuple[int, str], ...] = (
    (4, "minimal"),
    (9, "mild"),
    (14, "moderate"),
    (19, "moderately severe"),
    (27, "severe"),
)

ASRM_VERSION = "ASRM (Altman 1997); ipsrt scoring 1; item text not stored"
ASRM_CUTOFF = 6
# Domain keys and short labels only; the ASRM statements are not reproduced.
ASRM_DOMAINS: tuple[tuple[str, str], ...] = (
    ("positive_mood", "positive mood"),
    ("self_confidence", "self-confidence"),
    ("sleep_need", "sleep need"),
    ("speech", "speech"),
    ("activity", "activity"),
)


class MoodError(InvalidInputError):
    """A mood rating or a scale response is out of range or malformed."""


def _whole(value: object, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise MoodError(f"{what} {value!r} is not a whole number {lo}..{hi}")
    if not math.isfinite(float(value)) or float(value) != int(value):
        raise MoodError(f"{what} {value!r} is not a whole number {lo}..{hi}")
    if not lo <= int(value) <= hi:
        raise MoodError(f"{what} {int(value)} outside {lo}..{hi}")
    return int(value)


def validate_mood(value: object) -> int:
    """Return the daily mood *value* as an int, or raise :class:`MoodError` outside -5..+5."""
    return _whole(value, MOOD_MIN, MOOD_MAX, "mood")


def mood_label(value: int) -> str:
    """This project's short label for a daily mood rating (e.g. 0 -> ``"balanced"``)."""
    return MOOD_LABELS[validate_mood(value)]


@dataclass(frozen=True)
class MoodRating:
    """One day's IPSRT mood rating with optional 0..10 sub-ratings and a note.

    Ranges are checked on construction; a bad value raises :class:`MoodError`.
    """

    date: dt.date
    mood: int
    energy: int | None = None
    irritability: int | None = None
    anxiety: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date):
            raise MoodError(f"mood date {self.date!r} is not a date")
        validate_mood(self.mood)
        for name in ("energy", "irritability", "anxiety"):
            value = getattr(self, name)
            if value is not None:
                _whole(value, 0, SUBSCALE_MAX, name)
        if not isinstance(self.note, str) or len(self.note) > 2000:
            raise MoodError("mood note must be text of at most 2000 characters")


def validate_mood_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a daily mood table and return it with integer-valued float columns.

    Columns: ``date`` (required, unique per ``client`` when present), ``mood``
    (-5..+5, NaN allowed for a missing day), optional ``energy``,
    ``irritability``, ``anxiety`` (0..10). Raises :class:`MoodError` naming the
    first bad row.
    """
    for col in ("date", "mood"):
        if col not in frame.columns:
            raise MoodError(f"mood table: missing column {col!r}")
    out = frame.copy()
    limits = {"mood": (MOOD_MIN, MOOD_MAX), "energy": (0, 10), "irritability": (0, 10)}
    limits["anxiety"] = (0, 10)
    for col, (lo, hi) in limits.items():
        if col not in out.columns:
            continue
        values = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=np.float64)
        given = out[col].notna().to_numpy()
        bad = given & ~(np.isfinite(values) & (values == np.round(values)))
        bad |= np.isfinite(values) & ((values < lo) | (values > hi))
        if bad.any():
            i = int(np.argmax(bad))
            raise MoodError(f"mood table row {i}: {col} {out[col].iloc[i]!r} outside {lo}..{hi}")
        out[col] = values
    keys = ["client", "date"] if "client" in out.columns else ["date"]
    dup = out.duplicated(keys).to_numpy()
    if dup.any():
        raise MoodError(f"mood table row {int(np.argmax(dup))}: second mood for the same date")
    return out


@dataclass(frozen=True)
class Phq9Score:
    """A scored PHQ-9 response.

    ``urgent`` is true when item 9 is above 0: follow the clinic's safety
    workflow. ``severity`` is the Kroenke 2001 band of ``total``.
    """

    answers: tuple[int, ...]
    total: int
    severity: str
    item9: int
    urgent: bool
    difficulty: int | None
    version: str = PHQ9_VERSION


def phq9_severity(total: int) -> str:
    r"""Severity band of a PHQ-9 total (0-4 minimal ... 20-27 severe)."""
    total = _whole(total, 0, 27, "PHQ-9 total")
    return next(label for upper, label in _PHQ9_BANDS if total <= upper)


def score_phq9(answers: Sequence[int], *, difficulty: int | None = None) -> Phq9Score:
    r"""Score a PHQ-9 response.

    Parameters
    ----------
    answers
        Nine item answers, each 0 (not at all) .. 3 (nearly every day).
    difficulty
        Optional unscored difficulty item, 0..3.

    Notes
    -----
    :math:`\mathrm{total} = \sum_{i=1}^{9} a_i \in [0, 27]`.

    Examples
    --------
    >>> score_phq9([1, 1, 1, 1, 1, 1, 1, 1, 0]).severity
    'mild'
    """
    if isinstance(answers, str | bytes) or len(answers) != len(PHQ9_ITEMS):
        raise MoodError(f"PHQ-9 needs {len(PHQ9_ITEMS)} answers")
    items = tuple(_whole(a, 0, 3, f"PHQ-9 item {i}") for i, a in enumerate(answers, start=1))
    diff = None if difficulty is None else _whole(difficulty, 0, 3, "PHQ-9 difficulty")
    total = sum(items)
    return Phq9Score(
        answers=items,
        total=total,
        severity=phq9_severity(total),
        item9=items[8],
        urgent=items[8] > 0,
        difficulty=diff,
    )


@dataclass(frozen=True)
class AsrmScore:
    """A scored ASRM response; ``positive`` when ``total >= 6`` (Altman 1997)."""

    answers: Mapping[str, int]
    total: int
    positive: bool
    version: str = ASRM_VERSION

    def __hash__(self) -> int:
        return hash((tuple(self.answers.items()), self.total, self.positive, self.version))


def score_asrm(answers: Sequence[int] | Mapping[str, int]) -> AsrmScore:
    r"""Score an ASRM response.

    Parameters
    ----------
    answers
        Five item scores 0..4 in domain order (positive mood, self-confidence,
        sleep need, speech, activity), or a mapping from the domain keys of
        :data:`ASRM_DOMAINS`.

    Notes
    -----
    :math:`\mathrm{total}=\sum_{i=1}^{5} a_i\in[0,20]`; positive screen when
    :math:`\mathrm{total}\ge 6` (the paper's "> 5"; sensitivity 85.5 %,
    specificity 87.3 %).
    """
    keys = [k for k, _ in ASRM_DOMAINS]
    if isinstance(answers, Mapping):
        if set(answers) != set(keys):
            raise MoodError("ASRM answers need exactly the domains " + ", ".join(keys))
        values = [answers[k] for k in keys]
    else:
        if isinstance(answers, str | bytes) or len(answers) != len(keys):
            raise MoodError(f"ASRM needs {len(keys)} answers")
        values = list(answers)
    items = {
        k: _whole(v, 0, 4, f"ASRM {k.replace('_', ' ')}") for k, v in zip(keys, values, strict=True)
    }
    total = sum(items.values())
    return AsrmScore(answers=items, total=total, positive=total >= ASRM_CUTOFF)
