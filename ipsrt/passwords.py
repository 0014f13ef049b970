"""Password hashing (argon2id) and the password policy.

Hashes use argon2id with argon2-cffi's RFC 9106 low-memory profile (64 MiB,
t=3, p=4), above the OWASP minimum of m=19 MiB, t=2, p=1. The policy follows
ASVS 5.0 §6.2: at least 8 characters, at least 64 allowed (we allow 256), no
composition rules, and a refusal of very common passwords.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ipsrt.errors import InvalidInputError

MIN_LENGTH = 8
MAX_LENGTH = 256

# A short list of passwords that top every breach corpus; a clinic can extend
# it. Compared case-insensitively after NFKC normalisation.
COMMON_PASSWORDS = frozenset(
    [
        "password",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "12345678",
        "123456789",
        "1234567890",
        "0123456789",
        "87654321",
        "11111111",
        "00000000",
        "12341234",
        "qwertyui",
        "qwerty123",
        "qwertyuiop",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "1qaz2wsx",
        "zaq12wsx",
        "asdfghjk",
        "iloveyou",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome1",
        "welcome123",
        "trustno1",
        "letmein1",
        "letmein123",
        "abcd1234",
        "abc12345",
        "admin123",
        "administrator",
        "changeme",
        "changeme123",
        "superman",
        "batman123",
        "dragon123",
        "monkey123",
        "master123",
        "secret123",
    ]
)

_HASHER = PasswordHasher()

__all__ = ["check_policy", "hash_password", "needs_rehash", "verify_password"]


class WeakPasswordError(InvalidInputError):
    """The password breaks the policy."""


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_policy(password: str) -> None:
    """Raise :class:`WeakPasswordError` (one line, no echo of the password) if unacceptable."""
    if not isinstance(password, str):
        raise WeakPasswordError("password must be text")
    length = len(_normalise(password))
    if length < MIN_LENGTH:
        raise WeakPasswordError(f"password too short: use at least {MIN_LENGTH} characters")
    if length > MAX_LENGTH:
        raise WeakPasswordError(f"password too long: use at most {MAX_LENGTH} characters")
    if _normalise(password).casefold() in COMMON_PASSWORDS:
        raise WeakPasswordError("password is too common: choose a passphrase of your own")


def hash_password(password: str) -> str:
    """Check the policy, then return an argon2id hash (``$argon2id$...``)."""
    check_policy(password)
    return _HASHER.hash(_normalise(password))


def verify_password(stored_hash: str, password: str) -> bool:
    """True when *password* matches *stored_hash*; never raises on a mismatch."""
    try:
        return _HASHER.verify(stored_hash, _normalise(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored_hash)
