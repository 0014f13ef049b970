"""``ipsrt course`` and ``ipsrt events``: a client's IPSRT course and life events from scripts.

Thin shells over :mod:`ipsrt.reports.course` and
:mod:`ipsrt.reports.life_events`: the operator acts as the client's
clinician (:func:`ipsrt.reports.access.command_line_viewer`) and is the
audit actor (``cli:<os user>``). Session notes are not on the command line
(docs/clinicians.md, "Session notes"). Heavy imports stay inside the
commands (docs/architecture.md, "Command line").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    handle_errors,
    new_table,
    open_store,
    operator,
    parse_date,
    print_json,
    print_table,
    shown,
    stdout,
    utc_now,
)

if TYPE_CHECKING:
    from ipsrt.reports.access import Viewer
    from ipsrt.reports.course import CourseView
    from ipsrt.store import Store

course_app = typer.Typer(
    help="A client's IPSRT treatment course: phases, sessions, problem areas.",
    no_args_is_help=True,
)
session_app = typer.Typer(help="Sessions of a client's course.", no_args_is_help=True)
course_app.add_typer(session_app, name="session")
events_app = typer.Typer(help="Life events on a client's time line.", no_args_is_help=True)

ClientOption = Annotated[str, typer.Option("--client", help="The client's code.")]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Local date YYYY-MM-DD (default: the client's today).")
]


def _viewer(store: Store, code: str) -> Viewer:
    """The operator as the clinician of client *code* (unknown codes: a one-line error)."""
    from ipsrt.reports.access import command_line_viewer

    client_id = store.client(code).id
    assert client_id is not None
    return command_line_viewer(operator(), client_id)


def _day(store: Store, code: str, text: str | None, option: str, now: dt.datetime) -> dt.date:
    from ipsrt.reports.today import client_today

    return parse_date(text, option) or client_today(store.client(code), now)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _show(view: CourseView | None, json_output: bool, code: str) -> None:
    if json_output:
        print_json(_plain(view))
        return
    if view is None:
        stdout.print(f"No course for client {shown(code)} ('ipsrt course start').")
        return
    next_part = (
        f"; next: session {view.next_session_number} ({view.next_phase}), due {view.next_due_on}"
        if view.next_phase is not None
        else ""
    )
    stdout.print(
        f"Client {shown(view.client_code)}: course from {view.started_on}, {view.status}; "
        f"{view.held} of {view.planned_sessions} sessions held, {view.missed} missed; "
        f"phase {view.current_phase}{next_part}."
    )
    stdout.print(
        f"Phases of the plan: initial 1-{view.initial_last}, middle "
        f"{view.initial_last + 1}-{view.termination_first - 1}, termination "
        f"{view.termination_first}-{view.planned_sessions}."
    )
    for label, area, goals in (
        ("Primary problem area", view.primary_area, view.primary_goals),
        ("Secondary problem area", view.secondary_area, view.secondary_goals),
    ):
        if area is not None:
            stdout.print(f"{label}: {area}" + (f"; goals: {shown(goals)}" if goals else ""))
    if not view.sessions:
        return
    table = new_table("#", "session", "date", "held", "phase", "note")
    for s in view.sessions:
        phase = f"{s.phase} (set)" if s.phase_overridden else str(s.phase)
        table.add_row(
            str(s.appointment),
            str(s.session_number),
            str(s.held_on),
            "yes" if s.attended else "missed",
            phase,
            s.note,
        )
    print_table(table)


@course_app.command("start")
@handle_errors
def course_start(
    client: ClientOption,
    date: DateOption = None,
    planned: Annotated[
        int, typer.Option("--planned", help="Planned sessions of the acute course (8-60).")
    ] = 16,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Start a treatment course (one under way per client; audited)."""
    from ipsrt.reports.course import start_course

    now = utc_now()
    with open_store(db) as store:
        day = _day(store, client, date, "--date", now)
        view = start_course(
            store, _viewer(store, client), client, day, planned_sessions=planned, now=now
        )
    _show(view, json_output, client)


@course_app.command("show")
@handle_errors
def course_show(client: ClientOption, json_output: JsonOption = False, db: DbOption = None) -> None:
    """Where the client's course stands: phase, sessions, problem areas."""
    from ipsrt.reports.course import course_view

    with open_store(db) as store:
        view = course_view(store, _viewer(store, client), client)
    _show(view, json_output, client)


