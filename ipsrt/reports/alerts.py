"""Alert runs: build each client's daily table, evaluate the rules, store the alerts.

:func:`daily_table` assembles one client's daily table in the columns that
:func:`ipsrt.alerts.evaluate` reads (see :mod:`ipsrt.alerts.rules`):

* ``sleep_duration_min``, ``out_of_bed_min`` (date D: the main sleep of night
  D-1, which ends on the morning of D) and ``sleep_onset_min`` (date D: the
  onset of the main sleep of night D), from the minutes that count
  (:func:`ipsrt.reports.wearable.main_sleeps`: device labels, else
  Cole-Kripke, then :func:`ipsrt.rhythm.sleep_timing.sleep_timing`). When a
  client has no wearable night in the window, ``bedtime_min`` and
  ``out_of_bed_min`` come from the SRM diary's ``bed`` and ``out_of_bed``
  anchors instead (one source per table, never mixed);
* ``srm_week``: the SRM-5 score of the diary week containing the date, for
  weeks whose seven days have all passed by the table's end;
* ``mood`` (daily rating), ``phq9_item9`` (the highest item-9 answer of the
  date's PHQ-9 responses) and ``last_wearable_data_utc`` (the latest stored
  minute of a counted device up to the end of the window, on every row).

:func:`run_alerts` evaluates every client as of ``now`` and stores the alerts
(:meth:`ipsrt.store.alerts_store.AlertRecords.upsert`); :func:`acknowledge`
decides who may acknowledge one. ``now`` is always an argument.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ipsrt.alerts import DEFAULT_RULES, Alert, AnchorDriftRule, LowSrmRule, Rule, evaluate
from ipsrt.enums import Role
from ipsrt.errors import InvalidInputError, IpsrtError
from ipsrt.models import Client
from ipsrt.reports.diary import scale_responses, srm_entries
from ipsrt.reports.wearable import last_data, main_sleeps
from ipsrt.srm import score_weeks
from ipsrt.store import Store
from ipsrt.store.alerts_store import StoredAlert
from ipsrt.timeutil import WEEKDAYS, local_midnight, require_utc, zone

__all__ = [
    "ACK_ROLES",
    "DAILY_COLUMNS",
    "DEFAULT_LOOKBACK_DAYS",
    "WARMUP_DAYS",
    "RunSummary",
    "acknowledge",
    "client_rules",
    "daily_table",
    "run_alerts",
]

#: Alerts whose window ends within this many days before ``now`` are stored.
DEFAULT_LOOKBACK_DAYS = 14
#: Extra history before the lookback so that the baselines (28 days before a
#: week or run, four weeks of SRM) are complete for every stored alert.
WARMUP_DAYS = 42

DAILY_COLUMNS = (
    "client",
    "date",
    "sleep_duration_min",
    "sleep_onset_min",
    "bedtime_min",
    "out_of_bed_min",
    "srm_week",
    "mood",
    "phq9_item9",
    "last_wearable_data_utc",
)
_DAY = dt.timedelta(days=1)
#: Roles allowed to acknowledge an alert.
ACK_ROLES = frozenset({Role.CLINICIAN.value, Role.ADMIN.value})


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """What one :func:`run_alerts` call did.

    ``evaluated`` counts the alerts the rules returned within the lookback;
    ``new + updated + unchanged == evaluated``. ``failed`` maps a client code
    to the one-line reason its table could not be evaluated (the other
    clients are still stored).
    """

    clients: int
    evaluated: int
    new: int
    updated: int
    failed: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        """Alerts that were already stored exactly as evaluated."""
        return self.evaluated - self.new - self.updated

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON output."""
        return dataclasses.asdict(self) | {"unchanged": self.unchanged}


