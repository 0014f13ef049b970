"""Screenshots of every page that exists, for docs/user-guide.md (``make screenshots``).

Run from the repository root after pages change::

    python -m tests.browser.make_screenshots            # writes docs/images/*.png
    python -m tests.browser.make_screenshots --out DIR  # elsewhere

The pages are the rows of :data:`tests.helpers.browser.PAGE_ROWS` that
:data:`dashboard.pages.PAGES` routes (plus the server's own forms), over the
browser tests' clinic (C001 with three weeks of data and one open alert).
Client pages and the sign-in form are taken at phone width (360 px), the
clinician's and admin's at desktop width (1280 px). A page is cut at
:data:`MAX_HEIGHT` pixels so each PNG stays small; the sizes are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ipsrt.store import Store
from tests.helpers.browser import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    PageRow,
    ServedApp,
    Tab,
    Viewport,
    browser_settings,
    build_browser_clinic,
    existing_rows,
    launch_chromium,
    open_tab,
    signed_in,
    visit,
)

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
#: Pages longer than this (CSS pixels) are cut: the guide shows their top.
MAX_HEIGHT = 1800


def viewport_of(row: PageRow) -> Viewport:
    """Phone width for what clients use (their pages, signing in), desktop for the rest."""
    return PHONE if row.login in (None, "client1") else DESKTOP


def add_example_course(store: Store) -> None:
    """An IPSRT course for C001 as its clinician would record it, for the course pages' pictures:
    two sessions (the second's note shared), problem areas, three people, a life event, a plan."""
    import datetime as dt

    from ipsrt.ipt.inventory import make_rhythm_role
    from ipsrt.ipt.relapse_plan import make_relapse_plan
    from ipsrt.reports import course, inventory, life_events, notes, relapse_plan
    from ipsrt.reports.access import command_line_viewer
    from tests.helpers.browser import TZ, local_today
    from tests.helpers.dashboard import NOW

    client_id = store.client("C001").id
    assert client_id is not None
    clinician = command_line_viewer("clin1", client_id)
    today = local_today(TZ)
    start = today - dt.timedelta(days=14)
    course.start_course(store, clinician, "C001", start, now=NOW)
    for week in (0, 1):
        course.record_session(store, clinician, "C001", start + dt.timedelta(weeks=week), now=NOW)
    course.set_problem_areas(
        store, clinician, "C001", "role_transitions",
        goals="Settle into the new job; keep a regular dinner with the family.", now=NOW,
    )  # fmt: skip
    notes.write_note(
        store, clinician, "C001", 2, "We agreed to keep out-of-bed time at 07:00.",
        shared=True, now=NOW,
    )  # fmt: skip
    for label, relationship, closeness, support, conflict, roles in (
        ("Partner", "partner", 1, 3, 1, (("out_of_bed", "wakes me"),)),
        ("Mother", "mother", 2, 2, 0, (("dinner", "dinner together"),)),
        ("Team lead", "manager", 3, 1, 2, ()),
    ):
        inventory.add_person(
            store, clinician, "C001", label, relationship, closeness=closeness,
            support=support, conflict=conflict,
            rhythm_roles=tuple(make_rhythm_role(a, r) for a, r in roles), now=NOW,
        )  # fmt: skip
    life_events.add_life_event(
        store, clinician, "C001", today - dt.timedelta(days=5), "role_change", 2, "new job",
        now=NOW,
    )  # fmt: skip
    plan = make_relapse_plan(
        [("Sleeping less than six hours", ["sleep_shortening"])],
        ["Keep the out-of-bed time", "Call the clinic"],
        [("Clinic", "+49 30 000000")],
    )
    relapse_plan.save_relapse_plan(store, clinician, "C001", plan, now=NOW)


def take(out: Path) -> list[Path]:
    """Screenshot each existing page into *out*; returns the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.initialise(f"sqlite:///{Path(tmp) / 'guide.sqlite3'}")
        build_browser_clinic(store)
        add_example_course(store)
        served = ServedApp(store, browser_settings())
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright, CHROMIUM)
                tabs: dict[tuple[str | None, str], Tab] = {}
                for row in existing_rows():
                    viewport = viewport_of(row)
                    key = (row.login, viewport.name)
                    if key not in tabs:
                        tabs[key] = open_tab(browser, served.url, viewport)
                        if row.login is not None:
                            signed_in(tabs[key].page, row.login)
                    page = tabs[key].page
                    visit(page, row)
                    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
                    path = out / f"{row.slug}.png"
                    page.screenshot(
                        path=str(path),
                        full_page=True,
                        animations="disabled",
                        clip={"x": 0, "y": 0, "width": viewport.width, "height": height},
                    )
                    written.append(path)
                browser.close()
        finally:
            served.stop()
            store.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS_IMAGES, help="where the PNGs go")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: `make test` installs Debian's chromium", file=sys.stderr)
        return 1
    for path in take(args.out):
        print(f"{path.stat().st_size / 1024:6.0f} KB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
