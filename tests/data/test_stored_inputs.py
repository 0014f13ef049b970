"""The stored pyActigraphy reference inputs have not changed (tests/data/pyactigraphy/inputs).

The reference values were computed by pyActigraphy 1.2.2 from exactly these
files (``generate.py``, ``generate_sleep.py``); ``SHA256SUMS`` was written
with them (``make_inputs.py``), and each reference JSON records the SHA-256 of
the input it was computed from. Any accidental change of an input, or of a
JSON's link to it, fails here.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from tests.helpers import pyact_reference
from tests.helpers.stored_inputs import INPUT_DIR, file_sha256, load_input, read_manifest

DATA = INPUT_DIR.parent
SLEEP = {"sleep_ck_mean_sadeh.json": "sleep_60s_8d.npz", "sleep_ck_30s.json": "sleep_30s_3d.npz"}


def test_manifest_lists_exactly_the_stored_inputs() -> None:
    assert sorted(read_manifest()) == sorted(p.name for p in INPUT_DIR.glob("*.npz"))


@pytest.mark.parametrize("name", sorted(read_manifest()))
def test_stored_input_matches_its_checksum(name: str) -> None:
    path = INPUT_DIR / name
    assert file_sha256(path) == read_manifest()[name]
    assert path.stat().st_size < 64 * 1024
    recording = load_input(name)
    assert recording.counts.ndim == 1
    assert recording.counts.size * recording.epoch_s >= 86_400  # at least a day
    assert (recording.counts >= 0).all()
    assert all(0 <= a < b <= recording.counts.size for a, b in recording.mask)


@pytest.mark.parametrize("name", sorted(pyact_reference()))
def test_reference_values_name_the_stored_input(name: str) -> None:
    spec = pyact_reference()[name]["spec"]
    assert spec["input"] == f"{name}.npz"
    assert spec["input_sha256"] == read_manifest()[spec["input"]]


@pytest.mark.parametrize(("json_name", "input_name"), sorted(SLEEP.items()))
def test_sleep_references_carry_their_stored_input(json_name: str, input_name: str) -> None:
    ref = json.loads((DATA / json_name).read_text())
    recording = load_input(input_name)
    assert ref["input"] == input_name
    assert ref["input_sha256"] == read_manifest()[input_name]
    np.testing.assert_array_equal(np.asarray(ref["counts"]), recording.counts)
    assert dt.datetime.fromisoformat(ref["start_local"]) == recording.start
    assert ref["epoch_s"] == recording.epoch_s
