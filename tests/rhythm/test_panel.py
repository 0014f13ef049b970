"""The panel: keys, reasons, and pyActigraphy 1.2.2 compat to 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipsrt.rhythm import PANEL_KEYS, cole_kripke, panel, sleep_regularity_index
from ipsrt.rhythm.epochs import prepare
from ipsrt.rhythm.nonparametric import params_for
from ipsrt.rhythm.nonparametric_figures import nonparametric_figures
from ipsrt.rhythm.nonparametric_many import fast_path_applies, nonparametric_many
from tests.helpers import pyact_reference, reference_series
from tests.helpers.awd import synthetic_counts

SCALARS = ("IS", "IV", "RA", "L5", "M10", "ISm", "IVm", "SRI")
BLOCKS = ("ISp", "IVp", "L5p", "M10p", "RAp")


@pytest.fixture(scope="module")
def compat_panels() -> dict[str, dict[str, object]]:
    return {
        name: panel(reference_series(rec["spec"]), compat="pyactigraphy")
        for name, rec in pyact_reference().items()
    }


@pytest.mark.parametrize("name", sorted(pyact_reference()))
def test_compat_matches_pyactigraphy(name: str, compat_panels: dict) -> None:
    # Source: tests/data/pyactigraphy/reference_values.json, pyActigraphy 1.2.2
    ref = pyact_reference()[name]["values"]
    got = compat_panels[name]
    for key in SCALARS:
        assert got[key] == pytest.approx(ref[key], rel=1e-9, abs=0), key
    for key in BLOCKS:
        assert len(got[key]) == len(ref[key]), key
        assert np.allclose(got[key], ref[key], rtol=1e-9, atol=0), key


@pytest.mark.parametrize("name", sorted(pyact_reference()))
def test_compat_onsets_are_pyactigraphy_windows(name: str, compat_panels: dict) -> None:
    # pyActigraphy's onset (its argmin/argmax) may differ from ours only among
    # windows whose means tie to 1e-9: the mean at its onset equals L5/M10.
    rec = pyact_reference()[name]
    p = prepare(reference_series(rec["spec"]), compat=True)
    active = np.where(np.isnan(p.values), np.nan, (p.values > 4).astype(float))
    tod = (p.wall % 86400) // p.epoch_s
    per_day = 86400 // p.epoch_s
    ok = ~np.isnan(active)
    prof = np.bincount(tod[ok], active[ok], per_day) / np.bincount(tod[ok], minlength=per_day)
    for key, hours in (("L5", 5), ("M10", 10)):
        w = hours * 3600 // p.epoch_s
        start = int(rec["values"][f"{key}_onset_min"] * 60 // p.epoch_s) % per_day
        window = np.take(prof, np.arange(start, start + w), mode="wrap").mean()
        assert window == pytest.approx(compat_panels[name][key], rel=1e-9)


def test_default_panel_keys_and_units() -> None:
    c = synthetic_counts(9, seed=21).astype(float)
    idx = pd.date_range("2025-01-06", periods=c.size, freq="min", tz="Europe/Berlin")
    out = panel(pd.Series(c, idx))
    assert set(PANEL_KEYS) <= set(out)
    assert out["compat"] is None
    assert out["valid_days"] == 9.0
    assert 0 < out["IS"] <= 1
    assert 0 <= out["L5_onset"] < 1440
    assert 0 <= out["cosinor_acrophase"] < 1440
    assert out["M10"] > out["L5"]
    for key in ("IS", "IV", "RA", "L5", "M10", "ISm", "IVm", "cosinor_mesor"):
        assert np.isfinite(out[key]), key
    assert len(out["ISp"]) == 1


def test_every_nan_has_a_reason() -> None:
    c = synthetic_counts(1.5, seed=22).astype(float)
    idx = pd.date_range("2025-01-06", periods=c.size, freq="min", tz="UTC")
    out = panel(pd.Series(c, idx))
    for key in ("IS", "IV", "RA", "L5", "M10", "ISm", "IVm", "SRI", "cosinor_mesor"):
        assert np.isnan(out[key]), key
        assert key in out["reasons"], key
    assert "valid days" in out["reasons"]["IS"]


def test_given_sleep_states_feed_sri() -> None:
    idx = pd.date_range("2025-01-06", periods=4 * 1440, freq="min", tz="UTC")
    m = idx.hour * 60 + idx.minute
    sleep = pd.Series((m < 420).astype(float), idx)
    counts = pd.Series(np.where(m < 420, 0.0, 50.0 + m % 7), idx)
    out = panel(counts, sleep=sleep)
    assert out["SRI"] == 100.0
    assert out["sleep_source"] == "given"


def test_extended_cosinor_keys() -> None:
    c = synthetic_counts(3, seed=23).astype(float)
    idx = pd.date_range("2025-01-06", periods=c.size, freq="min", tz="UTC")
    out = panel(pd.Series(c, idx), extended=True, sleep_summary=False)
    assert np.isfinite(out["ext_f_pseudo"])
    assert -3 <= out["ext_acrotime"] <= 27


def test_cole_kripke_sri_pairs_local_clock_days_across_dst() -> None:
    # Sleep 23:00-07:00 local every night across the Berlin spring change
    # (2025-03-30). Pairing epochs one local day apart, the states repeat
    # exactly, so SRI = 100; pairing 24 h of UTC apart (the old behaviour)
    # would compare the nights after the change with a 1-h shift.
    idx = pd.date_range(
        "2025-03-26", "2025-04-03", freq="min", tz="Europe/Berlin", inclusive="left"
    )
    m = idx.hour * 60 + idx.minute
    night = (m >= 23 * 60) | (m < 7 * 60)
    counts = pd.Series(np.where(night, 0.0, 400.0), idx)
    out = panel(counts, sleep_summary=False)
    assert out["sleep_source"] == "cole_kripke"
    assert out["SRI"] == 100.0
    states = cole_kripke(counts)
    assert out["SRI"] == sleep_regularity_index(states, tz="Europe/Berlin")
    utc_pairs = sleep_regularity_index(states.tz_convert("UTC"), tz="UTC")
    assert utc_pairs < 99.0


@pytest.mark.parametrize(("start", "fast"), [("2025-03-27", False), ("2025-04-07", True)])
def test_panel_takes_the_fast_path_or_else_the_reference(start: str, fast: bool) -> None:
    # Across the Berlin spring change (default mode) the non-parametric
    # figures come from the reference, elsewhere from the fast path (a
    # batch of one): the panel holds exactly what the one it took gives.
    c = synthetic_counts(9, seed=24).astype(float)
    idx = pd.date_range(start, periods=c.size, freq="min", tz="Europe/Berlin")
    counts = pd.Series(c, idx)
    out = panel(counts, sleep_summary=False)
    p = prepare(counts)
    prm = params_for(None)
    assert fast_path_applies(p.epoch_s, p.seg_starts.size == 1, prm) is fast
    if fast:
        many = nonparametric_many(c[None, :], epoch_s=60, first_tod=0, prm=prm)
        want, why = many.figures_and_reasons()[0]
    else:
        want, why = nonparametric_figures(p, prm)
    for key, value in want.items():
        assert out[key] == value or (np.isnan(value) and np.isnan(out[key])), key
    assert {k: v for k, v in out["reasons"].items() if k in want} == why
