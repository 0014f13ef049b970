"""Every ``ipsrt`` command, driven with random, extreme and malformed input (issue 12, item 6).

The commands are found by walking the Click command tree of the Typer app,
so a new command is fuzzed without editing this file; a command that must
not run here is listed in :data:`NOT_FUZZED` with the reason, and
:func:`test_every_command_is_fuzzed_or_listed` fails for a command that is
neither (or for a stale entry).

Each example runs one command in-process against a copy of a small clinic
database, with option values drawn from good values, extreme ones (400-digit
numbers, 0001-01-01 and 9999-12-31, a local time in the spring-forward gap
of Europe/Berlin), control characters, SQL-looking text and files of binary
bytes, huge numbers and DST-gap times. Whatever the input:

* the exit status is 0, 1 (a refused input) or 2 (a usage error);
* when it is not 0, standard error is exactly one line starting ``error:``;
* no Python traceback is printed or raised;
* when it is not 0, the database is unchanged, table by table, except for
  rows appended to the audit log (failed attempts are audited).

``make test`` runs :data:`EXAMPLES` examples per command, derandomized (the
same inputs every run). A longer, random run: ``make fuzz`` (sets
``IPSRT_FUZZ_EXAMPLES``, default 200 there).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsrt import DATABASE_URL_ENV_VAR
from ipsrt.cli import app, main

#: Examples per command; ``IPSRT_FUZZ_EXAMPLES`` raises it (``make fuzz``).
EXAMPLES = int(os.environ.get("IPSRT_FUZZ_EXAMPLES", "6"))
#: A long run is random; the bounded one in ``make test`` is the same every time.
LONG_RUN = "IPSRT_FUZZ_EXAMPLES" in os.environ

Command = tuple[str, ...]

#: Commands that are not run here, and why.
NOT_FUZZED: dict[Command, str] = {
    ("serve",): "starts a web server that runs until it is stopped",
    ("demo",): (
        "builds a whole demo database (about a minute) and, without --headless, serves "
        "until stopped; tests/cli/test_cli_demo.py runs it and its refusal"
    ),
}

#: Arguments always given to a command, and why (the variants left out are not fuzzed).
FORCED_ARGS: dict[Command, tuple[tuple[str, ...], str]] = {
    ("collect",): (
        ("--once", "--emulated"),
        "without --once collect runs until stopped; without --emulated it needs a "
        "Bluetooth adapter and real wearables",
    ),
    ("devices", "scan"): (
        ("--emulated", "--timeout", "0.1"),
        "a real scan needs a Bluetooth adapter (a --timeout drawn later overrides 0.1 s)",
    ),
    ("users", "add"): (
        ("--password-stdin",),
        "without it the password is prompted for on the terminal",
    ),
    ("users", "set-password"): (
        ("--password-stdin",),
        "without it the password is prompted for on the terminal",
    ),
}

#: At most this many examples for slow commands in the bounded run (seconds each).
SLOW: dict[Command, int] = {("collect",): 1, ("devices", "scan"): 2}

#: Failures found by this test in commands other areas are fixing (issue 12), by owner.
#: Remove an entry once its fix is merged; the test then runs strictly.
KNOWN_FAILURES: dict[Command, str] = {}

#: Inputs that make a command wait for ever: never drawn, listed for their owners.
KNOWN_HANGS: dict[Command, str] = {}

#: Well-formed values for options and arguments named like these (the clinic below
#: has them), so that an example can differ from a valid call in one value only.
GOOD_VALUES: dict[str, list[str]] = {
    "client": ["C001", "C002"],
    "code": ["C001", "C002"],
    "login": ["dr.lee", "admin1"],
    "clinician": ["dr.lee"],
    "by": ["dr.lee", "admin1"],
    "actor": ["dr.lee", "cli:root"],
    "tz": ["Europe/Berlin", "Australia/Lord_Howe"],
    "date": ["2026-11-30", "2026-11-02"],
    "from": ["2026-11-01"],
    "to": ["2026-11-30"],
    "since": ["2026-11-01"],
    "answers": ["0,0,0,0,0,0,0,0,1", "1,1,1,1,1"],
    "week-start": ["monday", "Sunday"],
    "items": ["srm5", "srm17"],
    "family": ["banglejs", "huami", "infinitime", "gatt-standard"],
    "address": ["C2:00:00:00:00:08", "12345678-1234-1234-1234-123456789ABC"],
    "action": ["user.", "client."],
    "name": ["Ann"],
    "mood": ["2", "-5"],
    "lookback": ["14"],
    "limit": ["5"],
    "timeout": ["0.1"],
    "window": ["1"],
}

#: Wrong but well-typed values for options named like these.
BAD_VALUES: dict[str, list[str]] = {
    "client": ["NOPE", "c001"],
    "code": ["NOPE", "C0:01"],
    "login": ["nobody"],
    "clinician": ["nobody", "admin1"],
    "by": ["nobody"],
    "actor": ["nobody"],
    "tz": ["Mars/Olympus", "../../etc/passwd"],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30", "1989-12-31", "2027-01-01"],
    "from": ["0001-01-01", "9999-12-31", "1989-12-31"],
    "to": ["9999-12-31", "0001-01-01", "2027-06-01"],
    "since": ["0001-01-01", "9999-12-31"],
    "lookback": ["1000000", "0"],
    "mood": ["6", "-6", "9" * 400],
    "timeout": ["0", "-1", "nan"],
    "window": ["0", str(2**63)],
    "alert_id": [str(2**63), "-1", "0"],
    "answers": ["0,0,0,0,0,0,0,0,9", "3,3,3,3,3,3,3,3,3,3", "1,,1", "1;1"],
    "week-start": ["funday"],
    "items": ["srm99"],
    "family": ["nokia"],
    "address": ["ZZ", "C2:00:00:00:00:07"],
    "action": ["%", "_"],
    "name": ["A" * 300],
}

#: The only values drawn for options whose well-formed large values take that long to
#: run (a 10**6 s scan is a request, not a bug): quick ones and refused ones.
BOUNDED_OPTIONS: dict[tuple[Command, str], list[str]] = {
    (("devices", "scan"), "timeout"): ["0.1", "0.2", "0", "-1", "nan", "inf", "1e400", "abc"],
    (("collect",), "window"): ["1", "0", "-1", "abc", "9" * 400],
}

#: Malformed and extreme text tried for every option and argument.
HOSTILE_TEXT = [
    "",
    " ",
    "-1",
    "0",
    "9" * 400,
    "-" + "9" * 400,
    "1e400",
    "nan",
    "inf",
    "0001-01-01",
    "9999-12-31",
    "2026-03-29 02:30",
    "2026-03-29T02:30:00",
    "2026-13-45",
    "'; DROP TABLE client; --",
    "C001' OR '1'='1",
    "\x1b[2J\x1b[31mred",
    "tab\there\nnew line\r",
    "\u202eevil",
    "ünïcödé/日本",
    "a" * 5000,
    "--help-me",
]

#: File contents tried wherever a command reads a file.
FILE_CONTENTS: list[bytes] = [
    b"",
    bytes(range(256)) * 4,
    b"\xff\xfe\x00\x00binary\x00\x01",
    b"date,time,counts\n2026-03-29,02:30,5\n2026-03-29,03:30,7\n",
    b"timestamp,counts\n2026-03-29 02:30:00,5\n2026-03-29 02:31:00,abc\n",
    b"date,wake_up,wake_up_people\n2026-11-30,07:00,1\n",
    b"date,wake_up\n0001-01-01,07:00\n9999-12-31,25:61\n",
    b"Name\nID\n01-Jan-2026\n12:00\n1\n" + b"9" * 400 + b"\n",
    b"x,y\n" + b"1,2\n" * 2000,
    "café,é\nabc,\x1b[2J\n".encode(),
]


def all_commands() -> dict[Command, Any]:
    """Every leaf command of the app, by its words (``("clients", "add")``)."""
    found: dict[Command, Any] = {}

    def walk(command: Any, path: Command) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        else:
            found[path] = command

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = all_commands()
FUZZED = sorted(c for c in COMMANDS if c not in NOT_FUZZED)


def _param_key(param: Any) -> str:
    """The name a parameter is known by: ``--client`` -> ``client``, argument ``login``."""
    long = [o for o in param.opts if o.startswith("--")]
    return long[0][2:] if long else str(param.name)


_FILE_NUMBERS = itertools.count()


@st.composite
def _file_values(draw: st.DrawFn, workdir: Path) -> str:
    kind = draw(st.sampled_from(["content", "content", "content", "missing", "directory"]))
    if kind == "missing":
        return str(workdir / "does-not-exist.csv")
    if kind == "directory":
        return str(workdir)
    content = draw(st.one_of(st.sampled_from(FILE_CONTENTS), st.binary(max_size=300)))
    suffix = draw(st.sampled_from([".csv", ".awd", ".txt", ".key", ""]))
    path = workdir / f"input{next(_FILE_NUMBERS)}{suffix}"
    path.write_bytes(content)
    return str(path)


FREE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


def _kind(param: Any) -> str:
    """``flag``, ``choice``, ``file``, ``int``, ``float`` or ``text``; TypeError otherwise."""
    desc = param.type_descriptor
    if getattr(param, "is_flag", False):
        return "flag"
    if desc.is_choice:
        return "choice"
    if desc.is_path or (desc.is_list and "Path" in str(desc.annotation)):
        return "file"
    for kind, annotation in (("int", int), ("float", float), ("text", str)):
        if desc.annotation is annotation:
            return kind
    raise TypeError(f"no values for {param.opts} of type {desc.annotation!r}")


def good_value(param: Any, workdir: Path) -> st.SearchStrategy[str]:
    """A well-formed value for *param* (what a careful admin would type)."""
    kind, key = _kind(param), _param_key(param)
    if key in GOOD_VALUES:
        return st.sampled_from(GOOD_VALUES[key])
    if kind == "choice":
        return st.sampled_from([str(getattr(c, "value", c)) for c in param.type_descriptor.choices])
    if kind == "file":
        return _file_values(workdir)
    if kind in ("int", "float"):
        return st.sampled_from(["1", "2", "7"])
    return st.sampled_from(["C001", "x"])


def bad_value(param: Any, workdir: Path) -> st.SearchStrategy[str]:
    """A malformed, extreme or hostile value for *param*."""
    kind, key = _kind(param), _param_key(param)
    pools = [st.sampled_from(HOSTILE_TEXT), FREE_TEXT]
    if key in BAD_VALUES:
        pools.insert(0, st.sampled_from(BAD_VALUES[key]))
    if kind == "file":
        pools.insert(0, _file_values(workdir))
    elif kind in ("int", "float"):
        numbers = ["0", "-1", str(2**63), str(-(2**63) - 1), "9" * 400, "1.5", "1e3", "0x10"]
        if kind == "float":
            numbers += ["nan", "inf", "-inf", "1e-300"]
        pools.insert(0, st.sampled_from(numbers))
        pools.insert(1, st.integers(-(10**12), 10**12).map(str))
    return st.one_of(*pools)


def _words(param: Any, value: str) -> list[str]:
    """The command-line words of *param* set to *value*."""
    if param.param_type_name != "option":
        return [value]
    opt = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return [opt] if _kind(param) == "flag" else [opt, value]


def fuzzed_params(command: Command) -> list[Any]:
    """The parameters drawn for *command* (not ``--db``, ``--help`` or eager ones)."""
    return [
        p
        for p in COMMANDS[command].params
        if p.name not in ("db", "help") and not getattr(p, "is_eager", False)
    ]


def command_args(command: Command, workdir: Path) -> st.SearchStrategy[list[str]]:
    """Random arguments for *command*, forced ones first (a later value overrides).

    Two examples in three are a well-formed call with ONE parameter made
    malformed, extreme or hostile (the likeliest way to reach a deep bug);
    the third draws every parameter at random, left out included.
    """
    params = fuzzed_params(command)
    forced = list(FORCED_ARGS.get(command, ((), ""))[0])

    @st.composite
    def draw_args(draw: st.DrawFn) -> list[str]:
        one_bad = bool(params) and draw(st.integers(0, 2)) < 2
        target = draw(st.integers(0, len(params) - 1)) if one_bad else -1
        options: list[str] = []
        arguments: list[str] = []
        for index, param in enumerate(params):
            if index == target:
                given, hostile = True, _kind(param) != "flag"
            elif one_bad:
                given, hostile = param.required or draw(st.booleans()), False
            else:
                # A required parameter is left out 1 time in 10, an optional one 4 in 10.
                given = draw(st.integers(0, 9)) >= (1 if param.required else 4)
                hostile = draw(st.booleans())
            if not given:
                continue
            bounded = BOUNDED_OPTIONS.get((command, _param_key(param)))
            if _kind(param) == "flag":
                value = ""
            elif bounded is not None:
                value = draw(st.sampled_from(bounded))
            elif hostile:
                value = draw(bad_value(param, workdir))
            else:
                value = draw(good_value(param, workdir))
            (options if param.param_type_name == "option" else arguments).extend(
                _words(param, value)
            )
        return [*forced, *options, *arguments]

    return draw_args()


# -- the clinic database every example starts from ------------------------------------


def _run(argv: list[str], stdin: str = "") -> tuple[int | None, str, str, BaseException | None]:
    """Run ``ipsrt`` in this process: exit status, stdout, stderr and any escaped exception."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin, saved_env = sys.stdin, os.environ.get(DATABASE_URL_ENV_VAR)
    sys.stdin = io.StringIO(stdin)
    code: int | None = None
    escaped: BaseException | None = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException as exc:  # noqa: BLE001 (a traceback is what this test looks for)
        escaped = exc
    finally:
        sys.stdin = saved_stdin
        if saved_env is None:
            os.environ.pop(DATABASE_URL_ENV_VAR, None)
        else:
            os.environ[DATABASE_URL_ENV_VAR] = saved_env
    return code, out.getvalue(), err.getvalue(), escaped


