"""``ipsrt mood`` and ``ipsrt scales``: enter a daily mood rating, a PHQ-9 or an ASRM.

Thin shells over the services the dashboard's *Today* page uses
(:func:`ipsrt.reports.today.save_mood`, :func:`ipsrt.reports.today.save_scales`):
the same fields, ranges, audit actions and, for a PHQ-9 whose item 9 is above
0, the same urgent clinician alert.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    fail,
    handle_errors,
    open_store,
    operator,
    parse_date,
    print_json,
    shown,
    stdout,
    utc_now,
)

# The store and the services (pandas) are imported inside the commands, so
# that ``ipsrt --help`` does not load them (docs/architecture.md).

mood_app = typer.Typer(help="Daily mood ratings (-5..+5).", no_args_is_help=True)
scales_app = typer.Typer(help="Rating scales (PHQ-9, ASRM).", no_args_is_help=True)

ClientOption = Annotated[str, typer.Option("--client", help="Client code.")]
DateOption = Annotated[
    str, typer.Option("--date", help="The client's local date (YYYY-MM-DD) the answers are for.")
]


def _sub_rating(name: str) -> object:
    return typer.Option(f"--{name}", help=f"{name.capitalize()} 0..10 (optional).")


@mood_app.command("add")
@handle_errors
def mood_add(
    client: ClientOption,
    date: DateOption,
    mood: Annotated[
        int, typer.Option("--mood", help="Mood -5 (most depressed) .. +5 (most elevated).")
    ],
    energy: Annotated[int | None, _sub_rating("energy")] = None,
    irritability: Annotated[int | None, _sub_rating("irritability")] = None,
    anxiety: Annotated[int | None, _sub_rating("anxiety")] = None,
    confirm_replace: Annotated[
        bool,
        typer.Option(
            "--confirm-replace", help="Replace a different rating already stored for the date."
        ),
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Store a client's mood rating for a date (audited mood.add)."""
    from ipsrt.reports.today import DayMood, save_mood

    day = parse_date(date, "--date")
    assert day is not None
    rating = DayMood(mood, energy, irritability, anxiety)
    with open_store(db) as store:
        counts = save_mood(
            store,
            client,
            day,
            rating,
            now=utc_now(),
            actor=operator(),
            confirm_replace=confirm_replace,
        )
    result = (
        "unchanged" if not counts.changed else ("replaced" if counts.moods_replaced else "added")
    )
    if json_out:
        print_json(
            {
                "client": client,
                "date": day,
                "mood": mood,
                "energy": energy,
                "irritability": irritability,
                "anxiety": anxiety,
                "result": result,
            }
        )
        return
    stdout.print(f"Mood {mood:+d} for {shown(client)} on {day}: {result}.")


class Scale(StrEnum):
    """The questionnaires ``scales add`` stores."""

    phq9 = "phq9"
    asrm = "asrm"


@scales_app.command("add")
@handle_errors
def scales_add(
    scale: Annotated[Scale, typer.Argument(help="phq9 (nine answers 0..3) or asrm (five 0..4).")],
    client: ClientOption,
    date: DateOption,
    answers: Annotated[
        str, typer.Option("--answers", help="The item answers in order, comma-separated.")
    ],
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Store a PHQ-9 or ASRM response, print its score, and run the alert rules.

    A PHQ-9 whose item 9 is above 0 is flagged urgent and raises the
    clinician alert at once, exactly as when the client answers on the
    dashboard. Audited scale.record.
    """
    from ipsrt.mood import score_asrm, score_phq9
    from ipsrt.reports.today import save_scales

    day = parse_date(date, "--date")
    items = _answers(answers)
    with open_store(db) as store:
        urgent = save_scales(
            store,
            client,
            {scale.value: items},
            now=utc_now(),
            actor=operator(),
            answered_on=day,
        )
    if scale is Scale.phq9:
        phq = score_phq9(items)
        result: dict[str, object] = {"total": phq.total, "severity": phq.severity}
        result |= {"item9": phq.item9, "urgent": urgent}
        text = f"PHQ-9 {phq.total}/27 ({phq.severity})"
    else:
        asrm = score_asrm(items)
        result = {"total": asrm.total, "positive": asrm.positive, "urgent": False}
        text = f"ASRM {asrm.total}/20 ({'positive' if asrm.positive else 'negative'} screen)"
    if json_out:
        print_json({"client": client, "date": day, "scale": scale.value, "answers": items} | result)
        return
    stdout.print(f"{text} for {shown(client)} on {day}.")
    if urgent:
        stdout.print(
            f"URGENT: item 9 (thoughts of self-harm) answered {result['item9']}; the urgent "
            "alert was raised for the client's clinicians. Follow the clinic's safety plan."
        )


def _answers(text: str) -> list[int]:
    """``0,1,2`` as integers (the scoring checks the count and ranges), or a one-line error."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 20 or not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
        raise fail(f"invalid --answers {text[:40]!r}: expected whole numbers separated by commas")
    return [int(p) for p in parts]
