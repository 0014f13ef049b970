"""is_iv_at_sizes: IS/IV of every bin size from a few totals, against loop code.

Source of the expected values: :func:`_loop_is_iv`, IS (van Someren et al.
1999, ``w_h = n_h p / n``; or the profile about its own mean,
pyActigraphy 1.2.2) and IV over valid successive pairs written out term by
term from the formulas of ``docs/rhythm.md``, on the bins summed by
``reshape(-1, k).sum(axis=1)``; and, for the conditioning case, the same
formulas in exact rational arithmetic (``fractions.Fraction``). The property
tests of ``test_nonparametric_many.py`` check the whole fast path against
the reference module.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from ipsrt.rhythm.is_iv_totals import is_iv_at_sizes, workspace_size
from ipsrt.rhythm.nonparametric import ISM_BIN_MINUTES
from ipsrt.rhythm.workspace import Workspace
from tests.helpers.awd import synthetic_counts

SIZES = sorted({*ISM_BIN_MINUTES, 60})


def _loop_is_iv(bins: np.ndarray, per_day: int, ddof: int, compat: bool) -> tuple[float, float]:
    """IS and IV of the bins in time order (NaN = missing), term by term."""
    flat = [float(v) for v in bins.reshape(-1)]
    valid = [(i, v) for i, v in enumerate(flat) if not np.isnan(v)]
    n = len(valid)
    mean = sum(v for _, v in valid) / n
    ss = sum((v - mean) ** 2 for _, v in valid)
    groups: dict[int, list[float]] = {}
    for i, v in valid:
        groups.setdefault(i % per_day, []).append(v)
    p = len(groups)
    prof = [sum(g) / len(g) for g in groups.values()]
    if compat:
        pm = sum(prof) / p
        num = sum((m - pm) ** 2 for m in prof) / (p - ddof)
    else:
        terms = zip(groups.values(), prof, strict=True)
        num = sum(len(g) * p / n * (m - mean) ** 2 for g, m in terms) / (p - ddof)
    d2 = [
        (flat[i + 1] - flat[i]) ** 2
        for i in range(len(flat) - 1)
        if not (np.isnan(flat[i]) or np.isnan(flat[i + 1]))
    ]
    var = ss / (n - ddof)
    return num / var, (sum(d2) / len(d2)) / var


def _bins(days: np.ndarray, k: int) -> np.ndarray:
    """(R, P) epochs -> (R, P / k) bins; a bin with a NaN epoch is NaN."""
    return days.reshape(days.shape[0], -1, k).sum(axis=-1)


def _gappy(subjects: int, days: int, seed: int) -> np.ndarray:
    """Fractional values with scattered and adjacent missing epochs, missing
    first and last epochs of days, and a whole missing day."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(0.8, 60.0, size=(subjects, days, 1440))
    x[rng.random(x.shape) < 0.01] = np.nan
    x[0, 0, :3] = np.nan
    x[0, -1, -5:] = np.nan
    x[:, 1, 1430:] = np.nan
    x[-1, 2] = np.nan
    return x


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("compat", [False, True])
@pytest.mark.parametrize("gaps", [False, True])
def test_every_size_equals_the_loop_reference(ddof: int, compat: bool, gaps: bool) -> None:
    x = _gappy(2, 4, seed=12)
    if not gaps:
        x = np.nan_to_num(x, nan=3.0)
    before = x.copy()
    got = is_iv_at_sizes(x, SIZES, ddof, compat=compat, keep=(60,))
    np.testing.assert_array_equal(x, before)  # the input is left alone
    assert got.sizes == tuple(SIZES)
    for s in range(2):
        for i, k in enumerate(SIZES):
            want_is, want_iv = _loop_is_iv(_bins(x[s], k), 1440 // k, ddof, compat)
            assert got.stats.is_[s, i] == pytest.approx(want_is, rel=1e-10), (s, k)
            assert got.stats.iv[s, i] == pytest.approx(want_iv, rel=1e-10), (s, k)
    # the average day: sums and counts of the valid epochs; the hourly bins
    # handed back keep their missing values
    miss = np.isnan(x)
    np.testing.assert_array_equal(got.profile, np.where(miss, 0.0, x).sum(axis=1))
    np.testing.assert_array_equal(got.counts, 4 - miss.sum(axis=1))
    hourly = np.stack([_bins(x[s], 60) for s in range(2)])
    np.testing.assert_allclose(got.binned[60], hourly, rtol=1e-12, equal_nan=True)


def test_each_subject_gets_its_own_result() -> None:
    # one of them with a high mean (computed again, shifted): spliced back in its row
    x = _gappy(4, 3, seed=7)
    x[1] = np.nan_to_num(x[1])
    x[2] = 1e7 + np.round(x[2] / 30)
    both = is_iv_at_sizes(x, SIZES, 1, compat=True, keep=(60,))
    for s in range(4):
        one = is_iv_at_sizes(x[s : s + 1], SIZES, 1, compat=True, keep=(60,))
        np.testing.assert_array_equal(both.binned[60][s], one.binned[60][0])
        np.testing.assert_allclose(both.stats.is_[s], one.stats.is_[0], rtol=1e-12)
        np.testing.assert_allclose(both.stats.iv[s], one.stats.iv[0], rtol=1e-12)


def test_whole_numbers_without_gaps_give_exact_counts() -> None:
    x = np.stack([synthetic_counts(9, seed=50 + i) for i in range(3)]).astype(float)
    got = is_iv_at_sizes(x.reshape(3, 9, 1440), SIZES, 1)
    nb = np.array([1440 // k for k in SIZES], dtype=float)
    np.testing.assert_array_equal(got.stats.n, np.broadcast_to(9 * nb, (3, len(SIZES))))
    np.testing.assert_array_equal(got.stats.p, np.broadcast_to(nb, (3, len(SIZES))))
    np.testing.assert_array_equal(got.stats.pairs, np.broadcast_to(9 * nb - 1, (3, len(SIZES))))


def test_a_high_mean_with_a_small_variance_keeps_its_digits() -> None:
    # Hourly bins of about 1e9 that vary by a few counts: Q and (T / n) T are
    # about 7e19 and their difference is a few hundred, so without the shift
    # to the mean it would be rounding noise. Expected: the formulas in exact
    # rational arithmetic.
    rng = np.random.default_rng(5)
    x = 1e9 + rng.integers(0, 5, size=(1, 3, 24)).astype(float)
    got = is_iv_at_sizes(x, [1], 0)
    v = [Fraction(int(a)) for a in x.reshape(-1)]
    n = len(v)
    mean = sum(v) / n
    ss = sum((a - mean) ** 2 for a in v)
    prof = [sum(v[c::24]) / 3 for c in range(24)]
    is_ = (sum((m - mean) ** 2 for m in prof) / 24) / (ss / n)
    iv = (sum((v[i + 1] - v[i]) ** 2 for i in range(n - 1)) / (n - 1)) / (ss / n)
    assert got.stats.is_[0, 0] == pytest.approx(float(is_), rel=1e-13)
    assert got.stats.iv[0, 0] == pytest.approx(float(iv), rel=1e-13)


def test_compat_length_ends_like_pandas_resample() -> None:
    # 2.5 days and 30 min from the first epoch: the last 60-min bin holds 30
    # epochs and is summed over them; no bin follows it
    x = synthetic_counts(2.5 + 30 / 1440, seed=3).astype(float)
    rows = -(-x.size // 1440)
    days = np.full(rows * 1440, np.nan)
    days[: x.size] = x
    got = is_iv_at_sizes(days.reshape(1, rows, 1440), [1, 60], 1, compat=True, length=x.size)
    nb = -(-x.size // 60)
    hourly = got.binned[60].reshape(-1) if 60 in got.binned else None
    assert hourly is None  # not kept
    kept = is_iv_at_sizes(
        days.reshape(1, rows, 1440), [1, 60], 1, compat=True, length=x.size, keep=(60,)
    )
    flat = kept.binned[60].reshape(-1)
    ref = [x[j * 60 : (j + 1) * 60].sum() for j in range(nb)]
    np.testing.assert_array_equal(flat[:nb], ref)
    assert np.isnan(flat[nb:]).all()
    bins = np.array(ref)
    want_is, want_iv = _loop_is_iv(bins, 24, 1, True)
    assert got.stats.is_[0, 1] == pytest.approx(want_is, rel=1e-10)
    assert got.stats.iv[0, 1] == pytest.approx(want_iv, rel=1e-10)


def test_a_reused_workspace_gives_the_same_figures() -> None:
    x = _gappy(2, 5, seed=9)
    need = workspace_size(SIZES, 1440, 2, 5)
    work, ws = np.full(need + 100, np.nan), Workspace()
    is_iv_at_sizes(x[::-1].copy(), SIZES, 1, work=work, ws=ws)  # leaves junk behind
    a = is_iv_at_sizes(x, SIZES, 1, work=work, ws=ws)
    b = is_iv_at_sizes(x, SIZES, 1)
    np.testing.assert_array_equal(a.stats.is_, b.stats.is_)
    np.testing.assert_array_equal(a.stats.iv, b.stats.iv)


def test_undefined_cases_are_nan() -> None:
    # no variance: IS and IV undefined at every size; no data at all likewise
    flat = np.full((2, 3, 1440), 5.0)
    flat[1] = np.nan
    got = is_iv_at_sizes(flat, SIZES, 1)
    assert np.isnan(got.stats.is_).all()
    assert np.isnan(got.stats.iv).all()
    np.testing.assert_array_equal(got.stats.n[1], 0.0)


def test_a_size_that_does_not_divide_the_day_is_refused() -> None:
    with pytest.raises(ValueError, match="does not divide"):
        is_iv_at_sizes(np.ones((1, 2, 1440)), [7], 1)