def _ok(argv: list[str], stdin: str = "") -> None:
    code, out, err, escaped = _run(argv, stdin)
    assert escaped is None, (argv, out, err, escaped)
    assert code == 0, (argv, code, out, err)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a small clinic database: clients, users, a device, records, an alert."""
    folder = tmp_path_factory.mktemp("clinic")
    db = ["--db", f"sqlite:///{folder / 'ipsrt.sqlite3'}"]
    password = "Str0ng-and-private-passphrase\n"
    _ok([*db, "init"])
    _ok([*db, "clients", "add", "--code", "C001", "--tz", "Europe/Berlin", "--name", "Ann"])
    _ok([*db, "clients", "add", "--code", "C002", "--tz", "Australia/Lord_Howe"])
    _ok([*db, "users", "add", "dr.lee", "--role", "clinician", "--password-stdin"], password)
    _ok([*db, "users", "add", "admin1", "--role", "admin", "--password-stdin"], password)
    _ok([*db, "assign", "dr.lee", "C001"])
    _ok([*db, "devices", "add", "--family", "banglejs", "--address", "C2:00:00:00:00:07",
         "--client", "C001"])  # fmt: skip
    _ok([*db, "mood", "add", "--client", "C001", "--date", "2026-11-30", "--mood", "2"])
    _ok([*db, "scales", "add", "phq9", "--client", "C001", "--date", "2026-11-30",
         "--answers", "1,1,1,1,1,1,1,1,1"])  # fmt: skip
    return folder


def table_dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the SQLite file, sorted (the comparison is order-free)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }
    finally:
        conn.close()


def _changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Tables whose rows differ; the audit log may only have grown (failed attempts)."""
    changed = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if name == "audit_event" and old is not None and new is not None:
            if not set(old) <= set(new):
                changed.append(name)
        elif old != new:
            changed.append(name)
    return changed


