"""``ipsrt alerts``: evaluate the alert rules, list alerts and acknowledge them."""

from __future__ import annotations

from typing import Annotated

import typer

from ipsrt.cli.common import (
    DbOption,
    DeferredDefault,
    JsonOption,
    fail,
    handle_errors,
    open_store,
    print_json,
    stdout,
    utc_now,
)
from ipsrt.enums import AlertState

alerts_app = typer.Typer(
    help="Alerts: prompts for a conversation, not diagnoses.", no_args_is_help=True
)

ClientOption = Annotated[str | None, typer.Option("--client", help="Only this client.")]


def _default_lookback_days() -> int:
    """The service's default lookback (imported only when the option is left out or shown)."""
    from ipsrt.reports.alerts import DEFAULT_LOOKBACK_DAYS

    return DEFAULT_LOOKBACK_DAYS


@alerts_app.command("run")
@handle_errors
def alerts_run(
    client: ClientOption = None,
    *,
    lookback: Annotated[
        int,
        typer.Option(
            "--lookback",
            min=1,
            default_factory=DeferredDefault(_default_lookback_days),
            help="Store alerts whose window ends in the last N days.",
        ),
    ],
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Evaluate every client, not only those whose data changed since the last run.",
        ),
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Evaluate the alert rules now and store new or grown alerts (safe to repeat).

    By default only clients whose daily summaries changed since the last run
    (or whose alerts could have changed with time, e.g. a growing data gap)
    are evaluated.
    """
    from ipsrt.reports.alerts import run_alerts

    with open_store(db) as store:
        summary = run_alerts(
            store,
            now=utc_now(),
            client_codes=None if client is None else [client],
            lookback_days=lookback,
            incremental=not every,
        )
    if json_out:
        print_json(summary.as_dict())
    else:
        stdout.print(
            f"Checked {summary.clients - summary.skipped} of {summary.clients} client(s) "
            f"({summary.skipped} unchanged since the last run): {summary.new} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged alert(s)."
        )
    if summary.failed:
        code, reason = next(iter(summary.failed.items()))
        more = f" (and {len(summary.failed) - 1} more client(s))" if len(summary.failed) > 1 else ""
        raise fail(f"could not evaluate client {code}: {reason}{more}")


@alerts_app.command("list")
@handle_errors
def alerts_list(
    client: ClientOption = None,
    state: Annotated[
        AlertState | None, typer.Option("--state", help="Only alerts in this state.")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List stored alerts, most urgent first."""
    from ipsrt.plain import json_ready

    with open_store(db) as store:
        alerts = store.alerts.find(client_code=client, state=None if state is None else state.value)
    if json_out:
        print_json([json_ready(a.as_dict()) for a in alerts])
        return
    if not alerts:
        stdout.print("No alerts.")
        return
    # Two lines per alert (facts, then the message) read well at any terminal width.
    for a in alerts:
        window = str(a.window_start)
        if a.window_end != a.window_start:
            window += f"..{a.window_end}"
        status = a.state if a.acknowledged_by is None else f"{a.state} by {a.acknowledged_by}"
        stdout.print(f"#{a.id}  {a.client}  {a.severity}  {a.rule}  {window}  {status}")
        stdout.print(f"    {a.message}")


@alerts_app.command("ack")
@handle_errors
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="Alert id (see 'alerts list').")],
    by: Annotated[
        str, typer.Option("--by", help="Login of the clinician the client is assigned to.")
    ],
    db: DbOption = None,
) -> None:
    """Acknowledge an alert as a clinician the client is assigned to (audited; once only)."""
    from ipsrt.reports.alerts import acknowledge

    with open_store(db) as store:
        alert = acknowledge(store, alert_id, by_login=by, now=utc_now())
    stdout.print(f"Alert {alert.id} ({alert.rule}, {alert.client}) acknowledged by {by}.")
