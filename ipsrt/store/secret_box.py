"""Sealing short text with a secret key: what the tracker stores instead of a secret.

A :class:`SecretBox` holds one or more keys. It seals with the first and
unseals with whichever key sealed the token, so a key can be replaced
(rotated) while tokens sealed under the old one are still readable. Nothing
here knows about devices or the database; the store seals device keys with
it (``docs/security.md``, "Secrets at rest") and other secrets can use it the
same way.

A sealed token is ``sealed:v1:<key id>:<Fernet token>``:

* Fernet (AES-128-CBC with HMAC-SHA256 over version, time, IV and ciphertext;
  https://github.com/fernet/spec/blob/master/Spec.md) from ``cryptography``;
  its timestamp field is always 0: tokens never expire, and no clock is read.
* The key id is the first 8 hex digits of SHA-256 over a fixed label and the
  key. It tells which key sealed a token (so a wrong key is named, not just
  "cannot decrypt"), and reveals nothing usable about the key.

A key is 32 random bytes written as 44 characters of URL-safe base64 (the
Fernet key format), as :func:`new_key` makes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken

from ipsrt.errors import SecretKeyError

__all__ = [
    "SEALED_PREFIX",
    "SecretBox",
    "is_sealed",
    "key_id",
    "new_key",
    "parse_key",
    "sealed_key_id",
]

SEALED_PREFIX = "sealed:v1:"
_TOKEN = re.compile(r"sealed:v1:([0-9a-f]{8}):([A-Za-z0-9_=-]+)")
_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}=")
_KEY_ID_LABEL = b"ipsrt secret key id\x00"


def new_key() -> str:
    """A fresh random key as text (44 characters of URL-safe base64)."""
    return Fernet.generate_key().decode("ascii")


def parse_key(text: str, where: str) -> str:
    """*text* as a key, or :class:`SecretKeyError` naming *where* (never echoing *text*)."""
    candidate = text.strip()
    if _KEY_TEXT.fullmatch(candidate):
        try:
            if len(base64.urlsafe_b64decode(candidate)) == 32:
                return candidate
        except (binascii.Error, ValueError):
            pass
    raise SecretKeyError(
        f"malformed secret key in {where}: expected 44 characters of URL-safe base64 "
        "(make one with 'ipsrt keys new')"
    )


def key_id(key: str) -> str:
    """The key's id: 8 hex digits of SHA-256 over a fixed label and the key."""
    return hashlib.sha256(_KEY_ID_LABEL + key.encode("ascii")).hexdigest()[:8]


def is_sealed(value: str) -> bool:
    """Whether *value* has the form of a sealed token (not whether it can be opened)."""
    return _TOKEN.fullmatch(value) is not None


def sealed_key_id(token: str) -> str | None:
    """The id of the key that sealed *token*, or None when it is not a sealed token."""
    match = _TOKEN.fullmatch(token)
    return None if match is None else match.group(1)


class SecretBox:
    """Seal text with the first of *keys*; unseal tokens sealed with any of them.

    Parameters
    ----------
    keys
        Keys as text (:func:`new_key`), newest first; at least one.
    source
        Where the keys came from, for error messages (``key file /x/y.key``,
        ``IPSRT_SECRET_KEY``). Never the keys themselves.
    """

    def __init__(self, keys: Sequence[str], *, source: str) -> None:
        if not keys:
            raise SecretKeyError(f"no secret key in {source}")
        self.source = source
        self._fernets = {key_id(key): Fernet(key.encode("ascii")) for key in keys}
        self.key_ids = [key_id(key) for key in keys]

    @property
    def primary_id(self) -> str:
        """Id of the key that seals."""
        return self.key_ids[0]

    def seal(self, text: str) -> str:
        """*text* sealed under the first key (a new random IV each time)."""
        token = self._fernets[self.primary_id].encrypt_at_time(text.encode("utf-8"), 0)
        return f"{SEALED_PREFIX}{self.primary_id}:{token.decode('ascii')}"

    def unseal(self, token: str, *, what: str = "a secret") -> str:
        """The text sealed in *token*, or :class:`SecretKeyError` saying why not.

        *what* names the secret in the message (``the key of device 3``).
        """
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise SecretKeyError(f"{what} is not a sealed token")
        kid, body = match.groups()
        fernet = self._fernets.get(kid)
        if fernet is None:
            raise SecretKeyError(
                f"cannot decrypt {what}: it was sealed with key {kid}, which {self.source} "
                f"does not hold (it holds {', '.join(self.key_ids)}); use the key it was made with"
            )
        try:
            return fernet.decrypt(body.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeDecodeError):
            raise SecretKeyError(
                f"cannot decrypt {what} with key {kid} from {self.source}: the stored token "
                "is damaged or was altered"
            ) from None
