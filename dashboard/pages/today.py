"""*Today*: a client enters the day's five anchors and mood, and the weekly questionnaires.

Everything shown and saved goes through :mod:`ipsrt.reports.today` (the
7-day edit window, the diary's one store path, the weekly PHQ-9/ASRM and the
item-9 alert); every callback finds the client again with
:func:`dashboard.context.own_client` and never trusts the browser for who it
is. The rules are described in ``docs/dashboard.md``, "Client pages".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import context
from dashboard.course_components import event_values, life_event_fields, life_event_form
from dashboard.pages.base import Page
from ipsrt.enums import Role
from ipsrt.errors import InvalidInputError
from ipsrt.models import Client
from ipsrt.mood import ASRM_DOMAINS, MOOD_LABELS, PHQ9_ITEMS, PHQ9_OPTIONS, PHQ9_STEM
from ipsrt.reports.access import Action
from ipsrt.reports.life_events import add_life_event
from ipsrt.reports.today import (
    AnchorAnswer,
    DayMood,
    DiaryDay,
    diary_day,
    editable_days,
    save_diary_day,
    save_scales,
    scales_due,
)
from ipsrt.srm import SRM5
from ipsrt.timeutil import parse_clock

__all__ = ["PAGE", "SAFETY_MESSAGE", "layout", "register"]

PAGE = Page(path="/today", title="Today", action=Action.WRITE_DIARY, nav_roles=(Role.CLIENT,))

#: Who was there (the SRM's people codes, Monk et al. 1990), in this project's words.
PEOPLE = (
    ("0", "Alone"),
    ("1", "Others present"),
    ("2", "Others actively involved"),
    ("3", "Others very stimulating"),
)
#: This project's own short prompts for the ASRM domains (the form's statements are not
#: reproduced); 0 = not at all ... 4 = all of the time, over the past week.
ASRM_PROMPTS = {
    "positive_mood": "Feeling happier or more cheerful than usual",
    "self_confidence": "Feeling more self-confident than usual",
    "sleep_need": "Needing less sleep than usual",
    "speech": "Talking more than usual",
    "activity": "Being more active than usual",
}
ASRM_OPTIONS = ("Not at all", "Occasionally", "Often", "Frequently", "All of the time")
#: Shown at once when a PHQ-9 item 9 answer is above 0.
SAFETY_MESSAGE = (
    "Thank you for answering honestly. If you are thinking about harming yourself, please "
    "contact your clinician now, or call your local emergency number or go to the nearest "
    "emergency department if you might act on these thoughts. Your clinician has been alerted."
)
_RATINGS = ("energy", "irritability", "anxiety")

#: (id, property) of every field the selected day fills, in callback order.
FIELDS: list[tuple[str, str]] = [
    *((f"today-time-{k}", "value") for k in SRM5.keys),
    *((f"today-notdone-{k}", "value") for k in SRM5.keys),
    *((f"today-people-{k}", "value") for k in SRM5.keys),
    ("today-mood-on", "value"),
    ("today-mood", "value"),
    *((f"today-{r}", "value") for r in _RATINGS),
]


def _day_label(day: dt.date, today: dt.date) -> str:
    ago = (today - day).days
    prefix = {0: "Today", 1: "Yesterday"}.get(ago, f"{ago} days ago")
    return f"{prefix}, {day:%a %d %b}"


def _clock(minute: int | None) -> str | None:
    return None if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"


def _field_values(day: DiaryDay, today: dt.date) -> dict[tuple[str, str], Any]:
    """The form's values for a stored day, keyed like :data:`FIELDS`.

    The mood switch starts on for a day with a stored mood and for today.
    """
    anchors = [day.anchors[k] for k in SRM5.keys]
    mood = day.mood
    values = [
        *(_clock(a.minute) for a in anchors),
        *(a.not_done for a in anchors),
        *("" if a.people is None else str(a.people) for a in anchors),
        mood is not None or day.day == today,
        0 if mood is None else mood.mood,
        *(None if mood is None else getattr(mood, r) for r in _RATINGS),
    ]
    return dict(zip(FIELDS, values, strict=True))


def _anchor_card(key: str, values: dict[tuple[str, str], Any]) -> Component:
    time, not_done, people = (f"today-{part}-{key}" for part in ("time", "notdone", "people"))
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3(SRM5.label_of(key), className="h6 card-title"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label("Time", html_for=time, className="mb-0 small"),
                                dbc.Input(id=time, type="time", value=values[time, "value"]),
                            ],
                            width=6,
                        ),
                        dbc.Col(
                            dbc.Switch(
                                id=not_done,
                                label="Did not do",
                                value=values[not_done, "value"],
                                className="text-nowrap",
                            ),
                            width=6,
                            className="d-flex align-items-end",
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Label("Who was there", html_for=people, className="mb-0 small"),
                dbc.Select(
                    id=people,
                    options=[{"label": "Not answered", "value": ""}]
                    + [{"label": f"{v} {text}", "value": v} for v, text in PEOPLE],
                    value=values[people, "value"],
                ),
            ]
        ),
        className="mb-2",
    )


def _mood_section(values: dict[tuple[str, str], Any]) -> Component:
    ratings = []
    for name in _RATINGS:
        ratings.append(
            dbc.Col(
                [
                    dbc.Label(name.capitalize(), html_for=f"today-{name}", className="small"),
                    dbc.Input(
                        id=f"today-{name}",
                        type="number",
                        min=0,
                        max=10,
                        step=1,
                        value=values[f"today-{name}", "value"],
                    ),
                ],
                width=4,
            )
        )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H3("Mood", className="h6 card-title"),
                dbc.Switch(
                    id="today-mood-on",
                    label="Save a mood rating for this day",
                    value=values["today-mood-on", "value"],
                ),
                # A group of labelled radio buttons rather than a slider: every
                # value has a visible, spoken name and is one tap away at 360 px.
                html.Fieldset(
                    [
                        html.Legend(
                            "Mood, from -5 (severely low) to +5 (severely high)",
                            id="today-mood-label",
                            className="small mb-1",
                        ),
                        dbc.RadioItems(
                            id="today-mood",
                            options=[
                                {"label": f"{v:+d}" if v else "0", "value": v} for v in range(-5, 6)
                            ],
                            value=values["today-mood", "value"],
                            inline=True,
                        ),
                    ]
                ),
                html.P(
                    "Energy, irritability and anxiety from 0 (none) to 10 (extreme); "
                    "leave empty to skip.",
                    className="small text-muted mt-3 mb-1",
                ),
                dbc.Row(ratings, className="g-2"),
            ]
        ),
        className="mb-2",
    )


def _scale_form(
    scale: str,
    title: str,
    intro: str,
    prompts: Sequence[tuple[object, str]],
    options: Sequence[str],
) -> Component:
    """One questionnaire: a fieldset of radio buttons per item, ids ``today-<scale>``."""
    items = [
        html.Fieldset(
            [
                html.Legend(f"{i}. {text}", className="fs-6"),
                dbc.RadioItems(
                    id={"type": f"today-{scale}", "item": key},
                    options=[{"label": o, "value": v} for v, o in enumerate(options)],
                ),
            ],
            className="mb-3",
        )
        for i, (key, text) in enumerate(prompts, start=1)
    ]
    return html.Section([html.H3(title, className="h6"), html.P(intro, className="small"), *items])


def _phq9_form() -> Component:
    prompts = list(enumerate(PHQ9_ITEMS, start=1))
    return _scale_form("phq9", "PHQ-9", PHQ9_STEM, prompts, PHQ9_OPTIONS)


def _asrm_form() -> Component:
    prompts = [(key, ASRM_PROMPTS[key]) for key, _label in ASRM_DOMAINS]
    intro = "Over the past week, how often were you ..."
    return _scale_form("asrm", "Mood and energy (ASRM)", intro, prompts, ASRM_OPTIONS)


def _scales_section(due: list[str]) -> Component:
    if not due:
        return html.Div(id="today-scales")
    forms = [_phq9_form() if scale == "phq9" else _asrm_form() for scale in due]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("This week's questionnaires", className="h5 card-title"),
                *forms,
                dbc.Button("Save questionnaires", id="today-scales-save", color="primary"),
                html.Div(id="today-scales-result", className="mt-3", role="status"),
            ]
        ),
        id="today-scales",
        className="mb-3",
    )


def layout(**_params: str) -> Component:
    """The form for the client's own day: the last 7 local dates, today selected."""
    client = context.own_client(Action.WRITE_DIARY)
    store, now = context.store(), context.now()
    days = editable_days(client, now)
    values = _field_values(diary_day(store, client.code, days[0]), days[0])
    due = scales_due(store, client.code, now)
    context.audit(Action.WRITE_DIARY, client.code, page=PAGE.path, day=days[0].isoformat())
    form = html.Div(
        [
            dbc.Label("Day", html_for="today-day"),
            dbc.Select(
                id="today-day",
                options=[{"label": _day_label(d, days[0]), "value": d.isoformat()} for d in days],
                value=days[0].isoformat(),
                className="mb-3",
            ),
            html.H2("Your anchors", className="h5"),
            *(_anchor_card(k, values) for k in SRM5.keys),
            _mood_section(values),
            dbc.Button("Save", id="today-save", color="primary", className="w-100 mb-2"),
            html.Div(id="today-saved", role="status"),
        ]
    )
    return html.Div(
        [
            html.H1("Today", className="h3"),
            html.P(
                "Enter when you did each anchor, or mark it as not done. You can enter or "
                f"correct the last {len(days)} days.",
                className="small",
            ),
            *(
                [dbc.Alert("This week's questionnaires are waiting below the form.", color="info")]
                if due
                else []
            ),
            form,
            _scales_section(due),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Something happened?", className="h5 card-title"),
                        html.P(
                            "A loss, a dispute, a trip, a new job or shifts, an illness: "
                            "your clinician sees it next to your rhythm.",
                            className="small",
                        ),
                        life_event_form("today"),
                    ]
                ),
                className="mb-3",
            ),
        ],
        style={"maxWidth": "40rem"},
    )


