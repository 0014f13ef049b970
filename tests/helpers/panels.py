"""One comparison of two rhythm panels (``ipsrt.rhythm.panel`` keys), for the batch tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

#: relative tolerance of panel_many against panel (docs/rhythm.md, "Many subjects at once")
PANEL_REL = 1e-12


def assert_same_panel(ref: dict[str, Any], got: dict[str, Any], where: str) -> None:
    """*got* equals *ref*: strings, reasons, epochs, night counts and onsets exactly, the
    other figures (and every value of the 7-day tuples) to :data:`PANEL_REL` relative."""
    assert set(ref) == set(got), where
    for key, want in ref.items():
        have = got[key]
        msg = f"{where} {key}: {want!r} != {have!r}"
        if key == "reasons" or isinstance(want, str) or want is None:
            assert want == have, msg
        elif isinstance(want, tuple):
            assert len(want) == len(have), msg
            assert np.allclose(want, have, rtol=PANEL_REL, atol=0, equal_nan=True), msg
        elif key in ("epoch_s", "nights") or key.endswith("_onset"):
            assert (np.isnan(want) and np.isnan(have)) or want == have, msg  # exact
        else:
            assert (np.isnan(want) and np.isnan(have)) or have == pytest.approx(
                want, rel=PANEL_REL, abs=0
            ), msg
