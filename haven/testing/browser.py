"""Real headless Chromium (Debian's) for browser tests, with JavaScript off by default and a
record of every request, so tests can prove nothing left 127.0.0.1; and axe-core for
accessibility checks (`axe_violations`).

To watch a test on a developer machine: `HAVEN_BROWSER_HEADED=1` opens a visible window and
`HAVEN_BROWSER_SLOWMO=500` waits that many milliseconds before each browser action (see
docs/developers.md, "Journeys")."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# axe-core 4.14.1 from the npm registry (`npm pack axe-core@4.14.1`), MPL-2.0, its licence header
# kept: a test tool injected into pages under test, never served by Haven.
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")


@contextmanager
def chromium_page(
    *, javascript: bool = False, locale: str = "ru-RU", bypass_csp: bool = False
) -> Iterator[tuple[object, list[str]]]:
    """(page, requested_urls). Skips the test if Chromium is not installed. `bypass_csp` lets a
    test inject its own script (axe) into pages whose policy forbids every script."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/test installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still synchronous and safe, so tell Django not to refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with _browser(sync_playwright, javascript, locale, bypass_csp) as result:
            yield result
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@contextmanager
def _browser(sync_playwright, javascript: bool, locale: str, bypass_csp: bool = False):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, **launch_options())
        context = browser.new_context(
            java_script_enabled=javascript, locale=locale, bypass_csp=bypass_csp
        )
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        try:
            yield page, requested
        finally:
            context.close()
            browser.close()


def launch_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Headless unless HAVEN_BROWSER_HEADED is set; HAVEN_BROWSER_SLOWMO milliseconds between
    actions. Read when a browser starts, never at import, so a developer can set them per run."""
    env = os.environ if environ is None else environ
    headed = env.get("HAVEN_BROWSER_HEADED", "").strip().lower() in {"1", "true", "yes", "on"}
    try:
        slow_mo = max(0, int(env.get("HAVEN_BROWSER_SLOWMO", "0") or 0))
    except ValueError:
        slow_mo = 0  # a typo must not break the suite; the browser just runs at full speed
    return {"headless": not headed, "slow_mo": slow_mo}


def only_local(urls: list[str]) -> list[str]:
    """The requests that went anywhere but this machine (should be empty)."""
    return [
        u
        for u in urls
        if urlsplit(u).hostname not in {"127.0.0.1", "localhost"} and not u.startswith("data:")
    ]


def axe_violations(page: Any, *, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's violations of the given impacts (serious and critical by default) on the page
    as it is now, each as {id, impact, help, targets}. Needs a page opened with
    `chromium_page(javascript=True, bypass_csp=True)`: axe is a script, and Haven's pages allow
    none. An empty list means none were found."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v.get("impact") in impacts
    ]
