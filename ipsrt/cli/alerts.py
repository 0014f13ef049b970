"""``ipsrt alerts``: evaluate the alert rules, list alerts and acknowledge them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ipsrt.cli.common import (
    DbOption,
    DeferredDefault,
    JsonOption,
    fail,
    handle_errors,
    new_table,
    open_store,
    operator,
    print_json,
    print_table,
    shown,
    stdout,
    utc_now,
)
from ipsrt.enums import AlertStatus

if TYPE_CHECKING:
    from ipsrt.store.alerts_store import StoredAlert

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
            default_factory=DeferredDefault(_default_lookback_days),
            help="Store alerts whose window ends in the last N days (1 to 3660).",
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
    """Evaluate the alert rules now and store, update or resolve alerts (safe to repeat).

    Alerts whose evidence has gone are resolved (kept, marked, audited). By
    default only clients whose daily summaries changed since the last run (or
    whose alerts could have changed with time, e.g. a growing data gap) are
    evaluated.
    """
    from ipsrt.reports.alerts import run_alerts

    with open_store(db) as store:
        summary = run_alerts(
            store,
            now=utc_now(),
            client_codes=None if client is None else [client],
            lookback_days=lookback,
            incremental=not every,
            actor=operator(),
        )
    if json_out:
        print_json(summary.as_dict())
    else:
        stdout.print(
            f"Checked {summary.clients - summary.skipped} of {summary.clients} client(s) "
            f"({summary.skipped} unchanged since the last run): {summary.new} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.resolved} resolved, {summary.reopened} reopened alert(s)."
        )
    if summary.failed:
        code, reason = next(iter(summary.failed.items()))
        more = f" (and {len(summary.failed) - 1} more client(s))" if len(summary.failed) > 1 else ""
        raise fail(f"could not evaluate client {code}: {reason}{more}")


def _status(alert: StoredAlert) -> str:
    """``open``, ``acknowledged by LOGIN`` or ``resolved DATE`` (with the acknowledgement)."""
    acked = None
    if alert.acknowledged_at is not None:
        acked = f"acknowledged by {alert.acknowledged_by or 'a former user'}"
    if alert.resolved_at is not None:
        resolved = f"resolved {alert.resolved_at:%Y-%m-%d %H:%M} UTC"
        return f"{resolved}, {acked}" if acked else resolved
    return acked or "open"


@alerts_app.command("list")
@handle_errors
def alerts_list(
    client: ClientOption = None,
    state: Annotated[
        AlertStatus | None,
        typer.Option(
            "--state",
            help="Only open (needing attention), acknowledged or resolved alerts.",
        ),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List stored alerts, most urgent first; resolved ones are marked."""
    from ipsrt.plain import json_ready

    with open_store(db) as store:
        alerts = store.alerts.find(client_code=client, state=None if state is None else state.value)
    if json_out:
        print_json([json_ready(a.as_dict()) for a in alerts])
        return
    if not alerts:
        stdout.print("No alerts.")
        return
    table = new_table("id", "client", "alert", "window", "status", "message")
    for a in alerts:
        window = str(a.window_start)
        if a.window_end != a.window_start:
            window += f" to {a.window_end}"
        alert = f"{a.rule} {a.severity}"
        table.add_row(*(shown(v) for v in (a.id, a.client, alert, window, _status(a), a.message)))
    print_table(table)


@alerts_app.command("ack")
@handle_errors
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="Alert id (see 'alerts list').")],
    by: Annotated[
        str,
        typer.Option(
            "--by", help="Login of the acting clinician (the client must be assigned to them)."
        ),
    ],
    client: Annotated[
        str | None,
        typer.Option("--client", help="Refuse unless the alert is this client's."),
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Acknowledge an alert as a clinician the client is assigned to (audited; once only).

    The audit names the clinician of --by and the operating-system user running
    the command; a refused attempt is audited too, and changes nothing else.
    """
    from ipsrt.plain import json_ready
    from ipsrt.reports.alerts import acknowledge

    with open_store(db) as store:
        alert = acknowledge(
            store,
            alert_id,
            by_login=by,
            now=utc_now(),
            client_code=client,
            audit_detail={"os_user": operator()},
            audit_refusal=True,
        )
    if json_out:
        print_json(json_ready(alert.as_dict()))
        return
    stdout.print(
        f"Alert {alert.id} ({shown(alert.rule)}, {shown(alert.client)}) "
        f"acknowledged by {shown(by)}."
    )
