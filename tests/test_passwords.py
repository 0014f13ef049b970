"""Password hashing and policy (OWASP ASVS 5.0 §6.2; docs/architecture.md "Accounts")."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from ipsrt.passwords import WeakPasswordError, hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_at_or_above_owasp_minimum() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    parameters = extract_parameters(stored)
    assert parameters.memory_cost >= 19_456
    assert parameters.time_cost >= 2
    assert not needs_rehash(stored)


@pytest.mark.parametrize("password", ["password123", "PASSWORD123", "abc", "1234567", ""])
def test_weak_passwords_are_refused_without_echo(password: str) -> None:
    with pytest.raises(WeakPasswordError) as caught:
        hash_password(password)
    assert password == "" or password not in str(caught.value)


def test_long_unicode_passphrase_verifies_unmodified() -> None:
    passphrase = ("Ünïcødé pässphrase — 日本語の文章も大丈夫です, tout à fait! 🙂" * 2)[:64]
    assert len(passphrase) == 64
    stored = hash_password(passphrase)
    assert verify_password(stored, passphrase)
    assert not verify_password(stored, passphrase[:-1])
    assert not verify_password("not a hash", passphrase)