@contextlib.contextmanager
def _copy_of(clinic: Path, workdir: Path) -> Iterator[Path]:
    target = workdir / f"db{next(_FILE_NUMBERS)}"
    shutil.copytree(clinic, target)
    try:
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


def contract_breaches(
    code: int | None,
    err: str,
    printed: str,
    escaped: BaseException | None,
    changed: list[str],
) -> list[str]:
    """What a run did against the contract in the module docstring (empty: nothing)."""
    found = []
    if escaped is not None:
        found.append(f"exception {escaped!r} escaped")
    if "Traceback (most recent call last)" in printed:
        found.append("traceback printed")
    if code not in (0, 1, 2):
        found.append(f"exit status {code}")
    if code != 0:
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("error:"):
            found.append("stderr is not one line starting 'error:'")
        if changed:
            found.append(f"the failed command changed {', '.join(changed)}")
    return found


def check_one_run(
    clinic: Path, workdir: Path, command: Command, args: list[str], stdin: str
) -> None:
    """Run *command* with *args* on a copy of the clinic and check the contract."""
    with _copy_of(clinic, workdir) as folder:
        database = folder / "ipsrt.sqlite3"
        before = table_dump(database)
        argv = ["--db", f"sqlite:///{database}", *command, *args]
        code, out, err, escaped = _run(argv, stdin)
        changed = _changed_tables(before, table_dump(database)) if code != 0 else []
        breaches = contract_breaches(code, err, out + err, escaped, changed)
        assert not breaches, (
            f"{'; '.join(breaches)}\nipsrt {' '.join(map(repr, argv[2:]))}\nexit {code}\n"
            f"stdout: {out[-2000:]!r}\nstderr: {err[-2000:]!r}"
        )