def _change_status(
    client: str, date: str | None, json_output: bool, db: str | None, to: str
) -> None:
    """End the course or move it to maintenance from --date (default: the client's today)."""
    from ipsrt.reports.course import end_course, move_to_maintenance

    change = end_course if to == "ended" else move_to_maintenance
    now = utc_now()
    with open_store(db) as store:
        day = _day(store, client, date, "--date", now)
        view = change(store, _viewer(store, client), client, day, now=now)
    _show(view, json_output, client)


@course_app.command("end")
@handle_errors
def course_end(
    client: ClientOption,
    date: DateOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """End the client's course (a new one may start afterwards; audited)."""
    _change_status(client, date, json_output, db, "ended")


@course_app.command("maintenance")
@handle_errors
def course_maintenance(
    client: ClientOption,
    date: DateOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Move the course to maintenance sessions (e.g. monthly) from a date (audited)."""
    _change_status(client, date, json_output, db, "maintenance")


@course_app.command("area")
@handle_errors
def course_area(
    client: ClientOption,
    primary: Annotated[
        str,
        typer.Option(
            "--primary",
            help="grief, role_disputes, role_transitions or interpersonal_deficits.",
        ),
    ],
    goals: Annotated[str, typer.Option("--goals", help="Goals for the primary area.")] = "",
    secondary: Annotated[
        str | None, typer.Option("--secondary", help="A secondary problem area.")
    ] = None,
    secondary_goals: Annotated[
        str, typer.Option("--secondary-goals", help="Goals for the secondary area.")
    ] = "",
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Set the primary (and secondary) problem area and goals of the course (audited)."""
    from ipsrt.reports.course import set_problem_areas

    with open_store(db) as store:
        view = set_problem_areas(
            store,
            _viewer(store, client),
            client,
            primary,
            goals=goals,
            secondary=secondary,
            secondary_goals=secondary_goals,
            now=utc_now(),
        )
    _show(view, json_output, client)


@session_app.command("add")
@handle_errors
def session_add(
    client: ClientOption,
    date: Annotated[str, typer.Option("--date", help="Local date of the session, YYYY-MM-DD.")],
    missed: Annotated[
        bool, typer.Option("--missed", help="The client did not come (the course waits).")
    ] = False,
    phase: Annotated[
        str | None,
        typer.Option("--phase", help="Set the phase: initial, middle, termination, maintenance."),
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Record the next session of the course, in date order (audited)."""
    from ipsrt.reports.course import record_session

    day = parse_date(date, "--date")
    assert day is not None
    with open_store(db) as store:
        view = record_session(
            store,
            _viewer(store, client),
            client,
            day,
            attended=not missed,
            phase=phase,
            now=utc_now(),
        )
    _show(view, json_output, client)


@events_app.command("add")
@handle_errors
def events_add(
    client: ClientOption,
    date: Annotated[str, typer.Option("--date", help="Local date it began, YYYY-MM-DD.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="loss, dispute, role_change, travel, shift_work, illness or other.",
        ),
    ],
    disruption: Annotated[
        int, typer.Option("--disruption", help="How disruptive: 0 (not) .. 3 (very).")
    ],
    description: Annotated[
        str, typer.Option("--description", help="One short line (at most 200 characters).")
    ] = "",
    until: Annotated[
        str | None, typer.Option("--until", help="Last local date, for a span of days.")
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Record a life event on the client's time line (audited)."""
    from ipsrt.reports.life_events import add_life_event

    start = parse_date(date, "--date")
    assert start is not None
    with open_store(db) as store:
        event = add_life_event(
            store,
            _viewer(store, client),
            client,
            start,
            kind,
            disruption,
            description,
            ends_on=parse_date(until, "--until"),
            now=utc_now(),
        )
    if json_output:
        print_json(_plain(event))
        return
    stdout.print(f"Life event {event.id} recorded: {shown(event.label)} from {event.starts_on}.")


@events_app.command("list")
@handle_errors
def events_list(
    client: ClientOption,
    start: Annotated[str | None, typer.Option("--from", help="From this local date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Up to this local date.")] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the client's life events by date."""
    from ipsrt.reports.life_events import life_events

    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    with open_store(db) as store:
        events = life_events(store, _viewer(store, client), client, first, last)
    if json_output:
        print_json(_plain(events))
        return
    if not events:
        stdout.print("No life events.")
        return
    table = new_table("id", "from", "to", "kind", "disruption", "description", "entered by")
    for e in events:
        table.add_row(
            str(e.id),
            str(e.starts_on),
            str(e.ends_on),
            shown(e.kind.value),
            str(e.disruption),
            shown(e.description),
            shown(e.entered_by),
        )
    print_table(table)
