"""The synthetic cohort (ipsrt.synthetic): determinism, realistic minutes, each profile's property.

Every profile is checked with the project's own metrics on the generated data
(sleep from the device labels by ipsrt.minutes.sleep_states and
ipsrt.rhythm.sleep_timing; SRM by ipsrt.srm.score_weeks; circular SD by
ipsrt.circular), against what docs/demo.md ("The synthetic cohort") says the
profile models.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from ipsrt import circular
from ipsrt.enums import DeviceState
from ipsrt.errors import InvalidInputError
from ipsrt.minutes import sleep_states
from ipsrt.mood import score_asrm
from ipsrt.rhythm.sleep_timing import sleep_timing, social_jetlag
from ipsrt.srm import score_weeks
from ipsrt.synthetic import (
    COHORT_PROFILES,
    Profile,
    SyntheticClient,
    SyntheticCohort,
    cohort_minutes_table,
    generate_client,
    generate_cohort,
)
from ipsrt.synthetic.records import event_day

#: A spring end date: Berlin and London move to summer time on 29 March 2026,
#: New York on 8 March, Sydney back to standard time on 5 April.
LAST_DAY = dt.date(2026, 4, 20)
SEED = 20260420


@pytest.fixture(scope="module")
def cohort() -> SyntheticCohort:
    return generate_cohort(seed=SEED, last_day=LAST_DAY)


def _of(cohort: SyntheticCohort, profile: Profile) -> SyntheticClient:
    return next(c for c in cohort.clients if c.spec.profile is profile)


def _measured_nights(client: SyntheticClient) -> pd.DataFrame:
    """Nights found in the minutes by the project's sleep rules (device labels)."""
    m = client.minutes
    frame = pd.DataFrame(
        {
            "counts": m["activity"].to_numpy(dtype=np.float64, na_value=np.nan),
            "heart_rate": m["heart_rate"].to_numpy(dtype=np.float64, na_value=np.nan),
            "state": m["state"].astype(object).to_numpy(),
        },
        index=pd.DatetimeIndex(m["ts"]).tz_convert(client.timezone),
    )
    return sleep_timing(sleep_states(frame), client.timezone)


def _bytes(frame: pd.DataFrame) -> list[bytes]:
    out = []
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out.append(col.cat.codes.to_numpy().tobytes())
        elif isinstance(col.dtype, pd.DatetimeTZDtype):
            out.append(col.array.asi8.tobytes())
        elif isinstance(col.dtype, pd.Int16Dtype):
            out.append(col.to_numpy(dtype=np.int32, na_value=-1).tobytes())
        else:
            out.append(col.to_numpy().tobytes())
    return out


def test_same_seed_gives_byte_identical_frames_and_another_seed_does_not() -> None:
    a = generate_cohort(seed=5, last_day=LAST_DAY, weeks=4)
    b = generate_cohort(seed=5, last_day=LAST_DAY, weeks=4)
    c = generate_cohort(seed=6, last_day=LAST_DAY, weeks=4)
    for x, y, z in zip(a.clients, b.clients, c.clients, strict=True):
        assert _bytes(x.minutes) == _bytes(y.minutes)
        pd.testing.assert_frame_equal(x.diary.entries, y.diary.entries)
        pd.testing.assert_frame_equal(x.scales, y.scales)
        assert x.expected_alerts == y.expected_alerts
        assert _bytes(x.minutes) != _bytes(z.minutes)
    # One client at a time gives the same client (for data sets written client by client).
    alone = generate_client(COHORT_PROFILES[3], seed=5, number=4, last_day=LAST_DAY, weeks=4)
    assert _bytes(alone.minutes) == _bytes(a.clients[3].minutes)