def _fuzz_settings(command: Command) -> settings:
    examples = EXAMPLES if LONG_RUN else min(EXAMPLES, SLOW.get(command, EXAMPLES))
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not LONG_RUN,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _marks(command: Command) -> list[Any]:
    if command in KNOWN_FAILURES:
        return [pytest.mark.xfail(reason=KNOWN_FAILURES[command], strict=False)]
    return []


@pytest.mark.parametrize(
    "command", [pytest.param(c, id=" ".join(c), marks=_marks(c)) for c in FUZZED]
)
def test_command_survives_random_input(
    command: Command, clinic: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    workdir = tmp_path_factory.mktemp("fuzz")
    passwords = st.sampled_from(["Str0ng-and-private-passphrase\n", "", "short\n", "\x1b\n"])

    @_fuzz_settings(command)
    @given(args=command_args(command, workdir), stdin=passwords)
    def run(args: list[str], stdin: str) -> None:
        check_one_run(clinic, workdir, command, args, stdin)

    run()


def test_every_command_is_fuzzed_or_listed(tmp_path: Path) -> None:
    """A command is fuzzed unless listed with a reason; every list names real commands."""
    assert set(FUZZED) | set(NOT_FUZZED) == set(COMMANDS)
    for table in (NOT_FUZZED, KNOWN_FAILURES, KNOWN_HANGS, SLOW, FORCED_ARGS):
        stale = set(table) - set(COMMANDS)
        assert not stale, f"entries for commands that do not exist: {stale}"
    for command, _option in BOUNDED_OPTIONS:
        stale = {command} - set(COMMANDS)
        assert not stale, f"entries for commands that do not exist: {stale}"
    assert all(reason.strip() for reason in NOT_FUZZED.values())
    assert all(reason.strip() for _, reason in FORCED_ARGS.values())
    for command in FUZZED:
        for param in fuzzed_params(command):
            _kind(param)  # raises TypeError for a parameter type with no values


def test_the_contract_check_can_fail(clinic: Path, tmp_path: Path) -> None:
    """The checks catch a multi-line error, a traceback and a changed database."""
    with _copy_of(clinic, tmp_path) as folder:
        database = folder / "ipsrt.sqlite3"
        before = table_dump(database)
        _ok(["--db", f"sqlite:///{database}", "clients", "add", "--code", "C9", "--tz", "UTC"])
        changed = _changed_tables(before, table_dump(database))
    assert changed == ["client"]
    assert contract_breaches(1, "error: x\n", "", None, changed)
    assert contract_breaches(1, "error: x\nmore\n", "", None, [])
    assert contract_breaches(0, "", "Traceback (most recent call last):", None, [])
    assert contract_breaches(3, "error: x\n", "", None, [])
    assert not contract_breaches(1, "error: x\n", "", None, [])
    code, _out, err, escaped = _run(["--db", f"sqlite:///{clinic / 'ipsrt.sqlite3'}", "nope"])
    assert (code, escaped) == (2, None)
    assert contract_breaches(code, err, err, escaped, []) == []
