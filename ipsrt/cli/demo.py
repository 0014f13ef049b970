"""``ipsrt demo``: the whole tracker working on a laptop, with no band and no server.

Steps, each shown as it runs (``docs/demo.md``, "What ipsrt demo does"):

1. a new demo database (SQLite in a fresh temporary folder, or ``--db``);
2. the synthetic cohort (:func:`ipsrt.synthetic.generate_cohort`): six clients,
   eight weeks ending yesterday;
3. everything but the last days stored (:func:`ipsrt.reports.demo_data.load_cohort`),
   each client with one emulated wearable, the four families in turn;
4. the last days arrive over the real collector and the bumble-backed BLE path
   (:func:`devices.emulated.session.collect_replays`): history bands (Huami,
   Bangle.js) deliver two days, live ones (GATT standard, InfiniTime) the
   last minutes;
5. logins for each role, with random passwords printed once;
6. summaries, rhythm metrics, SRM and alerts;
7. the dashboard at http://127.0.0.1:8050 (``--headless``: a summary instead).

The composition root: the steps are the services' and the devices package's
own functions; nothing here computes or stores anything itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    fail,
    handle_errors,
    new_table,
    print_json,
    print_table,
    shown,
    stdout,
    utc_now,
)

if TYPE_CHECKING:
    from ipsrt.store import Store
    from ipsrt.synthetic import SyntheticCohort

#: Days held back from the load and delivered over BLE by the history bands.
BLE_DAYS = 2
#: How long the live bands are listened to.
LIVE_WINDOW = dt.timedelta(minutes=10)
#: How long before the end of a live-band client's data the band is heard: the
#: virtual clock keeps moving while the band connects, so it must have data ahead.
LIVE_LEAD = dt.timedelta(hours=3)
#: Logins of the demo, one per role; the client login is the destabilising client's.
DEMO_CLIENT_CODE = "SYN-DEST"
_ROLES = (("admin", "admin"), ("clinician", "clinician"), ("researcher", "researcher"))


class _Steps:
    """Numbered progress lines on standard error, with each step's time."""

    def __init__(self, total: int, *, quiet: bool) -> None:
        from rich.console import Console

        self._console = Console(stderr=True, highlight=False)
        self._total = total
        self._done = 0
        self._quiet = quiet
        self._started = time.monotonic()
        self.seconds: dict[str, float] = {}

    def start(self, what: str) -> None:
        self._done += 1
        self._current = what
        self._step_started = time.monotonic()
        if not self._quiet:
            self._console.print(f"[{self._done}/{self._total}] {what} ...")

    def detail(self, line: str) -> None:
        if not self._quiet:
            self._console.print(f"      {shown(line)}")

    def end(self) -> None:
        elapsed = time.monotonic() - self._step_started
        self.seconds[self._current] = round(elapsed, 2)
        if not self._quiet:
            self._console.print(f"      done in {elapsed:.1f} s")

    @property
    def total_seconds(self) -> float:
        return round(time.monotonic() - self._started, 2)


def _new_store(db: str | None) -> Store:
    """A new demo database: *db*, or SQLite in a fresh temporary folder."""
    import tempfile

    from ipsrt.reports.summaries import install
    from ipsrt.store import Store

    url = db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='ipsrt-demo-')) / 'demo.sqlite3'}"
    store = install(Store.initialise(url))
    if store.purpose != "demo" and store.clients(include_archived=True):
        store.close()
        raise fail(f"{store.url} holds a tracker's clients: the demo needs a new database")
    store.secrets.create_key()
    store.mark_demo(now=utc_now(), actor="demo")
    return store


def _cohort(seed: int, now: dt.datetime) -> SyntheticCohort:
    """Eight weeks ending on the latest day that has ended in every client's zone."""
    from ipsrt.synthetic import generate_cohort

    last_day = now.date()
    while True:
        last_day -= dt.timedelta(days=1)
        cohort = generate_cohort(seed=seed, last_day=last_day)
        if cohort.now <= now:
            return cohort


