"""Password hashing and policy (OWASP ASVS 5.0 §6.2, NIST SP 800-63B; docs/security.md
"Passwords"). Expected strengths are zxcvbn 4.5's own scores of each password."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from ipsrt.passwords import (
    WeakPasswordError,
    check_policy,
    hash_password,
    needs_rehash,
    rehash_password,
    verify_password,
)


def test_hash_is_argon2id_at_or_above_owasp_minimum() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    parameters = extract_parameters(stored)
    assert parameters.memory_cost >= 19_456
    assert parameters.time_cost >= 2
    assert not needs_rehash(stored)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password123", "zxcvbn score 0 of 4"),
        ("PASSWORD123", "zxcvbn score 1 of 4"),
        ("abcdefghij", "sequences"),
        ("qwertyuiop[]", "keyboard"),
        ("aaaaaaaaaaaa", "repeats"),
        ("Summer2026!", "zxcvbn score"),
        ("abc", "too short"),
        ("1234567", "too short"),
        ("", "too short"),
        ("x" * 257, "too long"),
    ],
)
def test_weak_passwords_are_refused_in_one_line_without_echo(password: str, reason: str) -> None:
    with pytest.raises(WeakPasswordError) as caught:
        hash_password(password)
    message = str(caught.value)
    assert reason in message.lower() or reason in message
    assert "\n" not in message
    assert password == "" or password not in message


@pytest.mark.parametrize(
    ("password", "words"),
    [("zorvexquill2026", ["zorvexquill"]), ("K9X3P2k9x3p2", ["someone", "K9X3P2"])],
)
def test_login_and_client_code_count_as_known_words(password: str, words: list[str]) -> None:
    check_policy(password)  # zxcvbn score 4 with no known words
    with pytest.raises(WeakPasswordError, match="zxcvbn score 1 of 4"):
        check_policy(password, words)


def test_long_unicode_passphrase_is_accepted_and_verifies_unmodified() -> None:
    passphrase = ("Ünïcødé pässphrase — 日本語の文章も大丈夫です, tout à fait! 🙂" * 2)[:64]
    assert len(passphrase) == 64
    stored = hash_password(passphrase)
    assert verify_password(stored, passphrase)
    assert not verify_password(stored, passphrase[:-1])
    assert not verify_password("not a hash", passphrase)


def test_nfkc_equivalent_passwords_verify() -> None:
    stored = hash_password("ﬁve ｆｕｌｌｗｉｄｔｈ words here")
    assert verify_password(stored, "five fullwidth words here")


def test_no_composition_rules_a_lowercase_passphrase_is_enough() -> None:
    check_policy("plum violin tuesday harbour")


def test_rehash_keeps_an_old_password_the_policy_now_refuses() -> None:
    stored = rehash_password("password123")
    assert verify_password(stored, "password123")
