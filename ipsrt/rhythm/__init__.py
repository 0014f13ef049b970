"""Rest-activity rhythm metrics: non-parametric (IS, IV, L5, M10, RA), SRI, MASDA, cosinor.

The entry point is :func:`panel`, every figure of one recording as a flat
dict; the metric functions are importable one by one. See ``docs/rhythm.md``.
"""

from __future__ import annotations

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
from ipsrt.rhythm.panel import PANEL_KEYS, panel
from ipsrt.rhythm.sri import sleep_regularity_index, sri_from_counts_pyactigraphy

__all__ = [
    "LMX",
    "PANEL_KEYS",
    "CosinorFit",
    "ExtendedCosinorFit",
    "cosinor",
    "extended_cosinor",
    "interdaily_stability",
    "intradaily_variability",
    "l5",
    "m10",
    "masda",
    "panel",
    "relative_amplitude",
    "sleep_regularity_index",
    "sri_from_counts_pyactigraphy",
]
