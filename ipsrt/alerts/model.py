"""Alert records, severities and the per-client daily view the rules read.

Rules are frozen dataclasses (data: id, description, severity, thresholds)
with a pure ``check(view, now)`` method; they never read the clock or a
database. :class:`DailyView` puts one client's daily table on a complete
calendar grid so that "the previous night" always means the previous date.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from ipsrt.errors import InvalidInputError

__all__ = ["Alert", "AlertInputError", "DailyView", "Rule", "Severity", "runs"]

_EPOCH = dt.date(1970, 1, 1)
FloatArray = npt.NDArray[np.float64]


class AlertInputError(InvalidInputError):
    """A daily table or rule setting given to the alert rules is malformed."""


class Severity(enum.StrEnum):
    """How soon someone should look: ``info`` < ``warning`` < ``urgent``."""

    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


@dataclass(frozen=True)
class Alert:
    """One alert: a prompt for a conversation, never a diagnosis.

    ``evidence`` holds JSON-ready values (numbers, strings, lists) that
    justify the alert. :attr:`dedup_key` identifies the alert across runs: a
    rule never opens two windows with the same start for a client, and the
    end of a window may grow while an episode continues (the runner updates
    the open alert with the same key).
    """

    client: str
    rule_id: str
    window_start: dt.date
    window_end: dt.date
    severity: Severity
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def dedup_key(self) -> str:
        """``"<rule>|<client>|<window start>"``: stable across incremental runs."""
        return f"{self.rule_id}|{self.client}|{self.window_start.isoformat()}"


class Rule(Protocol):
    """What :func:`ipsrt.alerts.evaluate` needs from a rule."""

    @property
    def id(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    def check(self, view: DailyView, now: dt.datetime) -> list[Alert]:
        """Alerts for one client's daily view as of *now*."""
        ...


class DailyView:
    """One client's daily table on a complete calendar-day grid.

    Rows dated after ``now``'s date (in ``now``'s own zone, the client's
    local zone when the caller passes local time) are dropped. ``day`` holds integer days
    since 1970-01-01; :meth:`col` returns a float array (NaN where missing).
    """

    def __init__(self, client: str, daily: pd.DataFrame, now: dt.datetime) -> None:
        if "date" not in daily.columns:
            raise AlertInputError("daily table: missing column 'date'")
        if now.tzinfo is None:
            raise AlertInputError("now must be timezone-aware")
        self.client = client
        self.now = now
        days = np.asarray(
            pd.to_datetime(daily["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
        )
        if len(np.unique(days)) != len(days):
            raise AlertInputError(f"daily table of client {client!r}: more than one row for a date")
        keep = days <= (now.date() - _EPOCH).days
        self._raw = daily.loc[keep]
        days = days[keep]
        self.first = int(days.min()) if len(days) else 0
        self.day = np.arange(self.first, int(days.max()) + 1 if len(days) else 0, dtype=np.int64)
        self._pos = days - self.first
        self._cache: dict[str, FloatArray] = {}

    def __len__(self) -> int:
        return len(self.day)

    def has(self, column: str) -> bool:
        """Whether the table has *column* with at least one value."""
        return column in self._raw.columns and bool(self._raw[column].notna().any())

    def col(self, column: str) -> FloatArray:
        """Numeric column on the grid (NaN for missing days or values)."""
        if column not in self._cache:
            out = np.full(len(self.day), np.nan)
            if column in self._raw.columns:
                values = pd.to_numeric(self._raw[column], errors="coerce")
                out[self._pos] = values.to_numpy(dtype=np.float64)
            self._cache[column] = out
        return self._cache[column]

    def raw(self, column: str) -> pd.Series:
        """The column as given (rows up to ``now``), for non-numeric values."""
        return self._raw[column]

    def date(self, index: int) -> dt.date:
        """Calendar date of grid position *index*."""
        return _EPOCH + dt.timedelta(days=int(self.day[index]))

    def alert(
        self,
        rule: Rule,
        start: int,
        end: int,
        message: str,
        evidence: Mapping[str, Any],
        severity: Severity | None = None,
    ) -> Alert:
        """An :class:`Alert` for grid positions *start*..*end* (inclusive)."""
        return Alert(
            client=self.client,
            rule_id=rule.id,
            window_start=self.date(start),
            window_end=self.date(end),
            severity=severity or rule.severity,
            message=message,
            evidence=dict(evidence),
        )


def runs(flag: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Maximal runs of true values as (first, last) index pairs."""
    padded = np.concatenate([[False], flag.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def trailing(values: FloatArray, window: int) -> npt.NDArray[np.float64]:
    """Matrix whose row *i* holds the *window* values before position *i* (NaN-padded)."""
    padded = np.concatenate([np.full(window, np.nan), values])
    return np.lib.stride_tricks.sliding_window_view(padded[:-1], window)


def nanmedian_rows(matrix: npt.NDArray[np.float64], min_count: int) -> FloatArray:
    """Row medians ignoring NaN; NaN where fewer than *min_count* values."""
    count = np.isfinite(matrix).sum(axis=1)
    out = np.full(matrix.shape[0], np.nan)
    ok = count >= max(min_count, 1)
    if ok.any():
        out[ok] = np.nanmedian(matrix[ok], axis=1)
    return out


def num(value: float) -> float | None:
    """A JSON-ready rounded float, or None for NaN."""
    return None if not np.isfinite(value) else round(float(value), 2)
