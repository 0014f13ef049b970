"""Social Rhythm Metric: item sets, scoring, diary files and estimated anchors.

See ``docs/srm.md`` for the rules, the worked examples and the references.
"""

from ipsrt.srm.items import SRM5, SRM17, Item, ItemSet, UnknownActivityError, item_set
from ipsrt.srm.scoring import (
    DEFAULT_CLIENT,
    EntriesError,
    SrmScores,
    mark_hits,
    multiweek_mean,
    rolling_scores,
    score,
    score_activities,
    score_weeks,
)

__all__ = [
    "DEFAULT_CLIENT",
    "SRM5",
    "SRM17",
    "EntriesError",
    "Item",
    "ItemSet",
    "SrmScores",
    "UnknownActivityError",
    "item_set",
    "mark_hits",
    "multiweek_mean",
    "rolling_scores",
    "score",
    "score_activities",
    "score_weeks",
]
