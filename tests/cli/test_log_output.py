"""One logging setup for the command line (``ipsrt.cli.log_output``, ``ipsrt -v``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ipsrt.cli import main
from ipsrt.cli.log_output import configure_logging


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _emit() -> None:
    logging.getLogger("bumble.controller").warning("!!! no connection for handle 0x0001")
    logging.getLogger("devices.collector").info("device 1 (huami): retry")
    logging.getLogger("ipsrt.store.samples").warning("1 stored minute re-sent\nwith a twist")
    logging.debug("module-level call (bumble's gatt_server does this)")


def test_by_default_only_the_projects_warnings_one_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before, a library's module-level ``logging.debug`` installed Python's default
    handler and ``WARNING:bumble.controller:!!! ...`` reached stderr."""
    configure_logging(0)
    _emit()
    assert capsys.readouterr().err == "warning: 1 stored minute re-sent with a twist\n"
    assert not any(type(h) is logging.StreamHandler for h in logging.getLogger().handlers)


def test_v_adds_information_and_library_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(1)
    _emit()
    assert capsys.readouterr().err.splitlines() == [
        "warning [bumble.controller]: !!! no connection for handle 0x0001",
        "info [devices.collector]: device 1 (huami): retry",
        "warning [ipsrt.store.samples]: 1 stored minute re-sent with a twist",
    ]
    configure_logging(2)
    _emit()
    assert "debug [root]: module-level call" in capsys.readouterr().err


def test_the_root_option_is_counted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-vv", "--version"]) == 0
    assert main(["-v", "-v", "devices", "--help"]) == 0
    handlers = [h for h in logging.getLogger().handlers if hasattr(h, "verbosity")]
    assert [h.verbosity for h in handlers] == [2]
