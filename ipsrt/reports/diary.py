"""SRM diaries, daily moods and rating scales: validate with the domain, store, read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.models import ScaleResponse
from ipsrt.mood import score_asrm, score_phq9
from ipsrt.srm.diary import Diary
from ipsrt.srm.diary_rows import diary_rows
from ipsrt.srm.items import item_set as resolve_item_set
from ipsrt.store import Store
from ipsrt.store.clinical import DiaryCounts

__all__ = ["import_diary", "record_scale", "scale_responses", "srm_entries"]

_INSTRUMENTS = {"phq9": "phq9", "phq_9": "phq9", "asrm": "asrm"}


def import_diary(
    store: Store,
    client_code: str,
    diary: Diary,
    *,
    now: dt.datetime,
    confirm_replace: bool = False,
    actor: str = "cli",
    ratings: Mapping[dt.date, Mapping[str, int | None]] | None = None,
    action: str = "diary.import",
) -> DiaryCounts:
    """Validate every line of *diary*, then store its entries and moods, all or nothing.

    See :meth:`ipsrt.store.clinical.ClinicalRecords.save_diary` for the
    unchanged / conflict / replace rules, the mood *ratings* (already
    validated) and the audit *action*.
    """
    store.client(client_code)
    rows = diary_rows(diary)
    return store.clinical.save_diary(
        client_code,
        rows.item_set,
        rows.entries,
        rows.moods,
        now=now,
        confirm_replace=confirm_replace,
        actor=actor,
        ratings=ratings,
        action=action,
    )


def srm_entries(
    store: Store,
    client_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    items: str = "srm5",
) -> pd.DataFrame:
    """A client's stored entries of one item set in the order of the form (per date)."""
    item_set = resolve_item_set(items)
    return store.clinical.srm_entries(
        client_code, start, end, item_set=item_set.name, activity_order=item_set.keys
    )


def _instrument(name: str) -> str:
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else ""
    if key not in _INSTRUMENTS:
        raise InvalidInputError(f"unknown instrument {name!r}: expected 'phq9' or 'asrm'")
    return _INSTRUMENTS[key]


def record_scale(
    store: Store,
    client_code: str,
    instrument: str,
    answers: Sequence[int] | Mapping[str, int],
    *,
    answered_on: dt.date,
    now: dt.datetime,
    actor: str = "cli",
) -> ScaleResponse:
    """Validate and store one PHQ-9 (nine answers 0..3) or ASRM (five answers 0..4) response.

    :func:`ipsrt.mood.score_phq9` / :func:`ipsrt.mood.score_asrm` check the
    answers and name the version (a bad answer raises
    :class:`ipsrt.mood.MoodError` and stores nothing).
    """
    kind = _instrument(instrument)
    if kind == "phq9":
        phq = score_phq9(answers if not isinstance(answers, Mapping) else list(answers.values()))
        items, version = list(phq.answers), phq.version
    else:
        asrm = score_asrm(answers)
        items, version = list(asrm.answers.values()), asrm.version
    return store.clinical.save_scale_response(
        client_code, kind, version, items, answered_on=answered_on, now=now, actor=actor
    )


def scale_responses(
    store: Store,
    client_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    instrument: str | None = None,
) -> pd.DataFrame:
    """A client's PHQ-9/ASRM responses, oldest first, with totals (see the store's columns)."""
    kind = None if instrument is None else _instrument(instrument)
    return store.clinical.scale_frame(client_code, start, end, instrument=kind)