def _ble_replays(store: Store, cohort: SyntheticCohort, first: dt.date) -> list[Any]:
    """One emulated wearable per client replaying its minutes from *first* on, collected
    at the end of them (a live band: :data:`LIVE_WINDOW` before it)."""
    import pandas as pd

    from devices.emulated.scenario import Scenario
    from devices.emulated.session import HISTORY_FAMILIES, Replay
    from ipsrt.timeutil import local_midnight

    replays = []
    for client in cohort.clients:
        (device,) = store.devices(client.code)
        start = pd.Timestamp(local_midnight(first, client.timezone))
        rows = client.minutes[client.minutes["ts"] >= start]
        readings = rows[["steps", "heart_rate", "activity"]].astype("float64")
        scenario = Scenario.from_minutes(
            zip(
                rows["ts"].dt.to_pydatetime(),
                readings["steps"],
                readings["heart_rate"],
                readings["activity"],
                rows["state"].astype(str),
                strict=True,
            ),
            zone=client.timezone,
            start_date=first,
            days=(cohort.last_day - first).days + 1,
        )
        at = scenario.end if device.family in HISTORY_FAMILIES else scenario.end - LIVE_LEAD
        replays.append(Replay(client.code, device.family, scenario, at))
    return replays


def _live_band_minutes(
    store: Store, cohort: SyntheticCohort, first: dt.date, *, after: bool
) -> int:
    """Store held-back minutes of the clients with a live band, straight from the cohort.

    Live bands (GATT standard, InfiniTime) keep no history: they are heard
    only while connected. Before the collection (*after* False) their
    clients' held-back days are stored up to :data:`LIVE_LEAD` before the
    end; after it (*after* True), the minutes after the last one the band
    delivered, so nothing is stored twice.
    """
    import pandas as pd

    from ipsrt.timeutil import local_midnight

    stored = 0
    for client in cohort.clients:
        (device,) = store.devices(client.code)
        if device.family not in ("gatt-standard", "infinitime"):
            continue
        assert device.id is not None
        start = pd.Timestamp(local_midnight(first, client.timezone))
        end_day = cohort.last_day + dt.timedelta(days=1)
        end = pd.Timestamp(local_midnight(end_day, client.timezone))
        if after:
            last = store.last_minute([device.id], end.to_pydatetime())
            start = max(start, last + pd.Timedelta(minutes=1)) if last is not None else start
        else:
            end = end - LIVE_LEAD
        minutes = client.minutes
        rows = minutes[(minutes["ts"] >= start) & (minutes["ts"] < end)]
        frame = rows.assign(device_id=device.id, state=rows["state"].astype(str))
        stored += store.upsert_minute_samples(
            frame[["device_id", "ts", "steps", "heart_rate", "activity", "state"]],
            now=utc_now(),
        ).inserted
    return stored


def _logins(store: Store, cohort: SyntheticCohort) -> list[tuple[str, str, str]]:
    """(login, role, password) for each role; the clinician cares for every client."""
    from ipsrt.reports.accounts import add_user

    now = utc_now()
    made = []
    for login, role in _ROLES:
        password = secrets.token_urlsafe(12)
        add_user(store, login, password, role, now=now, actor="demo")
        made.append((login, role, password))
    for client in cohort.clients:
        store.accounts.assign("clinician", client.code, now=now, actor="demo")
    password = secrets.token_urlsafe(12)
    add_user(store, "client", password, "client", now=now, client_code=DEMO_CLIENT_CODE)
    made.append(("client", f"client ({DEMO_CLIENT_CODE})", password))
    return made