def test_six_clients_in_different_zones_and_a_dst_change_inside(cohort: SyntheticCohort) -> None:
    assert [c.spec.profile for c in cohort.clients] == list(Profile)
    assert len({c.timezone for c in cohort.clients}) == 6
    assert len({c.code for c in cohort.clients}) == 6
    start = dt.datetime.combine(cohort.first_day, dt.time(12))
    end = dt.datetime.combine(cohort.last_day, dt.time(12))
    changed = [
        c.code
        for c in cohort.clients
        if start.replace(tzinfo=ZoneInfo(c.timezone)).utcoffset()
        != end.replace(tzinfo=ZoneInfo(c.timezone)).utcoffset()
    ]
    assert len(changed) >= 3  # Berlin, London, New York, Sydney


def test_minutes_are_whole_contiguous_and_not_worn_minutes_have_no_readings(
    cohort: SyntheticCohort,
) -> None:
    for client in cohort.clients:
        m = client.minutes
        assert (np.diff(m["ts"].dt.as_unit("s").array.asi8) == 60).all(), client.code
        off = (m["state"] == DeviceState.NOT_WORN.label).to_numpy()
        for name in ("steps", "heart_rate", "activity"):
            assert m[name].isna().to_numpy().tolist() == off.tolist(), (client.code, name)
        local = pd.DatetimeIndex(m["ts"]).tz_convert(client.timezone)
        # From 18:00 the day before the first day to midnight after the last day.
        assert (local[0].date(), local[0].hour) == (cohort.first_day - dt.timedelta(days=1), 18)
        assert local[-1] + pd.Timedelta(minutes=1) == pd.Timestamp(
            cohort.last_day + dt.timedelta(days=1)
        ).tz_localize(client.timezone)


def test_sleep_has_cycles_deep_early_and_a_lower_heart_rate(cohort: SyntheticCohort) -> None:
    client = _of(cohort, Profile.REGULAR)
    m, nights = client.minutes, client.nights
    ts = m["ts"].to_numpy()
    on = nights["onset_utc"].to_numpy()
    off = nights["offset_utc"].to_numpy()
    k = np.searchsorted(on, ts, side="right") - 1
    inside = (k >= 0) & (ts < off[np.clip(k, 0, None)])
    into = (ts - on[np.clip(k, 0, None)]) / np.timedelta64(1, "m")
    state = m["state"].astype(object).to_numpy()
    deep = state == "sleep_deep"
    assert deep[inside & (into < 240)].mean() > 4 * deep[inside & (into >= 240)].mean()
    assert (state[inside] == "sleep_rem").mean() > 0.1
    heart = m["heart_rate"].to_numpy(dtype=np.float64, na_value=np.nan)
    assert np.nanmedian(heart[inside]) < np.nanmedian(heart[~inside]) - 8
    steps = m["steps"].to_numpy(dtype=np.float64, na_value=np.nan)
    assert np.nansum(steps[inside]) == 0
    daily = np.nansum(steps) / cohort.days
    assert 5000 < daily < 15000  # an ordinary day's steps


def test_nights_found_in_the_minutes_are_the_planned_nights(cohort: SyntheticCohort) -> None:
    for client in cohort.clients:
        planned = client.nights[client.nights["complete"]].set_index("night")
        found = _measured_nights(client).set_index("night")
        common = planned.index.intersection(found.index)
        assert len(common) == len(planned), client.code
        assert (found.loc[common, "onset_utc"] == planned.loc[common, "onset_utc"]).all()
        assert (found.loc[common, "offset_utc"] == planned.loc[common, "offset_utc"]).all()


def test_diary_anchors_sit_beside_the_nights(cohort: SyntheticCohort) -> None:
    for client in cohort.clients:
        nights = _measured_nights(client).set_index("night")
        e = client.diary.entries
        for anchor, column, shift in (
            ("bed", "onset_local", 0),
            ("out_of_bed", "offset_local", -1),
        ):
            rows = e[e["activity"] == anchor]
            night = [d + dt.timedelta(days=shift) for d in rows["date"]]
            known = [n in nights.index for n in night]
            sleep = nights.loc[[n for n, k in zip(night, known, strict=True) if k], column]
            gap = circular.wrap(rows["minutes"].to_numpy()[known] - sleep.to_numpy())
            if anchor == "bed":
                assert ((gap >= -15) & (gap <= -10)).all(), client.code
            else:
                assert ((gap >= 5) & (gap <= 10)).all(), client.code


