"""A client's own diary day and weekly questionnaires: what the *Today* page reads and saves.

Rules (``docs/dashboard.md``, "Client pages"):

* **Dates are the client's local dates** (its IANA zone, :func:`client_today`).
  A client may enter or correct the :data:`EDITABLE_DAYS` local dates ending
  today, ``[today - 6, today]``; any other date is refused with one line and
  nothing is stored.
* **Anchors**: each of the five SRM-5 anchors (:data:`ipsrt.srm.SRM5`) is a
  clock time or "did not do", with who was there (people code 0..3, Monk et
  al. 1990). An anchor left unanswered is not written (a stored answer
  stays). Each saved anchor carries the client's target time for it
  (:mod:`ipsrt.reports.targets`) as ``target_minute``.
* **Mood**: the daily rating -5..+5 with energy, irritability and anxiety
  0..10 (:class:`ipsrt.mood.MoodRating`).
* A day is written through the diary's one path
  (:func:`ipsrt.reports.diary.import_diary`, then
  :meth:`ipsrt.store.clinical.ClinicalRecords.save_diary`, replacing stored
  answers of that date), so the daily summaries are updated in the same
  transaction; saving the same answers again writes nothing. Changes are
  audited as ``diary.save``.
* **Questionnaires**: PHQ-9 and ASRM are due when none was answered in the
  last :data:`SCALE_INTERVAL_DAYS` local days. Saving one runs the alert rules
  for the client at once, so a PHQ-9 item 9 above 0 raises the urgent alert
  for the clinician before the page answers, and the page shows the safety
  message (:attr:`ipsrt.mood.Phq9Score.urgent`).
* **Staff entry** (the command line): :func:`save_mood` and
  :func:`save_scales` with ``answered_on`` store a mood or a questionnaire of
  any plausible local date (:func:`ipsrt.timeutil.check_plausible_date`)
  through the same paths, audited as ``mood.add`` and ``scale.record``.

No authorization happens here: the dashboard authorizes before it calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipsrt.errors import InvalidInputError
from ipsrt.models import Client
from ipsrt.mood import MoodRating, score_asrm, score_phq9
from ipsrt.reports.alerts import DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS, run_alerts
from ipsrt.reports.diary import import_diary, record_scale
from ipsrt.srm import SRM5
from ipsrt.srm.diary import Diary
from ipsrt.store import Store
from ipsrt.store.clinical import DiaryCounts
from ipsrt.timeutil import check_plausible_date, require_utc, zone

__all__ = [
    "EDITABLE_DAYS",
    "SCALES",
    "SCALE_INTERVAL_DAYS",
    "AnchorAnswer",
    "DayMood",
    "DiaryDay",
    "client_today",
    "diary_day",
    "editable_days",
    "save_diary_day",
    "save_mood",
    "save_scales",
    "scales_due",
]

#: How many local dates, ending today, a client may enter or correct.
EDITABLE_DAYS = 7
#: A questionnaire is due when none was answered in this many local days (weekly).
SCALE_INTERVAL_DAYS = 7
#: The questionnaires the client answers, in the order the page shows them.
SCALES = ("phq9", "asrm")
#: The audit action of a day saved on the form.
SAVE_ACTION = "diary.save"
#: The audit action of a mood rating entered by staff (:func:`save_mood`).
MOOD_ACTION = "mood.add"
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class AnchorAnswer:
    """One SRM-5 anchor of a day: a clock minute (0..1439), or ``not_done``, and people 0..3.

    Neither a minute nor ``not_done``: not answered.
    """

    minute: int | None = None
    not_done: bool = False
    people: int | None = None

    @property
    def answered(self) -> bool:
        """Whether the anchor has a time or was marked "did not do"."""
        return self.not_done or self.minute is not None


@dataclass(frozen=True)
class DayMood:
    """The daily mood rating -5..+5 with optional energy, irritability and anxiety 0..10."""

    mood: int
    energy: int | None = None
    irritability: int | None = None
    anxiety: int | None = None


@dataclass(frozen=True)
class DiaryDay:
    """What is stored for one local date: every SRM-5 anchor in form order, and the mood."""

    day: dt.date
    anchors: dict[str, AnchorAnswer]
    mood: DayMood | None


def client_today(client: Client, now: dt.datetime) -> dt.date:
    """The client's local date at *now* (UTC), in the client's IANA zone."""
    return require_utc(now).astimezone(zone(client.timezone)).date()


def editable_days(client: Client, now: dt.datetime) -> list[dt.date]:
    """The local dates the client may enter or correct, today first (:data:`EDITABLE_DAYS`)."""
    today = client_today(client, now)
    return [today - i * _DAY for i in range(EDITABLE_DAYS)]


def _check_editable(client: Client, day: object, now: dt.datetime) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise InvalidInputError(f"diary date {day!r} is not a date")
    days = editable_days(client, now)
    if not days[-1] <= day <= days[0]:
        raise InvalidInputError(
            f"diary date {day} can no longer be changed here: only {days[-1]} to {days[0]} "
            f"(the last {EDITABLE_DAYS} days)"
        )
    return day


def _opt(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def diary_day(store: Store, client_code: str, day: dt.date) -> DiaryDay:
    """The SRM-5 anchors and the mood stored for the client's local date *day*."""
    entries = store.clinical.srm_entries(
        client_code, day, day, item_set=SRM5.name, activity_order=SRM5.keys
    )
    anchors = dict.fromkeys(SRM5.keys, AnchorAnswer())
    for activity, minutes, status, people in zip(
        entries["activity"],
        entries["minutes"].to_numpy(dtype=np.float64),
        entries["status"],
        entries["people"].to_numpy(dtype=np.float64),
        strict=True,
    ):
        anchors[activity] = AnchorAnswer(_opt(minutes), status == "not_done", _opt(people))
    moods = store.clinical.mood_frame(client_code, day, day)
    mood = None
    if len(moods):
        row = moods.iloc[0]
        mood = DayMood(
            int(row["mood"]),
            _opt(float(row["energy"])),
            _opt(float(row["irritability"])),
            _opt(float(row["anxiety"])),
        )
    return DiaryDay(day, anchors, mood)