@handle_errors
def demo(
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic cohort.")] = 7,
    headless: Annotated[
        bool,
        typer.Option("--headless", help="Do everything once and print a summary; do not serve."),
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8050,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Build a demo database from a synthetic cohort, deliver its last days over emulated
    Bluetooth bands, and serve the dashboard (printing a login for each role)."""
    import asyncio

    from ipsrt.reports.alerts import run_alerts
    from ipsrt.reports.demo_data import load_cohort

    steps = _Steps(7, quiet=False)  # on standard error: --json keeps standard output
    steps.start("creating a demo database")
    store = _new_store(db)
    steps.detail(str(store.url))
    steps.end()
    try:
        steps.start("generating the synthetic cohort (6 clients, 8 weeks)")
        now = utc_now()
        cohort = _cohort(seed, now)
        steps.detail(f"{cohort.first_day} to {cohort.last_day}, seed {seed}")
        steps.end()

        steps.start(f"storing all but the last {BLE_DAYS} days")
        from devices.emulated.huami import TEST_KEY
        from devices.emulated.session import emulated_addresses

        families = ("gatt-standard", "infinitime", "banglejs", "huami")

        def device(number: int, client_id: int) -> tuple[Any, str, str | None]:
            from ipsrt.enums import DeviceFamily

            family = families[(number - 1) % len(families)]
            key = TEST_KEY.hex() if family == "huami" else None
            return DeviceFamily(family), emulated_addresses(client_id)[family], key

        ble_first = cohort.last_day - dt.timedelta(days=BLE_DAYS - 1)
        load = load_cohort(
            store,
            cohort,
            now=now,
            actor="demo",
            through=ble_first - dt.timedelta(days=1),
            device=device,
        )
        steps.detail(f"{sum(c.minutes_inserted for c in load.clients):,} minutes stored")
        _live_band_minutes(store, cohort, ble_first, after=False)
        steps.end()

        steps.start("collecting the last days over Bluetooth LE (emulated bands, real collector)")
        from devices.emulated.session import collect_replays

        reports = asyncio.run(
            collect_replays(
                store,
                _ble_replays(store, cohort, ble_first),
                now=utc_now(),
                window=LIVE_WINDOW,
                progress=steps.detail,
                actor="demo",
            )
        )
        _live_band_minutes(store, cohort, ble_first, after=True)
        synced = {r.family: r.result.inserted for r in reports.values()}
        for report in reports.values():
            steps.detail(
                f"{report.family} {report.address}: {report.result.inserted:,} minutes, "
                f"{report.error_count} errors"
            )
        steps.end()

        steps.start("creating logins (random passwords, shown once)")
        logins = _logins(store, cohort)
        steps.end()

        steps.start("computing summaries, metrics, SRM and alerts")
        lookback = (now.date() - cohort.first_day).days + 1
        run = run_alerts(store, now=now, lookback_days=lookback, actor="demo")
        alerts = store.alerts.find()
        steps.detail(f"{run.new} alerts raised")
        steps.end()
        summary = {
            "database": store.url,
            "first_day": cohort.first_day,
            "last_day": cohort.last_day,
            "ble_synced": synced,
            "alerts": [
                {
                    "client": a.client,
                    "rule": a.rule,
                    "window_start": a.window_start,
                    "window_end": a.window_end,
                    "severity": a.severity,
                }
                for a in alerts
            ],
            "logins": [{"login": lg, "role": role, "password": pw} for lg, role, pw in logins],
            "seconds": steps.seconds,
        }
        steps.start("serving the dashboard" if not headless else "summary")
        summary["total_seconds"] = steps.total_seconds
        if headless:
            steps.end()
            _print_summary(summary, json_out)
            return
        _serve(store, host, port, summary, json_out)
    finally:
        store.close()


def _print_summary(summary: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(summary)
        return
    stdout.print(f"Demo database: {shown(summary['database'])}")
    table = new_table("client", "alert", "window", "severity")
    for a in summary["alerts"]:
        window = f"{a['window_start']}" + (
            f" to {a['window_end']}" if a["window_end"] != a["window_start"] else ""
        )
        table.add_row(shown(a["client"]), shown(a["rule"]), window, shown(a["severity"]))
    print_table(table)
    _print_logins(summary["logins"])


def _print_logins(logins: list[dict[str, str]]) -> None:
    table = new_table("login", "role", "password")
    for row in logins:
        table.add_row(shown(row["login"]), shown(row["role"]), shown(row["password"]))
    print_table(table)


def _stop(_signum: int, _frame: Any) -> None:
    # waitress's run() closes its sockets on SystemExit; the store closes after it.
    raise SystemExit(0)


def _serve(store: Store, host: str, port: int, summary: dict[str, Any], json_out: bool) -> None:
    """Serve the dashboard until stopped; print where and the logins first (or the JSON
    summary with ``url`` added, flushed, for a script that waits for it)."""
    import signal
    import sys

    from dashboard.server import ServeOptions, create_server

    try:
        server = create_server(store, ServeOptions(host=host, port=port))
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = f"http://{host}:{getattr(server, 'effective_port', port)}"
    if json_out:
        print_json(summary | {"url": url})
    else:
        _print_logins(summary["logins"])
        stdout.print(f"The demo dashboard is at {url} (Ctrl-C stops it).")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
