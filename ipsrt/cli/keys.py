"""``ipsrt keys new|status|rotate``: the key that seals device keys at rest.

Where the key lives and how rotation stays readable after a crash:
``docs/security.md``, "Secrets at rest" (:mod:`ipsrt.store.secret_keys`,
:mod:`ipsrt.store.device_secrets`). The store is imported inside the
commands only.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from ipsrt.cli.common import (
    DbOption,
    JsonOption,
    handle_errors,
    open_store,
    operator,
    print_json,
    shown,
    stdout,
    utc_now,
)

if TYPE_CHECKING:
    from ipsrt.store import Store

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

keys_app = typer.Typer(
    help="The secret key that encrypts device keys in the database.", no_args_is_help=True
)


def _note(message: str) -> None:
    print(f"note: {shown(message)}", file=sys.stderr)


def secure_database(store: Store, *, json_out: bool = False) -> None:
    """What ``ipsrt init`` and ``ipsrt db upgrade`` do for secrets and file modes.

    Restricts the SQLite files to their owner, creates the key file if the
    key lives in one that does not exist, and seals device keys an older
    version stored in plain text (audited). Says what it changed: on
    standard output, or on standard error when *json_out* keeps standard
    output for the command's JSON.
    """
    out = stderr if json_out else stdout
    from ipsrt.store.engine import parse_url, sqlite_path
    from ipsrt.store.private_files import tighten_database_files

    path = sqlite_path(parse_url(store.url))
    if path is not None:
        for changed in tighten_database_files(path):
            _note(f"{changed} was readable by others: now mode 600 (owner only)")
    created = store.secrets.create_key()
    source = store.secrets.source
    sealed = store.secrets.seal_plaintext(now=utc_now(), actor=operator())
    if sealed:
        out.print(f"Encrypted {sealed} device key(s) an older version stored unencrypted.")
    if source.exists():
        verb = "Created" if created else "Secret key:"
        out.print(
            f"{verb} {shown(source.describe())}: keep it private and back it up apart from "
            "the database (docs/security.md)."
        )
    elif store.secrets.census()["sealed"]:
        _note(source.missing_message("open the device keys stored sealed"))
    else:
        _note(source.missing_message("store Huami device keys"))


@keys_app.command("new")
@handle_errors
def keys_new() -> None:
    """Print a new random key (for IPSRT_SECRET_KEY or a key file of your own)."""
    from ipsrt.store.secret_box import new_key

    print(new_key())


@keys_app.command("status")
@handle_errors
def keys_status(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Where the key comes from, its ids, and the stored secrets by key (never a key)."""
    with open_store(db) as store:
        source = store.secrets.source
        census = store.secrets.census()
        key_ids = store.secrets.box("read the keys").key_ids if source.exists() else []
    row: dict[str, Any] = {
        "key_source": source.describe(),
        "key_present": source.exists(),
        "key_ids": key_ids,
        "sealed_by_key": census["sealed"],
        "plaintext": census["plaintext"],
        "unopenable": sum(n for k, n in census["sealed"].items() if k not in key_ids),
    }
    if json_output:
        print_json(row)
        return
    stdout.print(f"key source: {shown(row['key_source'])}")
    stdout.print(f"key ids (first seals): {', '.join(key_ids) or 'none'}")
    sealed = ", ".join(f"{n} under {k}" for k, n in census["sealed"].items()) or "none"
    stdout.print(f"sealed device keys: {sealed}")
    if row["plaintext"]:
        stdout.print(f"unencrypted device keys: {row['plaintext']} (run 'ipsrt db upgrade')")
    if row["unopenable"]:
        stdout.print(f"device keys no key here opens: {row['unopenable']}")


@keys_app.command("rotate")
@handle_errors
def keys_rotate(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Replace the key and re-encrypt every device key under the new one (audited)."""
    with open_store(db) as store:
        rotation = store.secrets.rotate(now=utc_now(), actor=operator())
    if json_output:
        print_json(rotation.as_dict())
        return
    stdout.print(
        f"New key {rotation.new_key_id} in {shown(rotation.key_source)}; "
        f"{rotation.resealed} device key(s) re-encrypted"
        + (f" ({rotation.sealed_plaintext} were unencrypted)" if rotation.sealed_plaintext else "")
        + "".join(
            f", {n} {name.replace('_', ' ')} re-encrypted" for name, n in rotation.others.items()
        )
        + ". Back up the key now: the old key no longer opens anything."
    )
