"""The dashboard's figures: pure functions, data frames in, plotly figures out.

No figure reads the store, the clock or the session; pages fetch data through
the core's services (:mod:`ipsrt.reports`) after :func:`ipsrt.reports.access.authorize`
and pass it here. Every figure has a title, labelled axes and colours that
stay distinguishable for the common forms of colour blindness (the Okabe-Ito
palette; Okabe & Ito 2008, https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

__all__ = ["PALETTE"]

#: Okabe-Ito colours by role in the figures.
PALETTE = {
    "activity": "#0072B2",
    "sleep": "#56B4E9",
    "not_worn": "#BBBBBB",
    "reported": "#D55E00",
    "estimated": "#009E73",
    "target": "#CC79A7",
    "band": "rgba(230, 159, 0, 0.18)",
    "mood": "#E69F00",
    "event": "#000000",
}


# -- figures of the client pages (Today, My rhythm) ------------------------------------


# -- figures of the clinician pages (Caseload, Client) ---------------------------------
