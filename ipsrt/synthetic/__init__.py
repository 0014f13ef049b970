"""A synthetic cohort: six clients' wearable minutes, diaries, moods, scales and IPT course.

Pure and deterministic from a seed (numpy ``Generator``); the last day is an
argument, never the clock. ``docs/demo.md`` ("The synthetic cohort") says
what each profile models and which alerts its design implies.
"""

from ipsrt.synthetic.cohort import (
    COHORT_PROFILES,
    ClientSpec,
    ExpectedAlert,
    SyntheticClient,
    SyntheticCohort,
    SyntheticCourse,
    cohort_minutes_table,
    generate_client,
    generate_cohort,
)
from ipsrt.synthetic.profiles import Profile

__all__ = [
    "COHORT_PROFILES",
    "ClientSpec",
    "ExpectedAlert",
    "Profile",
    "SyntheticClient",
    "SyntheticCohort",
    "SyntheticCourse",
    "cohort_minutes_table",
    "generate_client",
    "generate_cohort",
]