def _entries(
    day: dt.date, anchors: Mapping[str, AnchorAnswer], targets: Mapping[str, int]
) -> pd.DataFrame:
    """The answered anchors in the entries format :func:`ipsrt.srm.diary_rows.diary_rows` checks."""
    rows = []
    for name, answer in anchors.items():
        key = SRM5.resolve(name)
        if not isinstance(answer, AnchorAnswer):
            raise InvalidInputError(f"{day} {key}: answer {answer!r} is not an AnchorAnswer")
        if not answer.answered:
            continue
        if answer.not_done and answer.minute is not None:
            raise InvalidInputError(f"{day} {key}: a time and 'did not do' at once")
        rows.append(
            {
                "date": day,
                "activity": key,
                "minutes": np.nan if answer.minute is None else answer.minute,
                "status": "not_done" if answer.not_done else "done",
                "people": np.nan if answer.people is None else answer.people,
                "target": targets.get(key, np.nan),
            }
        )
    columns = ["date", "activity", "minutes", "status", "people", "target"]
    return pd.DataFrame(rows, columns=columns)


def save_diary_day(
    store: Store,
    client_code: str,
    day: dt.date,
    anchors: Mapping[str, AnchorAnswer],
    mood: DayMood | None,
    *,
    now: dt.datetime,
    actor: str,
) -> DiaryCounts:
    """Store the client's anchors and mood for the local date *day*, replacing stored answers.

    *day* must be one of :func:`editable_days`; anchors are keyed by SRM-5
    activity (unanswered ones are skipped); *mood* may be ``None`` (no mood
    written). Every answer is checked before anything is written
    (:func:`ipsrt.srm.diary_rows.diary_rows` through
    :func:`ipsrt.reports.diary.import_diary`, :class:`ipsrt.mood.MoodRating`);
    target times are filled from the client's anchor targets. Idempotent:
    saving the same answers again changes nothing and writes no audit event.

    Raises
    ------
    InvalidInputError
        A date outside the editable days, an unknown anchor, a time outside
        00:00-23:59, a people code outside 0..3 or a rating out of range
        (one line; nothing is stored).
    """
    now = require_utc(now)
    client = store.client(client_code)
    day = _check_editable(client, day, now)
    entries = _entries(day, anchors, store.targets.targets(client_code))
    mood_frame, ratings = _mood_rows(day, mood)
    return import_diary(
        store,
        client_code,
        Diary(entries, mood_frame, (), SRM5.name),
        now=now,
        confirm_replace=True,
        actor=actor,
        ratings=ratings,
        action=SAVE_ACTION,
    )


