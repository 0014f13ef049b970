"""Where the key that seals stored secrets lives, and reading and writing it.

The key is never in the database. It is looked for in this order
(``docs/security.md``, "Secrets at rest"):

1. ``IPSRT_SECRET_KEY``: the key itself (several keys separated by commas or
   spaces: the first seals, the others only open older tokens);
2. ``IPSRT_SECRET_KEY_FILE``: the path of a key file;
3. for a SQLite database file, the key file beside it: ``<database>.key``.

A PostgreSQL (or in-memory) database has no default: one of the variables
must be set before a secret is stored or read. Setting both variables is
refused, so it is never unclear which key is used.

A key file holds one key per line, newest first; blank lines and lines
starting with ``#`` are ignored. It must not be accessible by group or
others (mode 0600, as the tracker creates it), and is at most 64 KiB.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL

from ipsrt.errors import SecretKeyError
from ipsrt.store.engine import sqlite_path
from ipsrt.store.private_files import check_private, write_private_file
from ipsrt.store.secret_box import SecretBox, new_key, parse_key

__all__ = [
    "KEY_ENV_VAR",
    "KEY_FILE_ENV_VAR",
    "KEY_FILE_SUFFIX",
    "KeySource",
    "locate_key",
]

KEY_ENV_VAR = "IPSRT_SECRET_KEY"
KEY_FILE_ENV_VAR = "IPSRT_SECRET_KEY_FILE"
KEY_FILE_SUFFIX = ".key"
MAX_KEY_FILE_BYTES = 64 * 1024
_HEADER = (
    "# ipsrt secret key: it encrypts the device keys stored in the database.\n"
    "# Keep it private (mode 600) and back it up apart from the database: without it\n"
    "# every Huami band must be paired again. One key per line, newest first.\n"
    "# See docs/security.md, 'Secrets at rest'.\n"
)


@dataclasses.dataclass(frozen=True)
class KeySource:
    """Where one database's key comes from.

    Attributes
    ----------
    origin
        ``environment`` (``IPSRT_SECRET_KEY``), ``file`` (``IPSRT_SECRET_KEY_FILE``),
        ``beside-database`` (``<database>.key``) or ``none`` (nothing to use).
    path
        The key file, for the two file origins.
    text
        The keys, for the ``environment`` origin (never shown).
    """

    origin: str
    path: Path | None = None
    text: str = dataclasses.field(default="", repr=False)

    def describe(self) -> str:
        """Where the key comes from, for messages (never the key)."""
        if self.origin == "environment":
            return KEY_ENV_VAR
        if self.origin == "file":
            return f"key file {self.path} ({KEY_FILE_ENV_VAR})"
        if self.origin == "beside-database":
            return f"key file {self.path}"
        return "no key source"

    @property
    def writable(self) -> bool:
        """Whether the tracker keeps this key in a file it may create and replace."""
        return self.path is not None

    def missing_message(self, purpose: str) -> str:
        """The one-line error when no key is there to *purpose*."""
        if self.origin == "none":
            return (
                f"no secret key to {purpose}: set {KEY_FILE_ENV_VAR} to a key file or "
                f"{KEY_ENV_VAR} to a key ('ipsrt keys new' makes one; docs/security.md)"
            )
        if purpose.startswith("store"):
            return (
                f"no secret key to {purpose}: {self.describe()} does not exist; run 'ipsrt init' "
                f"to create it, or set {KEY_FILE_ENV_VAR} to the key file (docs/security.md)"
            )
        return (
            f"no secret key to {purpose}: {self.describe()} does not exist; restore it from a "
            f"backup or set {KEY_FILE_ENV_VAR} to it (lost: pair the devices again; "
            "docs/security.md)"
        )

    def exists(self) -> bool:
        """Whether a key is there (a key file exists, or the variable is set)."""
        if self.origin == "environment":
            return True
        return self.path is not None and self.path.exists()

    def keys(self, purpose: str) -> list[str]:
        """The keys, newest first, or :class:`SecretKeyError` in one line."""
        if self.origin == "environment":
            parts = [p for p in re.split(r"[\s,]+", self.text) if p]
            if not parts:
                raise SecretKeyError(f"{KEY_ENV_VAR} is set but empty")
            return [parse_key(p, f"{KEY_ENV_VAR} (key {n})") for n, p in enumerate(parts, 1)]
        if self.path is None or not self.path.exists():
            raise SecretKeyError(self.missing_message(purpose))
        return _read_key_file(self.path, self.describe())

    def box(self, purpose: str) -> SecretBox:
        """A :class:`SecretBox` over the keys (read afresh each time)."""
        return SecretBox(self.keys(purpose), source=self.describe())

    def create(self) -> bool:
        """Create the key file with one new key if it does not exist; whether it did."""
        if self.path is None or self.path.exists():
            return False
        try:
            write_private_file(self.path, f"{_HEADER}{new_key()}\n", replace=False)
        except FileExistsError:
            return False
        except OSError as exc:
            raise SecretKeyError(f"cannot create {self.describe()}: {exc.strerror or exc}") from exc
        return True

    def replace(self, keys: list[str]) -> None:
        """Write *keys* (newest first) as the key file, atomically (mode 0600)."""
        if self.path is None:
            raise SecretKeyError(f"{self.describe()} is not a file the tracker can write")
        try:
            write_private_file(self.path, _HEADER + "".join(f"{k}\n" for k in keys))
        except OSError as exc:
            raise SecretKeyError(f"cannot write {self.describe()}: {exc.strerror or exc}") from exc


def _read_key_file(path: Path, where: str) -> list[str]:
    try:
        with open(path, "rb") as handle:
            check_private(path, os.fstat(handle.fileno()).st_mode, "key file")
            raw = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise SecretKeyError(f"cannot read {where}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise SecretKeyError(f"{where} is larger than {MAX_KEY_FILE_BYTES // 1024} KiB")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise SecretKeyError(f"{where} is not a key file (it is not plain text)") from None
    lines = [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise SecretKeyError(f"{where} holds no key")
    return [parse_key(line, f"{where} line {n}") for n, line in lines]


def locate_key(url: URL, environ: Mapping[str, str] | None = None) -> KeySource:
    """Where the key of the database at *url* comes from (see the module docstring)."""
    env = os.environ if environ is None else environ
    text, file = env.get(KEY_ENV_VAR, ""), env.get(KEY_FILE_ENV_VAR, "")
    if text and file:
        raise SecretKeyError(f"both {KEY_ENV_VAR} and {KEY_FILE_ENV_VAR} are set: set only one")
    if text:
        return KeySource("environment", text=text)
    if file:
        return KeySource("file", path=Path(file).expanduser())
    database = sqlite_path(url)
    if database is not None:
        return KeySource(
            "beside-database", path=database.with_name(database.name + KEY_FILE_SUFFIX)
        )
    return KeySource("none")
