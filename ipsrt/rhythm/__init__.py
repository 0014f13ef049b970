"""Rest-activity rhythm metrics: non-parametric (IS, IV, L5, M10, RA), SRI, MASDA, cosinor, sleep.

The entry point is :func:`panel`, every figure of one recording as a flat
dict (:func:`panel_many`: the same for many aligned recordings at once, one
row per subject); the metric functions, sleep/wake scoring, non-wear detection and sleep
timing are importable one by one. See ``docs/rhythm.md`` and ``docs/sleep.md``.
"""

from __future__ import annotations

from ipsrt.rhythm.batch import panel_many
from ipsrt.rhythm.cosinor import CosinorFit, ExtendedCosinorFit, cosinor, extended_cosinor
from ipsrt.rhythm.masda import masda
from ipsrt.rhythm.nonparametric import (
    LMX,
    interdaily_stability,
    intradaily_variability,
    l5,
    m10,
    relative_amplitude,
)
from ipsrt.rhythm.nonwear import apply_nonwear, detect_nonwear
from ipsrt.rhythm.panel import PANEL_KEYS, panel
from ipsrt.rhythm.sleep_scoring import (
    CK_SETTINGS,
    cole_kripke,
    minute_counts,
    sadeh,
    sleep_wake,
    webster_rescore,
)
from ipsrt.rhythm.sleep_timing import (
    NIGHT_COLUMNS,
    composite_phase_deviation,
    free_nights,
    mctq_chronotype,
    midpoint_variability,
    sleep_episodes,
    sleep_summary,
    sleep_timing,
    social_jetlag,
)
from ipsrt.rhythm.sri import sleep_regularity_index, sri_from_counts_pyactigraphy

__all__ = [
    "CK_SETTINGS",
    "LMX",
    "NIGHT_COLUMNS",
    "PANEL_KEYS",
    "CosinorFit",
    "ExtendedCosinorFit",
    "apply_nonwear",
    "cole_kripke",
    "composite_phase_deviation",
    "cosinor",
    "detect_nonwear",
    "extended_cosinor",
    "free_nights",
    "interdaily_stability",
    "intradaily_variability",
    "l5",
    "m10",
    "masda",
    "mctq_chronotype",
    "midpoint_variability",
    "minute_counts",
    "panel",
    "panel_many",
    "relative_amplitude",
    "sadeh",
    "sleep_episodes",
    "sleep_regularity_index",
    "sleep_summary",
    "sleep_timing",
    "sleep_wake",
    "social_jetlag",
    "sri_from_counts_pyactigraphy",
    "webster_rescore",
]
