"""Text that is safe to show: control and format characters escaped.

Standard library only, so the command line can import it while ``ipsrt --help``
is built. One rule for every output: the dashboard's audit viewer and the
command line's tables and messages both go through :func:`printable`.
"""

from __future__ import annotations

import unicodedata

__all__ = ["printable"]

#: Unicode categories escaped: controls, format characters, surrogates, private
#: use, unassigned, and the line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str) -> str:
    r"""*text* with every control, format or separator character escaped as ``\xNN``/``\uNNNN``.

    Backslashes are doubled first, so an escape shown can only come from
    an escaped character, never from the text itself. An ANSI escape
    sequence in a name (``\x1b[2J`` clears a terminal) is shown as text.
    """
    out = []
    for char in text.replace("\\", "\\\\"):
        if unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
            )
        else:
            out.append(char)
    return "".join(out)
