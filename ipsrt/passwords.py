"""Password hashing (argon2id) and the password policy.

Hashes use argon2id with argon2-cffi's RFC 9106 low-memory profile (64 MiB,
t=3, p=4), above the OWASP minimum of m=19 MiB, t=2, p=1. The policy follows
ASVS 5.0 §6.2 and NIST SP 800-63B: at least 8 characters, at least 64
allowed (we allow 256), no composition rules, and a refusal of guessable
passwords judged by zxcvbn (score 3 of 4 or more, with the user's login and
client code counted as known words). The rules are in ``docs/security.md``.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from ipsrt.errors import InvalidInputError

MIN_LENGTH = 8
MAX_LENGTH = 256

#: The lowest zxcvbn score accepted (0-4). Score 3 means zxcvbn estimates at
#: least 10^8 guesses: out of reach online, and slow offline against argon2id.
MIN_SCORE = 3
#: zxcvbn scores at most this many characters (its own default limit, which
#: bounds its running time); characters beyond it only add strength.
SCORED_LENGTH = 72

# zxcvbn keeps the user inputs of the current call in a module-level
# dictionary, so two threads scoring at once could see each other's inputs.
_ZXCVBN_LOCK = threading.Lock()

_HASHER = PasswordHasher()

__all__ = [
    "MIN_SCORE",
    "WeakPasswordError",
    "check_policy",
    "hash_password",
    "needs_rehash",
    "rehash_password",
    "verify_password",
]


class WeakPasswordError(InvalidInputError):
    """The password breaks the policy."""


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _strength_feedback(password: str, user_inputs: Iterable[str]) -> tuple[int, str]:
    """zxcvbn's score (0-4) of *password* and its advice as one line (never the password)."""
    with _ZXCVBN_LOCK:
        result = zxcvbn(
            password[:SCORED_LENGTH],
            user_inputs=[text for text in user_inputs if text],
            max_length=SCORED_LENGTH,
        )
    feedback = result.get("feedback") or {}
    advice = [str(feedback.get("warning") or "").strip()]
    advice += [str(s).strip() for s in feedback.get("suggestions") or []]
    return int(result["score"]), " ".join(a if a.endswith(".") else a + "." for a in advice if a)


def check_policy(password: str, user_inputs: Iterable[str] = ()) -> None:
    """Raise :class:`WeakPasswordError` (one line, no echo of the password) if unacceptable.

    Parameters
    ----------
    password
        The candidate, compared after NFKC normalisation.
    user_inputs
        Words known to the attacker that must not carry the password's
        strength: the user's login, their client code.

    Notes
    -----
    Accepted: 8 to 256 characters (after NFKC) and a zxcvbn score of at
    least :data:`MIN_SCORE` (Wheeler 2016, "zxcvbn: Low-Budget Password
    Strength Estimation", USENIX Security). No composition rules (NIST SP
    800-63B §3.1.1.2; OWASP ASVS 5.0 §6.2).
    """
    if not isinstance(password, str):
        raise WeakPasswordError("password must be text")
    normal = _normalise(password)
    if len(normal) < MIN_LENGTH:
        raise WeakPasswordError(f"password too short: use at least {MIN_LENGTH} characters")
    if len(normal) > MAX_LENGTH:
        raise WeakPasswordError(f"password too long: use at most {MAX_LENGTH} characters")
    score, advice = _strength_feedback(normal, user_inputs)
    if score < MIN_SCORE:
        raise WeakPasswordError(
            f"password too easy to guess (zxcvbn score {score} of 4, {MIN_SCORE} needed): "
            + (advice or "Add another word or two. Uncommon words are better.")
        )


def hash_password(password: str, user_inputs: Iterable[str] = ()) -> str:
    """Check the policy (:func:`check_policy`), then return an argon2id hash (``$argon2id$...``)."""
    check_policy(password, user_inputs)
    return _HASHER.hash(_normalise(password))


def rehash_password(password: str) -> str:
    """A fresh argon2id hash of a password that just verified against an older hash.

    The policy is not applied again: the person signing in keeps their
    password until they change it, even if the policy has since tightened.
    """
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
