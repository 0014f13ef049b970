"""The served demo in Chromium: a clinician signs in with the printed login, finds the
destabilising client at the top of the caseload, and sees the life event on that
client's actogram (docs/demo.md). Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import DESKTOP, figure_traces, open_tab, screenshot, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``ipsrt demo --port 0 --json`` serving in a child process; its JSON summary."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    child = subprocess.Popen(
        [str(Path(sys.executable).parent / "ipsrt"), "demo", "--port", "0", "--json", "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        lines = []
        for line in child.stdout:  # the summary, printed once the server listens
            lines.append(line)
            if line.rstrip() == "}":
                break
        summary = json.loads("".join(lines))
        yield summary
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=60)


def _password(summary: dict[str, Any], login: str) -> str:
    return next(row["password"] for row in summary["logins"] if row["login"] == login)


def test_clinician_finds_the_destabilising_client_first_with_the_event_marked(
    browser: Any, demo: dict[str, Any]
) -> None:
    tab = open_tab(browser, demo["url"], DESKTOP)
    try:
        page = tab.page
        signed_in(page, "clinician", _password(demo, "clinician"))
        page.goto("/caseload")
        page.get_by_role("heading", name="Caseload").wait_for()
        codes = page.get_by_role("link", name=re.compile("^SYN-"))
        codes.first.wait_for()
        order = [codes.nth(i).inner_text().strip() for i in range(codes.count())]
        assert order[0] == "SYN-DEST", order
        assert len(set(order)) == 6
        screenshot(page, "demo-clinician-caseload-desktop")
        codes.first.click()
        page.wait_for_url(re.compile(r"/clients/SYN-DEST$"))
        figure_traces(page, "client-actogram")  # waits until plotly has drawn it
        labels = page.locator("#client-actogram .js-plotly-plot").evaluate(
            "gd => (gd.layout.annotations || [])"
            ".filter(a => a.name === 'life event').map(a => a.text)"
        )
        assert any("dispute" in text.lower() for text in labels), labels
        screenshot(page, "demo-clinician-actogram-desktop")
        assert tab.watch.errors == []
    finally:
        tab.close()