def _chosen_day(client: Client, value: object) -> dt.date:
    """The day the browser names, if it is one of the editable days (else one-line error)."""
    days = editable_days(client, context.now())
    for day in days:
        if value == day.isoformat():
            return day
    raise InvalidInputError(f"choose a day from {days[-1]} to {days[0]}")


def _minute(text: object, key: str) -> int | None:
    if text in (None, ""):
        return None
    clock = str(text)
    if len(clock) == 8 and clock[5] == ":":  # HH:MM:SS from some browsers
        clock = clock[:5]
    try:
        return parse_clock(clock)
    except InvalidInputError:
        raise InvalidInputError(f"{SRM5.label_of(key)}: enter a time as HH:MM") from None


def _people(value: object, key: str) -> int | None:
    if value in (None, ""):
        return None
    if value not in {v for v, _ in PEOPLE}:
        raise InvalidInputError(f"{SRM5.label_of(key)}: choose who was there from the list")
    return int(str(value))


def _rating(value: object, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise InvalidInputError(f"{name}: enter a whole number from 0 to 10")
    return int(value)


def _answers(
    times: Sequence[Any], not_done: Sequence[Any], people: Sequence[Any]
) -> dict[str, AnchorAnswer]:
    answers = {}
    for key, time, skipped, who in zip(SRM5.keys, times, not_done, people, strict=True):
        if skipped:
            answers[key] = AnchorAnswer(not_done=True)
        else:
            answers[key] = AnchorAnswer(_minute(time, key), people=_people(who, key))
    return answers


def _mood(on: object, mood: object, ratings: Sequence[Any]) -> DayMood | None:
    if not on:
        return None
    if isinstance(mood, bool) or not isinstance(mood, int | float) or mood != int(mood):
        raise InvalidInputError("mood: choose a value from -5 to +5")
    energy, irritability, anxiety = (_rating(v, n) for v, n in zip(ratings, _RATINGS, strict=True))
    return DayMood(int(mood), energy, irritability, anxiety)


def _saved_text(day: dt.date, answers: dict[str, AnchorAnswer], mood: DayMood | None) -> str:
    count = sum(a.answered for a in answers.values())
    mood_text = f", mood {mood.mood:+d} ({MOOD_LABELS[mood.mood]})" if mood else ""
    return f"Saved {day:%a %d %b}: {count} of {len(answers)} anchors{mood_text}."


def register(app: Dash) -> None:
    """The callbacks of *Today*: choose a day, save it, save the questionnaires."""

    @app.callback(
        [Output(i, p) for i, p in FIELDS],
        Input("today-day", "value"),
        prevent_initial_call=True,
    )
    def show_day(value: object) -> list[Any]:
        client = context.own_client(Action.WRITE_DIARY)
        days = editable_days(client, context.now())
        try:
            day = _chosen_day(client, value)
        except InvalidInputError:
            raise PreventUpdate from None  # not a day of the list: keep the form as it is
        stored = diary_day(context.store(), client.code, day)
        context.audit(Action.WRITE_DIARY, client.code, page=PAGE.path, day=day.isoformat())
        return list(_field_values(stored, days[0]).values())

    @app.callback(
        Output("today-saved", "children"),
        Input("today-save", "n_clicks"),
        State("today-day", "value"),
        [State(f"today-time-{k}", "value") for k in SRM5.keys],
        [State(f"today-notdone-{k}", "value") for k in SRM5.keys],
        [State(f"today-people-{k}", "value") for k in SRM5.keys],
        State("today-mood-on", "value"),
        State("today-mood", "value"),
        [State(f"today-{r}", "value") for r in _RATINGS],
        prevent_initial_call=True,
    )
    def save_day(_clicks: object, day_value: object, *fields: Any) -> Component:
        n = len(SRM5.keys)
        times, not_done, people = fields[:n], fields[n : 2 * n], fields[2 * n : 3 * n]
        mood_on, mood, *ratings = fields[3 * n :]
        client = context.own_client(Action.WRITE_DIARY)
        try:
            day = _chosen_day(client, day_value)
            answers = _answers(times, not_done, people)
            rating = _mood(mood_on, mood, ratings)
            counts = save_diary_day(
                context.store(),
                client.code,
                day,
                answers,
                rating,
                now=context.now(),
                actor=context.viewer().login,
            )
        except InvalidInputError as exc:
            return dbc.Alert(f"Not saved: {exc}", color="warning")
        context.audit(
            Action.WRITE_DIARY,
            client.code,
            page=PAGE.path,
            day=day.isoformat(),
            changed=counts.changed,
        )
        return dbc.Alert(_saved_text(day, answers, rating), color="success")

    @app.callback(
        Output("today-scales-result", "children"),
        Input("today-scales-save", "n_clicks"),
        State({"type": "today-phq9", "item": ALL}, "value"),
        State({"type": "today-asrm", "item": ALL}, "value"),
        prevent_initial_call=True,
    )
    def save_questionnaires(_clicks: object, phq9: list[Any], asrm: list[Any]) -> Component:
        client = context.own_client(Action.WRITE_DIARY)
        store, now = context.store(), context.now()
        due = scales_due(store, client.code, now)
        given = {"phq9": phq9 or [], "asrm": asrm or []}
        answers = {scale: given[scale] for scale in due if given[scale]}
        if not answers:
            return dbc.Alert("These questionnaires are already saved for this week.")
        for scale, values in answers.items():
            if any(v is None for v in values):
                name = "PHQ-9" if scale == "phq9" else "ASRM"
                return dbc.Alert(f"Not saved: answer every {name} question.", color="warning")
        try:
            urgent = save_scales(store, client.code, answers, now=now, actor=context.viewer().login)
        except InvalidInputError as exc:
            return dbc.Alert(f"Not saved: {exc}", color="warning")
        context.audit(Action.WRITE_DIARY, client.code, page=PAGE.path, scales=sorted(answers))
        if urgent:
            return dbc.Alert(
                [html.Strong("Saved. "), SAFETY_MESSAGE], color="danger", id="today-safety"
            )
        return dbc.Alert("Saved. Thank you.", color="success")

    @app.callback(
        Output("today-event-status", "children"),
        Input("today-event-add", "n_clicks"),
        *(State(ident, "value") for ident in life_event_fields("today")),
        prevent_initial_call=True,
    )
    def add_event(_clicks: object, *values: Any) -> Component:
        client = context.own_client(Action.WRITE_LIFE_EVENTS)
        try:
            start, kind, disruption, text, end = event_values(*values)
            event = add_life_event(
                context.store(), context.viewer(), client.code, start, kind, disruption, text,
                ends_on=end, now=context.now(),
            )  # fmt: skip
        except InvalidInputError as exc:
            return dbc.Alert(f"Not saved: {exc}", color="warning")
        return dbc.Alert(f"Life event of {event.starts_on:%a %d %b} saved.", color="success")
