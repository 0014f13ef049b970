"""The dashboard's figures: pure functions, data in, plotly figures out.

No figure reads the store, the clock or the session; pages fetch data through
the core's services (:mod:`ipsrt.reports`) after :func:`ipsrt.reports.access.authorize`
and pass it here. Every figure has a title, labelled axes and colours that
stay distinguishable for the common forms of colour blindness (the Okabe-Ito
palette; Okabe & Ito 2008, https://jfly.uni-koeln.de/color/), and every
time-based figure marks the client's life events the same way.

* :mod:`~dashboard.figures.client_figures`: the client's *My rhythm* figures.
* :mod:`~dashboard.figures.clinician_figures`: the clinician's client page.
* :mod:`~dashboard.figures.closeness_circles`: the interpersonal inventory.
* :mod:`~dashboard.figures.life_event_markers`: life events on a time axis.
* :mod:`~dashboard.figures.figure_layout`: colours, safe text, stacked panels.
"""

from __future__ import annotations

from dashboard.figures.client_figures import (
    ANCHOR_SHORT,
    anchor_times_figure,
    sleep_nights_figure,
    srm_trend_figure,
)
from dashboard.figures.clinician_figures import (
    actogram_figure,
    anchor_raster_figure,
    linkage_sentence,
    mood_figure,
    sleep_timeline_figure,
    weekly_trends_figure,
)
from dashboard.figures.closeness_circles import (
    CirclePerson,
    CircleRole,
    PersonOnCircles,
    closeness_circles_figure,
)
from dashboard.figures.figure_layout import PALETTE, figure_text
from dashboard.figures.life_event_markers import MARKER_NAME, life_event_marks

__all__ = [
    "ANCHOR_SHORT",
    "MARKER_NAME",
    "PALETTE",
    "CirclePerson",
    "CircleRole",
    "PersonOnCircles",
    "actogram_figure",
    "anchor_raster_figure",
    "anchor_times_figure",
    "closeness_circles_figure",
    "figure_text",
    "life_event_marks",
    "linkage_sentence",
    "mood_figure",
    "sleep_nights_figure",
    "sleep_timeline_figure",
    "srm_trend_figure",
    "weekly_trends_figure",
]