def _mood_rows(
    day: dt.date, mood: DayMood | None
) -> tuple[pd.DataFrame, dict[dt.date, dict[str, int | None]] | None]:
    """The mood table and sub-ratings of one day, checked by :class:`ipsrt.mood.MoodRating`."""
    if mood is None:
        return pd.DataFrame({"date": pd.Series([], dtype=object), "mood": []}), None
    rating = MoodRating(day, mood.mood, mood.energy, mood.irritability, mood.anxiety)
    ratings = {
        day: {
            "energy": rating.energy,
            "irritability": rating.irritability,
            "anxiety": rating.anxiety,
        }
    }
    return pd.DataFrame({"date": [day], "mood": [rating.mood]}), ratings


def save_mood(
    store: Store,
    client_code: str,
    day: dt.date,
    mood: DayMood,
    *,
    now: dt.datetime,
    actor: str,
    confirm_replace: bool = False,
) -> DiaryCounts:
    """Store one day's mood rating entered by staff (e.g. from a paper diary).

    The same fields, ranges and write path as the *Today* page
    (:func:`save_diary_day`), but *day* may be any plausible local date
    (:func:`ipsrt.timeutil.check_plausible_date`, today in the client's
    zone) rather than the client's last seven. A different rating already
    stored for *day* is replaced only with *confirm_replace*; otherwise
    :class:`ipsrt.store.clinical.DiaryConflictError` and nothing changes.
    Audited as ``mood.add``; saving the same rating again writes nothing.
    """
    now = require_utc(now)
    client = store.client(client_code)
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise InvalidInputError(f"mood date {day!r} is not a date")
    check_plausible_date(day, today=client_today(client, now), what="mood date")
    mood_frame, ratings = _mood_rows(day, mood)
    empty = _entries(day, {}, {})
    return import_diary(
        store,
        client_code,
        Diary(empty, mood_frame, (), SRM5.name),
        now=now,
        confirm_replace=confirm_replace,
        actor=actor,
        ratings=ratings,
        action=MOOD_ACTION,
    )


def scales_due(store: Store, client_code: str, now: dt.datetime) -> list[str]:
    """The questionnaires (of :data:`SCALES`) not answered in the last
    :data:`SCALE_INTERVAL_DAYS` local days, in page order."""
    today = client_today(store.client(client_code), now)
    answered = store.clinical.scale_frame(
        client_code, today - (SCALE_INTERVAL_DAYS - 1) * _DAY, today
    )
    done = set(answered["instrument"])
    return [scale for scale in SCALES if scale not in done]


def save_scales(
    store: Store,
    client_code: str,
    answers: Mapping[str, Sequence[int]],
    *,
    now: dt.datetime,
    actor: str,
    answered_on: dt.date | None = None,
) -> bool:
    """Store the client's PHQ-9 and/or ASRM answers for today, then run the alert rules.

    *answers* maps ``"phq9"`` (nine answers 0..3) and/or ``"asrm"`` (five
    answers 0..4) to the answers. Every response is scored
    (:func:`ipsrt.mood.score_phq9`, :func:`ipsrt.mood.score_asrm`) before
    anything is stored, each is stored with
    :func:`ipsrt.reports.diary.record_scale` (dated the client's local
    today), and the alert rules then run for this client
    (:func:`ipsrt.reports.alerts.run_alerts`), so an item-9 answer above 0
    raises the urgent alert at once.

    *answered_on* dates the answers another local day (a paper form entered
    later by staff): it must be plausible
    (:func:`ipsrt.timeutil.check_plausible_date`, today in the client's
    zone), and the alert rules then look back far enough to cover it, so an
    item-9 answer raises the same alert as on the day.

    Returns
    -------
    bool
        Whether the safety message must be shown (PHQ-9 item 9 above 0).
    """
    now = require_utc(now)
    unknown = set(answers) - set(SCALES)
    if unknown:
        raise InvalidInputError(f"unknown questionnaire {sorted(unknown)[0]!r}: use phq9 or asrm")
    urgent = False
    if "phq9" in answers:
        urgent = score_phq9(answers["phq9"]).urgent
    if "asrm" in answers:
        score_asrm(answers["asrm"])
    today = client_today(store.client(client_code), now)
    day = today
    if answered_on is not None:
        day = check_plausible_date(answered_on, today=today, what="answer date")
    for scale in SCALES:
        if scale in answers:
            record_scale(
                store, client_code, scale, answers[scale], answered_on=day, now=now, actor=actor
            )
    if answers:
        lookback = min(max(DEFAULT_LOOKBACK_DAYS, (today - day).days + 1), MAX_LOOKBACK_DAYS)
        run_alerts(store, now=now, client_codes=[client_code], lookback_days=lookback, actor=actor)
    return urgent
