"""The repository explains itself: no code, test or document names a file outside it.

Rules, formulas, thresholds and worked examples are stated in ``docs/`` with
public references; code and tests cite ``docs/`` or those references. This
test reads every tracked text file for names of files that live outside the
repository (the planning notes it was built from, or a developer's machine).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve()  # it spells the patterns out

# Built from pieces so that this file does not match itself.
_NOTES = "|".join(["metrics", "wearables", "reliability", "style", "users", "ipt"])
OUTSIDE = re.compile(
    r"\.\./shared"
    + r"|\bDESIGN"
    + r"\.md\b"
    + r"|\breference/\w+\.md\b"
    + rf"|(?<![\w/-])(?:{_NOTES})\.md\b"
    + r"|(?<![\w.])/work/"
)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".json", ".mako", ""}


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_tracked_file_names_a_file_outside_the_repository() -> None:
    offenders = []
    for path in tracked_files():
        if path.suffix not in TEXT_SUFFIXES or not path.is_file() or path == THIS_FILE:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:90]}")
    assert offenders == []


def test_the_pattern_catches_what_it_must() -> None:
    for line in (
        "see .." + "/shared/notes",
        "as DESIGN" + ".md says",
        "reference/" + "metrics.md §1.5",
        "(wearables" + ".md §7)",
        "/work/" + "pyact-venv/bin/python",
    ):
        assert OUTSIDE.search(line), line
    for line in ("docs/srm.md", "docs/devices.md, Wire formats", "README.md", "a/work/b"):
        assert not OUTSIDE.search(line), line