def test_regular_sleeper_scores_high_srm_with_a_steady_onset(cohort: SyntheticCohort) -> None:
    client = _of(cohort, Profile.REGULAR)
    weeks = score_weeks(client.diary.entries)
    full = weeks[weeks["diary_days"] == 7]
    assert len(full) >= 7
    assert (full["srm"] == 7).all()
    nights = _measured_nights(client)
    assert circular.sd_minutes(nights["onset_local"].to_numpy()) < 15


def test_shift_worker_sleeps_by_day_on_a_stable_schedule(cohort: SyntheticCohort) -> None:
    client = _of(cohort, Profile.SHIFT_WORKER)
    nights = _measured_nights(client)
    assert abs(circular.wrap(circular.mean_minutes(nights["onset_local"]) - (8 * 60 + 15))) < 10
    assert circular.sd_minutes(nights["onset_local"].to_numpy()) < 15
    weeks = score_weeks(client.diary.entries)
    assert (weeks.loc[weeks["diary_days"] == 7, "srm"] == 7).all()


def test_social_jet_lag_puts_weekend_mid_sleep_two_hours_later(cohort: SyntheticCohort) -> None:
    client = _of(cohort, Profile.SOCIAL_JET_LAG)
    figures = social_jetlag(_measured_nights(client))
    assert figures["social_jetlag"] == pytest.approx(120, abs=15)
    weeks = score_weeks(client.diary.entries)
    full = weeks[weeks["diary_days"] == 7]
    # Weekend anchors miss, weekday ones hit: about the same score every week.
    assert full["srm"].between(3.5, 6.6).all()
    assert full["srm"].max() - full["srm"].min() < 1


def test_half_diary_client_fills_in_about_half_of_the_days(cohort: SyntheticCohort) -> None:
    client = _of(cohort, Profile.HALF_DIARY)
    days = client.diary.entries["date"].nunique()
    assert 0.45 <= days / cohort.days <= 0.55
    weeks = score_weeks(client.diary.entries)
    assert set(weeks["diary_days"]) <= {1, 2, 3, 4}
    assert (weeks.loc[weeks["diary_days"] == 4, "srm"] == 4).all()
    assert weeks.loc[weeks["diary_days"] < 4, "srm"].isna().all()
    assert len(client.diary.mood) == days


def test_non_wear_client_has_not_worn_runs_and_the_others_none(cohort: SyntheticCohort) -> None:
    for client in cohort.clients:
        off = (client.minutes["state"] == "not_worn").to_numpy()
        edges = np.flatnonzero(np.diff(np.concatenate([[0], off.astype(np.int8), [0]])))
        lengths = edges[1::2] - edges[::2]
        if client.spec.profile is not Profile.NON_WEAR:
            assert len(lengths) == 0, client.code
            continue
        assert len(lengths) >= 12
        assert (lengths >= 60).all()
        assert lengths.max() > 24 * 60
        assert lengths.max() < 48 * 60  # shorter than the data-gap rule's threshold
        assert (~client.nights["complete"]).sum() >= 2  # the lost night and the cut last one


