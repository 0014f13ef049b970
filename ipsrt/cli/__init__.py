"""The ``ipsrt`` command line (Typer): the composition root of the project.

Commands stay thin: they parse options, read the clock, build a Store from
the database URL and call the core. Errors from the core become one line on
stderr and exit status 1 (see :func:`ipsrt.cli.common.handle_errors`).

Start-up stays fast: ``ipsrt --help`` imports this package, Typer, Rich and
the kernel's light modules only. Each command module imports the store,
the services, the domain (numpy, pandas, scipy) and ``devices`` inside the
commands that need them, never at module level (docs/architecture.md,
"Command line"; ``tests/cli/test_cli_startup.py`` checks it).

To add a command group: write ``ipsrt/cli/NAME.py`` holding
``NAME_app = typer.Typer(help=..., no_args_is_help=True)`` and its commands
(heavy imports inside the commands), then register it below with
``app.add_typer(NAME_app, name="NAME")``.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ipsrt import DATABASE_URL_ENV_VAR, __version__
from ipsrt.cli import admin, demo, metrics, serve
from ipsrt.cli.alerts import alerts_app
from ipsrt.cli.audit import audit_app
from ipsrt.cli.clients import clients_app
from ipsrt.cli.course import course_app, events_app
from ipsrt.cli.devices import collect, devices_app
from ipsrt.cli.imports import import_app
from ipsrt.cli.keys import keys_app
from ipsrt.cli.mood import mood_app, scales_app
from ipsrt.cli.srm import srm_app
from ipsrt.cli.summaries import summaries_app

app = typer.Typer(
    name="ipsrt",
    help="Social rhythm tracker for Interpersonal and Social Rhythm Therapy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain Click help: Typer's Rich help panel prints a type such as <bool>
    # beside every flag, although a flag takes no value (Click's own help
    # leaves it out). Every command group inherits this setting.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ipsrt {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL for every command (same as IPSRT_DATABASE_URL)."),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="More messages on stderr: -v information and library warnings, -vv debug.",
        ),
    ] = 0,
) -> None:
    """Social rhythm tracker for Interpersonal and Social Rhythm Therapy."""
    from ipsrt.cli.log_output import configure_logging

    configure_logging(verbose)
    if db:
        # Commands read --db or this variable; set here, it reaches all of them.
        os.environ[DATABASE_URL_ENV_VAR] = db


app.command("init")(admin.init)
app.add_typer(admin.db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(admin.users_app, name="users")
app.command("assign")(admin.assign)
app.command("unassign")(admin.unassign)
app.add_typer(mood_app, name="mood")
app.add_typer(scales_app, name="scales")
app.add_typer(audit_app, name="audit")
app.command("metrics")(metrics.metrics)
app.add_typer(import_app, name="import")
app.add_typer(srm_app, name="srm")
app.add_typer(alerts_app, name="alerts")
app.add_typer(summaries_app, name="summaries")
app.add_typer(devices_app, name="devices")
app.add_typer(keys_app, name="keys")
app.add_typer(course_app, name="course")
app.add_typer(events_app, name="events")
app.command("collect")(collect)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run a command and return its exit status.

    Usage errors (unknown option, missing argument) are reported as one line
    on stderr with status 2; the core's errors as one line with status 1.
    """
    try:
        result = app(args=argv, prog_name="ipsrt", standalone_mode=False)
    except typer.TyperException as exc:
        message = " ".join(exc.format_message().split())
        if message:
            print(f"error: {message} (see 'ipsrt --help')", file=sys.stderr)
        return exc.exit_code
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script wrapper around :func:`main`."""
    sys.exit(main())
