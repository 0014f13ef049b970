"""Write Philips Respironics Actiware CSV exports ("RPX") for the reader tests.

The layout follows the English, French and German exports that pyActigraphy's
``read_raw_rpx`` reads (its test files ``pyActigraphy/tests/data/
test_sample_rpx_*.csv``, https://github.com/ghammad/pyActigraphy): a quoted
header block of ``"Name:","value"`` fields, an "Epoch-by-Epoch Data" section,
a row of column titles and one row per epoch. Only the fields the project's
reader uses are written. Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

__all__ = ["actiware_csv"]

_LABELS = {
    "eng": {
        "title": "Actiware Export File  (Version 05.00 )",
        "identity": "Identity:",
        "device": "Actiwatch Type:",
        "start_date": "Data Collection Start Date:",
        "start_time": "Data Collection Start Time:",
        "end_date": "Data Collection End Date:",
        "epoch": "Epoch Length:",
        "serial": "Actiwatch Serial Number:",
        "section": "-------------------- Epoch-by-Epoch Data -------------------",
        "columns": ("Line", "Date", "Time", "Activity", "Marker", "Sleep/Wake"),
        "nan": "NaN",
    },
    "fr": {
        "title": "Fichier d'exportation Actiware (Version 05.00)",
        "identity": "Identité :",
        "device": "Type d'Actiwatch :",
        "start_date": "Date de début de la collecte des données :",
        "start_time": "Heure de début de la collecte des données :",
        "end_date": "Date de fin de la collecte des données :",
        "epoch": "Longueur de la période :",
        "serial": "Numéro de série de l'Actiwatch :",
        "section": "-------------------- Données période par période -------------------",
        "columns": ("Ligne", "Date", "Heure", "Activité", "Marqueur", "Sommeil/Éveil"),
        "nan": "NAN",
    },
    "ger": {
        "title": "Actiware-Exportdatei (Version 05.00 )",
        "identity": "Identität:",
        "device": "Actiwatch-Typ:",
        "start_date": "Startdatum der Datenerfassung:",
        "start_time": "Startzeit der Datenerfassung:",
        "end_date": "Enddatum der Datenerfassung:",
        "epoch": "Epochenlänge:",
        "serial": "Actiwatch-Seriennummer:",
        "section": "-------------------- Daten nach Epochen -------------------",
        "columns": ("Zeile", "Datum", "Zeit", "Aktivität", "Markierung", "Schlaf/Wach"),
        "nan": "kZ",
    },
}


def _q(*cells: object) -> str:
    return ",".join(f'"{c}"' for c in cells)


def actiware_csv(
    start: dt.datetime,
    counts: Sequence[float | None],
    *,
    epoch_seconds: int = 30,
    date_format: str = "%m/%d/%Y",
    time_format: str = "%H:%M:%S",
    language: str = "eng",
    subject: str = "S03",
    serial: str = "A123",
    end_date: str | None = None,
    newline: str = "\r\n",
) -> str:
    """Text of an Actiware export with one epoch row per count (``None`` = missing).

    Dates and times are written with *date_format* / *time_format* (e.g.
    ``"%d/%m/%Y"``, ``"%d.%m.%Y"``, ``"%I:%M:%S %p"``). The header's end date
    is the last epoch's date unless *end_date* gives another text.
    """
    labels = _LABELS[language]
    step = dt.timedelta(seconds=epoch_seconds)
    last = start + step * (len(counts) - 1)
    lines = [
        _q(labels["title"]),
        "",
        _q(labels["identity"], subject),
        _q(labels["device"], "Actiwatch 2"),
        _q(labels["start_date"], start.strftime(date_format)),
        _q(labels["start_time"], start.strftime(time_format)),
        _q(labels["end_date"], end_date if end_date is not None else last.strftime(date_format)),
        _q(labels["epoch"], epoch_seconds, "seconds", ""),
        _q(labels["serial"], serial),
        "",
        _q(labels["section"]),
        "",
        _q(*labels["columns"]) + ",",
        "",
    ]
    for i, count in enumerate(counts):
        at = start + step * i
        value = labels["nan"] if count is None else f"{count:g}"
        row = (i + 1, at.strftime(date_format), at.strftime(time_format), value, 0, 1)
        lines.append(_q(*row) + ",")
    return newline.join(lines) + newline
