"""What every page module declares: its path, title, action and who sees it in the menu."""

from __future__ import annotations

import dataclasses
import re

from ipsrt.enums import Role
from ipsrt.reports.access import Action

__all__ = ["Page"]

_PARAM = re.compile(r"<([a-z_]+)>")


@dataclasses.dataclass(frozen=True)
class Page:
    """A page of the dashboard.

    *path* may hold parameters (``/clients/<code>``), passed to the page's
    ``layout`` as keyword arguments; *action* is what the viewer must be
    allowed (checked again by the layout for the client it names);
    *nav_roles* are the roles whose menu lists the page (pages with
    parameters are reached by links, not the menu).
    """

    path: str
    title: str
    action: Action
    nav_roles: tuple[Role, ...] = ()

    def match(self, pathname: str) -> dict[str, str] | None:
        """The path parameters when *pathname* is this page's, else ``None``.

        *pathname* comes from the browser: anything but text matches no page.
        """
        if not isinstance(pathname, str):
            return None
        pattern = "^" + _PARAM.sub(r"(?P<\1>[^/]{1,64})", re.escape(self.path)) + "/?$"
        found = re.match(pattern, pathname)
        return None if found is None else found.groupdict()
