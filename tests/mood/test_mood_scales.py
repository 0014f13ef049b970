"""Mood scales: PHQ-9 bands (Kroenke 2001), ASRM cut-off (Altman 1997), daily rating."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from ipsrt.mood import (
    ASRM_DOMAINS,
    PHQ9_ITEMS,
    MoodError,
    MoodRating,
    mood_label,
    phq9_severity,
    score_asrm,
    score_phq9,
    validate_mood,
    validate_mood_frame,
)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(total, band):
    assert phq9_severity(total) == band


def test_phq9_scoring_and_urgent_item9():
    s = score_phq9([3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert (s.total, s.severity, s.urgent) == (24, "severe", False)
    s = score_phq9([0] * 8 + [1], difficulty=2)
    assert s.urgent
    assert s.item9 == 1
    assert s.severity == "minimal"
    assert s.difficulty == 2
    assert len(PHQ9_ITEMS) == 9
    assert s.version
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.total = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "answers", [[0] * 8, [0] * 8 + [4], [0] * 8 + [-1], [0] * 8 + [1.5], [0] * 8 + [True]]
)
def test_phq9_rejects_bad_answers(answers):
    with pytest.raises(MoodError):
        score_phq9(answers)


def test_asrm_cutoff_at_6():
    assert not score_asrm([1, 1, 1, 1, 1]).positive
    assert score_asrm([2, 1, 1, 1, 1]).positive
    keys = [k for k, _ in ASRM_DOMAINS]
    s = score_asrm(dict(zip(keys, [4, 4, 4, 4, 4], strict=True)))
    assert s.total == 20
    assert s.positive
    with pytest.raises(MoodError):
        score_asrm([5, 0, 0, 0, 0])
    with pytest.raises(MoodError):
        score_asrm({"mood": 1})


def test_daily_mood_range_and_labels():
    assert mood_label(0) == "balanced"
    assert mood_label(-5) == "severely low"
    assert mood_label(5) == "severely high"
    assert validate_mood(3.0) == 3
    for bad in (6, -6, 2.5, "3", None):
        with pytest.raises(MoodError):
            validate_mood(bad)
    MoodRating(dt.date(2024, 1, 1), -2, energy=4, irritability=0, anxiety=10, note="ok")
    with pytest.raises(MoodError, match=r"energy 11 outside 0\.\.10"):
        MoodRating(dt.date(2024, 1, 1), 0, energy=11)


def test_validate_mood_frame():
    ok = validate_mood_frame(
        pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "mood": [1, None]})
    )
    assert ok["mood"].isna().tolist() == [False, True]
    with pytest.raises(MoodError, match="row 1: mood"):
        validate_mood_frame(pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "mood": [1, 7]}))
    with pytest.raises(MoodError, match="second mood"):
        validate_mood_frame(pd.DataFrame({"date": ["2024-01-01", "2024-01-01"], "mood": [1, 2]}))
