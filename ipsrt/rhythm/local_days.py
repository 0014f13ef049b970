r"""Recordings laid out as rows of local days, across UTC-offset changes (:class:`LocalDays`).

The fast path (:mod:`ipsrt.rhythm.nonparametric_many`) works on (subjects,
days, epochs of the day) arrays whose column *c* is the local clock time
``c * epoch`` after midnight. Without a UTC-offset change the epochs from a
local midnight are such an array as they are. Across a change (DST), each
run of epochs with one offset (a **segment**) goes to the cells of its own
local clock, as the reference (:func:`ipsrt.rhythm.epochs.bin_clock`) bins
each segment on its own local clock:

* **spring forward** (a 23-h local day): the clock times that do not exist
  that day are cells no epoch fills;
* **fall back** (a 25-h local day): the segment after the change would land
  on the cells the repeated hour already filled, so it starts one row later:
  the day of the change takes two rows, the first holding the day up to the
  change (empty after it), the second the day from the change (empty before).

So every column is one clock time, every epoch is in exactly one cell, and
the cells are in time order. The empty cells are NaN. A bin of the fast path
made only of empty cells is a missing bin, where the reference has no bin
at all; both leave it out of IS (no value) and of the pairs of IV, with one
difference: the reference's bins of successive segments follow each other,
so it pairs the last bin before a change with the first bin after it. These
pairs are the **seams** (:meth:`LocalDays.seams`) that the IS/IV totals add
back (:mod:`ipsrt.rhythm.bin_gaps`). A bin holding epochs of one segment
and empty cells (one that a change cuts, possible for bin sizes that do not
divide the change) is NaN in both.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ipsrt.rhythm.bin_gaps import EmptyCells, Seams
from ipsrt.rhythm.epochs import DAY_S, FloatArray, IntArray, utc_offset_runs

__all__ = ["LocalDays", "local_days"]


@dataclass(frozen=True, eq=False)
class LocalDays:
    """Where each epoch of recordings sharing a start, an epoch and a length goes.

    Cells are numbered ``row * per_day + c`` (*c* epochs after local
    midnight); segment *g* (epochs ``first[g] .. first[g] + length[g] - 1``,
    one UTC offset ``offset[g]``) fills the cells from ``cell[g]`` on.
    Compared (and hashed) by identity: what is derived from it is computed
    once and kept for every chunk of subjects.
    """

    epoch_s: int
    per_day: int
    rows: int
    utc0: int
    """UTC second of the first epoch."""
    first: IntArray
    cell: IntArray
    length: IntArray
    offset: IntArray
    clock: IntArray
    """Local clock reading of each segment's first epoch, in epochs after the
    local midnight before the first epoch (no row shift: two segments may
    read the same clock times)."""

    @property
    def n(self) -> int:
        """Epochs of the recording."""
        return int(self.first[-1] + self.length[-1])

    @property
    def one_offset(self) -> bool:
        """One UTC offset over the whole recording (one segment)."""
        return self.first.size == 1

    def _segments(self) -> list[tuple[int, int, int]]:
        """(first epoch, first cell, length) of every segment."""
        return list(zip(self.first.tolist(), self.cell.tolist(), self.length.tolist(), strict=True))

    def cells(self, epochs: IntArray) -> IntArray:
        """The cell of each epoch index in *epochs*."""
        g = np.searchsorted(self.first, epochs, side="right") - 1
        return np.asarray(self.cell[g] + (epochs - self.first[g]), dtype=np.int64)

    def lay_out(self, x: FloatArray, out: FloatArray, empty: float = np.nan) -> FloatArray:
        """(S, n) epochs -> (S, rows, per_day) local days, in *out* (S, rows x per_day).

        Empty cells (:meth:`empty_cells`) hold *empty*.
        """
        for a, c, m in self._segments():
            out[:, c : c + m] = x[:, a : a + m]
        self.fill_empty(out, empty)
        return out.reshape(x.shape[0], self.rows, self.per_day)

    def empty_cells(self) -> tuple[IntArray, IntArray]:
        """The cells no epoch fills, as ranges ``[start, end)`` of the cells of a row."""
        end = np.append(self.cell, self.rows * self.per_day)
        start = np.concatenate(([0], self.cell + self.length))
        keep = end > start
        return start[keep], end[keep]

    def fill_empty(self, out: FloatArray, value: float) -> None:
        """Set the empty cells of every row of *out* (S, rows x per_day) to *value*."""
        for a, e in zip(*(v.tolist() for v in self.empty_cells()), strict=True):
            out[:, a:e] = value

    def seams(self) -> tuple[IntArray, IntArray]:
        """The last cell of every segment but the last, and the first cell of the next."""
        last = self.cell[:-1] + self.length[:-1] - 1
        return last, self.cell[1:].copy()

    @cached_property
    def seam_cells(self) -> Seams:
        """:meth:`seams` for the IS/IV totals (every row)."""
        return Seams(*self.seams())

    @cached_property
    def empty(self) -> EmptyCells:
        """:meth:`empty_cells` for the IS/IV totals (which keep what they derive from it)."""
        return EmptyCells(*self.empty_cells())

    def bins(self, k: int) -> tuple[IntArray, IntArray]:
        """The reference's bins of *k* epochs (*k* divides the day) in time order.

        As :func:`ipsrt.rhythm.epochs.bin_clock` forms them: per segment, every
        bin of its local clock that holds one of its epochs. Returns each
        bin's index in the layout (cell // *k*; two bins, each cut by a
        change, may share one) and its UTC start (the segment's offset).
        """
        idx: list[IntArray] = []
        utc: list[IntArray] = []
        for a, c, m in self._segments():
            b = np.arange(c // k, (c + m - 1) // k + 1, dtype=np.int64)
            idx.append(b)
            utc.append(self.utc0 + (a + b * k - c) * self.epoch_s)
        return np.concatenate(idx), np.concatenate(utc)

    @cached_property
    def day_apart_runs(self) -> list[tuple[int, int, int]]:
        """The pairs of epochs one local clock day apart, as runs ``(lo, hi, shift)``.

        Epochs ``lo .. hi - 1`` each pair with the epoch *shift* later: as
        :func:`ipsrt.rhythm.sri.clock_day_pairs`, each epoch pairs with the
        first epoch (in time) whose clock reads one day later, if any. With
        segments *g* and *h* (clock ``W``, first epoch ``E``, length ``L``),
        epoch *i* of *g* reads ``W_g + i - E_g``, one day later is the epoch
        ``i + E_h - E_g + W_g - W_h + per_day`` of *h* when that clock
        time is in *h*; the earliest segment takes it.
        """
        per_day = self.per_day
        seg = list(zip(self.first.tolist(), self.length.tolist(), self.clock.tolist(), strict=True))
        runs: list[tuple[int, int, int]] = []
        for e_g, l_g, w_g in seg:
            free = [(e_g, e_g + l_g)]  # epochs of g not paired yet
            for e_h, l_h, w_h in seg:
                lo = max(e_g, w_h - per_day - w_g + e_g)
                hi = min(e_g + l_g, w_h + l_h - per_day - w_g + e_g)
                if lo >= hi:
                    continue
                shift = e_h - e_g + w_g - w_h + per_day
                left: list[tuple[int, int]] = []
                for a, b in free:
                    if max(a, lo) < min(b, hi):
                        runs.append((max(a, lo), min(b, hi), shift))
                    if a < min(b, lo):
                        left.append((a, min(b, lo)))
                    if max(a, hi) < b:
                        left.append((max(a, hi), b))
                free = left
        return sorted(runs)


def local_days(utc0: int, n: int, epoch_s: int, tz: dt.tzinfo) -> LocalDays | None:
    """The layout of *n* epochs of *epoch_s* from the UTC second *utc0* in the zone *tz*.

    Rows start at the local midnight before the first epoch. None when the
    local clock of a segment is not on the epoch grid from that midnight (an
    offset change that is not a whole number of epochs). The same layout
    object is returned for the same arguments (a few kept), so that what is
    derived from it is kept from call to call too.
    """
    try:
        return _kept_local_days(utc0, n, epoch_s, tz)
    except TypeError:  # an unhashable tzinfo
        return _local_days(utc0, n, epoch_s, tz)


@functools.lru_cache(maxsize=4)
def _kept_local_days(utc0: int, n: int, epoch_s: int, tz: dt.tzinfo) -> LocalDays | None:
    return _local_days(utc0, n, epoch_s, tz)


def _local_days(utc0: int, n: int, epoch_s: int, tz: dt.tzinfo) -> LocalDays | None:
    per_day = DAY_S // epoch_s
    first, offset = utc_offset_runs(utc0, n, epoch_s, tz)
    wall = utc0 + first * epoch_s + offset
    since = wall - (int(wall[0]) // DAY_S) * DAY_S
    if (since % epoch_s).any():
        return None
    clock = since // epoch_s
    length = np.diff(np.append(first, n))
    cell = clock.copy()
    shift = 0
    for g in range(1, first.size):
        cell[g] += shift
        end = int(cell[g - 1] + length[g - 1])  # the first cell after the previous segment
        if cell[g] < end:
            # the clock went back: start a whole number of rows later
            extra = -(-(end - int(cell[g])) // per_day) * per_day
            shift += extra
            cell[g] += extra
    rows = -(-int(cell[-1] + length[-1]) // per_day)
    return LocalDays(epoch_s, per_day, rows, utc0, first, cell, length, offset, clock)