def _nights(store: Store, client: Client, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Main sleep per night for nights ``start - 1 .. end`` (the columns the table needs)."""
    nights = main_sleeps(store, client.code, start, end)
    return nights[["night", "duration_min", "onset_local", "offset_local"]]


def _by_date(dates: list[dt.date], values: pd.Series) -> np.ndarray:
    return values.reindex(dates).to_numpy(dtype=np.float64)


def _srm_weeks(store: Store, client: Client, start: dt.date, end: dt.date) -> pd.Series:
    """SRM-5 score by date for the complete weeks between *start* and *end*."""
    week_start = WEEKDAYS[client.week_start]
    first = start - dt.timedelta(days=(start.weekday() - client.week_start) % 7)
    entries = srm_entries(store, client.code, first, end, items="srm5")
    if entries.empty:
        return pd.Series(dtype=np.float64)
    weeks = score_weeks(entries, items="srm5", week_start=week_start)
    out: dict[dt.date, float] = {}
    spans = zip(weeks["week_start"], weeks["week_end"], weeks["srm"], strict=True)
    for w_start, w_end, srm in spans:
        if w_end > end:  # the week is still being written
            continue
        for i in range(7):
            out[w_start + dt.timedelta(days=i)] = float(srm)
    return pd.Series(out, dtype=np.float64)


def daily_table(store: Store, client_code: str, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One client's daily table for local dates *start*..*end* (inclusive), one row per date.

    Columns :data:`DAILY_COLUMNS` (see the module docstring); clock times are
    local minutes after midnight, durations minutes, NaN where unknown.
    """
    if end < start:
        raise InvalidInputError(f"daily table: end {end} before start {start}")
    client = store.client(client_code)
    zone(client.timezone)
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    before = [d - _DAY for d in dates]
    nights = _nights(store, client, start, end).set_index("night")
    table = pd.DataFrame({"client": client.code, "date": pd.Series(dates, dtype=object)})
    table["sleep_duration_min"] = _by_date(before, nights["duration_min"])
    table["sleep_onset_min"] = _by_date(dates, nights["onset_local"])
    table["out_of_bed_min"] = _by_date(before, nights["offset_local"])
    table["bedtime_min"] = np.nan
    if nights.empty:
        diary = srm_entries(store, client.code, start, end, items="srm5")
        done = diary[diary["status"] == "done"]
        for column, activity in (("bedtime_min", "bed"), ("out_of_bed_min", "out_of_bed")):
            rows = done[done["activity"] == activity]
            table[column] = _by_date(dates, pd.Series(rows["minutes"].to_numpy(), rows["date"]))
    table["srm_week"] = _by_date(dates, _srm_weeks(store, client, start, end))
    moods = store.clinical.mood_frame(client.code, start, end)
    table["mood"] = _by_date(dates, pd.Series(moods["mood"].to_numpy(), moods["date"]))
    phq = scale_responses(store, client.code, start, end, instrument="phq9")
    table["phq9_item9"] = _by_date(dates, phq.groupby("date")["item9"].max())
    last = last_data(store, client.code, local_midnight(end + _DAY, client.timezone))
    table["last_wearable_data_utc"] = pd.Series([last] * len(dates), dtype="datetime64[ns, UTC]")
    return table[list(DAILY_COLUMNS)]


def client_rules(client: Client, rules: Sequence[Rule] = DEFAULT_RULES) -> list[Rule]:
    """*rules* with the weekly rules set to the client's week start."""
    week_start = WEEKDAYS[client.week_start]
    return [
        dataclasses.replace(rule, week_start=week_start)
        if isinstance(rule, AnchorDriftRule | LowSrmRule)
        else rule
        for rule in rules
    ]


def run_alerts(
    store: Store,
    *,
    now: dt.datetime,
    client_codes: Sequence[str] | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> RunSummary:
    """Evaluate the alert rules for each client as of *now* and store the alerts.

    Each client's table spans ``lookback_days + WARMUP_DAYS`` days up to the
    local date of *now*; alerts whose window ends within the last
    *lookback_days* days are upserted (older ones were stored by earlier
    runs). Idempotent: the same data and *now* add and change nothing.
    Clients default to all that are not archived; a client whose data cannot
    be evaluated is reported in :attr:`RunSummary.failed` and skipped.
    """
    now = require_utc(now)
    if lookback_days < 1:
        raise InvalidInputError(f"lookback of {lookback_days} days: use 1 or more")
    if client_codes is None:
        clients = store.clients()
    else:
        clients = [store.client(code) for code in dict.fromkeys(client_codes)]
    alerts: list[Alert] = []
    failed: dict[str, str] = {}
    for client in clients:
        end = now.astimezone(zone(client.timezone)).date()
        first_kept = end - dt.timedelta(days=lookback_days - 1)
        start = first_kept - dt.timedelta(days=WARMUP_DAYS)
        try:
            table = daily_table(store, client.code, start=start, end=end)
            found = evaluate(table, rules=client_rules(client, rules), now=now)
        except IpsrtError as exc:
            failed[client.code] = str(exc)
            continue
        alerts.extend(a for a in found if a.window_end >= first_kept)
    new, updated = store.alerts.upsert(alerts, now=now)
    return RunSummary(
        clients=len(clients), evaluated=len(alerts), new=new, updated=updated, failed=failed
    )


def acknowledge(store: Store, alert_id: int, *, by_login: str, now: dt.datetime) -> StoredAlert:
    """Acknowledge an open alert as *by_login*, an active clinician or admin (audited).

    Raises
    ------
    NotFoundError
        For an unknown alert id or login.
    InvalidInputError
        When the login is inactive or neither a clinician nor an admin.
    AlertStateError
        When the alert is already acknowledged (the first acknowledgement is kept).
    """
    user = store.accounts.user(by_login)
    if not user.active:
        raise InvalidInputError(f"user {by_login!r} is inactive")
    if user.role not in ACK_ROLES:
        raise InvalidInputError(
            f"user {by_login!r} is a {user.role}; only clinicians and admins acknowledge alerts"
        )
    return store.alerts.acknowledge(alert_id, by_login=by_login, now=now)