def test_destabilising_client_sleeps_short_then_mood_rises(cohort: SyntheticCohort) -> None:
    client = _of(cohort, Profile.DESTABILISING)
    event = event_day(cohort.last_day)
    (life,) = client.life_events
    assert (life.starts_on, life.disruption) == (event, 3)
    nights = _measured_nights(client)
    k = np.array([(n - event).days for n in nights["night"]])
    base = nights.loc[(k < 0) & (k >= -28), "duration_min"].mean()
    disrupted = nights.loc[(k >= 1) & (k < 10), "duration_min"].mean()
    assert base - disrupted >= 180
    moods = client.diary.mood
    mk = np.array([(d - event).days for d in moods["date"]])
    assert moods.loc[mk < 10, "mood"].max() <= 2
    assert (moods.loc[mk >= 11, "mood"] >= 3).all()
    asrm = client.scales[client.scales["instrument"] == "asrm"]
    totals = [score_asrm(list(a)).total for a in asrm["answers"]]
    after = [(d - event).days >= 10 for d in asrm["answered_on"]]
    assert min(t for t, a in zip(totals, after, strict=True) if a) >= 6
    assert max(t for t, a in zip(totals, after, strict=True) if not a) < 6


def test_expected_alerts_only_for_the_destabilising_client_sleep_first(
    cohort: SyntheticCohort,
) -> None:
    event = event_day(cohort.last_day)
    for client in cohort.clients:
        if client.spec.profile is not Profile.DESTABILISING:
            assert client.expected_alerts == (), client.code
            continue
        rules = {a.rule_id for a in client.expected_alerts}
        assert {"sleep_change", "short_sleep_run", "anchor_drift", "mood_extreme"} <= rules
        sleep = [a for a in client.expected_alerts if a.rule_id != "mood_extreme"]
        mood = [a for a in client.expected_alerts if a.rule_id == "mood_extreme"]
        first_sleep = min(a.window_start for a in sleep)
        assert event < first_sleep <= event + dt.timedelta(days=3)
        assert min(a.window_start for a in mood) >= event + dt.timedelta(days=10)


@pytest.mark.parametrize(
    ("seed", "last_day"), [(1, dt.date(2026, 11, 9)), (2, dt.date(2027, 1, 31))]
)
def test_only_the_destabilising_client_has_alerts_whatever_the_seed_and_season(
    seed: int, last_day: dt.date
) -> None:
    cohort = generate_cohort(seed=seed, last_day=last_day)
    flagged = {c.spec.profile for c in cohort.clients if c.expected_alerts}
    assert flagged == {Profile.DESTABILISING}


def test_scales_phq9_item9_is_zero_and_answers_are_weekly(cohort: SyntheticCohort) -> None:
    for client in cohort.clients:
        phq = client.scales[client.scales["instrument"] == "phq9"]
        assert len(phq) == cohort.days // 7
        assert all(len(a) == 9 and a[8] == 0 for a in phq["answers"])
        gaps = {(b - a).days for a, b in itertools.pairwise(phq["answered_on"])}
        assert gaps == {7}


def test_course_sessions_are_weekly_from_the_start(cohort: SyntheticCohort) -> None:
    for client in cohort.clients:
        course = client.course
        days = [d for d, _ in course.sessions]
        assert days[0] == course.started_on >= cohort.first_day
        assert {(b - a).days for a, b in itertools.pairwise(days)} == {7}
        assert days[-1] <= cohort.last_day


def test_long_format_table_writes_parquet_partitioned_by_client(
    cohort: SyntheticCohort, tmp_path: object
) -> None:
    table = cohort_minutes_table(cohort)
    assert list(table.columns) == ["client", "ts", "steps", "heart_rate", "activity", "state"]
    assert len(table) == sum(len(c.minutes) for c in cohort.clients)
    assert list(table["client"].cat.categories) == [c.code for c in cohort.clients]
    path = f"{tmp_path}/minutes"
    table.to_parquet(path, partition_cols=["client"])
    back = pd.read_parquet(path, filters=[("client", "=", "SYN-DEST")])
    assert len(back) == len(cohort.client("SYN-DEST").minutes)


def test_bad_arguments_are_refused_in_one_line() -> None:
    with pytest.raises(InvalidInputError, match="weeks"):
        generate_cohort(seed=1, last_day=LAST_DAY, weeks=3)
    with pytest.raises(InvalidInputError, match="seed"):
        generate_cohort(seed=-1, last_day=LAST_DAY)
    assert len(COHORT_PROFILES) == 6
