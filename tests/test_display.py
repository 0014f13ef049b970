"""Escaping of text shown in tables, messages and the audit viewer."""

from ipsrt.display import printable


def test_printable_escapes_control_format_and_separator_characters() -> None:
    assert printable("plain é ü 中") == "plain é ü 中"
    assert printable("a\tb\r\n") == "a\\x09b\\x0d\\x0a"
    assert printable("\u200b\u2028\U000e0001") == "\\u200b\\u2028\\U000e0001"
    # A backslash in the text is doubled, so "\x1b" typed by someone is not an escape.
    assert printable("\\x1b") == "\\\\x1b"
